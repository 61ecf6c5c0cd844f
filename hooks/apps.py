from django.apps import AppConfig
from django.db.models.signals import post_migrate


class HooksConfig(AppConfig):
    name = "hooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from accounts.events import event_published
        from hooks.schedules import schedules_ensure
        from hooks.services import deliveries_record

        # A signal because the layers run downward: the engine, the reconciler and trust publish
        # through accounts.events and cannot import this app (see accounts/events.py).
        event_published.connect(deliveries_record, dispatch_uid="firmsync-hooks-deliveries")
        post_migrate.connect(schedules_ensure, sender=self)
