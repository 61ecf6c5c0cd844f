"""django-q2 tasks: take ids, load, call one service, return."""

from sync import webhooks
from sync.services import heartbeat_record


def heartbeat() -> str:
    return heartbeat_record().beat_at.isoformat()


def clio_webhooks_ensure(connection_id: int) -> int:
    return len(webhooks.clio_webhooks_ensure(connection_id=connection_id))


def clio_webhooks_renew() -> int:
    return webhooks.clio_webhooks_renew()
