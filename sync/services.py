from django.db.models import F
from django.utils import timezone

from sync.models import WorkerHeartbeat


def heartbeat_record(*, name: str = "default") -> WorkerHeartbeat:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=name).update(beat_at=now, beats=F("beats") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(name=name, defaults={"beat_at": now, "beats": 1})
    return WorkerHeartbeat.objects.get(name=name)
