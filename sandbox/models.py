"""Shared sandbox state: per-provider counters, fault plans and rate-limit windows."""

from django.db import models


class ProviderCounter(models.Model):
    """Calls served, per provider, endpoint and status (read by `_control/counters`)."""

    provider = models.CharField(max_length=20)
    endpoint = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "endpoint", "status"], name="sandbox_counter_unique"
            )
        ]


class FaultPlan(models.Model):
    """The faults a provider injects, set through `_control/faults`. Seeded, so reproducible."""

    provider = models.CharField(max_length=20, unique=True)
    config = models.JSONField(default=dict)
    calls = models.PositiveBigIntegerField(
        default=0, help_text="Calls seen since the plan was set."
    )
    updated_at = models.DateTimeField(auto_now=True)


class RateWindow(models.Model):
    """A fixed-window request counter for one key (a token, a company, a tenant)."""

    key = models.CharField(max_length=200, unique=True)
    window_start = models.FloatField()
    count = models.PositiveIntegerField(default=0)
