from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Sync"

    def ready(self) -> None:
        from django_q.signals import post_spawn

        from sync.schedules import schedules_ensure
        from sync.tasks import worker_started

        post_migrate.connect(schedules_ensure, sender=self)
        post_spawn.connect(worker_started, dispatch_uid="firmsync-worker-started")
