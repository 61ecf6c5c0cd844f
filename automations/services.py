"""Writes for automations: create, change, delete, turn on and off, test and retry.

Every one checks the whole automation (automations.validation) and says what to fix; every one
is audited like the firm's other settings."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from accounts.services import audit_record
from automations import execute, polling
from automations.models import Automation, Run, TriggerEvent
from automations.validation import (
    automation_problems,
    conditions_clean,
    steps_clean,
)


def _shown(a: Automation) -> dict:
    return {
        "name": a.name,
        "trigger": a.trigger,
        "conditions": a.conditions,
        "steps": a.steps,
        "enabled": a.enabled,
    }


def _check(a: Automation, *, complete: bool = True) -> None:
    problems = automation_problems(
        firm_id=a.firm_id,
        name=a.name,
        trigger=a.trigger,
        conditions=a.conditions,
        steps=a.steps,
        complete=complete,
    )
    if problems:
        raise ValidationError(problems)
    a.conditions = conditions_clean(a.conditions)
    a.steps = steps_clean(a.steps)


@transaction.atomic
def automation_create(
    *,
    member: Membership,
    name: str,
    trigger: str,
    steps: list[dict],
    conditions: list[dict] | None = None,
    recipe: str = "",
    complete: bool = True,
    ip: str | None = None,
) -> Automation:
    """A new automation, off. `complete=False` keeps a draft whose required inputs are not all
    mapped yet (a recipe's start); it must be complete to be turned on."""
    a = Automation(
        firm_id=member.firm_id,
        name=name.strip(),
        trigger=trigger,
        conditions=conditions or [],
        steps=steps,
        recipe=recipe,
        owner=member.user,
    )
    _check(a, complete=complete)
    a.save()
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="automation.created",
        obj=a,
        after=_shown(a),
        ip=ip,
    )
    return a


@transaction.atomic
def automation_update(
    *,
    member: Membership,
    automation: Automation,
    name: str | None = None,
    trigger: str | None = None,
    conditions: list[dict] | None = None,
    steps: list[dict] | None = None,
    ip: str | None = None,
) -> Automation:
    a = Automation.objects.select_for_update().get(pk=automation.pk, firm_id=member.firm_id)
    before = _shown(a)
    if name is not None:
        a.name = name.strip()
    if trigger is not None:
        a.trigger = trigger
    if conditions is not None:
        a.conditions = conditions
    if steps is not None:
        a.steps = steps
    _check(a)
    a.updated_at = timezone.now()
    a.save()
    if a.enabled and a.trigger != before["trigger"]:
        # Turned on under a new trigger: its cursor starts now, like turning it on does.
        polling.cursor_ensure(firm=member.firm, trigger_id=a.trigger)
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="automation.updated",
        obj=a,
        before=before,
        after=_shown(a),
        ip=ip,
    )
    return a


@transaction.atomic
def automation_delete(*, member: Membership, automation: Automation, ip: str | None = None) -> None:
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="automation.deleted",
        obj=automation,
        before=_shown(automation),
        ip=ip,
    )
    automation.delete()


@transaction.atomic
def automation_enable(
    *, member: Membership, automation: Automation, ip: str | None = None
) -> Automation:
    """Turn it on: from now, each new event of its trigger runs it. A paused automation turned
    on again starts a fresh count of failures."""
    a = Automation.objects.select_for_update().get(pk=automation.pk, firm_id=member.firm_id)
    _check(a)
    polling.cursor_ensure(firm=member.firm, trigger_id=a.trigger)
    a.enabled, a.paused_reason, a.failures_in_row = True, "", 0
    a.updated_at = timezone.now()
    a.save()
    audit_record(firm=member.firm, actor=member.user, action="automation.enabled", obj=a, ip=ip)
    return a


@transaction.atomic
def automation_disable(
    *, member: Membership, automation: Automation, ip: str | None = None
) -> Automation:
    a = Automation.objects.select_for_update().get(pk=automation.pk, firm_id=member.firm_id)
    a.enabled = False
    a.updated_at = timezone.now()
    a.save(update_fields=["enabled", "updated_at"])
    audit_record(firm=member.firm, actor=member.user, action="automation.disabled", obj=a, ip=ip)
    return a


def automation_test(
    *, member: Membership, automation: Automation, event: TriggerEvent, dry_run: bool
) -> Run:
    """Run it now for one recent event: a dry run shows what would be sent; a real one sends it
    (audited, as it writes to the firm's apps)."""
    if event.firm_id != member.firm_id or event.trigger != automation.trigger:
        raise ValidationError({"event": "Choose one of this trigger's recent events."})
    _check(automation)
    run = execute.run_test(automation=automation, event=event, dry_run=dry_run, user=member.user)
    if not dry_run:
        audit_record(
            firm=member.firm,
            actor=member.user,
            action="automation.tested",
            obj=automation,
            after={"event": str(event.event_id), "run": run.pk},
        )
    return run


RETRYABLE = (Run.Status.FAILED, Run.Status.STOPPED)
WAITING = (Run.Status.PENDING, Run.Status.RUNNING)


def run_retry(*, member: Membership, run: Run) -> Run:
    """Send a failed or stopped run's unfinished steps again. A run still waiting or running is
    left as it is: retrying it twice is the same as once."""
    if run.firm_id != member.firm_id:
        raise ValidationError("No such run.")
    if run.status in WAITING:
        return run
    if run.status not in RETRYABLE:
        raise ValidationError(
            f"This run is {run.get_status_display().lower()}: only a failed or stopped run is "
            "retried."
        )
    return execute.run_retry(run=run, user=member.user)
