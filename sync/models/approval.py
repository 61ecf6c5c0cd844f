"""Bills held for a person's approval before they reach the books (sync.engine.approval)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Firm


class BillApproval(models.Model):
    """One Clio bill a firm's approval rules held: what held it, and what a person decided.
    A held or rejected bill is never planned; an approved one goes to the books on the next plan
    (and stays approved). A held bill the rules no longer match is released by the plan."""

    class Status(models.TextChoices):
        HELD = "held", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        RELEASED = "released", "No longer held by the rules"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="bill_approvals")
    bill_clio_id = models.BigIntegerField()
    number = models.CharField(max_length=50, blank=True)
    client_name = models.CharField(max_length=255, blank=True)
    matter_names = models.CharField(max_length=500, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    rules = models.JSONField(
        default=list, blank=True, help_text="[{rule, why}] — each rule that held the bill."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HELD)
    held_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was rejected (or a note on approval).")
    approved_in_clio = models.BooleanField(
        default=False, help_text="Approving it here moved the draft bill to approved in Clio."
    )

    class Meta:
        ordering = ["held_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "bill_clio_id"], name="sync_billapproval_one_per_bill"
            ),
            models.CheckConstraint(
                condition=Q(status="held") | Q(decided_at__isnull=False) | Q(status="released"),
                name="sync_billapproval_decided_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""),
                name="sync_billapproval_reject_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["firm", "status"], name="sync_approval_firm_status")]

    def __str__(self) -> str:
        return f"bill {self.number or self.bill_clio_id} ({self.status})"

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD
