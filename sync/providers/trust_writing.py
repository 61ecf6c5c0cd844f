"""What the trust writers of every provider share (see sync.trust_books.plan for the legs).

Each leg is one element of the provider's batch, so the push sends trust writes exactly as it
sends invoices: 30 to a QuickBooks batch, 50 to a Xero save, each answered on its own. Before a
round is built, `prepare` makes sure every matter it names exists in the books the way the firm
chose to carry matters (a QuickBooks sub-customer or class, a Xero tracking option) and
notes it as a link, so that happens once per matter, not once per entry.

Every record carries our marker (`trust_marker`), by which a re-claimed leg finds itself in the
books before it writes again.
"""

from sync.models import Connection, ExternalLink, SyncOperation, SyncSettings
from sync.providers.base import ACCOUNT_ROLE_NAMES, TRUST_ENTITY, Outcome
from sync.providers.writing import Writer, failed

BY = SyncSettings.TrustMatterBy
MATTER_LINK = "trust_matter"


def trust_marker(op: SyncOperation) -> str:
    return f"FirmSync trust {op.local_id}"


def matter_label(matter: dict) -> str:
    label = matter.get("number") or matter.get("description") or f"Matter {matter['clio_id']}"
    return " ".join(label.split())


def matters_of(ops: list[SyncOperation]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for op in ops:
        for line in op.payload.get("lines", []):
            if line.get("matter"):
                found[str(line["matter"]["clio_id"])] = line["matter"]
    return found


def client_links(connection: Connection, matters: dict[str, dict]) -> dict[str, str]:
    """The books' contact of each matter's client that is already linked, in one query."""
    ids = {str(m["client"]["clio_id"]) for m in matters.values() if m.get("client")}
    rows = ExternalLink.objects.filter(connection=connection, entity="contact", local_id__in=ids)
    return dict(rows.values_list("local_id", "remote_id"))


class TrustMixin(Writer):
    """What both providers share: the links to matters, and the mapped accounts by role."""

    connection: Connection
    cfg: SyncSettings
    matter_modes: tuple[str, ...] = ()  # how these books can carry a matter, the usual way first

    def _matter_mode(self) -> str:
        """The firm's choice when these books offer it (a firm may have changed books since),
        else the books' usual way."""
        chosen = self.cfg.trust_matter_by
        if chosen in self.matter_modes:
            return chosen
        return self.matter_modes[0]

    def _matter_links(self, mode: str) -> dict[str, ExternalLink]:
        rows = ExternalLink.objects.filter(
            connection=self.connection, entity=MATTER_LINK, local_id__startswith=f"{mode}:"
        )
        return {row.local_id.split(":", 1)[1]: row for row in rows}

    def _unmapped(self, op) -> Outcome | None:
        p = op.payload
        roles = {ln["account"] for ln in p.get("lines", [])} | {
            p.get("bank"),
            p.get("from"),
            p.get("to"),
        }
        missing = sorted(r for r in roles if r and not self.account(r))
        if missing:
            names = ", ".join(ACCOUNT_ROLE_NAMES[r] for r in missing)
            return failed("unmapped", f"Map these accounts in the sync settings first: {names}.")
        return None

    def recover(self, op: SyncOperation, links: dict) -> Outcome | None:
        return self.recover_many([op], links)[op.pk]

    def recover_many(self, ops: list[SyncOperation], links: dict) -> dict[int, Outcome | None]:
        legs = [op for op in ops if op.entity == TRUST_ENTITY]
        found = super().recover_many([op for op in ops if op.entity != TRUST_ENTITY], links)
        if legs:
            found.update(self._find_legs(legs))
        return found

    def _find_legs(self, ops: list[SyncOperation]) -> dict[int, Outcome | None]:
        """Each leg in the books by our marker, or None (each provider's trust writer)."""
        raise NotImplementedError
