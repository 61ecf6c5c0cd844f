"""Reads for the Sync status page and each bill's page: runs, the outbox, webhooks, API budget.

Every read here runs a fixed number of queries however many records a firm has: counts come from
grouped aggregates, lists are paged, and the Clio records a page names are fetched in one query
per kind.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, Min, OuterRef, Q, Subquery
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone
from django_q.models import Schedule

from accounts.models import Membership
from practice.models import Bill, Contact
from sync.engine.errors import Explanation, explain
from sync.engine.registry import BOOKS, PROVIDERS
from sync.engine.run import ACTIVE, STALE_AFTER, Progress, run_progress
from sync.models import (
    Connection,
    ExternalLink,
    Side,
    SyncOperation,
    SyncRun,
    WebhookEvent,
    WebhookSubscription,
)
from sync.schedules import SCHEDULES
from sync.selectors import connections_active

PAGE_SIZE = 25
CHART_DAYS = 30
ENTITY_LABELS = {
    "contact": "Contacts",
    "bill": "Bills",
    "payment": "Payments",
    "credit": "Credit notes",
}
# Shown only when a firm has them: (many, one).
MORE_LABELS = {
    "trust_matter": ("Trust matters", "Trust matter"),
    "trust_entry": ("Trust entries", "Trust entry"),
    "payout_fee": ("Payout fees", "Payout fee"),
}
# The poll is what runs on a timer; webhooks bring changes sooner.
CLIO_POLL = next(s["name"] for s in SCHEDULES if s["func"] == "sync.tasks.clio_poll")
# Deliveries older than this still waiting in the inbox mean the worker is behind.
INBOX_LAG = timedelta(minutes=5)

S = SyncOperation.Status


# -- API budget ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    used: int
    cap: int | None
    note: str

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(self.cap - self.used, 0)


def budget_for(conn: Connection, today: date | None = None) -> Budget:
    today = today or timezone.localdate()
    # The counter is reset by the first call of a new day, so a quiet day still shows yesterday's.
    used = conn.calls_today if conn.calls_day == today else 0
    # Each provider's limits: sync/providers/<name>/connect.py.
    spec = PROVIDERS[conn.provider]
    return Budget(used=used, cap=spec.daily_cap, note=spec.limits_note)


# -- runs ----------------------------------------------------------------------------------------


def eta_words(seconds: int | None) -> str:
    if seconds is None:
        return "working out the time left"
    if seconds < 60:
        return "less than a minute left"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minute{'s' if minutes != 1 else ''} left"
    hours = round(minutes / 60)
    return f"about {hours} hours left"


@dataclass(frozen=True)
class RunView:
    run: SyncRun
    progress: Progress

    @property
    def active(self) -> bool:
        return self.run.status in ACTIVE

    @property
    def stale(self) -> bool:
        last = self.run.progress_at or self.run.started_at
        return self.active and timezone.now() - last > STALE_AFTER

    @property
    def eta(self) -> str:
        return eta_words(self.progress.eta_seconds)


def next_poll_at() -> datetime | None:
    return Schedule.objects.filter(name=CLIO_POLL).values_list("next_run", flat=True).first()


# -- the outbox ----------------------------------------------------------------------------------


@dataclass
class EntityCounts:
    entity: str
    label: str
    synced: int = 0
    pending: int = 0
    failed: int = 0
    skipped: int = 0
    skip_reasons: list[tuple[str, int]] = field(default_factory=list)


def operation_counts(*, firm_id: int) -> list[EntityCounts]:
    """Per entity: synced, waiting, failed and skipped records, and why they were skipped."""
    rows = {e: EntityCounts(e, label) for e, label in ENTITY_LABELS.items()}
    grouped = (
        SyncOperation.objects.filter(firm_id=firm_id)
        .values("entity", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for g in grouped:
        label = MORE_LABELS.get(g["entity"], (g["entity"].title(),))[0]
        row = rows.setdefault(g["entity"], EntityCounts(g["entity"], label))
        if g["status"] == S.DONE:
            row.synced += g["n"]
        elif g["status"] in (S.PENDING, S.IN_FLIGHT):
            row.pending += g["n"]
        elif g["status"] == S.FAILED:
            row.failed += g["n"]
        elif g["status"] == S.SKIPPED:
            row.skipped += g["n"]
    reasons = (
        SyncOperation.objects.filter(firm_id=firm_id, status=S.SKIPPED)
        .values("entity", "error_message")
        .annotate(n=Count("id"))
        .order_by("entity", "-n")
    )
    for r in reasons:
        if r["entity"] in rows:
            rows[r["entity"]].skip_reasons.append((r["error_message"] or "No reason given", r["n"]))
    return list(rows.values())


@dataclass(frozen=True)
class RecordRow:
    """One outbox row as people read it: what record, what went wrong, where to fix it."""

    op: SyncOperation
    label: str
    bill_id: int | None = None
    contact_name: str = ""
    explanation: Explanation | None = None

    @property
    def when(self) -> datetime:
        return self.op.failed_at or self.op.done_at or self.op.created_at


def _clio_ids(ops: list[SyncOperation], entity: str) -> set[int]:
    return {int(op.local_id) for op in ops if op.entity == entity and op.local_id.isdigit()}


def record_rows(*, firm_id: int, ops: list[SyncOperation]) -> list[RecordRow]:
    """Name each row's Clio record (one query per kind) and explain its error."""
    bill_ids = _clio_ids(ops, "bill")
    contact_ids = _clio_ids(ops, "contact")
    bills = {}
    if bill_ids:
        found = Bill.objects.filter(firm_id=firm_id, clio_id__in=bill_ids).select_related("client")
        bills = {str(b.clio_id): b for b in found}
    contacts = {}
    if contact_ids:
        found = Contact.objects.filter(firm_id=firm_id, clio_id__in=contact_ids)
        contacts = {str(c.clio_id): c.name for c in found.only("clio_id", "name")}
    return [_row(op, bills, contacts) for op in ops]


def _row(op: SyncOperation, bills: dict, contacts: dict) -> RecordRow:
    explanation = None
    if op.status == S.FAILED:
        explanation = explain(op.connection.provider, op.error_code, op.error_message)
    if op.entity == "bill" and op.local_id in bills:
        bill = bills[op.local_id]
        client = bill.client.name if bill.client else ""
        return RecordRow(op, f"Bill {bill.number or bill.clio_id}", bill.pk, client, explanation)
    if op.entity == "contact":
        name = contacts.get(op.local_id, "")
        label = f"Contact {name}" if name else f"Contact (Clio id {op.local_id})"
        return RecordRow(op, label, None, name, explanation)
    noun = (
        MORE_LABELS[op.entity][1]
        if op.entity in MORE_LABELS
        else ENTITY_LABELS.get(op.entity, op.entity.title()).rstrip("s")
    )
    return RecordRow(op, f"{noun} (Clio id {op.local_id})", None, "", explanation)


def failed_page(*, firm_id: int, page: str | int | None) -> tuple[Page, list[RecordRow]]:
    """Failed records, newest first, 25 a page."""
    qs = (
        SyncOperation.objects.filter(firm_id=firm_id, status=S.FAILED)
        .select_related("connection")
        .order_by("-failed_at", "-id")
    )
    current = Paginator(qs, PAGE_SIZE).get_page(page)
    return current, record_rows(firm_id=firm_id, ops=list(current.object_list))


def skipped_recent(*, firm_id: int) -> list[RecordRow]:
    qs = (
        SyncOperation.objects.filter(firm_id=firm_id, status=S.SKIPPED)
        .select_related("connection")
        .order_by("-created_at", "-id")
    )
    return record_rows(firm_id=firm_id, ops=list(qs[:PAGE_SIZE]))


# -- webhooks ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookHealth:
    subscriptions: list[WebhookSubscription]
    backlog: int
    oldest_waiting_at: datetime | None

    @property
    def problems(self) -> list[str]:
        now = timezone.now()
        found = []
        if not self.subscriptions:
            found.append("No webhooks are registered; changes arrive by the five-minute poll.")
        for sub in self.subscriptions:
            if sub.status != WebhookSubscription.Status.ENABLED:
                found.append(f"The {sub.model} webhook: {sub.get_status_display().lower()}.")
            elif sub.expires_at and sub.expires_at <= now:
                found.append(f"The {sub.model} webhook expired.")
        if self.oldest_waiting_at and now - self.oldest_waiting_at > INBOX_LAG:
            found.append(f"{self.backlog} deliveries have waited more than five minutes.")
        return found


def webhook_health(*, firm_id: int, clio: Connection | None) -> WebhookHealth:
    subs = []
    if clio is not None:
        subs = list(WebhookSubscription.objects.filter(connection=clio).order_by("model"))
    inbox = WebhookEvent.objects.filter(firm_id=firm_id, processed_at__isnull=True).aggregate(
        n=Count("id"), oldest=Min("received_at")
    )
    return WebhookHealth(subs, inbox["n"], inbox["oldest"])


# -- the chart -----------------------------------------------------------------------------------


def chart_daily(*, firm_id: int, days: int = CHART_DAYS) -> dict:
    """Records synced and errors per day for the last `days` days, oldest first."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    since = datetime.combine(first, time.min, tzinfo=timezone.get_current_timezone())
    ops = SyncOperation.objects.filter(firm_id=firm_id)

    def per_day(column: str) -> dict[date, int]:
        grouped = (
            ops.filter(**{f"{column}__gte": since})
            .annotate(day=TruncDate(column))
            .values("day")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {g["day"]: g["n"] for g in grouped}

    synced, errors = per_day("done_at"), per_day("failed_at")
    days_list = [first + timedelta(days=i) for i in range(days)]
    return {
        "labels": [d.isoformat() for d in days_list],
        "synced": [synced.get(d, 0) for d in days_list],
        "errors": [errors.get(d, 0) for d in days_list],
    }


# -- the page ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncStatus:
    clio: Connection | None
    books: Connection | None
    latest: RunView | None
    last_finished: SyncRun | None
    next_poll_at: datetime | None
    counts: list[EntityCounts]
    failed: Page
    failed_rows: list[RecordRow]
    skipped_rows: list[RecordRow]
    webhooks: WebhookHealth

    @property
    def connections(self) -> list[tuple[Connection, Budget]]:
        return [(c, budget_for(c)) for c in (self.clio, self.books) if c is not None]

    @property
    def active(self) -> bool:
        return self.latest is not None and self.latest.active

    @property
    def poll_seconds(self) -> int:
        # Every two seconds while a run moves; otherwise slow enough to cost nothing.
        return 2 if self.active else 30

    @property
    def empty(self) -> bool:
        return self.latest is None and not any(
            c.synced + c.pending + c.failed + c.skipped for c in self.counts
        )


def sync_status(*, member: Membership, page: str | int | None = None) -> SyncStatus:
    firm_id = member.firm_id
    conns = connections_active(member=member)
    runs = (
        SyncRun.objects.filter(firm_id=firm_id)
        .select_related("started_by")
        .order_by("-started_at", "-id")
    )
    latest = runs.first()
    failed, failed_rows = failed_page(firm_id=firm_id, page=page)
    return SyncStatus(
        clio=conns[Side.PRACTICE],
        books=conns[Side.BOOKS],
        latest=RunView(latest, run_progress(latest)) if latest else None,
        last_finished=runs.filter(phase=SyncRun.Phase.FINISHED).first(),
        next_poll_at=next_poll_at(),
        counts=operation_counts(firm_id=firm_id),
        failed=failed,
        failed_rows=failed_rows,
        skipped_rows=skipped_recent(firm_id=firm_id),
        webhooks=webhook_health(firm_id=firm_id, clio=conns[Side.PRACTICE]),
    )


# -- one bill ------------------------------------------------------------------------------------


def books_invoice_url(provider: str, remote_id: str) -> str:
    # Where people open a document in the books, by its id.
    template = BOOKS[provider].invoice_url if provider in BOOKS else ""
    return template.format(id=quote(remote_id, safe="")) if template else ""


@dataclass(frozen=True)
class BillInvoice:
    link: ExternalLink
    provider_label: str
    url: str


def bill_invoice(*, bill: Bill, books: Connection | None) -> BillInvoice | None:
    """The invoice this bill became in the firm's books, if it has been written."""
    if books is None:
        return None
    link = ExternalLink.objects.filter(
        connection=books, entity="bill", local_id=str(bill.clio_id)
    ).first()
    if link is None:
        return None
    url = books_invoice_url(books.provider, link.remote_id)
    return BillInvoice(link, books.get_provider_display(), url)


def bill_history(*, bill: Bill) -> list[RecordRow]:
    """Every write planned for this bill, newest first, each failure explained."""
    ops = (
        SyncOperation.objects.filter(
            firm_id=bill.firm_id, entity="bill", local_id=str(bill.clio_id)
        )
        .select_related("connection")
        .order_by("-created_at", "-id")
    )
    by_clio_id = {str(bill.clio_id): bill}
    return [_row(op, by_clio_id, {}) for op in ops]


# -- the bills list ------------------------------------------------------------------------------

BILL_STATES = {
    "draft": "Draft",
    "awaiting_approval": "Awaiting approval",
    "awaiting_payment": "Awaiting payment",
    "paid": "Paid",
    "void": "Void",
    "deleted": "Deleted",
}


def bill_state_label(state: str) -> str:
    """How a Clio bill state reads on our pages: "awaiting_payment" → "Awaiting payment"."""
    return BILL_STATES.get(state) or state.replace("_", " ").capitalize()


def bills_list(*, member: Membership, books: Connection | None, search: str = "", state: str = ""):
    """The firm's mirrored bills, newest first, each with the invoice it became (number and status
    as the books last said) and whether a write for it has failed: one query however many bills."""
    links = ExternalLink.objects.filter(
        connection=books, entity="bill", local_id=Cast(OuterRef("clio_id"), CharField())
    )
    failed = SyncOperation.objects.filter(
        firm_id=member.firm_id,
        entity="bill",
        status=SyncOperation.Status.FAILED,
        local_id=Cast(OuterRef("clio_id"), CharField()),
    )
    qs = (
        Bill.objects.filter(firm_id=member.firm_id)
        .select_related("client")
        .annotate(
            invoice_number=Subquery(links.values("remote_number")[:1]),
            invoice_id=Subquery(links.values("remote_id")[:1]),
            invoice_status=Subquery(links.values("remote_status")[:1]),
            sync_failed=Exists(failed),
        )
        .order_by("-issued_at", "-clio_id")
    )
    if state in BILL_STATES:
        qs = qs.filter(state=state)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(client__name__icontains=search)
            | Q(matters__display_number__icontains=search)
        ).distinct()
    return qs
