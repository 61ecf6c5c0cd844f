"""Drift's records: each read-back of the books (ReconcileRun), each difference found (Drift),
the bills a person must look at (FlaggedBill) and the invoices the firm made in the books on purpose
(BooksOnlyInvoice)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Firm


class ReconcileRun(models.Model):
    """One read-back of the books compared with the Clio mirror: what it found, repaired and
    flagged, and the receivables on both sides then (the history behind the AR chart)."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Hourly schedule"
        PAGE = "page", "From the page"
        API = "api", "From the API"
        COMMAND = "command", "From the command line"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="reconcile_runs")
    connection = models.ForeignKey(
        "sync.Connection", on_delete=models.CASCADE, related_name="reconcile_runs"
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.SCHEDULE)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    bills_checked = models.PositiveIntegerField(default=0)
    invoices_read = models.PositiveIntegerField(default=0)
    read_calls = models.PositiveIntegerField(default=0, help_text="Calls made to read the books.")
    drifts_found = models.PositiveIntegerField(default=0)
    repaired = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    ar_clio = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    ar_books = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    ar_by_client = models.JSONField(
        default=list,
        blank=True,
        help_text="[{contact_clio_id, name, clio, books}] — money as strings.",
    )
    # Invoices outside Clio (dated before the sync start date, or made in the books on purpose)
    # are neither compared nor in ar_books: their receivables are this line of their own.
    ar_outside = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    outside_count = models.PositiveIntegerField(default=0)
    outside_clio = models.JSONField(
        default=list,
        blank=True,
        help_text="The invoices outside Clio with a balance: [{remote_id, number, date, "
        "client_name, total, balance, why}] — why is history or marked; money as strings.",
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["firm", "-started_at"], name="sync_reconcile_firm_time")]

    def __str__(self) -> str:
        return f"reconcile {self.started_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def ar_difference(self):
        if self.ar_clio is None or self.ar_books is None:
            return None
        return self.ar_books - self.ar_clio


class FlaggedBill(models.Model):
    """A bill whose books side differs from Clio in a way FirmSync will not repair on its own: the
    evidence and the planned repair wait for a person."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REPAIRING = "repairing", "Repair running"
        REPAIRED = "repaired", "Repaired"
        DISMISSED = "dismissed", "Dismissed"
        RESOLVED_BY_HAND = "resolved_by_hand", "Resolved by hand"
        CLEARED = "cleared", "No longer differs"
        OUTSIDE_CLIO = "outside_clio", "Made in the books on purpose"

    OPEN_STATUSES = (Status.OPEN, Status.REPAIRING)

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="flagged_bills")
    connection = models.ForeignKey(
        "sync.Connection", on_delete=models.CASCADE, related_name="flagged_bills"
    )
    bill_clio_id = models.BigIntegerField(null=True, blank=True)
    remote_id = models.CharField(max_length=64, blank=True)
    number = models.CharField(max_length=50, blank=True)
    client_name = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    reason = models.TextField(help_text="Why a person must decide, in plain words.")
    planned_repair = models.JSONField(
        default=dict, blank=True, help_text="{kind, summary, steps: [..]} — what Approve runs."
    )
    clio_side = models.JSONField(
        default=dict,
        blank=True,
        help_text="The bill as Clio has it: {number, status, date, due, customer, lines: "
        "[{description, quantity, rate, amount, tax}], subtotal, tax, total, paid, balance}.",
    )
    books_side = models.JSONField(
        default=dict, blank=True, help_text="The invoice as the books have it, same shape."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    flagged_at = models.DateTimeField(default=timezone.now)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)
    action_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-flagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "bill_clio_id", "remote_id"],
                condition=Q(status__in=["open", "repairing"]),
                name="sync_flaggedbill_one_open",
            )
        ]
        indexes = [models.Index(fields=["firm", "status"], name="sync_flag_firm_status")]

    def __str__(self) -> str:
        return f"flag {self.number or self.remote_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def label(self) -> str:
        """What the flag is about: a Clio bill, or an invoice in the books no bill explains."""
        if self.bill_clio_id is None:
            return f"Invoice {self.number or self.remote_id} in the books, no Clio bill"
        return f"Bill {self.number or self.bill_clio_id}"

    @property
    def is_books_only(self) -> bool:
        return self.bill_clio_id is None and bool(self.remote_id)


class Drift(models.Model):
    """One difference between a Clio bill and the books, found by the reconciler."""

    class Kind(models.TextChoices):
        STATUS = "status", "Status differs"
        LINES = "lines", "Lines changed"
        TOTALS = "totals", "Totals differ"
        PAYMENT = "payment", "Payment differs"
        MISSING = "missing", "Missing in the books"
        UNEXPLAINED = "unexplained", "Not explained by any Clio bill"
        DUPLICATE_NUMBER = "duplicate_number", "Number used twice"
        FIELDS = "fields", "Number, date or customer differs"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REPAIRING = "repairing", "Repair queued"
        REPAIRED = "repaired", "Repaired"
        FLAGGED = "flagged", "Waiting for a person"
        DISMISSED = "dismissed", "Dismissed"
        RESOLVED_BY_HAND = "resolved_by_hand", "Resolved by hand"
        CLEARED = "cleared", "No longer differs"
        OUTSIDE_CLIO = "outside_clio", "Made in the books on purpose"

    OPEN_STATUSES = (Status.OPEN, Status.REPAIRING, Status.FLAGGED)

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="drifts")
    connection = models.ForeignKey(
        "sync.Connection", on_delete=models.CASCADE, related_name="drifts"
    )
    run = models.ForeignKey(
        ReconcileRun, on_delete=models.SET_NULL, null=True, related_name="drifts"
    )
    flag = models.ForeignKey(
        FlaggedBill, on_delete=models.SET_NULL, null=True, blank=True, related_name="drifts"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    key = models.CharField(
        max_length=120, help_text="What the drift is about: bill:<clio id>, invoice:<remote id>, …"
    )
    bill_clio_id = models.BigIntegerField(null=True, blank=True)
    remote_id = models.CharField(max_length=64, blank=True)
    number = models.CharField(max_length=50, blank=True)
    client_name = models.CharField(max_length=255, blank=True)
    summary = models.TextField(help_text="What happened and what it means, in plain words.")
    differences = models.JSONField(
        default=list,
        blank=True,
        help_text="[{field, line, clio, books}] — each difference, values as strings.",
    )
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, default=0, help_text="Money at stake (absolute)."
    )
    repair = models.JSONField(
        default=dict, blank=True, help_text="{kind, summary, safe} — the repair chosen."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "key"],
                condition=Q(status__in=["open", "repairing", "flagged"]),
                name="sync_drift_one_open",
            )
        ]
        indexes = [models.Index(fields=["firm", "status"], name="sync_drift_firm_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key} ({self.status})"


class BooksOnlyInvoice(models.Model):
    """An invoice the firm made in the books on purpose: no Clio bill is meant to explain it, so
    the reconciler sets it apart (outside Clio, its own receivables line) and never flags it."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="books_only_invoices")
    connection = models.ForeignKey(
        "sync.Connection", on_delete=models.CASCADE, related_name="books_only_invoices"
    )
    remote_id = models.CharField(max_length=64)
    number = models.CharField(max_length=50, blank=True)
    client_name = models.CharField(max_length=255, blank=True)
    note = models.TextField(blank=True, help_text="Why the invoice was made in the books.")
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-marked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "remote_id"], name="sync_booksonlyinvoice_one_per_invoice"
            )
        ]

    def __str__(self) -> str:
        return f"invoice {self.number or self.remote_id} made in the books"


class BooksNumber(models.Model):
    """An invoice number the books use, as the last full read of them had it (the preflight's
    read of every invoice and credit number, and each reconcile's read-back): what the engine
    checks a Clio bill's number against before it sends the bill (sync.engine.numbering)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(
        "sync.Connection", on_delete=models.CASCADE, related_name="books_numbers"
    )
    key = models.CharField(max_length=50, help_text="The number, trimmed and casefolded.")
    number = models.CharField(max_length=50)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "key"], name="sync_booksnumber_once")
        ]

    def __str__(self) -> str:
        return f"number {self.number} in the books"
