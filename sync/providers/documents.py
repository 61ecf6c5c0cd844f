"""Both sides of a bill in neutral terms: the Clio bill and the invoice in the books as `Doc`s
(money as Decimal cents, statuses in our own words: draft, open, paid, voided, deleted), and
what comparing them finds. Pure: no database, no HTTP."""

import datetime
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
_SPACES = re.compile(r"\s+")
GONE = ("voided", "deleted")
CLIO_STATUS = {
    "draft": "draft",
    "awaiting_approval": "draft",
    "awaiting_payment": "open",
    "paid": "paid",
    "void": "voided",
    "deleted": "deleted",
}
WORDS = {
    "draft": "Draft",
    "open": "approved",
    "paid": "paid",
    "voided": "void",
    "deleted": "deleted",
}


def cents(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, ROUND_HALF_UP)


def text(value: str | None) -> str:
    """Descriptions compare without outer or repeated inner whitespace."""
    return _SPACES.sub(" ", value or "").strip()


@dataclass(frozen=True)
class Line:
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    tax: str = ""

    @property
    def exact(self) -> bool:
        """Quantity times rate makes the amount to the cent. When it does not, the push writes a
        quantity of one at the line's amount, so quantity and rate cannot be compared."""
        return self.quantity != 1 and (self.quantity * self.rate).quantize(CENT) == self.amount

    def as_dict(self) -> dict:
        return {
            "description": self.description,
            "quantity": qty_text(self.quantity),
            "rate": f"{self.rate:.2f}",
            "amount": f"{self.amount:.2f}",
            "tax": self.tax,
        }


@dataclass(frozen=True)
class Doc:
    """One side of a bill: the Clio bill or the invoice in the books."""

    number: str
    status: str  # draft, open, paid, voided, deleted
    date: datetime.date | None
    due: datetime.date | None
    customer: str  # Clio: the contact's Clio id; books: the remote customer id
    customer_name: str
    lines: tuple[Line, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    balance: Decimal

    def as_dict(self) -> dict:
        """The shape of FlaggedBill.clio_side / books_side."""
        return {
            "number": self.number,
            "status": WORDS.get(self.status, self.status),
            "date": self.date.isoformat() if self.date else "",
            "due": self.due.isoformat() if self.due else "",
            "customer": self.customer_name,
            "lines": [ln.as_dict() for ln in self.lines],
            "subtotal": f"{self.subtotal:.2f}",
            "tax": f"{self.tax:.2f}",
            "total": f"{self.total:.2f}",
            "paid": f"{self.paid:.2f}",
            "balance": f"{self.balance:.2f}",
        }


@dataclass(frozen=True)
class ClioBill:
    clio_id: int
    doc: Doc
    remote_id: str = ""  # the linked invoice, "" when none
    customer_remote_id: str = ""  # the books customer the client is linked to
    in_scope: bool = True  # approved, on or after the start date: it belongs in the books
    payment_remote_ids: tuple[str, ...] = ()  # linked payments/credits of its allocations
    replaced_remote_id: str = ""  # an invoice this bill's invoice replaced (credit-and-replace)


@dataclass(frozen=True)
class BooksInvoice:
    remote_id: str
    doc: Doc
    version: str = ""
    payment_ids: tuple[str, ...] = ()  # payments and credits allocated to it
    locked: str = ""  # why the books refuse changes to its lines, in plain words; "" when free
    period_locked: bool = False  # dated in a closed period: even a payment dated in it is refused
    remote_status: str = ""  # the status in the books' own word (ExternalLink.remote_status)


@dataclass
class Finding:
    kind: str  # Drift.Kind values
    key: str
    bill_clio_id: int | None
    remote_id: str
    number: str
    client_name: str
    summary: str
    differences: list[dict] = field(default_factory=list)
    amount: Decimal = Decimal("0.00")
    repair: dict = field(default_factory=dict)  # {kind, summary, safe}


@dataclass(frozen=True)
class Options:
    has_drafts: bool  # Xero keeps drafts; QuickBooks invoices are always live
    books_name: str  # "Xero", "QuickBooks"
    number_prefix: str = ""  # written before Clio's number (SyncSettings.invoice_number_prefix)


def qty_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def lock_fields(day: date | None, closed: date | None, allocated: bool, closed_words: str) -> dict:
    """Why an invoice in the books may not change: what is allocated to it, a closed period."""
    period = bool(day and closed and day <= closed)
    reasons = []
    if allocated:
        reasons.append("payments or credits are allocated to it")
    if period and closed:
        reasons.append(f"{closed_words} up to {closed.isoformat()}")
    return {"locked": " and ".join(reasons), "period_locked": period}


def day_of(value) -> date | None:
    """An ISO date, or the date part of an ISO timestamp; None for anything else."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
