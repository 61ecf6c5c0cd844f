"""Deployment checks of our own, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def sandbox_off_in_production(app_configs, **kwargs) -> list[Error]:
    if not settings.SANDBOX_ENABLED:
        return []
    return [
        Error(
            "SANDBOX_ENABLED is on: the sandbox's fake providers and its unauthenticated "
            "control API (/sandbox/<provider>/_control/) would be served.",
            hint="Set SANDBOX_ENABLED=False in production.",
            id="firmsync.E001",
        )
    ]
