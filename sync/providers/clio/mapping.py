"""Pure: Clio JSON ⇄ our dataclasses. Money becomes Decimal here and nowhere else."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sync.providers.amounts import money, wire_amount

CONTACT_FIELDS = (
    "id,etag,name,first_name,last_name,type,primary_email_address,primary_phone_number,updated_at"
)
MATTER_FIELDS = "id,etag,display_number,description,status,client{id,name},updated_at"
BILL_FIELDS = (
    "id,etag,number,state,issued_at,due_at,sub_total,total_tax,total,paid,balance,credits_issued,"
    "discount,client{id,name},matters{id,display_number},updated_at"
)
LINE_FIELDS = (
    "id,etag,type,kind,description,date,quantity,price,total,tax,taxable,bill{id},updated_at"
)
ALLOCATION_FIELDS = "id,etag,date,amount,voided_at,bill{id},parent{id,type},updated_at"
BANK_ACCOUNT_FIELDS = (
    "id,etag,name,type,default_account,currency,balance,institution,account_number,updated_at"
)
BANK_TRANSACTION_FIELDS = (
    "id,etag,type,date,amount,description,transaction_type,bank_account_id,funds_in,funds_out,"
    "confirmation,matter{id},client{id},bill{id},allocation{id},updated_at"
)

# The index's fields (spec ClioPaymentsPayment): no etag, no fee, no payout id.
CLIO_PAYMENT_FIELDS = (
    "id,amount,state,confirmation_number,created_at,updated_at,contact{id},bills{id},"
    "bank_transaction{id,date}"
)


def _date(value) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _dt(value) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


@dataclass(frozen=True)
class ClioContact:
    id: int
    etag: str
    name: str
    type: str
    first_name: str
    last_name: str
    email: str
    phone: str
    updated_at: datetime | None


def contact(d: dict) -> ClioContact:
    return ClioContact(
        id=d["id"],
        etag=d.get("etag", ""),
        name=d.get("name") or "",
        type=d.get("type", ""),
        first_name=d.get("first_name") or "",
        last_name=d.get("last_name") or "",
        email=d.get("primary_email_address") or "",
        phone=d.get("primary_phone_number") or "",
        updated_at=_dt(d.get("updated_at")),
    )


@dataclass(frozen=True)
class ClioMatter:
    id: int
    etag: str
    display_number: str
    description: str
    status: str
    client_id: int | None
    updated_at: datetime | None


def matter(d: dict) -> ClioMatter:
    return ClioMatter(
        id=d["id"],
        etag=d.get("etag", ""),
        display_number=d.get("display_number") or "",
        description=d.get("description") or "",
        status=d.get("status") or "",
        client_id=(d.get("client") or {}).get("id"),
        updated_at=_dt(d.get("updated_at")),
    )


@dataclass(frozen=True)
class ClioBill:
    id: int
    etag: str
    number: str
    state: str
    issued_at: date | None
    due_at: date | None
    client_id: int | None
    matter_ids: tuple[int, ...]
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    paid: Decimal
    balance: Decimal
    credits_issued: Decimal
    updated_at: datetime | None

    @property
    def is_approved(self) -> bool:
        return self.state in ("awaiting_payment", "paid")


def bill(d: dict) -> ClioBill:
    return ClioBill(
        id=d["id"],
        etag=d.get("etag", ""),
        number=str(d.get("number") or ""),
        state=d.get("state", ""),
        issued_at=_date(d.get("issued_at")),
        due_at=_date(d.get("due_at")),
        client_id=(d.get("client") or {}).get("id"),
        matter_ids=tuple(m["id"] for m in d.get("matters") or []),
        sub_total=money(d.get("sub_total")),
        total_tax=money(d.get("total_tax")),
        total=money(d.get("total")),
        paid=money(d.get("paid")),
        balance=money(d.get("balance")),
        credits_issued=money(d.get("credits_issued")),
        updated_at=_dt(d.get("updated_at")),
    )


@dataclass(frozen=True)
class ClioLine:
    id: int
    etag: str
    bill_id: int | None
    type: str
    description: str
    date: date | None
    quantity: Decimal
    price: Decimal
    total: Decimal
    taxable: bool


def line(d: dict) -> ClioLine:
    return ClioLine(
        id=d["id"],
        etag=d.get("etag", ""),
        bill_id=(d.get("bill") or {}).get("id"),
        # kind (Service, Expense) says fee or disbursement; type only says ActivityLineItem.
        type=d.get("kind") or d.get("type") or "",
        description=d.get("description") or "",
        date=_date(d.get("date")),
        quantity=Decimal(str(d.get("quantity") or 0)),
        price=money(d.get("price")),
        total=money(d.get("total")),
        taxable=bool(d.get("taxable")),
    )


@dataclass(frozen=True)
class ClioAllocation:
    id: int
    etag: str
    date: date | None
    amount: Decimal
    bill_id: int | None
    parent_id: int | None
    parent_type: str
    voided: bool
    updated_at: datetime | None


def allocation(d: dict) -> ClioAllocation:
    parent = d.get("parent") or {}
    return ClioAllocation(
        id=d["id"],
        etag=d.get("etag", ""),
        date=_date(d.get("date")),
        amount=money(d.get("amount")),
        bill_id=(d.get("bill") or {}).get("id"),
        parent_id=parent.get("id"),
        parent_type=parent.get("type", ""),
        voided=bool(d.get("voided_at")),
        updated_at=_dt(d.get("updated_at")),
    )


@dataclass(frozen=True)
class ClioBankTransaction:
    id: int
    etag: str
    date: date | None
    amount: Decimal
    description: str
    transaction_type: str
    bank_account_id: int | None
    matter_id: int | None
    client_id: int | None
    updated_at: datetime | None
    funds_in: Decimal = Decimal("0.00")
    funds_out: Decimal = Decimal("0.00")
    confirmation: str = ""
    bill_id: int | None = None  # set when the transaction paid a bill (a payment from trust)
    allocation_id: int | None = None


def bank_transaction(d: dict) -> ClioBankTransaction:
    return ClioBankTransaction(
        id=d["id"],
        etag=d.get("etag", ""),
        date=_date(d.get("date")),
        amount=money(d.get("amount")),
        description=d.get("description") or "",
        transaction_type=d.get("transaction_type") or d.get("type") or "",
        bank_account_id=d.get("bank_account_id"),
        matter_id=(d.get("matter") or {}).get("id"),
        client_id=(d.get("client") or {}).get("id"),
        updated_at=_dt(d.get("updated_at")),
        funds_in=money(d.get("funds_in")),
        funds_out=money(d.get("funds_out")),
        confirmation=str(d.get("confirmation") or ""),
        bill_id=(d.get("bill") or {}).get("id"),
        allocation_id=(d.get("allocation") or {}).get("id"),
    )


def trust_request_payload(
    *,
    client_id: int,
    amount: Decimal,
    issue_date: date,
    due_date: date,
    note: str,
    matter_id: int | None,
) -> dict:
    """A trust request's `data` (Clio's TrustRequest#create): the amount through the one wire
    helper, on the matter when there is one."""
    data: dict = {
        "client_id": client_id,
        "trust_amount": wire_amount(amount),
        "issue_date": issue_date.isoformat(),
        "due_date": due_date.isoformat(),
        "approved": True,
        "note": note,
        "trust_type": "matter" if matter_id else "client",
    }
    if matter_id:
        data["matter"] = [{"id": matter_id, "trust_amount": wire_amount(amount), "note": note}]
    return data


@dataclass(frozen=True)
class ClioPaymentsPayment:
    id: int
    amount: Decimal
    state: str
    deposit_date: date | None  # the operating deposit's date; else the day it was taken
    confirmation_number: str
    contact_id: int | None
    bill_ids: list[int]
    updated_at: datetime | None


def clio_payment(d: dict) -> ClioPaymentsPayment:
    deposit = d.get("bank_transaction") or {}
    return ClioPaymentsPayment(
        id=d["id"],
        amount=money(d.get("amount")),
        state=d.get("state") or "",
        deposit_date=_date(deposit.get("date")) or _date(d.get("created_at")),
        confirmation_number=d.get("confirmation_number") or "",
        contact_id=(d.get("contact") or {}).get("id"),
        bill_ids=[b["id"] for b in d.get("bills") or [] if b.get("id") is not None],
        updated_at=_dt(d.get("updated_at")),
    )
