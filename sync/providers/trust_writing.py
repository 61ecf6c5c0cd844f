"""What the trust writers of every provider share (see sync.trust_books.plan for the legs).

Each leg is one element of the provider's batch, so the push sends trust writes exactly as it
sends invoices: 30 to a QuickBooks batch, 50 to a Xero save, each answered on its own. Before a
round is built, `prepare` makes sure every matter it names exists in the books the way the firm
chose to carry matters (a QuickBooks sub-customer or class, a Xero tracking option) and
notes it as a link, so that happens once per matter, not once per entry.

Every record carries our marker (`trust_marker`), by which a re-claimed leg finds itself in the
books before it writes again. The marker names the entry, and entry ids are unique across a
firm's trust accounts, so a leg is found whichever bank account it was written to.

A firm may hold several trust accounts (one per state, an interest-bearing one for one large
client). A leg names its trust roles for its own account, `trust_bank:<trust account id>`, and
the writer looks that account's bank and liability up in the settings when it writes
(`trust_account_books`): a leg that failed for want of a mapping goes through on the retry
after the firm maps it.
"""

from functools import cached_property

from sync.models import Connection, ExternalLink, SyncOperation, SyncSettings
from sync.providers.base import (
    ACCOUNT_ROLE_NAMES,
    LEG_ENTITIES,
    TRUST_MATTER_ENTITY,
    TRUST_WRITES,
    Outcome,
)
from sync.providers.writing import Writer, failed
from trust.models import TrustAccount

BY = SyncSettings.TrustMatterBy
MATTER_LINK = TRUST_MATTER_ENTITY
# The roles each trust account has of its own; every other role (operating bank, fee income,
# bank charges) is the firm's, one for all its trust accounts.
PER_ACCOUNT = {"trust_bank": "bank", "trust_liability": "liability"}


def account_role(role: str, trust_account_id: int) -> str:
    """`role` as one trust account's (`trust_bank:12`), or unchanged for a firm-wide role."""
    return f"{role}:{trust_account_id}" if role in PER_ACCOUNT else role


def trust_account_books(
    cfg: SyncSettings, *, account_id: int, primary_id: int | None
) -> dict[str, dict]:
    """Where one trust account's money sits in the books: role → {id, name}; a role left out
    is not mapped. The account's own mapping first. The primary account, mapped before firms
    could map each account, falls back to the trust_bank role, unless another account claims
    that bank (the primary changed in Clio): two trust accounts are never written to one bank,
    since each has its own bank statement to reconcile. Every account without a liability of
    its own shares the firm's trust liability."""
    own = (cfg.trust_accounts or {}).get(str(account_id)) or {}
    found = {}
    bank = own.get("bank")
    if not bank and account_id == primary_id:
        fallback = (cfg.accounts or {}).get("trust_bank")
        claimed = {
            str((m.get("bank") or {}).get("id"))
            for key, m in (cfg.trust_accounts or {}).items()
            if key != str(account_id)
        }
        if fallback and str(fallback["id"]) not in claimed:
            bank = fallback
    if bank:
        found["trust_bank"] = bank
    liability = own.get("liability") or (cfg.accounts or {}).get("trust_liability")
    if liability:
        found["trust_liability"] = liability
    return found


def matter_mode(chosen: str, modes: tuple[str, ...]) -> str:
    """The firm's way of carrying matters when these books offer it (a firm may have changed
    books since), else the books' usual way."""
    return chosen if chosen in modes else modes[0]


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


def _role_name(role: str, payload: dict) -> str:
    base, _, account_id = role.partition(":")
    name = ACCOUNT_ROLE_NAMES[base]
    if not account_id:
        return name
    account = (payload.get("trust_account") or {}).get("name") or f"trust account {account_id}"
    return f"{name} of {account}"


class TrustMixin(Writer):
    """What both providers share: the links to matters, and the mapped accounts by role."""

    connection: Connection
    cfg: SyncSettings
    matter_modes: tuple[str, ...] = ()  # how these books can carry a matter, the usual way first

    def _matter_mode(self) -> str:
        return matter_mode(self.cfg.trust_matter_by, self.matter_modes)

    def _matter_links(self, mode: str) -> dict[str, ExternalLink]:
        rows = ExternalLink.objects.filter(
            connection=self.connection, entity=MATTER_LINK, local_id__startswith=f"{mode}:"
        )
        return {row.local_id.split(":", 1)[1]: row for row in rows}

    @cached_property
    def _primary_trust_account(self) -> int | None:
        return (
            TrustAccount.objects.filter(firm_id=self.connection.firm_id, is_primary=True)
            .values_list("pk", flat=True)
            .first()
        )

    def account(self, role: str) -> str:
        base, _, account_id = role.partition(":")
        if not account_id:
            return super().account(role)
        mapped = trust_account_books(
            self.cfg, account_id=int(account_id), primary_id=self._primary_trust_account
        )
        return str((mapped.get(base) or {}).get("id", ""))

    def _unmapped(self, op) -> Outcome | None:
        p = op.payload
        roles = {ln["account"] for ln in p.get("lines", [])} | {
            p.get("bank"),
            p.get("from"),
            p.get("to"),
        }
        missing = sorted(r for r in roles if r and not self.account(r))
        if missing:
            names = ", ".join(_role_name(r, p) for r in missing)
            return failed("unmapped", f"Map these accounts in the sync settings first: {names}.")
        return None

    def recover(self, op: SyncOperation, links: dict) -> Outcome | None:
        return self.recover_many([op], links)[op.pk]

    def recover_many(self, ops: list[SyncOperation], links: dict) -> dict[int, Outcome | None]:
        legs = [op for op in ops if op.entity in LEG_ENTITIES]
        matters = [op for op in ops if op.entity == TRUST_MATTER_ENTITY]
        others = [op for op in ops if op.entity not in TRUST_WRITES]
        found = super().recover_many(others, links)
        if legs:
            found.update(self._find_legs(legs))
        if matters:
            found.update(self._find_matters(matters))
        return found

    def _find_matters(self, ops: list[SyncOperation]) -> dict[int, Outcome | None]:
        """Each matter record in the books by its name, or None (a writer whose books carry
        matters as records of their own: `Provider.matter_records`)."""
        return {op.pk: None for op in ops}

    def _find_legs(self, ops: list[SyncOperation]) -> dict[int, Outcome | None]:
        """Each leg in the books by our marker, or None (each provider's trust writer)."""
        raise NotImplementedError
