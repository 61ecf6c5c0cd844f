from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AutomationsConfig(AppConfig):
    name = "automations"
    verbose_name = "Automations"

    def ready(self) -> None:
        from accounts.events import event_types_register
        from automations.catalog import registry
        from automations.schedules import schedules_ensure
        from automations.signals import clio_change_wake
        from sync.webhooks import clio_change_received

        # Every catalog trigger is an outbound event type too (issue #16, item 6). Registered
        # here because accounts, below this app, may not import the catalog.
        event_types_register(
            {
                f"trigger.{t.id}": f"{registry.APPS.get(t.app, t.app)}: {t.name}. {t.description}"
                for t in registry.TRIGGERS.values()
            }
        )
        # A signal because the layers run downward: the sync's Clio receiver cannot import this.
        clio_change_received.connect(clio_change_wake, dispatch_uid="firmsync-automations-clio")
        post_migrate.connect(schedules_ensure, sender=self)
