"""Client trust money: trust bank accounts, the append-only journal of entries, per-matter client
ledgers, trust requests and compliance exceptions.

ABA Model Rule 1.15 and the state rules built on it: a client's ledger never goes below zero on
FirmSync's watch, records are kept, corrections are reversing entries, never edits.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.limits import usd
from accounts.models import Firm
from practice.models import Bill, Matter
from trust.duties.packs import jurisdiction_choices
from trust.models.duties import DUTIES_FROM_HELP, JURISDICTION_HELP


class TrustAccount(models.Model):
    """A trust (IOLTA) bank account, read from Clio's bank accounts of type TrustAccount."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="trust_accounts")
    clio_id = models.BigIntegerField(null=True, blank=True)
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD")
    is_primary = models.BooleanField(default=False)
    jurisdiction = models.CharField(
        max_length=40, blank=True, choices=jurisdiction_choices(), help_text=JURISDICTION_HELP
    )
    duties_from = models.DateField(null=True, blank=True, help_text=DUTIES_FROM_HELP)
    institution = models.CharField(max_length=200, blank=True)
    account_number_last4 = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-is_primary", "name"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "clio_id"], name="trust_account_clio_once"),
            models.UniqueConstraint(
                fields=["firm"], condition=Q(is_primary=True), name="trust_account_one_primary"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClientLedger(models.Model):
    """One client ledger: a matter's money in one trust account.

    Its balance is summed from entries, never stored; the row exists so that every FirmSync-made
    entry can lock the ledger (`select_for_update`) before it checks the balance.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(TrustAccount, on_delete=models.PROTECT, related_name="ledgers")
    matter = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="trust_ledgers")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["matter__display_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "matter"], name="trust_ledger_one_per_matter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.matter} in {self.account}"


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", "Deposit"
    DISBURSEMENT = "disbursement", "Disbursement"
    TRANSFER_OUT = "transfer_out", "Transfer to another matter"
    TRANSFER_IN = "transfer_in", "Transfer from another matter"
    EARNED_FEE = "earned_fee", "Earned fees to operating"
    BILL_PAYMENT = "bill_payment", "Bill paid from trust"
    REFUND = "refund", "Refund to client"
    BANK_FEE = "bank_fee", "Bank fee"
    FIRM_FUNDS = "firm_funds", "Firm funds to cover a bank fee"
    REVERSAL = "reversal", "Reversal"


# Money into the trust account or a ledger; every other kind (but reversal) takes money out.
KINDS_IN = frozenset({EntryKind.DEPOSIT, EntryKind.TRANSFER_IN, EntryKind.FIRM_FUNDS})
# Bank fees and the firm's own money that covers them belong to no client.
KINDS_WITHOUT_MATTER = frozenset({EntryKind.BANK_FEE, EntryKind.FIRM_FUNDS})


class EntrySource(models.TextChoices):
    CLIO = "clio", "Clio"
    FIRMSYNC = "firmsync", "FirmSync"
    API = "api", "API"


class TrustEntry(models.Model):
    """One posted movement of trust money. Append-only: on PostgreSQL a trigger refuses UPDATE and
    DELETE; a mistake is corrected by a reversal that names the entry it reverses."""

    class Direction(models.TextChoices):
        IN = "in", "In"
        OUT = "out", "Out"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(TrustAccount, on_delete=models.PROTECT, related_name="entries")
    ledger = models.ForeignKey(
        ClientLedger, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    date = models.DateField()
    description = models.CharField(max_length=255, blank=True)
    payee = models.CharField(max_length=200, blank=True, help_text="Payer or payee.")
    reference = models.CharField(max_length=100, blank=True, help_text="Cheque or wire number.")
    source = models.CharField(max_length=10, choices=EntrySource.choices)
    source_id = models.CharField(
        max_length=100,
        help_text="Clio transaction (bank_transaction:123) or the FirmSync request that made it.",
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    transfer_group = models.UUIDField(
        null=True, blank=True, help_text="The two legs of a transfer between matters share it."
    )
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="trust_entries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    posted_at = models.DateTimeField(default=timezone.now)
    awaits_clio = models.BooleanField(
        default=False,
        help_text="Made in FirmSync for an account Clio keeps: Clio is the record, so the same "
        "money is to be entered in Clio, where it is linked to this entry (ClioConfirmation).",
    )
    # Not a column: True on an entry returned for a request already made under the same source
    # id, so the API answers the retry with 200 (trust.services).
    replayed = False

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="trust_entry_amount_positive"),
            models.UniqueConstraint(
                fields=["firm", "source", "source_id"], name="trust_entry_source_once"
            ),
            # A client's money always sits on a client ledger; only bank fees and the firm's
            # own money covering them stand outside one.
            models.CheckConstraint(
                condition=Q(ledger__isnull=False) | Q(kind__in=sorted(KINDS_WITHOUT_MATTER)),
                name="trust_entry_client_money_on_a_ledger",
            ),
            models.CheckConstraint(
                condition=Q(kind=EntryKind.REVERSAL, reverses__isnull=False)
                | (~Q(kind=EntryKind.REVERSAL) & Q(reverses__isnull=True)),
                name="trust_entry_reversal_names_its_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["ledger", "date", "id"], name="trust_entry_ledger_date"),
            models.Index(fields=["account", "date"], name="trust_entry_account_date"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on {self.date}"

    @property
    def is_awaiting_clio(self) -> bool:
        """Made here for an account Clio keeps, and not yet seen in Clio."""
        return self.awaits_clio and not hasattr(self, "clio_confirmation")

    @property
    def signed_amount(self):
        return self.amount if self.direction == self.Direction.IN else -self.amount


class TrustException(models.Model):
    """A compliance exception raised by an entry from Clio (the record), which FirmSync keeps as
    it is: it took a client ledger below zero (`overdraft`), or it is dated inside a month whose
    reconciliation is approved and locked (`locked_month`: the signed-off figures no longer hold,
    so the month needs a correcting entry in an open month). Raised at once; an accountant
    acknowledges it with a note once it is put right."""

    class Kind(models.TextChoices):
        OVERDRAFT = "overdraft", "Overdraft"
        LOCKED_MONTH = "locked_month", "Entry in a locked month"
        NOT_IN_CLIO = "not_in_clio", "Not entered in Clio"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="trust_exceptions")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OVERDRAFT)
    entry = models.ForeignKey(TrustEntry, on_delete=models.PROTECT, related_name="exceptions")
    ledger = models.ForeignKey(
        ClientLedger, on_delete=models.PROTECT, null=True, blank=True, related_name="exceptions"
    )
    balance_after = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="overdraft") | Q(balance_after__lt=0, ledger__isnull=False),
                name="trust_exception_is_an_overdraft",
            ),
            models.UniqueConstraint(fields=["entry", "kind"], name="trust_exception_once"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.LOCKED_MONTH:
            return f"{self.entry} in the locked month {self.entry.date:%B %Y}"
        if self.kind == self.Kind.NOT_IN_CLIO:
            return f"{self.entry} not entered in Clio"
        return f"Overdraft {self.balance_after} on {self.ledger}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def is_locked_month(self) -> bool:
        return self.kind == self.Kind.LOCKED_MONTH

    @property
    def is_not_in_clio(self) -> bool:
        return self.kind == self.Kind.NOT_IN_CLIO

    @property
    def instruction(self) -> str:
        """For a not-in-Clio exception: what to enter in Clio so it holds the same money."""
        if not self.is_not_in_clio:
            return ""
        e = self.entry
        side = "from" if e.direction == TrustEntry.Direction.OUT else "to"
        where = f"{side} the matter {e.ledger.matter}" if e.ledger else "on no matter"
        parts = [
            f"In Clio, in the trust account {e.account.name}, enter the "
            f"{e.get_kind_display().lower()} of {usd(e.amount)} {where}, dated {e.date:%d %b %Y}"
        ]
        parts += [f"reference {e.reference}"] if e.reference else []
        parts += [f"payee {e.payee}"] if e.payee else []
        return ", ".join(parts) + ". FirmSync links it to this entry when it reads it."


class BooksTrustBalance(models.Model):
    """The trust liability balance the firm's books report on a day, read through their API.

    The sync side reads it and records it here, so a reconciliation can set the books beside
    FirmSync's own journal without the trust app calling a provider."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        TrustAccount, on_delete=models.CASCADE, related_name="books_balances"
    )
    provider = models.CharField(max_length=20, help_text="quickbooks or xero")
    books_account = models.CharField(max_length=200, help_text="The liability account read.")
    as_of = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-as_of", "-read_at"]
        get_latest_by = "read_at"

    def __str__(self) -> str:
        return f"{self.provider} trust liability {self.amount} on {self.as_of}"


# Monthly three-way reconciliation: the bank's statements, their lines matched to journal entries,
# and the signed-off figures for each trust account and month.


class StatementUpload(models.Model):
    """A bank statement file as uploaded, kept so that a CSV with bad rows can be retried after
    fixing the column choices, and so that every imported statement keeps its original file."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        TrustAccount, on_delete=models.CASCADE, related_name="statement_uploads"
    )
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class BankStatement(models.Model):
    class Source(models.TextChoices):
        CSV = "csv", "CSV"
        OFX = "ofx", "OFX"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(TrustAccount, on_delete=models.PROTECT, related_name="statements")
    upload = models.OneToOneField(
        StatementUpload, on_delete=models.PROTECT, null=True, blank=True, related_name="statement"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    opening_balance = models.DecimalField(max_digits=14, decimal_places=2)
    closing_balance = models.DecimalField(max_digits=14, decimal_places=2)
    source = models.CharField(max_length=3, choices=Source.choices)
    bank_name = models.CharField(max_length=200, blank=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "sha256"], name="trust_bankstatement_file_once"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="trust_bankstatement_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} statement {self.period_start} to {self.period_end}"


class StatementLine(models.Model):
    """One line of a bank statement. Amount is signed as the bank sees the account: deposits
    positive, cheques and withdrawals negative."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    date = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=255, blank=True)
    payee = models.CharField(max_length=200, blank=True)
    reference = models.CharField(
        max_length=100, blank=True, help_text="Cheque or reference number."
    )
    bank_id = models.CharField(
        max_length=100, help_text="The bank's FITID (OFX), or a stable hash of the CSV row."
    )

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "bank_id"], name="trust_statementline_bank_id_once"
            ),
            models.CheckConstraint(
                condition=~Q(amount=0), name="trust_statementline_amount_nonzero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount} {self.description}".strip()


class StatementMatch(models.Model):
    """A statement line cleared by a journal entry. A line may be cleared by several entries whose
    signed amounts sum to it (a deposit batch); an entry clears at most one line."""

    class Method(models.TextChoices):
        AUTO = "auto", "Automatic"
        MANUAL = "manual", "Manual"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    line = models.ForeignKey(StatementLine, on_delete=models.CASCADE, related_name="matches")
    entry = models.OneToOneField(
        TrustEntry, on_delete=models.PROTECT, related_name="statement_match"
    )
    method = models.CharField(max_length=6, choices=Method.choices)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    matched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["line", "entry"]

    def __str__(self) -> str:
        return f"line {self.line_id} ⇄ entry {self.entry_id}"


class BankCsvMapping(models.Model):
    """Which CSV column holds what, saved per bank and offered the next time."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    bank_name = models.CharField(max_length=200)
    date_column = models.CharField(max_length=100)
    date_format = models.CharField(max_length=20, default="%Y-%m-%d")
    amount_column = models.CharField(max_length=100, blank=True)
    debit_column = models.CharField(max_length=100, blank=True)
    credit_column = models.CharField(max_length=100, blank=True)
    description_column = models.CharField(max_length=100, blank=True)
    reference_column = models.CharField(max_length=100, blank=True)
    payee_column = models.CharField(max_length=100, blank=True)
    decimal_separator = models.CharField(
        max_length=4,
        default="auto",
        help_text="“.” or “,” for the cents, or “auto”: read from the file (ambiguity refused).",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["bank_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "bank_name"], name="trust_bankcsvmapping_one_per_bank"
            ),
            # Either one signed amount column, or money out and money in in two columns.
            models.CheckConstraint(
                condition=~Q(amount_column="") | (~Q(debit_column="") & ~Q(credit_column="")),
                name="trust_bankcsvmapping_has_amounts",
            ),
        ]

    def __str__(self) -> str:
        return f"CSV columns for {self.bank_name}"


class Reconciliation(models.Model):
    """A trust account's three-way reconciliation for one month, prepared by one person and
    approved by another. Approval locks the month."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PREPARED = "prepared", "Prepared"
        APPROVED = "approved", "Approved"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        TrustAccount, on_delete=models.PROTECT, related_name="reconciliations"
    )
    period_end = models.DateField(help_text="The last day of the month reconciled.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    figures = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period_end"], name="trust_reconciliation_one_per_month"
            ),
            # Segregation of duties: whoever prepares a reconciliation does not approve it.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("prepared_by")),
                name="trust_reconciliation_approver_not_preparer",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(approved_by__isnull=False, prepared_by__isnull=False),
                name="trust_reconciliation_approved_names_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} reconciliation {self.period_end:%B %Y}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED


# Trust requests live in their own module (house limit of 500 lines a file); imported here so
# that `trust.models` names every model of the app.
from trust.models.clio import ClioConfirmation as ClioConfirmation  # noqa: E402
from trust.models.duties import DutyRecord as DutyRecord  # noqa: E402
from trust.models.duties import DutyReminder as DutyReminder  # noqa: E402
from trust.models.trust_requests import TrustRequest as TrustRequest  # noqa: E402
from trust.models.trust_requests import TrustRequestPayment as TrustRequestPayment  # noqa: E402
