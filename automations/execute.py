"""Running automations: claim a due run, then its steps in order, each an outbox row.

Exactly once. A run is claimed with a conditional UPDATE and a lease (like sync.engine.outbox's
`claim`), so one worker at a time runs it. Each step is a RunStep with a deterministic
idempotency key (event, automation, step), marked IN_FLIGHT before its call and DONE after; a
step DONE is never sent again, and a retried run starts at the first step not done, with the
earlier outputs. A worker that dies mid-call leaves its step IN_FLIGHT: QuickBooks (`requestid`)
and Xero (`Idempotency-Key`) replay a keyed write, so it is sent again with the same key; Clio
takes no key, so such a Clio write becomes UNKNOWN and the run fails, for a person to check and
retry. Finds only read: always safe to send again.
"""

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from automations import outcomes
from automations.models import Run, RunStep
from automations.steps import StepOutcome, step_run
from sync.providers.http import idempotency_key

logger = logging.getLogger("firmsync.automations")

R, S = Run.Status, RunStep.Status
FAILURES_TO_PAUSE = outcomes.FAILURES_TO_PAUSE  # failed runs in a row that pause an automation
# A run is its worker's for this long; a worker that dies leaves it to expire. Longer than one
# step can take (its calls' timeouts and a throttle wait up to steps.STEP_WAIT_SECONDS).
LEASE = timedelta(minutes=4)
# A drain task stops taking runs after this long (a django-q2 task's timeout is 300 s).
DRAIN_SECONDS = 120.0
# An unavailable provider (5xx, timeouts): tries per run before it fails, and the waits between.
MAX_ATTEMPTS = 4
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=8))
NOT_FOUND_CONTINUE = "continue"


def _claimable(now) -> Q:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    # RUNNING with an expired lease: its worker died; the run is taken up again.
    expired = Q(status=R.RUNNING, claimed_until__lt=now)
    # A paused (or turned off) automation's runs wait for it to be turned on again.
    return Q(test=False, automation__enabled=True) & ((Q(status=R.PENDING) & due & free) | expired)


def run_claim() -> Run | None:
    """The oldest due run, claimed for this worker; None when none is due (or another worker took
    every candidate first)."""
    for _ in range(3):
        now = timezone.now()
        pk = (
            Run.objects.filter(_claimable(now))
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)
            .first()
        )
        if pk is None:
            return None
        taken = Run.objects.filter(_claimable(now), pk=pk).update(
            status=R.RUNNING, claimed_until=now + LEASE, attempts=F("attempts") + 1
        )
        if taken:
            return Run.objects.select_related("automation", "event").get(pk=pk)
    return None


def runs_drain(*, seconds: float = DRAIN_SECONDS) -> int:
    """Run due runs until none is left or `seconds` have passed; returns how many were run."""
    deadline = time.monotonic() + seconds
    done = 0
    while time.monotonic() < deadline:
        run = run_claim()
        if run is None:
            break
        try:
            run_execute(run)
        except Exception as exc:  # our own failure: the run ends plainly, the drain goes on
            logger.exception("automation run crashed run=%s", run.pk)
            outcomes.run_failed(
                run,
                error=f"FirmSync failed while running this automation: {exc!r}",
                fix="Press Retry; if it fails again, tell FirmSync support.",
            )
        done += 1
    return done


def _outputs(run: Run) -> dict[str, dict]:
    finished = run.run_steps.filter(status__in=(S.DONE, S.NOT_FOUND, S.PLANNED))
    return {str(s.index): s.output for s in finished}


def run_execute(run: Run) -> Run:
    """The run's steps, from the first not done; ends the run (or leaves it to wait)."""
    steps = list(run.automation.steps or [])
    outputs = _outputs(run)
    for index, spec in enumerate(steps, 1):
        spec = spec if isinstance(spec, dict) else {}  # fails as "not in the catalog"
        # The lease covers one step at a time: a long run keeps its claim while it works.
        Run.objects.filter(pk=run.pk).update(claimed_until=timezone.now() + LEASE)
        outcome = step_run(run, index, spec, outputs)
        if outcome.kind == "done":
            outputs[str(index)] = outcome.output
            continue
        if outcome.kind == "not_found":
            outputs[str(index)] = outcome.output
            if spec.get("on_not_found") == NOT_FOUND_CONTINUE:
                continue
            outcomes.run_stopped(run, outcome.summary or f"Step {index} found nothing.")
            return _fresh(run)
        _end_unfinished(run, outcome)
        return _fresh(run)
    outcomes.run_succeeded(run, R.DRY_RUN if run.dry_run else R.SUCCEEDED)
    return _fresh(run)


def _end_unfinished(run: Run, outcome: StepOutcome) -> None:
    if outcome.kind == "wait" and not run.test:
        # Throttled: not an error, and not an attempt. The run goes on when the window reopens.
        Run.objects.filter(pk=run.pk).update(
            status=R.PENDING,
            claimed_until=None,
            next_attempt_at=timezone.now() + outcome.wait,
            attempts=F("attempts") - 1,
            error=outcome.error,
            fix="",
        )
        return
    if outcome.kind == "retry" and not run.test and run.attempts < MAX_ATTEMPTS:
        wait = BACKOFF[min(run.attempts, len(BACKOFF)) - 1]
        Run.objects.filter(pk=run.pk).update(
            status=R.PENDING,
            claimed_until=None,
            next_attempt_at=timezone.now() + wait,
            error=outcome.error,
            fix=outcome.fix,
        )
        return
    outcomes.run_failed(run, error=outcome.error, fix=outcome.fix)


def _fresh(run: Run) -> Run:
    run.refresh_from_db()
    return run


def run_test(*, automation, event, dry_run: bool, user) -> Run:
    """Run the automation now against `event`, as a test (the Test button). A dry run sends no
    write: each step is PLANNED with exactly what it would send (finds read for real). A real
    test sends, with keys of its own, so the event's real run is still made and sent once."""
    if event.firm_id != automation.firm_id or event.trigger != automation.trigger:
        raise ValueError("The event is not one of this automation's trigger in its firm.")
    run = Run.objects.create(
        firm_id=automation.firm_id,
        automation=automation,
        event=event,
        status=R.RUNNING,
        test=True,
        dry_run=dry_run,
        attempts=1,
        claimed_until=timezone.now() + LEASE,
        started_by=user,
    )
    run.automation, run.event = automation, event
    return run_execute(run)


def run_retry(*, run: Run, user) -> Run:
    """A FAILED or STOPPED run goes back to PENDING (its steps not done with it) and is queued.
    A step whose answer was lost (UNKNOWN) is sent again: the person checked and chose to."""
    # Conditional: of two presses, one retries.
    retried = Run.objects.filter(pk=run.pk, status__in=(R.FAILED, R.STOPPED)).update(
        status=R.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        claimed_until=None,
        error="",
        fix="",
        finished_at=None,
        started_by=user if run.started_by_id is None else run.started_by,
    )
    if not retried:
        return _fresh(run)
    _rekey_refused(run)
    run.run_steps.exclude(status__in=(S.DONE, S.PLANNED)).update(
        status=S.PENDING, error="", fix="", claimed_until=None
    )
    run.refresh_from_db()
    if run.test:
        Run.objects.filter(pk=run.pk).update(
            status=R.RUNNING, attempts=1, claimed_until=timezone.now() + LEASE
        )
        return run_execute(_fresh(run))
    transaction.on_commit(lambda: async_task("automations.tasks.runs_drain"))
    return run


def _rekey_refused(run: Run) -> None:
    """A refused step (FAILED) is sent again under a new key. The provider refused the write
    whole, so nothing was made; and QuickBooks (`requestid`) and Xero (`Idempotency-Key`) answer
    a key they have seen with their first answer, so the old key would only replay the refusal.
    An UNKNOWN step keeps its key: its write may have landed, and a replay is what is wanted."""
    for step in run.run_steps.filter(status=S.FAILED):
        new_key = idempotency_key(step.idempotency_key, "retry", step.attempts)
        RunStep.objects.filter(pk=step.pk).update(idempotency_key=new_key)
