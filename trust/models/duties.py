"""What the jurisdiction rule packs need that the books do not hold: a client told of a deposit,
a certificate filed, a disputed amount held in trust (DutyRecord), and which reminders went out
(DutyReminder)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Firm

# TrustAccount's fields that choose and start its rule pack (here: trust/models/__init__.py is at
# the house limit of 500 lines).
JURISDICTION_HELP = (
    "The state bar whose trust rules apply (its rule pack, trust.duties.packs); blank means the "
    "ABA Model Rules."
)
DUTIES_FROM_HELP = (
    "The rule pack's duties are tracked from this day (blank: from the day the account was "
    "added); earlier records are taken as handled outside FirmSync."
)


class DutyRecord(models.Model):
    """One fact a trust rule asks the firm to be able to show. Append-only (on PostgreSQL a
    trigger refuses UPDATE and DELETE, migration 0010): a hold is ended by a release record,
    not by an edit, so the history stays readable by an auditor."""

    class Kind(models.TextChoices):
        NOTICE = "notice", "Client notified of a deposit"
        FILED = "filed", "Done for the period"
        HOLD = "hold", "Disputed: held in trust"
        RELEASE = "release", "Dispute settled"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "trust.TrustAccount", on_delete=models.PROTECT, related_name="duty_records"
    )
    rule_id = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    entry = models.ForeignKey(
        "trust.TrustEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ledger = models.ForeignKey(
        "trust.ClientLedger", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_end = models.DateField(null=True, blank=True)
    done_on = models.DateField(help_text="The day it was done (the notice sent, the filing).")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="notice") & Q(entry__isnull=False))
                | (Q(kind="filed") & Q(period_end__isnull=False))
                | (Q(kind__in=["hold", "release"]) & Q(ledger__isnull=False)),
                name="trust_dutyrecord_names_its_subject",
            ),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(kind="notice"), name="trust_dutyrecord_notice_once"
            ),
            models.UniqueConstraint(
                fields=["account", "rule_id", "period_end"],
                condition=Q(kind="filed"),
                name="trust_dutyrecord_filed_once",
            ),
        ]
        indexes = [models.Index(fields=["account", "kind"], name="trust_dutyrecord_acct_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.rule_id}) on {self.done_on}"


class DutyReminder(models.Model):
    """A reminder emailed about one duty item at one stage (due soon, overdue): the unique row is
    the claim, so each item is emailed once per stage however often the task runs."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", "Due soon"
        OVERDUE = "overdue", "Overdue"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        "trust.TrustAccount", on_delete=models.CASCADE, related_name="duty_reminders"
    )
    item_key = models.CharField(max_length=200)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    due = models.DateField()
    recipients = models.JSONField(default=list)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "item_key", "stage"], name="trust_dutyreminder_once_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_key} {self.stage}"
