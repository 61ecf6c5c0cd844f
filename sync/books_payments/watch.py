"""Books watch: payments recorded straight in the books that Clio does not know about.

FirmSync links every payment it pushes (ExternalLink; remote type "Payment" in QuickBooks,
"Payments" in Xero). Any other receipt in the books is one Clio is missing: the books call the
invoice paid while Clio still chases the bill. Each one becomes a BooksOnlyPayment, shown until a
person deals with it or it is deleted in the books. Never silently ignored.

Like the Clio pull, a cursor per books connection keeps each pass to what changed: the time the
previous pass started, less a minute for clock skew.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import audit_record
from sync.engine.registry import client_for
from sync.models import BooksOnlyPayment, Connection, ExternalLink, Provider, PullCursor, Side
from sync.providers.quickbooks import mapping as qbo

CURSOR = "books_payments"
CHUNK = 500
SKEW = timedelta(minutes=1)
FIRST_LOOKBACK = timedelta(days=30)
# CDC refuses a changedSince more than 30 days back (2010); the margin absorbs the seconds the
# request takes to arrive.
CDC_REACH = timedelta(days=30) - timedelta(minutes=5)
CDC_MAX = 1000  # objects in one CDC answer; a full answer may have left some out
# Our push writes the payment, then commits its link: a payment this young may be ours in flight.
FRESH = timedelta(minutes=2)
# The push writes "Clio <allocation id>" in PaymentRefNum (QuickBooks) / Reference (Xero):
# writers.payment_reference.
OUR_MARKER = "Clio "
REMOTE_TYPE = {Provider.QUICKBOOKS: "Payment", Provider.XERO: "Payments"}
# Xero's Payments also pay supplier bills (ACCPAYPAYMENT) and refund credit notes; only a customer
# paying a sales invoice is money Clio should know about. QuickBooks keeps those apart already
# (BillPayment, RefundReceipt are other entities).
XERO_RECEIPT = "ACCRECPAYMENT"
DELETED = "Deleted in the books"
VOIDED = "Voided in the books"
UPDATED_FIELDS = ["amount", "date", "customer_name", "invoice_numbers", "reference"]


@dataclass(frozen=True)
class Seen:
    """One payment as the books report it now. `gone` says why it no longer counts."""

    remote_id: str
    gone: str = ""
    amount: Decimal = Decimal("0.00")
    txn_date: date | None = None
    customer_name: str = ""
    invoice_numbers: str = ""
    invoice_ids: tuple[str, ...] = ()
    reference: str = ""
    seen_at: datetime | None = None  # created (QuickBooks) or last changed (Xero)


@dataclass
class Plan:
    new: list[Seen] = field(default_factory=list)
    changed: list[tuple[BooksOnlyPayment, Seen]] = field(default_factory=list)
    gone: list[tuple[BooksOnlyPayment, str]] = field(default_factory=list)
    hold: datetime | None = None  # read again from here: a young payment was left for later


def _chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _earliest(*stamps: datetime | None) -> datetime | None:
    present = [s for s in stamps if s is not None]
    return min(present) if present else None


# -- reading the books -------------------------------------------------------------------------


def _quickbooks_seen(change: qbo.Change) -> Seen:
    if change.deleted:
        return Seen(remote_id=change.id, gone=DELETED)
    p: qbo.RemotePayment = change.record
    if p.voided:
        return Seen(remote_id=p.id, gone=VOIDED)
    return Seen(
        remote_id=p.id,
        amount=p.total,
        txn_date=p.txn_date,
        customer_name=p.customer_name,
        invoice_ids=p.invoice_ids,
        reference=p.reference,
        seen_at=p.created_at,
    )


def _read_quickbooks(client, since: datetime, now: datetime) -> tuple[list[Seen], datetime | None]:
    since = max(since, now - CDC_REACH)
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture
    # (deleted payments come back as stubs with status "Deleted")
    changes = [c for c in client.cdc(["Payment"], since) if c.entity == "Payment"]
    hold = None
    if len(changes) >= CDC_MAX:
        # A full answer may be cut short: carry on from the newest change it holds.
        hold = max(datetime.fromisoformat(c.updated) for c in changes if c.updated)
    return [_quickbooks_seen(c) for c in changes], hold


def _read_xero(client, since: datetime, now: datetime) -> tuple[list[Seen], datetime | None]:
    # https://developer.xero.com/documentation/api/accounting/payments#get-payments
    # (If-Modified-Since; a deleted payment comes back with Status DELETED)
    payments = client.read_all("Payments", modified_since=since)
    seen = [
        Seen(
            remote_id=p.id,
            gone=DELETED if p.status == "DELETED" else "",
            amount=p.amount,
            txn_date=p.txn_date,
            customer_name=p.contact_name,
            invoice_numbers=p.invoice_number,
            reference=p.reference,
            seen_at=p.updated_at,
        )
        for p in payments
        if p.payment_type in ("", XERO_RECEIPT)
    ]
    return seen, None


READERS = {Provider.QUICKBOOKS: _read_quickbooks, Provider.XERO: _read_xero}


def _quickbooks_numbers(client, plan: Plan) -> None:
    """A QuickBooks payment names its invoices by Id only; people know them by DocNumber."""
    shown = plan.new + [s for _, s in plan.changed]
    wanted = sorted({i for s in shown for i in s.invoice_ids})
    if not wanted:
        return
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#query-an-invoice
    found = client.find_where("Invoice", f"Id IN ({', '.join(qbo.quote(i) for i in wanted)})")
    numbers = {inv.id: inv.number or inv.id for inv in found}

    def named(s: Seen) -> Seen:
        return replace(s, invoice_numbers=", ".join(numbers.get(i, i) for i in s.invoice_ids))

    plan.new = [named(s) for s in plan.new]
    plan.changed = [(row, named(s)) for row, s in plan.changed]


# -- deciding and writing -------------------------------------------------------------------------


def _plan(conn: Connection, seen: list[Seen], now: datetime) -> Plan:
    remote_type = REMOTE_TYPE[conn.provider]
    ids = [s.remote_id for s in seen]
    linked = set(
        ExternalLink.objects.filter(
            connection=conn, remote_type=remote_type, remote_id__in=ids
        ).values_list("remote_id", flat=True)
    )
    known = {
        p.remote_id: p
        for p in BooksOnlyPayment.objects.filter(
            connection=conn, remote_type=remote_type, remote_id__in=ids
        )
    }
    plan = Plan()
    for s in {s.remote_id: s for s in seen}.values():
        row = known.get(s.remote_id)
        if s.gone:
            if row is not None and row.resolved_at is None:
                plan.gone.append((row, s.gone))
        elif s.remote_id in linked or s.reference.startswith(OUR_MARKER):
            continue
        elif row is not None:
            plan.changed.append((row, s))
        elif s.seen_at is not None and now - s.seen_at < FRESH:
            plan.hold = _earliest(plan.hold, s.seen_at)
        else:
            plan.new.append(s)
    return plan


def _row(conn: Connection, s: Seen, now: datetime) -> BooksOnlyPayment:
    return BooksOnlyPayment(
        firm_id=conn.firm_id,
        connection=conn,
        remote_type=REMOTE_TYPE[conn.provider],
        remote_id=s.remote_id,
        amount=s.amount,
        date=s.txn_date,
        customer_name=s.customer_name[:255],
        invoice_numbers=s.invoice_numbers[:255],
        reference=s.reference[:255],
        detected_at=now,
    )


def _refresh(row: BooksOnlyPayment, s: Seen) -> BooksOnlyPayment:
    """A payment edited in the books: the card shows it as it is now."""
    row.amount, row.date, row.reference = s.amount, s.txn_date, s.reference[:255]
    row.customer_name, row.invoice_numbers = s.customer_name[:255], s.invoice_numbers[:255]
    return row


def _write(conn: Connection, plan: Plan, now: datetime) -> int:
    with transaction.atomic():
        # Two overlapping passes may both find a payment: the unique constraint keeps one row,
        # and only rows stamped with this pass's time count as found by it.
        BooksOnlyPayment.objects.bulk_create(
            [_row(conn, s, now) for s in plan.new], ignore_conflicts=True
        )
        BooksOnlyPayment.objects.bulk_update(
            [_refresh(row, s) for row, s in plan.changed], UPDATED_FIELDS
        )
        for row, reason in plan.gone:
            resolved = BooksOnlyPayment.objects.filter(pk=row.pk, resolved_at__isnull=True)
            if resolved.update(resolved_at=now, resolution=reason):
                audit_record(
                    firm=conn.firm,
                    actor=None,
                    action="books_payment.resolved",
                    obj=row,
                    after={"resolution": reason, "amount": str(row.amount)},
                )
    created = [s.remote_id for s in plan.new]
    return BooksOnlyPayment.objects.filter(
        connection=conn, remote_id__in=created, detected_at=now
    ).count()


def books_payments_scan(*, connection_id: int) -> int:
    """Record the books' payments that FirmSync did not push; resolve the ones deleted there.
    Returns how many new books-only payments this pass found."""
    conn = Connection.objects.select_related("firm").get(pk=connection_id, side=Side.BOOKS)
    cursor, _ = PullCursor.objects.get_or_create(connection=conn, resource=CURSOR)
    started = timezone.now()
    since = (
        started - FIRST_LOOKBACK if cursor.updated_since is None else cursor.updated_since - SKEW
    )
    client = client_for(conn)
    seen, hold = READERS[conn.provider](client, since, started)
    found = 0
    for chunk in _chunks(seen):
        plan = _plan(conn, chunk, started)
        if conn.provider == Provider.QUICKBOOKS:
            _quickbooks_numbers(client, plan)
        found += _write(conn, plan, started)
        hold = _earliest(hold, plan.hold)
    PullCursor.objects.filter(pk=cursor.pk).update(
        updated_since=_earliest(started, hold),
        last_run_at=timezone.now(),
        records=F("records") + found,
    )
    return found
