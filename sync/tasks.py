"""django-q2 tasks: take ids, load, call one service, return."""

from django_q.tasks import async_task

from sync import webhooks
from sync.books_payments import watch as books_watch
from sync.engine import pull, run
from sync.models import Connection, Side
from sync.services import heartbeat_record


def heartbeat() -> str:
    return heartbeat_record().beat_at.isoformat()


def clio_webhooks_ensure(connection_id: int) -> int:
    return len(webhooks.clio_webhooks_ensure(connection_id=connection_id))


def clio_webhooks_renew() -> int:
    return webhooks.clio_webhooks_renew()


def clio_inbox_process(connection_id: int) -> int:
    """Webhook deliveries: pull what they name, then plan and push it as a small run."""
    events = pull.inbox_process(connection_id=connection_id)
    if events:
        firm_id = Connection.objects.values_list("firm_id", flat=True).get(pk=connection_id)
        run.sync_incremental(firm_id=firm_id)
    return events


def sync_run(run_id: int) -> str:
    done = run.sync_execute(run_id=run_id)
    return done.status if done else "taken by another worker"


def clio_poll() -> int:
    """The safety net behind webhooks: an `updated_since` pull for every live Clio connection,
    and the only feed for trust transactions (Clio has no webhooks for them)."""
    live = Connection.objects.filter(provider="clio", status=Connection.Status.CONNECTED)
    for connection in live.select_related("firm"):
        run.clio_poll_firm(connection=connection)
    return live.count()


def books_payments_scan(connection_id: int) -> int:
    return books_watch.books_payments_scan(connection_id=connection_id)


def books_payments_poll() -> int:
    """One scan task per live books connection, so one failing connection holds up no other."""
    live = Connection.objects.filter(side=Side.BOOKS, status=Connection.Status.CONNECTED)
    ids = list(live.values_list("pk", flat=True))
    for connection_id in ids:
        async_task("sync.tasks.books_payments_scan", connection_id)
    return len(ids)
