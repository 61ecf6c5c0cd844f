"""Every schedule the worker runs, declared here and written on each migrate."""

from django_q.models import Schedule

HEARTBEAT_MINUTES = 1

SCHEDULES = [
    {
        "name": "firmsync:worker-heartbeat",
        "func": "sync.tasks.heartbeat",
        "schedule_type": Schedule.MINUTES,
        "minutes": HEARTBEAT_MINUTES,
    },
    {
        # Runs whose step died with its worker, or whose rate-limit wait is over, go on.
        "name": "firmsync:sync-watchdog",
        "func": "sync.tasks.sync_watchdog",
        "schedule_type": Schedule.MINUTES,
        "minutes": 1,
    },
    {
        # Webhooks are the fast path; this poll catches whatever one missed, and is the only
        # feed for allocations (Clio has no webhooks for them).
        "name": "firmsync:clio-poll",
        "func": "sync.tasks.clio_poll",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
    },
    {
        # Payments typed straight into the books, which Clio would otherwise never hear of.
        "name": "firmsync:books-payments-scan",
        "func": "sync.tasks.books_payments_poll",
        "schedule_type": Schedule.MINUTES,
        "minutes": 5,
    },
    {
        # Drift between Clio bills and the books: read back, repair what is safe, flag the rest.
        "name": "firmsync:reconcile",
        "func": "sync.drift.tasks.reconcile_all",
        "schedule_type": Schedule.HOURLY,
    },
    {
        # Clio webhooks expire after at most 31 days; renew the ones due within a week.
        "name": "firmsync:clio-webhooks-renew",
        "func": "sync.tasks.clio_webhooks_renew",
        "schedule_type": Schedule.HOURLY,
    },
    {
        # Trust duties from each account's rule pack: email what is newly due soon or overdue
        # (each item once per stage: trust.duties.reminders).
        "name": "firmsync:trust-duty-reminders",
        "func": "trust.tasks.duty_reminders",
        "schedule_type": Schedule.DAILY,
    },
]


def schedules_ensure(**kwargs) -> None:
    declared = {s["name"] for s in SCHEDULES}
    for spec in SCHEDULES:
        values = {k: v for k, v in spec.items() if k != "name"}
        Schedule.objects.update_or_create(name=spec["name"], defaults={**values, "repeats": -1})
    Schedule.objects.filter(name__startswith="firmsync:").exclude(name__in=declared).delete()
