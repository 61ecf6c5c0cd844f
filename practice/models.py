"""The mirror of Clio: contacts, matters, bills with their lines, and allocations (payments and
credits applied to bills). Rows are written only by the sync engine's pull."""

from django.db import models
from django.utils import timezone

from accounts.models import Firm


class ClioRecord(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    clio_id = models.BigIntegerField()
    etag = models.CharField(max_length=100, blank=True)
    clio_updated_at = models.DateTimeField(null=True, blank=True)
    pulled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Contact(ClioRecord):
    type = models.CharField(max_length=20, blank=True)
    name = models.CharField(max_length=255)
    first_name = models.CharField(max_length=255, blank=True)
    last_name = models.CharField(max_length=255, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "clio_id"], name="practice_contact_clio_once")
        ]

    def __str__(self) -> str:
        return self.name


class Matter(ClioRecord):
    client = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, related_name="matters"
    )
    display_number = models.CharField(max_length=100, blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["display_number"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "clio_id"], name="practice_matter_clio_once")
        ]

    def __str__(self) -> str:
        return f"{self.display_number} {self.description}".strip()


class Bill(ClioRecord):
    client = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, related_name="bills")
    matters = models.ManyToManyField(Matter, related_name="bills", blank=True)
    number = models.CharField(max_length=50, blank=True)
    state = models.CharField(max_length=30)
    issued_at = models.DateField(null=True, blank=True)
    due_at = models.DateField(null=True, blank=True)
    sub_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total_tax = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    credits_issued = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["-issued_at", "-clio_id"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "clio_id"], name="practice_bill_clio_once")
        ]
        indexes = [models.Index(fields=["firm", "state"], name="practice_bill_firm_state")]

    def __str__(self) -> str:
        return f"Bill {self.number or self.clio_id}"

    @property
    def is_approved(self) -> bool:
        return self.state in ("awaiting_payment", "paid")


class BillLine(models.Model):
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    clio_id = models.BigIntegerField()
    etag = models.CharField(max_length=100, blank=True)
    type = models.CharField(max_length=30, blank=True)
    description = models.TextField(blank=True)
    date = models.DateField(null=True, blank=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    price = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    taxable = models.BooleanField(default=False)

    class Meta:
        ordering = ["clio_id"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "clio_id"], name="practice_billline_clio_once")
        ]

    def __str__(self) -> str:
        return self.description[:60]


class Allocation(ClioRecord):
    """Money applied to a bill: a payment (from operating or trust) or a credit memo."""

    bill = models.ForeignKey(Bill, on_delete=models.SET_NULL, null=True, related_name="allocations")
    date = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    parent_type = models.CharField(max_length=30, blank=True, help_text="Payment or CreditMemo")
    parent_clio_id = models.BigIntegerField(null=True, blank=True)
    voided = models.BooleanField(default=False)

    class Meta:
        ordering = ["date", "clio_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "clio_id"], name="practice_allocation_clio_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.parent_type} {self.amount}"


class ClioPaymentsPayment(ClioRecord):
    """A card or bank payment a client made through Clio Payments (`clio_payments/payments`).

    Clio pays the day's completed payments out together, net of its processing fees, a few days
    later; the API has neither the fee nor a payout id, so a payout is the payments sharing a
    `deposit_date` (the date of the operating-account deposit Clio records for each payment).
    The resource has no etag: `etag` holds its `updated_at`, so an unchanged row is skipped.
    """

    amount = models.DecimalField(max_digits=14, decimal_places=2)
    state = models.CharField(max_length=40)
    deposit_date = models.DateField(null=True, blank=True)
    confirmation_number = models.CharField(max_length=100, blank=True)
    contact_clio_id = models.BigIntegerField(null=True, blank=True)
    bill_clio_ids = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["deposit_date", "clio_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "clio_id"], name="practice_cliopaymentspayment_clio_once"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="practice_cliopaymentspayment_amount_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["firm", "deposit_date"], name="practice_cpp_payout")]

    def __str__(self) -> str:
        return f"Clio Payments {self.amount} ({self.state})"
