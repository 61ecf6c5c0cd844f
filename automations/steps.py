"""One step of a run: map its inputs, call its action once, and record what happened.

A step's row is its outbox row: IN_FLIGHT is written (and committed) before the action's call,
DONE with the result after, so a worker that dies between the two leaves the evidence. What each
provider error means for the run is decided here and acted on by automations.execute.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from automations import mapping
from automations.catalog import registry
from automations.catalog.base import Action, ActionError, Ctx, Result
from automations.context import APP_NAMES, NotConnected, ctx_build, error_words, json_safe
from automations.models import Run, RunStep
from sync.providers import pacing
from sync.providers.errors import ProviderError, ProviderRateLimited, ProviderUnavailable
from sync.providers.http import idempotency_key

logger = logging.getLogger("firmsync.automations")

S = RunStep.Status
# A throttle wait longer than this inside a step ends the step (ProviderRateLimited): the run
# waits for the window instead of holding a worker.
STEP_WAIT_SECONDS = 30.0
STEP_LEASE = timedelta(minutes=4)
# Actions that only read: sending them again is always safe.
READ_KINDS = {"find"}


@dataclass
class StepOutcome:
    kind: str  # done, not_found, wait (throttled), retry (unavailable), fail
    output: dict = field(default_factory=dict)
    summary: str = ""
    error: str = ""
    fix: str = ""
    wait: timedelta = timedelta(0)


def step_key(run: Run, index: int) -> str:
    """The step's idempotency key: (event, automation, step). A test run's steps have keys of
    their own, so testing never uses up (or replays) the real run's writes."""
    if run.test:
        return idempotency_key(run.event.event_id, run.automation_id, index, "test", run.pk)
    return idempotency_key(run.event.event_id, run.automation_id, index)


def event_meta(run: Run) -> dict:
    event = run.event
    local = timezone.localtime(event.occurred_at)
    return {
        "id": str(event.event_id),
        "occurred_at": event.occurred_at.isoformat(),
        # The day and the month it happened, for names such as a folder per month.
        "date": local.date().isoformat(),
        "month": local.strftime("%Y-%m"),
        "summary": event.summary,
        "record_id": event.record_id,
        "record_url": event.record_url,
    }


def _sent(ctx: Ctx | None) -> list[dict]:
    if ctx is None:
        return []
    return json_safe(
        [{"method": s.method, "path": s.path, "params": s.params, "body": s.body} for s in ctx.sent]
    )


def _fail(step: RunStep, error: str, fix: str, ctx: Ctx | None = None) -> StepOutcome:
    RunStep.objects.filter(pk=step.pk).update(
        status=S.FAILED,
        error=error,
        fix=fix,
        sent=_sent(ctx) if ctx is not None else step.sent,
        claimed_until=None,
        finished_at=timezone.now(),
    )
    return StepOutcome("fail", error=error, fix=fix)


def _unknown(step: RunStep, action: Action, index: int) -> StepOutcome:
    """A Clio write whose answer was lost: Clio takes no idempotency key, so it is never resent
    on its own (it may have been made)."""
    what = f"step {index}, {action.name}"
    error = f"The write of {what} was sent to Clio but its answer was lost: it may have been made."
    fix = (
        f"Check in Clio whether the record of {what} was made. If it was not, press Retry to "
        "send it again; if it was, leave this run as it is."
    )
    RunStep.objects.filter(pk=step.pk).update(
        status=S.UNKNOWN, error=error, fix=fix, claimed_until=None, finished_at=timezone.now()
    )
    return StepOutcome("fail", error=error, fix=fix)


def _is_write(action: Action) -> bool:
    return action.kind not in READ_KINDS


def _placeholders(action: Action, index: int) -> dict:
    """A dry run's stand-in output for a write it did not make, so later steps can be mapped."""
    return {f.key: f"(step {index}: {f.label})" for f in action.outputs}


def step_run(run: Run, index: int, spec: dict, outputs: dict[str, dict]) -> StepOutcome:
    action_id = str(spec.get("action", ""))
    step, _ = RunStep.objects.get_or_create(
        run=run,
        index=index,
        defaults={"action": action_id, "idempotency_key": step_key(run, index)},
    )
    if step.status in (S.DONE, S.PLANNED):
        return StepOutcome("done", output=step.output)
    if step.status == S.NOT_FOUND:
        return StepOutcome("not_found", output=step.output, summary=step.summary)
    if step.status == S.UNKNOWN:
        return StepOutcome("fail", error=step.error, fix=step.fix)
    action = registry.action(action_id)
    if action is None:
        return _fail(
            step,
            f"Step {index}'s action ({action_id}) is not in the catalog.",
            "Edit the automation and choose the step's action again.",
        )
    if step.status == S.IN_FLIGHT and _is_write(action) and action.app == "clio":
        return _unknown(step, action, index)  # its worker died mid-call
    context = mapping.context_build(data=run.event.data, event=event_meta(run), steps=outputs)
    inputs, problems = mapping.inputs_build(action, spec.get("inputs") or {}, context)
    if problems:
        return _fail(
            step,
            f"Step {index} ({action.name}): " + " ".join(problems),
            f"Edit step {index}'s fields in the automation, or test it with another event.",
        )
    try:
        ctx = ctx_build(
            firm_id=run.firm_id,
            app=action.app,
            dry_run=run.dry_run and _is_write(action),
            idempotency_key=step.idempotency_key,
        )
    except NotConnected as exc:
        return _fail(step, exc.message, exc.fix)
    RunStep.objects.filter(pk=step.pk).update(
        status=S.IN_FLIGHT,
        inputs=json_safe(inputs),
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        claimed_until=timezone.now() + STEP_LEASE,
        error="",
        fix="",
    )
    return _call(run, step, action, index, ctx, inputs)


def _call(run: Run, step: RunStep, action: Action, index: int, ctx: Ctx, inputs: dict):
    try:
        with pacing.step_deadline(time.time() + STEP_WAIT_SECONDS):
            result = action.run(ctx, inputs)
    except ActionError as exc:
        return _fail(step, f"Step {index} ({action.name}): {exc.message}", exc.fix, ctx)
    except ProviderRateLimited as exc:
        # Throttled: nothing was done. The step waits as it was, for the window to reopen.
        RunStep.objects.filter(pk=step.pk).update(status=S.PENDING, claimed_until=None)
        name = APP_NAMES.get(action.app, action.app)
        return StepOutcome(
            "wait",
            error=f"Waiting for {name}'s {exc.scope} limit.",
            wait=timedelta(seconds=max(exc.retry_after, 1.0)),
        )
    except ProviderUnavailable as exc:
        if action.app == "clio" and _is_write(action) and ctx.sent and exc.status is None:
            return _unknown(step, action, index)  # no answer to a write Clio cannot replay
        said, fix = error_words(exc)
        RunStep.objects.filter(pk=step.pk).update(
            status=S.PENDING, claimed_until=None, error=said, sent=_sent(ctx)
        )
        return StepOutcome("retry", error=f"Step {index} ({action.name}): {said}", fix=fix)
    except ProviderError as exc:
        said, fix = error_words(exc)
        return _fail(step, f"Step {index} ({action.name}): {said}", fix, ctx)
    except Exception as exc:  # an action's bug must fail the run, not the worker
        logger.exception("automation step failed run=%s step=%s", run.pk, index)
        return _fail(
            step,
            f"Step {index} ({action.name}) failed unexpectedly: {exc!r}",
            "Press Retry; if it fails again, tell FirmSync support.",
            ctx,
        )
    return _record(run, step, action, index, ctx, result)


def _record(run: Run, step: RunStep, action: Action, index: int, ctx: Ctx, result: Result):
    planned = ctx.dry_run
    output = {**_placeholders(action, index), **result.output} if planned else result.output
    status = S.PLANNED if planned else S.DONE
    if result.found is False:
        status = S.NOT_FOUND
    RunStep.objects.filter(pk=step.pk).update(
        status=status,
        output=json_safe(output),
        record_id=str(result.record_id)[:80],
        record_url=result.record_url[:500],
        summary=result.summary[:300],
        sent=_sent(ctx),
        claimed_until=None,
        finished_at=timezone.now(),
    )
    if status == S.NOT_FOUND:
        return StepOutcome("not_found", output=output, summary=result.summary)
    return StepOutcome("done", output=output, summary=result.summary)
