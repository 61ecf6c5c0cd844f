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
from datetime import datetime, timedelta
from itertools import islice

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import audit_record
from sync.engine.registry import BOOKS, client_for
from sync.models import BooksOnlyPayment, Connection, ExternalLink, PullCursor, Side
from sync.providers.base import PaymentSeen as Seen
from sync.providers.writing import payment_reference

CURSOR = "books_payments"
CHUNK = 500
SKEW = timedelta(minutes=1)
FIRST_LOOKBACK = timedelta(days=30)
# Our push writes the payment, then commits its link: a payment this young may be ours in flight.
FRESH = timedelta(minutes=2)
# The push writes its marker on every payment (sync.providers.writing.payment_reference).
OUR_MARKER = payment_reference("")
UPDATED_FIELDS = ["amount", "date", "customer_name", "invoice_numbers", "reference"]


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


def _invoice_numbers(read, client, plan: Plan) -> None:
    """Books whose payments name invoices by id only: people know them by number."""
    shown = plan.new + [s for _, s in plan.changed]
    wanted = sorted({i for s in shown for i in s.invoice_ids})
    if not wanted or read is None:
        return
    numbers = read(client, wanted)

    def named(s: Seen) -> Seen:
        return replace(s, invoice_numbers=", ".join(numbers.get(i, i) for i in s.invoice_ids))

    plan.new = [named(s) for s in plan.new]
    plan.changed = [(row, named(s)) for row, s in plan.changed]


# -- deciding and writing -------------------------------------------------------------------------


def _plan(conn: Connection, seen: list[Seen], now: datetime) -> Plan:
    remote_type = BOOKS[conn.provider].payment_type
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
        remote_type=BOOKS[conn.provider].payment_type,
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
    provider = BOOKS[conn.provider]
    assert provider.payments_changed is not None
    seen, hold = provider.payments_changed(client, since, started)
    found = 0
    for chunk in _chunks(seen):
        plan = _plan(conn, chunk, started)
        _invoice_numbers(provider.invoice_numbers, client, plan)
        found += _write(conn, plan, started)
        hold = _earliest(hold, plan.hold)
    PullCursor.objects.filter(pk=cursor.pk).update(
        updated_since=_earliest(started, hold),
        last_run_at=timezone.now(),
        records=F("records") + found,
    )
    return found
