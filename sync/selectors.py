from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from sync.models import WorkerHeartbeat
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
