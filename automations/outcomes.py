"""How a run ends: its status, the automation's count of failures in a row, pausing after five
(and telling its owner), and the `automation.failed` event for the firm's webhook subscribers."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.events import AUTOMATION_FAILED, event_publish
from accounts.models import Membership, Role
from automations.models import Automation, Run

logger = logging.getLogger("firmsync.automations")

FAILURES_TO_PAUSE = 5


def run_succeeded(run: Run, status: str = Run.Status.SUCCEEDED) -> None:
    """SUCCEEDED (or STOPPED, or DRY_RUN for a test): a real run's success resets the count."""
    Run.objects.filter(pk=run.pk).update(
        status=status, finished_at=timezone.now(), claimed_until=None, error="", fix=""
    )
    if not run.test and status == Run.Status.SUCCEEDED:
        Automation.objects.filter(pk=run.automation_id).update(failures_in_row=0)


def run_stopped(run: Run, summary: str) -> None:
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.STOPPED, finished_at=timezone.now(), claimed_until=None, error=summary
    )


def run_failed(run: Run, *, error: str, fix: str) -> None:
    """FAILED for good (until a person presses Retry). A real run counts toward pausing its
    automation and is published as `automation.failed`; a test run does neither."""
    with transaction.atomic():
        Run.objects.filter(pk=run.pk).update(
            status=Run.Status.FAILED,
            finished_at=timezone.now(),
            claimed_until=None,
            error=error[:5000],
            fix=fix[:2000],
        )
        if run.test:
            return
        Automation.objects.filter(pk=run.automation_id).update(
            failures_in_row=F("failures_in_row") + 1
        )
        automation = Automation.objects.select_for_update().get(pk=run.automation_id)
        if automation.enabled and automation.failures_in_row >= FAILURES_TO_PAUSE:
            automation_pause(automation, error=error)
        event_publish(
            firm_id=run.firm_id,
            type=AUTOMATION_FAILED,
            items=[failed_payload(run, automation, error=error, fix=fix)],
        )


def failed_payload(run: Run, automation: Automation, *, error: str, fix: str) -> dict:
    return {
        "run_id": run.pk,
        "automation": {"id": automation.pk, "name": automation.name},
        "trigger": automation.trigger,
        "event_id": str(run.event.event_id),
        "event_summary": run.event.summary,
        "error": error,
        "fix": fix,
        "failures_in_row": automation.failures_in_row,
        "paused": not automation.enabled,
    }


def automation_pause(automation: Automation, *, error: str) -> None:
    """Turn the automation off after FAILURES_TO_PAUSE failed runs in a row; email its owner
    once the transaction commits."""
    automation.enabled = False
    automation.paused_reason = (
        f"Paused after {automation.failures_in_row} failed runs in a row. The last error: {error}"
    )
    automation.updated_at = timezone.now()
    automation.save(update_fields=["enabled", "paused_reason", "updated_at"])
    transaction.on_commit(lambda: _email_owner_paused(automation.pk))


def _page(automation: Automation) -> str:
    try:
        path = reverse("automation_detail", args=[automation.pk])
    except NoReverseMatch:
        path = "/automations/"
    return f"{settings.SITE_URL}{path}"


def _email_owner_paused(automation_id: int) -> None:
    """To the owner, or, without one (or without an email address), to the firm's admins."""
    automation = Automation.objects.select_related("firm", "owner").get(pk=automation_id)
    recipients = [automation.owner.email] if automation.owner and automation.owner.email else []
    if not recipients:
        admins = Membership.objects.filter(firm=automation.firm, role=Role.ADMIN)
        recipients = list(admins.exclude(user__email="").values_list("user__email", flat=True))
    if not recipients:
        logger.warning("automation paused, nobody to tell automation=%s", automation_id)
        return
    send_mail(
        subject=f"[FirmSync] Automation paused: {automation.name}",
        message=(
            f"FirmSync turned off the automation “{automation.name}” for "
            f"{automation.firm.name}.\n\n{automation.paused_reason}\n\n"
            f"Fix the cause, then turn it back on and retry its failed runs: {_page(automation)}"
        ),
        from_email=None,
        recipient_list=recipients,
    )
