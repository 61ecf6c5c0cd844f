"""django-q2 tasks: take ids, load, call one service, return."""

from sync.services import heartbeat_record


def heartbeat() -> str:
    return heartbeat_record().beat_at.isoformat()
