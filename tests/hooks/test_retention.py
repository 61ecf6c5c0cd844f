from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule

from hooks.models import Delivery
from hooks.retention import deliveries_prune
from hooks.schedules import schedules_ensure


def _delivery(subscribed, status: str, age_days: int) -> Delivery:
    sub = subscribed.subscription
    at = timezone.now() - timedelta(days=age_days)
    return Delivery.objects.create(
        firm=sub.firm,
        subscription=sub,
        type="ping",
        payload={},
        status=status,
        created_at=at,
        delivered_at=at if status == Delivery.Status.DELIVERED else None,
    )


def test_finished_deliveries_past_the_retention_go_and_the_rest_stay(subscribed, settings):
    settings.HOOKS_DELIVERY_RETENTION_DAYS = 30
    S = Delivery.Status
    old_done = _delivery(subscribed, S.DELIVERED, 31)
    old_failed = _delivery(subscribed, S.FAILED, 45)
    old_pending = _delivery(subscribed, S.PENDING, 60)  # still to be sent: kept
    recent = _delivery(subscribed, S.DELIVERED, 29)
    assert deliveries_prune() == 2
    left = set(Delivery.objects.values_list("pk", flat=True))
    assert left == {old_pending.pk, recent.pk}
    assert not {old_done.pk, old_failed.pk} & left
    assert deliveries_prune() == 0


def test_the_prune_runs_every_night(db):
    schedules_ensure()
    prune = Schedule.objects.get(name="firmsync-hooks:deliveries-prune")
    assert (prune.func, prune.schedule_type) == ("hooks.tasks.deliveries_prune", Schedule.DAILY)
