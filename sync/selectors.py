from dataclasses import dataclass
from datetime import datetime, timedelta

from django.http import Http404
from django.utils import timezone

from accounts.models import Membership
from sync.engine.registry import BOOKS
from sync.models import (
    Connection,
    Provider,
    Side,
    SyncOperation,
    WorkerHeartbeat,
)
from sync.schedules import HEARTBEAT_MINUTES


@dataclass(frozen=True)
class WorkerStatus:
    last_beat_at: datetime | None
    healthy: bool

    @property
    def label(self) -> str:
        if self.last_beat_at is None:
            return "The task worker has not run yet."
        return "Running" if self.healthy else "Stopped — no heartbeat recently"


def worker_status() -> WorkerStatus:
    beat = WorkerHeartbeat.objects.filter(name="default").first()
    if beat is None:
        return WorkerStatus(last_beat_at=None, healthy=False)
    # Two missed beats and the worker is reported stopped.
    healthy = timezone.now() - beat.beat_at <= timedelta(minutes=HEARTBEAT_MINUTES * 2 + 1)
    return WorkerStatus(last_beat_at=beat.beat_at, healthy=healthy)


def connections_active(*, member: Membership) -> dict[str, Connection | None]:
    """The firm's live connection per side (practice, books), or None."""
    return connections_active_many(firm_ids=[member.firm_id])[member.firm_id]


def connections_active_many(*, firm_ids: list[int]) -> dict[int, dict[str, Connection | None]]:
    """`connections_active` for many firms, in one query."""
    found: dict[int, dict[str, Connection | None]] = {
        pk: {Side.PRACTICE: None, Side.BOOKS: None} for pk in firm_ids
    }
    rows = (
        Connection.objects.filter(firm_id__in=firm_ids)
        .exclude(status=Connection.Status.DISCONNECTED)
        .select_related("connected_by")
    )
    for c in rows:
        found[c.firm_id][c.side] = c
    return found


def connection_live(*, firm_id: int, side: str) -> Connection | None:
    """The firm's connected (not paused, not disconnected) link on one side, or None."""
    return Connection.objects.filter(
        firm_id=firm_id, side=side, status=Connection.Status.CONNECTED
    ).first()


def connection_get_for_member(*, member: Membership, connection_id: int) -> Connection:
    found = Connection.objects.filter(firm_id=member.firm_id, pk=connection_id).first()
    if found is None:
        raise Http404("No such connection.")
    return found


def operation_get_for_member(*, member: Membership, operation_id: int) -> SyncOperation:
    """One outbox row of the member's firm; missing and another firm's give the same 404."""
    found = (
        SyncOperation.objects.filter(firm_id=member.firm_id, pk=operation_id)
        .select_related("connection")
        .first()
    )
    if found is None:
        raise Http404("No such sync record.")
    return found


BOOKS_PROVIDERS = [Provider(name) for name in BOOKS]
CLIO_REGIONS = [("us", "United States"), ("ca", "Canada"), ("eu", "Europe"), ("au", "Australia")]
