"""The reconciler: read the books back, compare with the Clio mirror, repair or flag, total AR.

`reconcile_start` is the way in from the page, the API and the command; the hourly schedule runs
`reconcile_run` per firm. A run reads the books in pages (readback), compares (compare, pure),
keeps one open Drift per (connection, kind, key) across runs, sends the safe repairs through the
outbox (repair) and flags the rest for a person. A drift a later run no longer sees is cleared.
"""

import logging
import time
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from accounts.events import DRIFT_FLAGGED, event_publish
from accounts.models import Firm, User
from accounts.services import audit_record
from practice.models import Allocation, Bill, BillLine, Contact
from sync.books_payments import watch as books_watch
from sync.drift import compare, repair
from sync.drift.readback import books_read
from sync.engine import approval, numbering
from sync.engine.links import links_status_refresh
from sync.engine.plan import APPROVED, LINE_COLUMNS
from sync.engine.registry import BOOKS
from sync.models import (
    BooksOnlyInvoice,
    Connection,
    Drift,
    ExternalLink,
    FlaggedBill,
    ReconcileRun,
    Side,
    SyncOperation,
    SyncRun,
    SyncSettings,
)
from sync.providers import documents as docs
from sync.providers.errors import ProviderError, ProviderRateLimited
from sync.selectors import connection_live

logger = logging.getLogger("firmsync.sync")

# A run that has not finished in this long lost its worker; the next start may begin afresh.
STALE_AFTER = timedelta(minutes=15)
# How long a reconcile waits for a sync that is writing to the books before it gives up.
SYNC_WAIT_SECONDS = 120


class ReconcileBlocked(Exception):
    """The firm has no live books connection to reconcile against."""


def reconcile_start(*, firm: Firm, actor: User | None, trigger: str) -> ReconcileRun:
    """Create a run row and queue it; a firm has at most one run going (that one is returned)."""
    return _start(firm=firm, actor=actor, trigger=trigger, queue=True)[0]


def _start(
    *, firm: Firm, actor: User | None, trigger: str, queue: bool
) -> tuple[ReconcileRun, bool]:
    books = connection_live(firm_id=firm.pk, side=Side.BOOKS)
    if books is None:
        raise ReconcileBlocked("Connect QuickBooks Online or Xero before reconciling.")
    with transaction.atomic():
        # The firm row is the lock: two starts at once serialise here, and the second sees the
        # first's run.
        Firm.objects.select_for_update().filter(pk=firm.pk).first()
        active = ReconcileRun.objects.filter(firm=firm, status=ReconcileRun.Status.RUNNING).first()
        if active is not None and timezone.now() - active.started_at < STALE_AFTER:
            return active, False
        if active is not None:
            _fail(active, "The worker stopped during this run.")
        run = ReconcileRun.objects.create(
            firm=firm,
            connection=books,
            trigger=trigger,
            started_by=actor if actor is not None and actor.is_authenticated else None,
        )
        if actor is not None:
            audit_record(
                firm=firm,
                actor=actor,
                action="reconcile.start",
                obj=run,
                after={"trigger": trigger},
            )
        if queue:
            transaction.on_commit(lambda: async_task("sync.drift.tasks.reconcile", run.pk))
    return run, True


def reconcile_run(*, firm: Firm, trigger: str, actor: User | None = None) -> ReconcileRun:
    """Start and do a whole run here (schedule, `--wait`, tests); while another is under way,
    that one is returned as it stands."""
    run, created = _start(firm=firm, actor=actor, trigger=trigger, queue=False)
    return reconcile_execute(run_id=run.pk) if created else run


def reconcile_execute(*, run_id: int) -> ReconcileRun:
    run = ReconcileRun.objects.select_related("firm", "connection").get(pk=run_id)
    if run.status != ReconcileRun.Status.RUNNING or run.finished_at is not None:
        return run
    try:
        _do(run)
    except _NotNow as exc:
        return _fail(run, str(exc))
    except ProviderRateLimited as exc:
        # Only a window longer than a task (Xero's day) gets here: not a fault, a wait.
        resume = timezone.localtime() + timedelta(seconds=exc.retry_after)
        return _fail(
            run,
            f"Not compared: {exc.provider.title()}'s rate limit is used up until "
            f"{resume:%H:%M}. The hourly check runs again after that.",
        )
    except ProviderError as exc:
        logger.warning("reconcile_failed run=%s error=%s", run.pk, exc)
        return _fail(run, f"{exc.provider.title()} did not answer: {exc.message}")
    except Exception as exc:
        # Not left "running" for a quarter of an hour: the page and the next start see why.
        _fail(run, f"The reconcile stopped on an error: {exc}")
        raise
    run.status, run.finished_at = ReconcileRun.Status.SUCCEEDED, timezone.now()
    run.save()
    return run


def _fail(run: ReconcileRun, error: str) -> ReconcileRun:
    run.status, run.error, run.finished_at = ReconcileRun.Status.FAILED, error, timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    return run


class _NotNow(Exception):
    """The firm's sync is not in a state to compare against; the run says why."""


def _sync_settled(firm_id: int) -> None:
    """Compare only what a finished sync left: before the first sync every bill is "missing", and
    during a sync the books are half-written. A running sync is waited for a little while."""
    if not SyncRun.objects.filter(firm_id=firm_id, phase=SyncRun.Phase.FINISHED).exists():
        raise _NotNow(
            "The first sync has not finished yet, so every bill would look missing from the "
            "books. Run the sync (Sync page), then reconcile."
        )
    deadline = time.monotonic() + SYNC_WAIT_SECONDS
    while SyncRun.objects.filter(
        firm_id=firm_id,
        status__in=(SyncRun.Status.QUEUED, SyncRun.Status.RUNNING),
        started_at__gt=timezone.now() - STALE_AFTER,
    ).exists():
        if time.monotonic() > deadline:
            raise _NotNow(
                "A sync was still writing to the books; the reconcile did not compare half-"
                "written invoices. It runs again within the hour, or press Reconcile now."
            )
        time.sleep(1)


def _do(run: ReconcileRun) -> None:
    _sync_settled(run.firm_id)
    books = run.connection
    cfg = SyncSettings.objects.get(firm=run.firm)
    read = books_read(books)
    run.read_calls, run.invoices_read = read.read_calls, len(read.invoices)
    numbering.books_numbers_store(books=books, numbers=[i.doc.number for i in read.invoices])
    busy = _busy_bills(books)
    bills, rows = clio_side(firm=run.firm, books=books, cfg=cfg, busy=busy)
    run.bills_checked = len(bills)
    spec = BOOKS[books.provider]
    opts = docs.Options(
        has_drafts=spec.has_drafts,
        books_name=spec.label,
        number_prefix=cfg.invoice_number_prefix,
    )
    busy_remote = set(
        ExternalLink.objects.filter(
            connection=books, entity="bill", local_id__in=[str(b) for b in busy]
        ).values_list("remote_id", flat=True)
    )
    read_now = [i for i in read.invoices if i.remote_id not in busy_remote]
    links_status_refresh(
        connection=books, statuses={i.remote_id: i.remote_status for i in read_now}
    )
    invoices, outside = compare.outside_clio(
        bills, read_now, start=cfg.start_date, marked=_marked(books)
    )
    findings = compare.compare_all(bills, invoices, opts)
    drifts = drifts_upsert(run=run, findings=findings)
    run.drifts_found = len(drifts)
    by_remote = {i.remote_id: i for i in invoices}
    by_bill = {b.clio_id: b for b in bills}
    run.repaired = repair.safe_repairs(
        books=books, cfg=cfg, drifts=drifts, bills=rows, invoices=by_remote
    )
    run.flagged = repair.flags_upsert(
        books=books,
        drifts=drifts,
        clio=by_bill,
        invoices=by_remote,
        lock=read.lock_date,
        prefix=cfg.invoice_number_prefix,
    )
    if any((d.repair or {}).get("kind") == "record_in_clio" for d in drifts):
        # Payments typed into the books: the books watch lists each one until someone deals with
        # it (its own cursor keeps that read small).
        books_watch.books_payments_scan(connection_id=books.pk)
    names = {link.remote_id: (int(link.local_id), name) for link, name in _contact_links(books)}
    run.ar_clio, run.ar_books, run.ar_by_client = compare.receivables(bills, invoices, names)
    run.outside_count = len(outside)
    run.ar_outside, run.outside_clio = compare.outside_receivables(outside)


def _marked(books: Connection) -> set[str]:
    """The invoices the firm marked as made in the books on purpose."""
    return set(
        BooksOnlyInvoice.objects.filter(connection=books).values_list("remote_id", flat=True)
    )


def _busy_bills(books: Connection) -> set[int]:
    """Bills the engine is writing right now: compared next time, not raced. And bills held for
    their number (sync.engine.numbering): not missing, waiting; creating them would collide."""
    ids = SyncOperation.objects.filter(
        connection=books,
        entity="bill",
        status__in=(SyncOperation.Status.PENDING, SyncOperation.Status.IN_FLIGHT),
    ).values_list("local_id", flat=True)
    held = numbering.held_bill_ids(books=books)
    # Bills held or rejected for approval (sync.engine.approval) are not missing either.
    held |= approval.blocked_bill_ids(firm_id=books.firm_id)
    return {int(i) for i in ids if str(i).isdigit()} | held


def _contact_links(books: Connection):
    links = list(ExternalLink.objects.filter(connection=books, entity="contact"))
    names = dict(
        Contact.objects.filter(
            firm_id=books.firm_id, clio_id__in=[int(x.local_id) for x in links]
        ).values_list("clio_id", "name")
    )
    return [(link, names.get(int(link.local_id), "")) for link in links]


# -- the Clio side -------------------------------------------------------------------------------


def clio_side(
    *, firm: Firm, books: Connection, cfg: SyncSettings, busy: set[int]
) -> tuple[list[docs.ClioBill], dict[int, Bill]]:
    """Every bill that is in the books or belongs there, as compare's neutral rows."""
    links = {
        (link.entity, link.local_id): link
        for link in ExternalLink.objects.filter(
            connection=books, entity__in=("bill", "bill_replaced", "contact")
        )
    }
    linked = [int(local) for (entity, local) in links if entity == "bill"]
    states = APPROVED if cfg.only_approved_bills else (*APPROVED, "draft", "awaiting_approval")
    qs = (
        Bill.objects.filter(firm=firm)
        .filter(_in_books(linked, cfg, states))
        .exclude(clio_id__in=busy)
        .select_related("client")
    )
    rows = {b.clio_id: b for b in qs}
    lines = _lines(firm, rows)
    payments = _payment_links(books, rows)
    out = []
    for b in rows.values():
        link = links.get(("bill", str(b.clio_id)))
        contact = links.get(("contact", str(b.client.clio_id))) if b.client else None
        replaced = links.get(("bill_replaced", str(b.clio_id)))
        out.append(
            docs.ClioBill(
                clio_id=b.clio_id,
                doc=_doc(b, lines.get(b.pk, ())),
                remote_id=link.remote_id if link else "",
                customer_remote_id=contact.remote_id if contact else "",
                in_scope=bool(b.issued_at and b.issued_at >= cfg.start_date) and b.state in states,
                payment_remote_ids=tuple(payments.get(b.clio_id, ())),
                replaced_remote_id=replaced.remote_id if replaced else "",
            )
        )
    return out, rows


def _in_books(linked: list[int], cfg: SyncSettings, states):
    return Q(clio_id__in=linked) | Q(issued_at__gte=cfg.start_date, state__in=states)


def _lines(firm: Firm, rows: dict[int, Bill]) -> dict[int, tuple]:
    out: dict[int, list] = {}
    values = (
        BillLine.objects.filter(firm=firm, bill__in=[b.pk for b in rows.values()])
        .order_by("bill_id", "clio_id")
        .values_list("bill_id", *LINE_COLUMNS)
    )
    for bill_id, _cid, type_, description, _day, quantity, price, total, taxable in values:
        text = (description or "").strip() or ("Expense" if type_ == "Expense" else "Services")
        out.setdefault(bill_id, []).append(
            docs.Line(
                description=text,
                quantity=quantity.normalize() if quantity else quantity,
                rate=docs.cents(price),
                amount=docs.cents(total),
                tax="taxable" if taxable else "",
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def _payment_links(books: Connection, rows: dict[int, Bill]) -> dict[int, list[str]]:
    allocations = Allocation.objects.filter(
        firm_id=books.firm_id, bill__clio_id__in=list(rows), voided=False
    ).values_list("clio_id", "bill__clio_id")
    owner = {str(a): b for a, b in allocations}
    out: dict[int, list[str]] = {}
    for local_id, remote_id in ExternalLink.objects.filter(
        connection=books, entity__in=("payment", "credit"), local_id__in=list(owner)
    ).values_list("local_id", "remote_id"):
        out.setdefault(owner[local_id], []).append(remote_id)
    return out


def _doc(b: Bill, lines: tuple) -> docs.Doc:
    return docs.Doc(
        number=b.number or "",
        status=docs.CLIO_STATUS.get(b.state, b.state),
        date=b.issued_at,
        due=b.due_at,
        customer=str(b.client.clio_id) if b.client else "",
        customer_name=b.client.name if b.client else "",
        lines=lines,
        subtotal=docs.cents(b.sub_total),
        tax=docs.cents(b.total_tax),
        total=docs.cents(b.total),
        paid=docs.cents(b.total - b.balance) if b.state not in ("void", "deleted") else Decimal(0),
        balance=docs.cents(b.balance),
    )


# -- drifts across runs --------------------------------------------------------------------------


@transaction.atomic
def drifts_upsert(*, run: ReconcileRun, findings: list[docs.Finding]) -> list[Drift]:
    """One open Drift per (connection, kind, key): seen again, it is refreshed, not repeated;
    an open drift this run did not see is cleared, and so is a flag left with none. A finding
    exactly as it was when a person dismissed it is left dismissed."""
    now = timezone.now()
    books = run.connection
    open_ = {
        (d.kind, d.key): d
        for d in Drift.objects.select_for_update().filter(
            connection=books, status__in=Drift.OPEN_STATUSES
        )
    }
    # A difference someone dismissed stays dismissed while it is the same difference; if it
    # changes (another edit, another amount) it is raised again.
    dismissed = {
        (kind, key): differences
        for kind, key, differences in Drift.objects.filter(
            connection=books, status=Drift.Status.DISMISSED
        )
        .order_by("closed_at", "id")
        .values_list("kind", "key", "differences")
    }
    kept: list[Drift] = []
    raised: list[Drift] = []
    for f in findings:
        if (f.kind, f.key) not in open_ and dismissed.get((f.kind, f.key)) == f.differences:
            continue
        values = {
            "run": run,
            "bill_clio_id": f.bill_clio_id,
            "remote_id": f.remote_id[:64],
            "number": f.number[:50],
            "client_name": f.client_name[:255],
            "summary": f.summary,
            "differences": f.differences,
            "amount": abs(f.amount),
            "repair": f.repair,
            "last_seen_at": now,
        }
        drift = open_.pop((f.kind, f.key), None)
        if drift is None:
            drift = Drift.objects.create(
                firm=run.firm, connection=books, kind=f.kind, key=f.key, **values
            )
            raised.append(drift)
        else:
            for name, value in values.items():
                setattr(drift, name, value)
            drift.save()
        kept.append(drift)
    gone = [d.pk for d in open_.values()]
    Drift.objects.filter(pk__in=gone).update(status=Drift.Status.CLEARED, closed_at=now)
    _flags_clear(books, now)
    event_publish(firm_id=run.firm_id, type=DRIFT_FLAGGED, items=[drift_event(d) for d in raised])
    return kept


def drift_event(d: Drift) -> dict:
    """A newly raised drift as the `drift.flagged` webhook event tells it."""
    return {
        "id": d.pk,
        "kind": d.kind,
        "status": d.status,
        "bill_clio_id": d.bill_clio_id,
        "books_id": d.remote_id,
        "number": d.number,
        "client_name": d.client_name,
        "summary": d.summary,
        "amount": f"{d.amount:.2f}",
        "differences": d.differences,
        "reconcile_run": d.run_id,
    }


def _flags_clear(books: Connection, now) -> None:
    still = Drift.objects.filter(connection=books, status=Drift.Status.FLAGGED).values("flag_id")
    # A bill held for its number has no drift behind it: the plan, not the reconciler, clears it.
    FlaggedBill.objects.filter(connection=books, status=FlaggedBill.Status.OPEN).exclude(
        pk__in=still
    ).exclude(planned_repair__contains={"kind": numbering.HOLD}).update(
        status=FlaggedBill.Status.CLEARED, closed_at=now
    )
