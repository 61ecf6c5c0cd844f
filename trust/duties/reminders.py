"""Email reminders of trust duties: one email per firm and run, listing each item that became
due soon or overdue since the last run. Each item is emailed once per stage (due soon, then
overdue): the DutyReminder row is the claim, written in the same transaction as the send, so a
failed send leaves nothing recorded and the next run tries again."""

from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import Firm, Membership, Role
from trust.duties.evaluate import DutyItem, Status
from trust.duties.selectors import duty_items_for_firm
from trust.models import DutyReminder

STAGES = {Status.OVERDUE: DutyReminder.Stage.OVERDUE, Status.DUE_SOON: DutyReminder.Stage.DUE_SOON}


def _recipients(firm_id: int) -> list[str]:
    """The people who answer for trust duties: the firm's admins and accountants."""
    return sorted(
        Membership.objects.filter(firm_id=firm_id, role__in=[Role.ADMIN, Role.ACCOUNTANT])
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )


def _claim(firm_id: int, item: DutyItem, recipients: list[str]) -> DutyReminder | None:
    reminder, created = DutyReminder.objects.get_or_create(
        firm_id=firm_id,
        item_key=item.key,
        stage=STAGES[item.status],
        defaults={"account_id": item.account_id, "due": item.due, "recipients": recipients},
    )
    return reminder if created else None


def duty_reminders_send(*, firm_id: int, today: date) -> list[DutyReminder]:
    """Email the firm's admins and accountants the duty items newly due soon or overdue."""
    recipients = _recipients(firm_id)
    if not recipients:
        return []
    due = [i for i in duty_items_for_firm(firm_id=firm_id, as_of=today) if i.status in STAGES]
    with transaction.atomic():
        claimed = [(i, _claim(firm_id, i, recipients)) for i in due]
        new = [i for i, reminder in claimed if reminder is not None]
        if not new:
            return []
        firm = Firm.objects.get(pk=firm_id)
        overdue = sum(1 for i in new if i.status == Status.OVERDUE)
        send_mail(
            subject=f"[FirmSync] Trust duties for {firm.name}: {overdue} overdue, "
            f"{len(new) - overdue} due soon",
            message=render_to_string(
                "trust/email/duty_reminder.txt",
                {
                    "firm": firm,
                    "overdue": [i for i in new if i.status == Status.OVERDUE],
                    "due_soon": [i for i in new if i.status == Status.DUE_SOON],
                    "link": f"{settings.SITE_URL}/trust/duties/",
                },
            ),
            from_email=None,
            recipient_list=recipients,
        )
    return [reminder for _, reminder in claimed if reminder is not None]
