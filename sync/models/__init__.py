"""Connections to the providers, their settings and the worker's heartbeat."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Firm
from sync.crypto import EncryptedTextField


class WorkerHeartbeat(models.Model):
    """One row, touched by a scheduled task: a stale beat means the task worker has stopped."""

    name = models.CharField(max_length=40, unique=True, default="default")
    beat_at = models.DateTimeField()
    beats = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Provider(models.TextChoices):
    CLIO = "clio", "Clio"
    QUICKBOOKS = "quickbooks", "QuickBooks Online"
    XERO = "xero", "Xero"


class Side(models.TextChoices):
    PRACTICE = "practice", "Practice management"
    BOOKS = "books", "Accounting"


PROVIDER_SIDE = {
    Provider.CLIO: Side.PRACTICE,
    Provider.QUICKBOOKS: Side.BOOKS,
    Provider.XERO: Side.BOOKS,
}


class Connection(models.Model):
    """A firm's OAuth link to one provider account. Tokens are encrypted at rest."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        DISCONNECTED = "disconnected", "Disconnected"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="connections")
    provider = models.CharField(max_length=20, choices=Provider.choices)
    side = models.CharField(max_length=20, choices=Side.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    region = models.CharField(
        max_length=2, blank=True, help_text="Clio data region: us, eu, ca, au."
    )
    external_id = models.CharField(
        max_length=100, help_text="Clio account id, QuickBooks realmId or Xero tenant id."
    )
    external_name = models.CharField(max_length=200, blank=True)
    access_token = EncryptedTextField(blank=True)
    refresh_token = EncryptedTextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    connected_at = models.DateTimeField(default=timezone.now)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    refresh_lease_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker is refreshing the tokens until then."
    )
    # Webhook deliveries wait until this time so one pull covers a whole burst of them.
    inbox_due_at = models.DateTimeField(null=True, blank=True)
    calls_day = models.DateField(null=True, blank=True)
    calls_today = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["side", "provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "side"],
                condition=~Q(status="disconnected"),
                name="sync_connection_one_per_side",
            ),
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                condition=~Q(status="disconnected"),
                name="sync_connection_account_one_firm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.external_name or self.external_id}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.CONNECTED


class SyncSettings(models.Model):
    """How a firm's sync behaves. Validated against the live books before it is saved."""

    class Contacts(models.TextChoices):
        APPROVED_UNPAID = "approved_unpaid", "Only contacts with approved, unpaid bills"
        ALL_BILLED = "all_billed", "Every contact that has been billed"

    class AwaitingClio(models.TextChoices):
        AT_ONCE = "at_once", "At once, marked awaiting Clio"
        ONCE_IN_CLIO = "once_in_clio", "Only once the same money is seen in Clio"

    class TrustMatterBy(models.TextChoices):
        SUB_CUSTOMER = "sub_customer", "Sub-customer of the client (QuickBooks)"
        CLASS = "class", "Class (QuickBooks)"
        TRACKING = "tracking", "Tracking category (Xero)"

    firm = models.OneToOneField(Firm, on_delete=models.CASCADE, related_name="sync_settings")
    start_date = models.DateField(help_text="Bills issued on or after this date are synced.")
    starting_invoice_number = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Clio bills numbered below it are held, not written (sync.engine.numbering).",
    )
    invoice_number_prefix = models.CharField(
        max_length=8,
        blank=True,
        default="",
        help_text="Written before Clio's number on invoices and credit notes, e.g. C- → C-1042.",
    )
    accounts = models.JSONField(
        default=dict, blank=True, help_text="Role → {id, name} in the books' chart of accounts."
    )
    trust_accounts = models.JSONField(
        default=dict,
        blank=True,
        help_text="Trust account id → {bank: {id, name}, liability: {id, name}}: where each "
        "trust account's money sits in the books. The primary account falls back to the "
        "trust_bank role; any account without its own liability uses trust_liability.",
    )
    tax_mapping = models.JSONField(default=dict, blank=True)
    only_approved_bills = models.BooleanField(default=True)
    sync_payments = models.BooleanField("payments and credits", default=True)
    sync_trust = models.BooleanField("trust transactions", default=True)
    contacts_scope = models.CharField(
        max_length=20, choices=Contacts.choices, default=Contacts.APPROVED_UNPAID
    )
    trust_matter_by = models.CharField(
        "matters in the books",
        max_length=20,
        choices=TrustMatterBy.choices,
        blank=True,
        help_text="How trust lines name their matter; blank = the provider's default "
        "(QuickBooks: sub-customer, Xero: tracking category).",
    )
    trust_tracking_category = models.CharField(
        "tracking category for matters",
        max_length=100,
        default="Matter",
        help_text="Xero: the tracking category whose options are the matters.",
    )
    trust_awaiting_to_books = models.CharField(
        "trust entries awaiting Clio reach the books",
        max_length=20,
        choices=AwaitingClio.choices,
        default=AwaitingClio.AT_ONCE,
        help_text="A trust entry made in FirmSync while Clio keeps the account is the record "
        "only once it is entered in Clio too.",
    )
    trust_clio_days = models.PositiveSmallIntegerField(
        "days to enter it in Clio",
        default=5,
        help_text="An entry made in FirmSync and not seen in Clio after this many days raises a "
        "compliance exception that says what to enter in Clio.",
    )
    # Approval rules (sync.engine.approval): all off by default; a bill any of them matches
    # waits on the Bills for approval page instead of reaching the books.
    approval_amount_over = models.DecimalField(
        "hold bills over",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="A bill whose total is over this amount waits for approval.",
    )
    approval_discount_percent = models.DecimalField(
        "hold discounts over (%)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="A bill discounted or written down by more than this share of its fees waits.",
    )
    approval_watch_clients = models.JSONField(
        default=list, blank=True, help_text="Clio ids of the clients whose bills always wait."
    )
    approval_watch_matters = models.JSONField(
        default=list, blank=True, help_text="Clio ids of the matters whose bills always wait."
    )
    approval_first_bill = models.BooleanField(
        "hold a new matter's first bill",
        default=False,
        help_text="The first bill of a matter (no earlier bill in Clio) waits for approval.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Sync settings for {self.firm}"


class ExternalLink(models.Model):
    """Our record ⇄ the provider's record, and what was last pushed (a re-run changes nothing)."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="external_links")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="links")
    entity = models.CharField(max_length=30, help_text="contact, bill, payment, credit_memo, …")
    local_id = models.CharField(max_length=64, help_text="The Clio id of the record.")
    remote_type = models.CharField(max_length=40)
    remote_id = models.CharField(max_length=64)
    remote_version = models.CharField(
        max_length=64, blank=True, help_text="SyncToken or UpdatedDateUTC."
    )
    remote_number = models.CharField(max_length=40, blank=True, help_text="DocNumber / number.")
    remote_status = models.CharField(max_length=30, blank=True, help_text="As the books say.")
    fingerprint = models.CharField(max_length=64, blank=True, help_text="Hash of what was pushed.")
    pushed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "entity", "local_id"], name="sync_externallink_one_per_record"
            ),
            models.UniqueConstraint(
                fields=["connection", "remote_type", "remote_id"],
                name="sync_externallink_one_per_remote",
            ),
        ]
        indexes = [models.Index(fields=["firm", "entity"], name="sync_link_firm_entity")]

    def __str__(self) -> str:
        return f"{self.entity} {self.local_id} → {self.remote_type} {self.remote_id}"


class WebhookSubscription(models.Model):
    """A webhook FirmSync registered at a provider (Clio: one per model, renewed before expiry)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the handshake"
        ENABLED = "enabled", "Enabled"
        FAILED = "failed", "Failed"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="webhooks")
    model = models.CharField(max_length=40)
    token = models.CharField(max_length=64, unique=True, help_text="The secret part of our URL.")
    remote_id = models.CharField(max_length=64, blank=True)
    shared_secret = EncryptedTextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "model"], name="sync_webhook_one_per_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.model} webhook ({self.status})"


class WebhookEvent(models.Model):
    """The inbox: every delivery, stored as received and acknowledged at once; processed later."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="webhook_events")
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.SET_NULL, null=True, related_name="events"
    )
    provider = models.CharField(max_length=20)
    dedupe_key = models.CharField(max_length=200)
    event = models.CharField(max_length=40)
    model = models.CharField(max_length=40)
    record_id = models.CharField(max_length=64)
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "provider", "dedupe_key"], name="sync_webhookevent_once"
            )
        ]
        indexes = [models.Index(fields=["processed_at", "received_at"], name="sync_inbox_pending")]

    def __str__(self) -> str:
        return f"{self.provider} {self.model} {self.record_id} {self.event}"


class PullCursor(models.Model):
    """Where the last pull of one Clio resource got to, for the next `updated_since`."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="cursors")
    resource = models.CharField(max_length=40)
    updated_since = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    records = models.PositiveBigIntegerField(default=0)
    # A pull stopped between pages: Clio's next-page URL, and when that pull began.
    resume_url = models.TextField(blank=True)
    resume_started = models.DateTimeField(null=True, blank=True)
    # What a pull stopped between pages carries to the page it starts from (trust transactions:
    # the transfers whose deposit is on that page).
    resume_state = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "resource"], name="sync_cursor_once")
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.resource} since {self.updated_since}"


class SyncRun(models.Model):
    """One pass of the sync for a firm: what it planned, did, failed and skipped."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        # Parked on a provider's rate limit until `waiting_until`; resumes on its own.
        WAITING = "waiting", "Waiting for a rate limit"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Finished with failures"
        FAILED = "failed", "Failed"

    class Phase(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        PULLING = "pulling", "Reading Clio"
        PLANNING = "planning", "Comparing with the books"
        PUSHING = "pushing", "Writing to the books"
        FINISHED = "finished", "Finished"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="sync_runs")
    kind = models.CharField(max_length=20, default="incremental", help_text="initial, full, …")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.QUEUED)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    progress_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life.")
    finished_at = models.DateTimeField(null=True, blank=True)
    pulled = models.PositiveIntegerField(default=0)
    planned = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # A run is a chain of bounded steps; the step at work holds the lease and renews it.
    lease_holder = models.CharField(max_length=120, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    steps = models.PositiveIntegerField(default=0)
    # Which Clio reads this run has finished (the pull resumes from the next one).
    pulled_resources = models.JSONField(default=list, blank=True)
    # Set while the run waits for a provider's window: whose, and until when.
    waiting_for = models.CharField(max_length=120, blank=True)
    waiting_until = models.DateTimeField(null=True, blank=True)
    # Times a provider stopped answering (5xx, timeouts) during this run: it waits and goes on,
    # and fails only when the outage outlasts a few tries.
    outages = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} run {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class SyncOperation(models.Model):
    """The outbox: one intended write to the books, keyed so it can only ever happen once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_FLIGHT = "in_flight", "Sending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="sync_operations")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="operations")
    run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, related_name="operations"
    )
    entity = models.CharField(max_length=30)
    action = models.CharField(max_length=20)
    local_id = models.CharField(max_length=64, help_text="The Clio id of the record.")
    source_version = models.CharField(
        max_length=100, help_text="The Clio etag it was planned from."
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.TextField(
        blank=True, help_text="The provider's words, or a skip reason."
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["connection", "status", "entity"], name="sync_outbox_drain"),
            models.Index(fields=["firm", "entity", "local_id"], name="sync_outbox_record"),
            models.Index(fields=["firm", "status"], name="sync_outbox_firm_status"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity} {self.local_id} ({self.status})"


class BooksOnlyPayment(models.Model):
    """A payment recorded directly in the books that Clio does not know about: shown, never
    silently ignored, until someone records it in Clio or dismisses it with a reason."""

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="books_only_payments")
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="books_only_payments"
    )
    remote_type = models.CharField(max_length=40, default="Payment")
    remote_id = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    date = models.DateField(null=True, blank=True)
    customer_name = models.CharField(max_length=255, blank=True)
    invoice_numbers = models.CharField(max_length=255, blank=True)
    reference = models.CharField(max_length=255, blank=True)
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "remote_type", "remote_id"], name="sync_books_payment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.remote_type} {self.remote_id} {self.amount} ({self.customer_name})"


# Drift's models are in sync/models/drift.py; every model of the app is importable from here.
from sync.models.approval import BillApproval as BillApproval  # noqa: E402
from sync.models.drift import BooksNumber as BooksNumber  # noqa: E402
from sync.models.drift import BooksOnlyInvoice as BooksOnlyInvoice  # noqa: E402
from sync.models.drift import Drift as Drift  # noqa: E402
from sync.models.drift import FlaggedBill as FlaggedBill  # noqa: E402
from sync.models.drift import ReconcileRun as ReconcileRun  # noqa: E402

# The rate limits' lanes, calls and slots are in sync/models/limits.py.
from sync.models.limits import CallSlot as CallSlot  # noqa: E402
from sync.models.limits import RateCall as RateCall  # noqa: E402
from sync.models.limits import RateLane as RateLane  # noqa: E402

# Clio Payments payouts are in sync/models/payouts.py.
from sync.models.payouts import ClioPayout as ClioPayout  # noqa: E402
from sync.models.payouts import OperatingBankLine as OperatingBankLine  # noqa: E402
