"""django-q2 tasks: take ids, load, call one service, return."""

from sync import webhooks
from sync.engine import pull
from sync.models import Connection
from sync.services import heartbeat_record


def heartbeat() -> str:
    return heartbeat_record().beat_at.isoformat()


def clio_webhooks_ensure(connection_id: int) -> int:
    return len(webhooks.clio_webhooks_ensure(connection_id=connection_id))


def clio_webhooks_renew() -> int:
    return webhooks.clio_webhooks_renew()


def clio_inbox_process(connection_id: int) -> int:
    return pull.inbox_process(connection_id=connection_id)


def clio_poll() -> int:
    """The safety net behind webhooks: an `updated_since` pull for every live Clio connection."""
    live = Connection.objects.filter(provider="clio", status=Connection.Status.CONNECTED)
    for connection_id in live.values_list("pk", flat=True):
        pull.pull_clio(connection_id=connection_id)
    return live.count()
