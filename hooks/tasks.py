"""django-q2 tasks: take ids, load, call one service, return."""

from hooks import retention, sending


def deliveries_send(delivery_ids: list[int]) -> int:
    """First attempts, queued when the event's transaction commits (a chunk per task)."""
    return sum(sending.delivery_send(delivery_id=pk) is not None for pk in delivery_ids)


def deliveries_drain() -> int:
    """Every minute: the retries that are due."""
    return sending.deliveries_drain()


def deliveries_prune() -> int:
    """Every night: the delivery log forgets finished events past the retention."""
    return retention.deliveries_prune()
