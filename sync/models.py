from django.db import models


class WorkerHeartbeat(models.Model):
    """One row, touched by a scheduled task: a stale beat means the task worker has stopped."""

    name = models.CharField(max_length=40, unique=True, default="default")
    beat_at = models.DateTimeField()
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
