"""Trust tasks for the django-q2 worker: thin, each loads by id and calls one service."""

import logging

from django.utils import timezone

from trust.duties.reminders import duty_reminders_send
from trust.models import TrustAccount

logger = logging.getLogger(__name__)


def duty_reminders() -> int:
    """Daily: email each firm with a trust account the duties newly due soon or overdue. A
    failure at one firm is logged and the others still get theirs; the failed firm's items are
    unclaimed, so tomorrow's run sends them."""
    today = timezone.localdate()
    sent = 0
    firm_ids = TrustAccount.objects.values_list("firm_id", flat=True).distinct().order_by()
    for firm_id in firm_ids:
        try:
            sent += len(duty_reminders_send(firm_id=firm_id, today=today))
        except Exception:
            logger.exception("trust_duty_reminders_failed firm=%s", firm_id)
    return sent
