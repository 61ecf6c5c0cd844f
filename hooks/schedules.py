"""The webhook schedule, written on each migrate. Named apart from sync's `firmsync:` schedules,
which sync.schedules keeps to exactly its own list."""

from django_q.models import Schedule

PREFIX = "firmsync-hooks:"

SCHEDULES = [
    {
        # Retries that are due, in bounded batches (hooks.sending.DRAIN_SECONDS).
        "name": f"{PREFIX}deliveries-drain",
        "func": "hooks.tasks.deliveries_drain",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        # Finished deliveries past settings.HOOKS_DELIVERY_RETENTION_DAYS (hooks.retention).
        "name": f"{PREFIX}deliveries-prune",
        "func": "hooks.tasks.deliveries_prune",
        "schedule_type": Schedule.DAILY,
    },
]


def schedules_ensure(**kwargs) -> None:
    declared = {s["name"] for s in SCHEDULES}
    for spec in SCHEDULES:
        values = {k: v for k, v in spec.items() if k != "name"}
        Schedule.objects.update_or_create(name=spec["name"], defaults={**values, "repeats": -1})
    Schedule.objects.filter(name__startswith=PREFIX).exclude(name__in=declared).delete()
