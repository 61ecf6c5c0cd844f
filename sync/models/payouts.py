"""Clio Payments payouts: the operating account's bank lines they are matched against, and
each payout's match and fee (sync.payouts)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Firm


class OperatingBankLine(models.Model):
    """One line of an imported operating-account bank statement (read by trust.statement_files,
    the reader trust reconciliation uses). Signed as the bank sees it: deposits positive."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=500, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    bank_id = models.CharField(max_length=200, help_text="The bank's id (OFX FITID) or a hash.")
    file_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "bank_id"], name="sync_operatingline_once")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.description}"


class ClioPayout(models.Model):
    """The Clio Payments payments deposited on one day, and what they were matched to."""

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", "Unmatched"
        MATCHED = "matched", "Matched"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    deposit_date = models.DateField()
    gross = models.DecimalField(max_digits=14, decimal_places=2)
    payments = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNMATCHED)
    net = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fee = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    arrived_on = models.DateField(null=True, blank=True, help_text="The matched credit's date.")
    bank_line = models.OneToOneField(
        OperatingBankLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="payout"
    )
    books_deposit_type = models.CharField(
        max_length=30, blank=True, help_text="Deposit (QuickBooks) or BankTransaction (Xero)."
    )
    books_deposit_id = models.CharField(max_length=64, blank=True)
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deposit_date"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "deposit_date"], name="sync_cliopayout_once"),
            models.CheckConstraint(
                condition=Q(fee__gte=0), name="sync_cliopayout_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="unmatched") | Q(net__isnull=False, fee__isnull=False),
                name="sync_cliopayout_matched_has_net_and_fee",
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.deposit_date} {self.gross} ({self.status})"
