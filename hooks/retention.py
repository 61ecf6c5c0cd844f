"""How long the delivery log keeps an event: delivered and failed deliveries older than
settings.HOOKS_DELIVERY_RETENTION_DAYS are deleted each night, a bounded batch at a time. Pending
ones are kept whatever their age: they are still to be sent."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from hooks.models import Delivery

PRUNE_BATCH = 5000
PRUNE_BATCHES = 20  # a night's most: 100,000 rows; the rest goes the next night


def deliveries_prune(*, now=None) -> int:
    """Delete old finished deliveries; how many were deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.HOOKS_DELIVERY_RETENTION_DAYS)
    old = Delivery.objects.filter(
        status__in=(Delivery.Status.DELIVERED, Delivery.Status.FAILED), created_at__lt=cutoff
    )
    deleted = 0
    for _ in range(PRUNE_BATCHES):
        ids = list(old.order_by("id").values_list("pk", flat=True)[:PRUNE_BATCH])
        if not ids:
            break
        deleted += Delivery.objects.filter(pk__in=ids).delete()[0]
    return deleted
