"""Trust requests: what a client was asked to pay into trust, and the parts of deposits that paid
it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Firm
from practice.models import Matter


class TrustRequest(models.Model):
    """A request to a client for trust funds, made through FirmSync and sent by Clio, tracked here
    until deposits to its matter pay it (one or several: see TrustRequestPayment) or someone
    cancels it. Clio's API cannot list trust requests, so only those made here are known."""

    class Kind(models.TextChoices):
        RETAINER = "retainer", "Retainer"
        REPLENISHMENT = "replenishment", "Replenishment"
        OTHER = "other", "Other"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="trust_requests")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="trust_requests")
    clio_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RETAINER)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    due_date = models.DateField()
    memo = models.CharField(max_length=255, blank=True)
    paid_by = models.ForeignKey(
        "trust.TrustEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settled_requests",
        help_text="The deposit that paid the last of the request.",
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="trust_request_amount_positive"),
            models.UniqueConstraint(fields=["firm", "clio_id"], name="trust_request_clio_once"),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=True) | Q(cancelled_at__isnull=True),
                name="trust_request_paid_or_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | ~Q(cancel_reason=""),
                name="trust_request_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request {self.amount}"

    @property
    def is_paid(self) -> bool:
        return self.paid_by_id is not None

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_open(self) -> bool:
        return not self.is_paid and not self.is_cancelled


class TrustRequestPayment(models.Model):
    """Part (or all) of one deposit applied to one trust request. A deposit larger than what a
    request still owes pays the rest of it and its remainder goes to the matter's next open
    request, if that was made on or before the deposit's day. Append-only, like the entries it
    points at (on PostgreSQL a trigger refuses UPDATE and DELETE)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(TrustRequest, on_delete=models.PROTECT, related_name="payments")
    entry = models.ForeignKey(
        "trust.TrustEntry", on_delete=models.PROTECT, related_name="request_payments"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    applied_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["applied_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="trust_request_payment_amount_positive"
            ),
            models.UniqueConstraint(fields=["request", "entry"], name="trust_request_payment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} of entry {self.entry_id} to request {self.request_id}"
