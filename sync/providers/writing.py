"""What every books writer shares: the mapped accounts, our markers on records, the request key.

A writer knows one provider: how a provider-neutral payload becomes a batch element, how to find a
record that may already be there (a run cut off after the provider saved it), and what its answers
mean. It reads links but writes none: what it finds or makes on the way (an item, a matter's
customer) is noted in `links_new`, and the engine saves it (sync.engine.links). `send` may run in
several threads.
"""

from datetime import date

from sync.models import Connection, SyncOperation, SyncSettings
from sync.providers.base import Item, LinkNote, Outcome
from sync.providers.http import idempotency_key

# Above this many contact creates in one push, one read of the whole customer list is cheaper
# than a search per contact.
READ_ALL_CONTACTS_OVER = 20


# Keys asked for in one look-up: the request stays far below any URL length a provider takes.
KEYS_PER_LOOKUP = 25


def in_chunks(keys, size: int = KEYS_PER_LOOKUP) -> list[list]:
    keys = list(keys)
    return [keys[i : i + size] for i in range(0, len(keys), size)]


def keyed(ops, entity: str, actions: tuple[str, ...], key) -> dict[str, list]:
    """The operations of `entity` doing one of `actions`, by the key `key(payload)` finds them
    by in the books (None: nothing to find them by)."""
    found: dict[str, list] = {}
    for op in ops:
        if op.entity == entity and op.action in actions:
            value = key(op.payload)
            if value is not None:
                found.setdefault(str(value), []).append(op)
    return found


def failed(code: str, message: str) -> Outcome:
    return Outcome(error_code=code, error_message=message)


def payment_reference(clio_id) -> str:
    """Our marker on a payment in the books: a re-run finds its own by it, the watcher skips it."""
    return f"Clio {clio_id}"


def contact_number(clio_id) -> str:
    return f"CLIO-{clio_id}"


def credit_number(p: dict) -> str:
    """The credit note's number: the plan's (behind the firm's prefix), else CR- and its id."""
    return p.get("number") or f"CR-{p['clio_id']}"[:21]


def line_text(x: dict) -> str:
    return (x.get("description") or "").strip()[:4000] or (
        "Expense" if x["type"] == "Expense" else "Services"
    )


def day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def dependency(what: str, clio_id) -> Outcome:
    return failed(
        "dependency",
        f"Its {what} (Clio id {clio_id}) is not in the books yet; it goes once that is fixed.",
    )


def op_key(op: SyncOperation, *extra) -> str:
    """A single write's key: the operation, its attempt (see `Writer.chunk_key`), and the step."""
    return idempotency_key(op.idempotency_key, op.attempts, *extra)


def outcome_of(remote_type: str, entity) -> Outcome:
    """A typed record the provider answered with, as an outcome."""
    return Outcome(
        ok=True,
        remote_type=remote_type,
        remote_id=str(entity.id),
        version=str(getattr(entity, "version", "") or ""),
        number=str(getattr(entity, "number", "") or ""),
        status=str(getattr(entity, "status", "") or ""),
    )


class Writer:
    provider = ""
    batch_max = 1
    concurrency = 1
    lanes = 1
    single_share = 0.0
    invoice_type = ""

    def __init__(self, connection: Connection, cfg: SyncSettings, client):
        self.connection = connection
        self.cfg = cfg
        self.client = client
        self.book_reads = 0
        self.links_new: list[LinkNote] = []

    def account(self, role: str) -> str:
        return str((self.cfg.accounts.get(role) or {}).get("id", ""))

    def tax_code(self, taxable: bool) -> str:
        return (self.cfg.tax_mapping or {}).get("taxable" if taxable else "exempt", "")

    def recover(self, op: SyncOperation, links: dict) -> Outcome | None:
        """An operation that may have reached the books before, found by its natural key."""
        return None

    def recover_many(self, ops: list[SyncOperation], links: dict) -> dict[int, Outcome | None]:
        """What `recover` finds for each operation. A provider whose query language asks for
        many keys at once answers in a call per kind of record and chunk, not per record: a
        worker killed mid-round leaves a round's claims, and looking for each alone would spend
        minutes of a tight budget (Xero's 60 calls a minute) before anything new is written."""
        return {op.pk: self.recover(op, links) for op in ops}

    def send_single(self, item: Item) -> dict[int, Outcome]:
        """Only for a writer whose `single_share` is above 0."""
        raise NotImplementedError

    def links_taken(self) -> list[LinkNote]:
        """The links noted since the last call, for the engine to save."""
        taken, self.links_new = self.links_new, []
        return taken

    def _remember(self, entity, local_id, remote_type, remote_id, number="") -> None:
        self.links_new.append(LinkNote(entity, [(local_id, remote_type, remote_id, number)]))

    def _remember_many(self, entity: str, rows: list[tuple[str, str, str, str]]) -> None:
        if rows:
            self.links_new.append(LinkNote(entity, rows))

    @staticmethod
    def chunk_key(items: list[Item]) -> str:
        """The same operations on the same attempt make the same request key, so a resend
        replays. A later attempt (a retry after a refusal, which the provider would replay as
        refused) gets a new key; it looks for its record in the books before it writes."""
        return idempotency_key(*sorted(f"{i.op.idempotency_key}:{i.op.attempts}" for i in items))
