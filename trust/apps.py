from django.apps import AppConfig
from django.db.models.signals import pre_delete


class TrustConfig(AppConfig):
    name = "trust"
    verbose_name = "Trust accounting"

    def ready(self) -> None:
        from trust.duties import retention

        # Why a signal: trust.duties.retention (deletes arrive by cascade too).
        for model in retention.RETAINED_MODELS:
            pre_delete.connect(
                retention.refuse_early_delete, sender=model, dispatch_uid=f"retain-{model.__name__}"
            )
