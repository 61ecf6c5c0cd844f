"""django-q2 tasks: take ids, load, call one service, return."""

import logging

from django.conf import settings
from django_q.tasks import async_task

from sync import webhooks
from sync.books_payments import watch as books_watch
from sync.engine import lease, plan, run
from sync.models import Connection, Side
from sync.providers.errors import ProviderRateLimited
from sync.services import heartbeat_record

logger = logging.getLogger("firmsync.sync")


def heartbeat() -> str:
    return heartbeat_record().beat_at.isoformat()


def clio_webhooks_ensure(connection_id: int) -> int:
    return len(webhooks.clio_webhooks_ensure(connection_id=connection_id))


def clio_webhooks_renew() -> int:
    return webhooks.clio_webhooks_renew()


def clio_inbox_process(connection_id: int) -> int:
    """Webhook deliveries: once the burst has gathered, one pull of what they name, then a small
    run that plans and pushes it without reading Clio again."""
    webhooks.inbox_wait(connection_id=connection_id)
    events = run.clio_inbox_read(connection_id=connection_id)
    if events:
        firm_id = Connection.objects.values_list("firm_id", flat=True).get(pk=connection_id)
        done = run.sync_incremental(firm_id=firm_id, kind="webhook")
        if done is not None and done.status in lease.ACTIVE:
            # A run under way planned before this pull read (a burst that outlasted one
            # gathering): what this pull read is planned now for that run to push, and if it
            # ended meanwhile, a run of our own pushes it (not the five-minute poll).
            plan.plan_firm(firm=done.firm, run=done)
            run.sync_incremental(firm_id=firm_id, kind="webhook")
    return events


def sync_run(run_id: int) -> str:
    """One bounded step of a run; it queues the next itself."""
    done = run.sync_step(run_id=run_id)
    return done.status if done else "held by another step, or over"


def sync_watchdog(outwait: bool = False) -> int:
    return run.sync_watchdog(outwait=outwait)


def worker_started(**kwargs) -> None:
    """A worker process (re)started: a run whose step died with the one before resumes now,
    not at the next minute's watchdog."""
    if not settings.Q_CLUSTER.get("sync"):  # inline tasks "spawn" a worker per task
        async_task("sync.tasks.sync_watchdog", True)


def clio_poll() -> int:
    """The safety net behind webhooks: an `updated_since` pull for every live Clio connection,
    and the only feed for trust transactions (Clio has no webhooks for them)."""
    live = Connection.objects.filter(provider="clio", status=Connection.Status.CONNECTED)
    for connection in live.select_related("firm"):
        run.clio_poll_firm(connection=connection)
    return live.count()


def books_payments_scan(connection_id: int) -> int:
    try:
        return books_watch.books_payments_scan(connection_id=connection_id)
    except ProviderRateLimited as exc:
        # A window longer than a task (Xero's day): the cursor has not moved, and the scan
        # five minutes after the window opens reads the same span.
        logger.info("books_payments_scan_waiting connection=%s error=%s", connection_id, exc)
        return 0


def books_payments_poll() -> int:
    """One scan task per live books connection, so one failing connection holds up no other."""
    live = Connection.objects.filter(side=Side.BOOKS, status=Connection.Status.CONNECTED)
    ids = list(live.values_list("pk", flat=True))
    for connection_id in ids:
        async_task("sync.tasks.books_payments_scan", connection_id)
    return len(ids)
