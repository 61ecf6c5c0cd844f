"""A firm's outbound webhooks: who listens for which events, and each event sent to each."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Firm
from sync.crypto import EncryptedTextField


class Subscription(models.Model):
    """An API client's endpoint for some of the firm's events, signed with its own secret."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="hook_subscriptions")
    url = models.URLField(max_length=500, help_text="Where events are POSTed (http or https).")
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The event types sent here.")
    # Encrypted at rest like provider tokens; shown once, when made or rolled.
    secret = EncryptedTextField()
    active = models.BooleanField(default=True)
    # Deliveries that failed for good one after another; at SUBSCRIPTION_FAILURES_TO_DISABLE
    # the subscription is turned off and the firm's admins are told.
    failures_in_row = models.PositiveIntegerField(default=0)
    disabled_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["firm", "active"], name="hooks_subscription_firm")]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="hooks_subscription_url_http",
            ),
        ]

    def __str__(self) -> str:
        return self.description or self.url


class Delivery(models.Model):
    """One event for one subscription: sent until the endpoint answers 2xx, or given up."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="hook_deliveries")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField(default=uuid.uuid4, help_text="Sent as FirmSync-Delivery.")
    type = models.CharField(max_length=60)
    payload = models.JSONField(help_text="The event's data, sent as the body's `data`.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Claimed by a sender until then (a conditional UPDATE): no event is sent twice at once.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="hooks_delivery_due"),
            models.Index(fields=["firm", "subscription", "status"], name="hooks_delivery_log"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="hooks_delivery_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "delivered", "failed"]),
                name="hooks_delivery_status_known",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="hooks_delivery_delivered_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} ({self.status})"
