from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = "Sync"

    def ready(self) -> None:
        from sync.schedules import schedules_ensure

        post_migrate.connect(schedules_ensure, sender=self)
