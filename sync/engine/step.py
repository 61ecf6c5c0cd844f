"""One step of a run: read Clio and write the books side by side, for a bounded time.

A run is a chain of steps. Each holds the run's lease (`engine/lease.py`), reads Clio page by page
in one thread while the books are written in this one, and stops between pages and between rounds
when its time is up; then it queues the next step. Clio's pages resume where they stopped (the
cursor keeps the next-page URL), the outbox keeps what is left to write, and the run remembers
which reads are done, so a step can end, or be killed, anywhere.

Pushing starts as soon as something is planned: a resource is planned the moment it is read
(the bills' clients, then trust, then each bill as its lines complete it, with its payments), in
an order that gives the books work while the rest is still being read.

A wait for a rate limit that fits in the step is waited (and shown on the run); one that does not
parks the run until the window opens, and the watchdog resumes it. Throttling fails nothing.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from django.db import close_old_connections
from django.db import connection as db_connection
from django.utils import timezone
from django_q.tasks import async_task

from sync.engine import lease, numbering, plan, pull, push
from sync.models import Connection, SyncOperation, SyncRun
from sync.providers import pacing
from sync.providers.errors import ProviderRateLimited
from sync.trust_books import pull as pull_trust
from sync.trust_books import services as services_trust

logger = logging.getLogger("firmsync.sync")

# Wall seconds of work per step, well inside Q_CLUSTER["timeout"] (300 s): a step stops taking
# new work after STEP_SECONDS and no wait may end after HARD_SECONDS.
STEP_SECONDS = 120.0
HARD_SECONDS = 220.0
# What a run reads, in order; after some, what can be planned (None: everything).
# Bills early, for the customers they name are the books' first work; payments before the
# bills' lines, the longest read: each payment then goes to the books with its invoice, as the
# lines complete it, rather than all of them after the last page.
READS = ("contacts", "matters", "bills", "trust", "allocations", "line_items")
PLAN_AFTER: dict[str, set[str] | None] = {
    "contacts": {"contact"},
    "bills": {"contact"},  # the clients of the bills, before their lines are in
    "trust": {"contact", "trust_entry"},  # and of trust money
    "line_items": None,
}
# While these are read, what is complete is planned every so many pages (the clients of the
# bills read so far; bills whose lines are all in, and the payments of bills planned), so the
# books are written while the rest is read. A firm of 20,000 bills takes two minutes of Clio's
# allowance to list them: its customers go to the books meanwhile, not after the last page.
EARLY_PLANS = {
    "bills": {"contact"},
    "trust": {"contact", "trust_entry"},
    "line_items": {"contact", "bill", "payment", "credit"},
}
EARLY_PLAN_PAGES = 20
# How long past STEP_SECONDS a step writes on while a plan it waits for is being made (well
# inside HARD_SECONDS).
PLAN_GRACE_SECONDS = 60.0
# Waits shorter than this are not shown on the run (the 10-a-second window, a busy slot).
SHOW_WAIT_SECONDS = 5.0
PROVIDER_NAMES = {"clio": "Clio", "quickbooks": "QuickBooks", "xero": "Xero"}
SCOPE_WORDS = {"day": "daily rate limit", "concurrent": "limit on calls at once"}


def reads_for(run: SyncRun) -> list[str]:
    if run.kind == "retry":
        return []
    if run.kind == "webhook":
        return []  # the webhook inbox has just read what changed
    return [r for r in READS if r not in run.pulled_resources]


def waiting_words(provider: str, scope: str = "") -> str:
    who = PROVIDER_NAMES.get(provider, provider.title())
    return f"{who}'s {SCOPE_WORDS.get(scope, 'rate limit')}"


@dataclass
class Step:
    run: SyncRun
    clio: Connection
    books: Connection
    bounded: bool = True
    started: float = field(default_factory=time.monotonic)
    lost: bool = False  # the lease went to someone else: stop at once
    reading: bool = False
    read_error: BaseException | None = None
    shown_wait: bool = False
    pages: int = 0
    planner: threading.Thread | None = None  # the early plan under way
    _beat_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- time and life ---------------------------------------------------------------------

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def over(self) -> bool:
        """Asked between pages and rounds: time to stop? (And a sign of life while at work.)"""
        self.beat()
        return self.lost or (self.bounded and self.elapsed() > STEP_SECONDS)

    def beat(self, *, force: bool = False, **fields) -> None:
        """Renew the lease and show progress, at most every couple of (scaled) seconds."""
        now = time.monotonic()
        with self._lock:
            if not force and not fields and now - self._beat_at < pacing.scaled(2.0):
                return
            self._beat_at = now
        if not lease.renew(self.run.pk, **fields):
            self.lost = True

    def on_wait(self, provider: str, until: float | None) -> None:
        """Show a wait on the run when it is long enough to notice (pacing calls this at the
        start of every wait, on its heartbeats, and at its end)."""
        if until is None:
            if self.shown_wait:
                self.shown_wait = False
                self.beat(force=True, waiting_for="", waiting_until=None)
            return
        left = until - time.time()
        if left < pacing.scaled(SHOW_WAIT_SECONDS):
            self.beat()
            return
        self.shown_wait = True
        resume = timezone.now() + timedelta(seconds=left)
        self.beat(waiting_for=waiting_words(provider), waiting_until=resume)

    # -- reading Clio ----------------------------------------------------------------------

    def read(self, reads: list[str]) -> None:
        try:
            for n, resource in enumerate(reads):
                if n and self.over():  # every step reads something
                    return
                if resource == "trust":
                    if not self._read_trust():
                        return
                else:
                    done = pull.pull_clio(
                        connection_id=self.clio.pk,
                        full=self._full(),
                        only=[resource],
                        stop=self.over,
                        on_page=partial(self._read_page, resource),
                    )
                    if resource not in done.finished:
                        return
                self._read_done(resource)
        except BaseException as exc:  # handed to the step's thread, which decides
            self.read_error = exc
        finally:
            # Reading is over once what it read is planned: the writer's last pass must see it.
            if self.planner is not None:
                self.planner.join()
            self.reading = False
            close_old_connections()

    def _read_trust(self) -> bool:
        """Trust transactions, page by page; an account read to the end is remembered on the
        run (`trust:<Clio id>`), so a later step does not read it again. True once all are."""
        prefix = "trust:"
        done = pull_trust.pull_trust(
            connection_id=self.clio.pk,
            full=self._full(),
            stop=self.over,
            on_page=partial(self._read_page, "trust"),
            skip={int(r[len(prefix) :]) for r in self.run.pulled_resources if r.startswith(prefix)},
        )
        if done.finished:
            self.run.pulled_resources = [
                *self.run.pulled_resources,
                *(f"{prefix}{clio_id}" for clio_id in done.finished),
            ]
            SyncRun.objects.filter(pk=self.run.pk).update(
                pulled_resources=self.run.pulled_resources
            )
        if done.stopped:
            return False
        services_trust.trust_requests_settle(firm=self.run.firm)
        return True

    def _full(self) -> bool:
        return self.run.kind in ("initial", "full")

    def _read_page(self, resource: str, records: int) -> None:
        SyncRun.objects.filter(pk=self.run.pk).update(pulled=self.run.pulled + records)
        self.run.pulled += records
        self.pages += 1
        early = EARLY_PLANS.get(resource) if self._full() else None
        # The books need not wait for the last page: what is complete goes now, planned in a
        # thread of its own, so neither the reading nor the writing pauses for it (one plan at
        # a time: pages read meanwhile go in the next).
        idle = self.planner is None or not self.planner.is_alive()
        if early and self.pages % EARLY_PLAN_PAGES == 0 and idle:
            self.planner = threading.Thread(target=self._plan_early, args=(early,))
            self.planner.start()
        self.beat()

    def _plan_early(self, entities: set[str]) -> None:
        try:
            plan.plan_firm(firm=self.run.firm, run=self.run, entities=entities, early=True)
            self.beat(force=True, planned=self._planned())
        except Exception:  # the plan after the last page plans it all again
            logger.exception("early_plan_failed run=%s", self.run.pk)
        finally:
            db_connection.close()  # this thread's own

    def _read_done(self, resource: str) -> None:
        self.run.pulled_resources = [*self.run.pulled_resources, resource]
        SyncRun.objects.filter(pk=self.run.pk).update(pulled_resources=self.run.pulled_resources)
        if resource in PLAN_AFTER and (self._full() or PLAN_AFTER[resource] is None):
            # A run that reads everything plans as it goes; a small one plans once, at the end.
            # In a thread of its own, after the plan before it: Clio is read on meanwhile (a
            # firm's 30,000 trust entries take seconds to plan, and its reading is what binds
            # a first sync into Xero).
            self._plan_next(PLAN_AFTER[resource])

    def _plan_next(self, entities: set[str] | None) -> None:
        before = self.planner

        def plan_after_before() -> None:
            try:
                if before is not None:
                    before.join()
                self.plan(entities)
            except BaseException as exc:  # the step raises it, as it would a read's
                self.read_error = exc
            finally:
                db_connection.close()  # this thread's own

        self.planner = threading.Thread(target=plan_after_before)
        self.planner.start()

    def plan(self, entities: set[str] | None) -> None:
        plan.plan_firm(firm=self.run.firm, run=self.run, entities=entities)
        self.beat(force=True, planned=self._planned())

    def _planned(self) -> int:
        run = SyncRun.objects.get(pk=self.run.pk)
        return run.done + run.failed + run.skipped + outstanding(self.books).count()

    # -- the step ---------------------------------------------------------------------------

    def work(self) -> bool:
        """Read and write until done or out of time. True when the run has nothing left."""
        reads = reads_for(self.run)
        if self.run.kind == "webhook" and self.run.steps <= 1:
            self.plan(None)
        reader = None
        if reads:
            self.reading = True
            if self.bounded:
                reader = threading.Thread(target=self.read, args=(reads,), daemon=True)
                reader.start()
            else:
                self.read(reads)
        try:
            self._write()
        finally:
            if reader is not None:
                reader.join()
            if self.planner is not None:
                self.planner.join()
        if self.read_error is not None:
            raise self.read_error
        self.run.refresh_from_db()
        pulled = not reads_for(self.run)
        if pulled and self.run.phase == SyncRun.Phase.PULLING:
            _phase(self.run, SyncRun.Phase.PUSHING)
        return pulled and not outstanding(self.books).exists() and not self.lost

    def _writing_over(self) -> bool:
        """Past the step's time the writer goes on while a plan is still being made (the step
        waits for it anyway, and the books would sit idle: a plan of thousands of bills takes
        most of a Clio window at four times real speed), up to PLAN_GRACE_SECONDS more."""
        if not self.over():
            return False
        if self.lost:
            return True
        planning = self.planner is not None and self.planner.is_alive()
        return not planning or self.elapsed() > STEP_SECONDS + PLAN_GRACE_SECONDS

    def _write(self) -> None:
        first = True
        while first or not self._writing_over():
            first = False  # every step writes a round, however late it started
            push.push_pending(connection=self.books, run=self.run, stop=self._writing_over)
            if self.read_error is not None:
                return
            if not self.reading:
                # Reading is over: one more pass for what the last plan queued, then stop
                # unless something is still claimed elsewhere (a dead worker's lease).
                push.push_pending(connection=self.books, run=self.run, stop=self._writing_over)
                if not outstanding(self.books).exists() or not self.bounded:
                    return
            time.sleep(max(pacing.scaled(1.0), 0.05))
            self.beat()


def outstanding(books: Connection):
    return SyncOperation.objects.filter(
        connection=books,
        status__in=(SyncOperation.Status.PENDING, SyncOperation.Status.IN_FLIGHT),
    )


def _phase(run: SyncRun, phase: str, **fields) -> None:
    fields.update(phase=phase, progress_at=timezone.now())
    SyncRun.objects.filter(pk=run.pk).update(**fields)
    for name, value in fields.items():
        setattr(run, name, value)


def step_run(
    run: SyncRun,
    clio: Connection,
    books: Connection,
    *,
    bounded: bool,
    finish: Callable[[SyncRun], SyncRun],
) -> SyncRun:
    """Work on a claimed run for one step; then finish it, park it, or queue the next step."""
    if run.phase == SyncRun.Phase.QUEUED:
        # Held numbers the books may have freed since (sync.engine.numbering): before the plan.
        numbering.holds_recheck(books=books)
        _phase(run, SyncRun.Phase.PULLING if reads_for(run) else SyncRun.Phase.PUSHING)
    step = Step(run, clio, books, bounded=bounded)
    hard = time.time() + HARD_SECONDS
    try:
        with pacing.listening(step.on_wait):
            if bounded:
                with pacing.step_deadline(hard):
                    done = step.work()
            else:
                done = step.work()
    except ProviderRateLimited as exc:
        return _park(run, exc, bounded=bounded)
    if done:
        return finish(run)
    if step.lost:
        logger.warning("sync_step_lost_lease run=%s", run.pk)
        return run
    lease.release(run.pk, waiting_for="", waiting_until=None)
    if bounded:
        async_task("sync.tasks.sync_run", run.pk)
    run.refresh_from_db()
    return run


def _park(run: SyncRun, exc: ProviderRateLimited, *, bounded: bool) -> SyncRun:
    """A window longer than a step (Xero's day): wait for it parked; the watchdog resumes."""
    seconds = max(float(exc.retry_after or 0), 0.0)
    scope = exc.scope
    if seconds <= pacing.scaled(STEP_SECONDS):
        # It fits in a step of its own: the next step waits it out.
        lease.release(run.pk, waiting_for="", waiting_until=None)
        if bounded:
            async_task("sync.tasks.sync_run", run.pk)
        run.refresh_from_db()
        return run
    logger.info("sync_run_parked run=%s provider=%s seconds=%s", run.pk, exc.provider, seconds)
    return park(run, waiting_for=waiting_words(exc.provider, scope), seconds=seconds)


def park(run: SyncRun, *, waiting_for: str, seconds: float, **fields) -> SyncRun:
    """Give up the lease and wait, shown on the run, until `seconds` from now (the watchdog
    resumes it then)."""
    lease.release(
        run.pk,
        status=SyncRun.Status.WAITING,
        waiting_for=waiting_for,
        waiting_until=timezone.now() + timedelta(seconds=seconds),
        progress_at=timezone.now(),
        **fields,
    )
    run.refresh_from_db()
    return run
