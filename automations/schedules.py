"""The automations' schedules, written on each migrate. Named apart from sync's `firmsync:` and
hooks' `firmsync-hooks:` schedules, which each keep to exactly their own list."""

from django_q.models import Schedule

PREFIX = "firmsync-automations:"

SCHEDULES = [
    {
        # Cursors woken by a webhook, or not polled for their app's interval (polling.INTERVALS).
        "name": f"{PREFIX}polls-due",
        "func": "automations.tasks.polls_due",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        # Runs waiting for a retry or a rate-limit window (new runs are queued as they are made).
        "name": f"{PREFIX}runs-drain",
        "func": "automations.tasks.runs_drain",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
]


def schedules_ensure(**kwargs) -> None:
    declared = {s["name"] for s in SCHEDULES}
    for spec in SCHEDULES:
        values = {k: v for k, v in spec.items() if k != "name"}
        Schedule.objects.update_or_create(name=spec["name"], defaults={**values, "repeats": -1})
    Schedule.objects.filter(name__startswith=PREFIX).exclude(name__in=declared).delete()
