"""The contract of a books provider: what the engine, drift and trust ask of QuickBooks, Xero or
the next one, in neutral terms.

A provider is one package under `sync/providers/` with the same files: `client.py` (HTTP only),
`mapping.py` (pure: payloads ⇄ dataclasses, the wire amount), `writer.py`, `trust_writer.py`,
`readback.py`, `explain.py` and `connect.py`, whose `PROVIDER` names them all. The engine's
registry holds one line per provider; nothing outside `sync/providers/` branches on a name.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sync.models import Connection, SyncOperation, SyncSettings
    from sync.providers.documents import BooksInvoice

TRUST_ENTITY = "trust_entry"  # the outbox entity of a trust leg (see sync.trust_books.plan)
# A Clio Payments payout's processing fees (sync.payouts.fees): one bank_out leg from the
# operating bank, written by the trust writers like any other leg.
PAYOUT_FEE_ENTITY = "payout_fee"
LEG_ENTITIES = (TRUST_ENTITY, PAYOUT_FEE_ENTITY)
# A matter as the books carry it, made as a record of its own before the legs that name it
# (a QuickBooks sub-customer): local id "<way>:<Clio matter id>", the same as its link.
TRUST_MATTER_ENTITY = "trust_matter"
# What the trust writers write.
TRUST_WRITES = (*LEG_ENTITIES, TRUST_MATTER_ENTITY)

# The accounts a firm maps, by role: what the setup page calls each one.
ACCOUNT_ROLE_NAMES = {
    "fee_income": "Fee income",
    "reimbursed_expenses": "Reimbursed expenses",
    "operating_bank": "Operating bank",
    "trust_bank": "Trust bank (IOLTA)",
    "trust_liability": "Trust liability (client funds held)",
    "undeposited_funds": "Undeposited funds",
    "bank_charges": "Bank charges (trust account fees, Clio Payments fees)",
}


# -- neutral results -----------------------------------------------------------------------------


@dataclass
class Outcome:
    """What became of one operation."""

    ok: bool = False
    remote_type: str = ""
    remote_id: str = ""
    version: str = ""
    number: str = ""
    status: str = ""
    error_code: str = ""
    error_message: str = ""
    skipped: bool = False
    removed: bool = False  # the record is gone from the books: forget the link
    # Refused for throttling only (a QuickBooks batch item answered 3001): not done, not failed;
    # it goes back to the queue and is sent again when the window allows.
    throttled: bool = False
    # Further links the write made (a credit's application to its invoice).
    extra: list[tuple[str, "Outcome"]] = field(default_factory=list)


@dataclass
class Item:
    """One element of a batch, for one operation."""

    op: "SyncOperation"
    operation: str  # create, update, delete, void
    remote_type: str
    body: dict


@dataclass
class LinkNote:
    """Links a writer found or made outside the outbox, for the engine to save. Rows are
    (local id, remote type, remote id, number); a row whose remote record another link holds
    already is used, not claimed. With `replace`, the entity's links under that local-id prefix
    are forgotten first and the row is saved with its version (a QuickBooks item)."""

    entity: str
    rows: list[tuple[str, str, str, str]]
    replace: str = ""
    version: str = ""


@dataclass(frozen=True)
class BookAccount:
    id: str
    name: str
    kind: str
    subtype: str = ""


@dataclass
class BooksFacts:
    provider: str
    name: str
    home_currency: str
    custom_numbers: bool | None = None
    duplicate_warning: bool | None = None
    close_date: date | None = None
    tax_basis: str = ""
    accounts: list[BookAccount] = field(default_factory=list)
    tax_codes: list[tuple[str, str]] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    sync_token: str = ""


@dataclass(frozen=True)
class Check:
    """One line of the preflight checklist (sync.preflight), and how to fix it."""

    key: str
    label: str
    ok: bool
    detail: str = ""
    fix: str = ""
    blocking: bool = True
    fixable: bool = False


@dataclass(frozen=True)
class ConnectedAccount:
    """A company, organisation or account a sign-in gave access to."""

    external_id: str
    name: str
    detail: dict = field(default_factory=dict)  # what `release` needs to let it go again


PAYMENT_DELETED = "Deleted in the books"
PAYMENT_VOIDED = "Voided in the books"


@dataclass(frozen=True)
class PaymentSeen:
    """One customer payment as the books report it now. `gone` says why it no longer counts."""

    remote_id: str
    gone: str = ""
    amount: Decimal = Decimal("0.00")
    txn_date: date | None = None
    customer_name: str = ""
    invoice_numbers: str = ""
    invoice_ids: tuple[str, ...] = ()
    reference: str = ""
    seen_at: datetime | None = None  # created (QuickBooks) or last changed (Xero)


@dataclass(frozen=True)
class Explanation:
    """A provider's refusal in words a bookkeeper acts on, and the place to fix it."""

    text: str
    fix_label: str
    fix: str  # "settings", "closing_date", "contact", "tax", "accounts", "reconnect", "retry", ""


@dataclass(frozen=True)
class Replacement:
    """A locked invoice credited in full and written again: what drift's approval decided."""

    old_id: str
    old_number: str
    customer_id: str
    payload: dict  # the bill as the engine plans it (sync.engine.plan.bill_payload)
    number: str
    txn_date: date
    today: date
    total: "Any"  # Decimal: the old invoice's total, credited
    balance: "Any"  # what was still owed on the old invoice
    onto_new: "Any"  # what Clio has paid, carried onto the replacement
    credit_number: str = ""  # the credit note's number; "" → CR- and the old invoice's number


class Steps(Protocol):
    """A multi-step repair's memory: each step's result, saved before the next starts."""

    def done(self, step: str) -> str: ...

    def record(self, step: str, value: str) -> None: ...

    def key(self, step: str) -> str: ...


# -- what a provider does ------------------------------------------------------------------------


class BooksWriter(Protocol):
    """Planned operations in, outcomes out. HTTP only: the push records links and outcomes."""

    provider: str
    batch_max: int
    concurrency: int
    lanes: int  # loops of rounds side by side (push.Lane)
    # The share of a round's items written one at a time beside the batches (0: batches only).
    single_share: float
    book_reads: int
    invoice_type: str

    def prepare(self, entity: str, ops: "list[SyncOperation]") -> None: ...

    def match_contact(self, op: "SyncOperation", linked_remote: set[str]) -> Outcome | None: ...

    def recover(self, op: "SyncOperation", links: dict) -> Outcome | None: ...

    def recover_many(
        self, ops: "list[SyncOperation]", links: dict
    ) -> "dict[int, Outcome | None]": ...

    def build(self, op: "SyncOperation", links: dict) -> Item | Outcome | None: ...

    def send(self, items: list[Item]) -> dict[int, Outcome]: ...

    def send_single(self, item: Item) -> dict[int, Outcome]: ...

    def send_one(self, op: "SyncOperation", links: dict) -> Outcome: ...

    def links_taken(self) -> list[LinkNote]: ...

    def invoice_body(self, payload: dict, customer_id: str) -> dict: ...

    def invoice_void(self, remote_id: str, *, key: str) -> None: ...

    def invoice_replace(self, plan: Replacement, steps: Steps) -> str: ...


class TrustWriter(BooksWriter, Protocol):
    """A BooksWriter that also writes trust legs (entity TRUST_ENTITY)."""


class ReadBack(Protocol):
    """Every sales invoice in the books, as neutral rows, and the books' lock date."""

    def __call__(self, client: Any) -> "tuple[list[BooksInvoice], date | None]": ...


class LockDate(Protocol):
    """Nothing dated on or before it may change in the books."""

    def __call__(self, client: Any) -> date | None: ...


class Explain(Protocol):
    def __call__(self, code: str, message: str) -> Explanation | None: ...


@dataclass(frozen=True)
class BankDeposit:
    """Money into a bank account recorded in the books (QBO Deposit, Xero RECEIVE)."""

    remote_type: str
    remote_id: str
    date: date
    amount: Decimal


@dataclass(frozen=True)
class Provider:
    """One provider package, as the registry sees it. Clio fills only what applies to it."""

    name: str
    label: str
    account_noun: str  # what the provider calls one set of books: company, organisation
    client_build: Callable[..., Any]
    # After a sign-in: the accounts the tokens reach (api base, access token, region, query).
    identify: Callable[[str, str, str, Any], list[ConnectedAccount]] | None = None
    # Let go of the accounts the firm did not choose (api base, access token, accounts, kept id).
    release: Callable[[str, str, list[ConnectedAccount], str], None] | None = None
    writer: "Callable[[Connection, SyncSettings, Any], BooksWriter] | None" = None
    trust_writer: "Callable[[Connection, SyncSettings, Any], TrustWriter] | None" = None
    books_read: ReadBack | None = None
    lock_date: LockDate | None = None
    invoice_read: "Callable[[Any, str], BooksInvoice] | None" = None
    # Invoices' statuses now, in the books' own words (remote id → status).
    invoice_statuses: Callable[[Any, list[str]], dict[str, str]] | None = None
    books_facts: Callable[[Any], BooksFacts] | None = None
    trust_liability: Callable[[Any, str, date], Any] | None = None
    # Deposits into one bank account (mapped id or code) dated within [start, end].
    bank_deposits: Callable[[Any, str, date, date], list[BankDeposit]] | None = None
    # Payments changed since a time (and where to read again from, if the answer was cut short).
    payments_changed: (
        Callable[[Any, datetime, datetime], tuple[list[PaymentSeen], datetime | None]] | None
    ) = None
    invoice_numbers: Callable[[Any, list[str]], dict[str, str]] | None = None
    payment_type: str = ""  # the remote type of a customer payment
    # "Fix it for me" by check key: (client, facts, idempotency key) -> what was done.
    preflight_fixes: dict[str, Callable[[Any, BooksFacts, str], str]] = field(default_factory=dict)
    # The trust accounts FirmSync creates when the books lack them, by role.
    trust_accounts: dict[str, dict] = field(default_factory=dict)
    # This provider's lines of the preflight checklist, given the shared currency check.
    preflight_checks: Callable[[BooksFacts, Check, date | None], list[Check]] | None = None
    explain: Explain | None = None
    account_types: dict[str, set[str]] = field(default_factory=dict)
    matter_modes: tuple[str, ...] = ()  # how trust lines name a matter, the usual way first
    # The ways among them whose matters are outbox records of their own (TRUST_MATTER_ENTITY),
    # planned with the legs and written in batches before them, rather than made by the trust
    # writer's `prepare` while a lane holds the guard.
    matter_records: tuple[str, ...] = ()
    matter_modes_hint: str = ""  # what to choose instead of a way these books do not offer
    has_drafts: bool = False
    invoice_url: str = ""
    daily_cap: int | None = None
    limits_note: str = ""
