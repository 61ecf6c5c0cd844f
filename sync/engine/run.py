"""A sync run: pull Clio → plan → push to the books, one firm at a time, with live progress.

`sync_start` is the only way in (command, API, button, webhook inbox, poll): it refuses while a
blocking preflight item fails, and hands back the firm's active run instead of starting a second.
In the worker a run is a chain of bounded steps (`sync_step`, see `engine/step.py`); inline (the
command's `--wait`, tests) `sync_execute` takes it to the end in one go. A step killed with its
worker is picked up by `sync_watchdog` (every minute, and whenever a worker process starts), and
the outbox sees that nothing already sent is sent twice.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from accounts.events import SYNC_RUN_FINISHED, event_publish
from accounts.models import Firm, User
from accounts.services import audit_record
from sync.engine import lease, pull, step
from sync.models import Connection, Side, SyncOperation, SyncRun, WebhookEvent
from sync.payouts import services as services_payouts
from sync.preflight import Check, preflight_blocking, preflight_run
from sync.providers import pacing
from sync.providers.errors import ProviderAuthError, ProviderError, ProviderUnavailable
from sync.selectors import connection_live
from sync.trust_books import pull as pull_trust
from sync.trust_books import services as services_trust
from sync.webhooks import PAYMENTS_MODEL

logger = logging.getLogger("firmsync.sync")

# A run that has shown no sign of life for this long lost its worker (the status page says so
# until the watchdog has it going again).
STALE_AFTER = timedelta(minutes=3)
ACTIVE = lease.ACTIVE


class SyncBlocked(Exception):
    """Syncing cannot start: these preflight items fail (each says how to fix itself)."""

    def __init__(self, checks: list[Check]):
        self.checks = checks
        names = "; ".join(f"{c.label} — {c.fix or c.detail}" for c in checks)
        super().__init__(f"Syncing cannot start until these are fixed: {names}")


def _stale(run: SyncRun) -> bool:
    last = run.progress_at or run.started_at
    return timezone.now() - last > STALE_AFTER


def _connections(firm_id: int) -> tuple[Connection | None, Connection | None]:
    return (
        connection_live(firm_id=firm_id, side=Side.PRACTICE),
        connection_live(firm_id=firm_id, side=Side.BOOKS),
    )


def _books_unreachable(exc: ProviderError) -> Check:
    hint = (
        "Reconnect it on the Bill Syncing page."
        if isinstance(exc, ProviderAuthError)
        else ("Try again in a minute.")
    )
    return Check(
        "books_reachable",
        "The books answer",
        False,
        detail=f"{exc.provider.title()} could not be read: {exc.message}.",
        fix=hint,
    )


def sync_start(
    *,
    firm: Firm,
    actor: User | None = None,
    kind: str = "",
    full: bool = False,
    check: bool = True,
    queue: bool = True,
) -> SyncRun:
    """Queue a run (or return the firm's active one). `check=False` is for the incremental path,
    which only runs for firms whose preflight passed when their first run started."""
    if check:
        try:
            checks, _ = preflight_run(firm=firm)
        except ProviderError as exc:
            # The preflight reads the books live; books that cannot be read cannot be synced.
            raise SyncBlocked([_books_unreachable(exc)]) from exc
        blocking = preflight_blocking(checks)
        if blocking:
            raise SyncBlocked(blocking)
    with transaction.atomic():
        active = SyncRun.objects.select_for_update().filter(firm=firm, status__in=ACTIVE).first()
        if active is not None:
            # One run at a time: a quiet one is resumed, never replaced.
            if queue and lease.free(active):
                transaction.on_commit(lambda: async_task("sync.tasks.sync_run", active.pk))
            return active
        if not kind:
            first = not SyncRun.objects.filter(firm=firm, phase=SyncRun.Phase.FINISHED).exists()
            kind = "initial" if first else ("full" if full else "incremental")
        run = SyncRun.objects.create(
            firm=firm,
            kind=kind,
            status=SyncRun.Status.QUEUED,
            phase=SyncRun.Phase.QUEUED,
            started_by=actor if actor is not None and actor.is_authenticated else None,
        )
        if actor is not None:
            audit_record(firm=firm, actor=actor, action="sync.start", obj=run, after={"kind": kind})
        if queue:
            transaction.on_commit(lambda: async_task("sync.tasks.sync_run", run.pk))
    return run


def sync_step(*, run_id: int, bounded: bool = True) -> SyncRun | None:
    """One step of a run (the worker's task). None when another step holds it or it is over."""
    run = lease.claim(run_id)
    if run is None:
        return None
    clio, books = _connections(run.firm_id)
    if clio is None or books is None:
        return _finish(run, error=_paused_reason(run.firm_id))
    if getattr(run, "taken_over", False):
        # What the dead step had claimed is no one's now: claimable at once (and looked for in
        # the books before it is written), not after the claims' own lease.
        SyncOperation.objects.filter(
            connection=books, status=SyncOperation.Status.IN_FLIGHT
        ).update(claimed_until=timezone.now())
    try:
        return step.step_run(run, clio, books, bounded=bounded, finish=_finish)
    except ProviderAuthError as exc:
        return _finish(run, error=f"{exc.provider.title()} refused the connection: {exc.message}")
    except ProviderUnavailable as exc:
        if bounded and run.outages < OUTAGES_WAITED:  # inline, the person waiting decides
            return _outage(run, exc)
        logger.warning("sync_run_failed run=%s error=%s", run.pk, exc)
        return _finish(run, error=f"{exc.provider.title()} did not answer: {exc.message}")
    except ProviderError as exc:
        logger.warning("sync_run_failed run=%s error=%s", run.pk, exc)
        return _finish(run, error=f"{exc.provider.title()} did not answer: {exc.message}")


# A provider that stops answering (after the HTTP layer's own retries) is waited for this many
# times, a minute each, before the run fails with its words.
OUTAGES_WAITED = 5
OUTAGE_WAIT_SECONDS = 60.0


def _outage(run: SyncRun, exc: ProviderUnavailable) -> SyncRun:
    logger.warning("sync_run_outage run=%s error=%s", run.pk, exc)
    return step.park(
        run,
        waiting_for=f"{step.PROVIDER_NAMES.get(exc.provider, exc.provider)} to answer again",
        seconds=pacing.scaled(OUTAGE_WAIT_SECONDS),
        outages=run.outages + 1,
    )


def sync_execute(*, run_id: int) -> SyncRun | None:
    """Do a run to its end in this process. Returns None when a live worker already has it."""
    done = sync_step(run_id=run_id, bounded=False)
    if done is None:
        return None
    while done.status in ACTIVE:
        if done.status == SyncRun.Status.WAITING and done.waiting_until:
            # Parked on a long window (Xero's day): inline, wait for it here.
            time.sleep(max((done.waiting_until - timezone.now()).total_seconds(), 0) + 0.05)
        else:
            time.sleep(pacing.scaled(1.0))  # records another worker claimed: their lease runs out
        again = sync_step(run_id=run_id, bounded=False)
        if again is None:
            break  # a worker has it now
        done = again
    return done


def sync_watchdog(*, outwait: bool = False) -> int:
    """Queue a step for every run that should be moving and has no live step: its worker was
    killed, the stack restarted, or its rate-limit wait is over. Returns how many.

    `outwait` (a worker process has just started, perhaps in place of a killed one): when no run
    is free yet but a lease runs out within its time to live, wait for it here and look again,
    rather than leave the run to the next minute's watchdog."""
    ids = lease.resumable()
    if not ids and outwait:
        ends = SyncRun.objects.filter(status__in=ACTIVE, lease_until__isnull=False)
        soonest = ends.order_by("lease_until").values_list("lease_until", flat=True).first()
        if soonest is not None:
            left = (soonest - timezone.now()).total_seconds()
            if 0 < left <= lease.ttl().total_seconds():
                time.sleep(left + 0.1)
                ids = lease.resumable()
    for run_id in ids:
        async_task("sync.tasks.sync_run", run_id)
    return len(ids)


def _paused_reason(firm_id: int) -> str:
    waiting = Connection.objects.filter(firm_id=firm_id, status=Connection.Status.NEEDS_RECONNECT)
    if waiting.exists():
        names = ", ".join(c.get_provider_display() for c in waiting)
        return f"Syncing is paused: {names} needs reconnecting on the Bill Syncing page."
    return "Syncing needs both Clio and the books connected on the Bill Syncing page."


def _finish(run: SyncRun, error: str = "") -> SyncRun:
    run.refresh_from_db()
    if error:
        status = SyncRun.Status.FAILED
    elif run.failed:
        status = SyncRun.Status.PARTIAL
    else:
        status = SyncRun.Status.SUCCEEDED
    fields = dict(
        phase=SyncRun.Phase.FINISHED,
        status=status,
        finished_at=timezone.now(),
        error=error,
        progress_at=timezone.now(),
        lease_holder="",
        lease_until=None,
        waiting_for="",
        waiting_until=None,
    )
    for name, value in fields.items():
        setattr(run, name, value)
    with transaction.atomic():  # the finish and its webhook events are recorded together
        SyncRun.objects.filter(pk=run.pk).update(**fields)
        event_publish(firm_id=run.firm_id, type=SYNC_RUN_FINISHED, items=[run_event(run)])
    return run


def run_event(run: SyncRun) -> dict:
    """A finished run as the `sync.run.finished` webhook event tells it."""
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.status,
        "error": run.error,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "counts": {
            "pulled": run.pulled,
            "planned": run.planned,
            "done": run.done,
            "failed": run.failed,
            "skipped": run.skipped,
        },
    }


def run_sync_now(*, firm: Firm, actor: User | None = None, full: bool = False) -> SyncRun:
    """Start and execute in this process (the command's `--wait`)."""
    run = sync_start(firm=firm, actor=actor, full=full, queue=False)
    if run.status == SyncRun.Status.QUEUED:
        sync_execute(run_id=run.pk)
    else:
        _wait_for(run)
    run.refresh_from_db()
    return run


def _wait_for(run: SyncRun, poll: float = 1.0) -> None:
    while True:
        run.refresh_from_db()
        if run.status not in ACTIVE or _stale(run):
            return
        time.sleep(poll)


def sync_incremental(*, firm_id: int, kind: str = "incremental") -> SyncRun | None:
    """A small visible run for what changed: `webhook` after the inbox has read the changes (it
    reads nothing more), `incremental` from the poll (it reads Clio and trust itself)."""
    if not SyncRun.objects.filter(firm_id=firm_id, phase=SyncRun.Phase.FINISHED).exists():
        return None  # the firm has not started syncing yet
    firm = Firm.objects.get(pk=firm_id)
    run = sync_start(firm=firm, kind=kind, check=False, queue=False)
    if run.status == SyncRun.Status.QUEUED and run.kind == kind:
        return sync_step(run_id=run.pk)
    return run


def clio_poll_firm(*, connection: Connection) -> SyncRun | None:
    """The five-minute safety net for one firm's Clio. A firm that syncs gets an incremental run,
    which reads Clio (records and trust) itself; a firm that does not sync yet, or whose books are
    disconnected, still has its mirror and trust ledgers kept fresh by a pull alone. While a run
    is under way (a first sync takes an hour at the providers' limits) it reads Clio itself: a
    pull beside it would spend Clio's budget twice and move the cursors under its page reads."""
    active = SyncRun.objects.filter(firm_id=connection.firm_id, status__in=lease.ACTIVE).first()
    if active is not None:
        return active
    payouts_read(connection)
    books = connection_live(firm_id=connection.firm_id, side=Side.BOOKS)
    if books is not None:
        done = sync_incremental(firm_id=connection.firm_id)
        if done is not None:
            return done
    pull.pull_clio(connection_id=connection.pk)
    pull_trust.pull_trust(connection_id=connection.pk)
    services_trust.trust_requests_settle(firm=connection.firm)
    return None


def payouts_read(connection: Connection) -> None:
    """Clio Payments payments (the index has no `updated_since`: one call per 200 payments),
    from the poll and from their webhook. A failure here must not stop the poll or the inbox."""
    try:
        services_payouts.clio_payments_pull(connection_id=connection.pk)
    except ProviderError as exc:
        logger.warning("Clio Payments read failed for firm %s: %s", connection.firm_id, exc)


def clio_inbox_read(*, connection_id: int) -> int:
    """The webhook inbox's deliveries read: Clio's records through the pull, and, when a Clio
    Payments payment was announced, the payments and their payouts (their own read: the pull's
    `updated_since` cursors do not cover them). Returns how many deliveries were read."""
    conn = Connection.objects.get(pk=connection_id)
    payments = WebhookEvent.objects.filter(
        subscription__connection=conn, processed_at__isnull=True, model=PAYMENTS_MODEL
    ).exists()
    events = pull.inbox_process(connection_id=connection_id)
    if payments:
        payouts_read(conn)
    return events


# -- failed records ------------------------------------------------------------------------------


def operations_retry(*, firm: Firm, actor: User | None, ids: list[int] | None = None) -> int:
    """Failed records go back to pending and a retry run sends them. Returns how many."""
    failed = SyncOperation.objects.filter(firm=firm, status=SyncOperation.Status.FAILED)
    if ids is not None:
        failed = failed.filter(pk__in=ids)
    count = failed.update(
        status=SyncOperation.Status.PENDING, error_code="", error_message="", failed_at=None
    )
    if count:
        if actor is not None:
            audit_record(firm=firm, actor=actor, action="sync.retry", after={"records": count})
        sync_start(firm=firm, actor=None, kind="retry", check=False)
    return count


@dataclass
class Progress:
    percent: int
    eta_seconds: int | None
    remaining: int


def run_progress(run: SyncRun) -> Progress:
    """Share of the push done, and an ETA from the rate so far (None until there is a rate)."""
    if run.phase == SyncRun.Phase.FINISHED:
        return Progress(100, 0, 0)
    if run.phase != SyncRun.Phase.PUSHING or not run.planned:
        return Progress({"queued": 0, "pulling": 5, "planning": 10}.get(run.phase, 10), None, 0)
    finished = run.done + run.failed + run.skipped
    remaining = max(run.planned - finished, 0)
    percent = 10 + int(90 * min(finished, run.planned) / run.planned)
    elapsed = (timezone.now() - run.started_at).total_seconds()
    eta = int(elapsed / finished * remaining) if finished else None
    return Progress(percent, eta, remaining)
