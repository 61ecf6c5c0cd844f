"""Sandbox Xero: its own data, never the product's.

Organisations (tenants), the people who can sign in to consent, OAuth apps, grants and tokens,
and one document table holding every accounting object as the JSON Xero serves.
"""

from django.db import models


class Organisation(models.Model):
    """A Xero organisation: the tenant behind `xero-tenant-id`."""

    tenant_id = models.CharField(max_length=36, unique=True)
    name = models.CharField(max_length=200)
    short_code = models.CharField(max_length=20)
    period_lock_date = models.DateField(null=True, blank=True)
    invoice_seq = models.PositiveIntegerField(default=0)
    credit_note_seq = models.PositiveIntegerField(default=0)
    po_seq = models.PositiveIntegerField(default=0)
    quote_seq = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()


class SandboxUser(models.Model):
    """A person who signs in on the consent page; sees the organisations listed here."""

    email = models.EmailField(unique=True)
    password = models.CharField(max_length=100)  # sandbox only: plain, shown in the README
    name = models.CharField(max_length=100)
    organisations = models.ManyToManyField(Organisation, related_name="users")


class App(models.Model):
    """An OAuth 2.0 app as registered in Xero's developer portal."""

    client_id = models.CharField(max_length=64, unique=True)
    client_secret = models.CharField(max_length=64)
    name = models.CharField(max_length=100)
    redirect_uris = models.JSONField(default=list)
    webhook_key = models.CharField(max_length=120, blank=True)
    webhook_url = models.CharField(max_length=500, blank=True)
    webhook_status = models.CharField(max_length=20, default="NONE")  # NONE|OK|FAILED|DISABLED


class Grant(models.Model):
    """One consent (auth event): the user, the app, the scopes; its refresh tokens rotate."""

    auth_event_id = models.CharField(max_length=36, unique=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    user = models.ForeignKey(SandboxUser, on_delete=models.CASCADE, null=True)
    scope = models.CharField(max_length=1000)
    created_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)


class Connection(models.Model):
    """An organisation a grant may use (`GET /connections`)."""

    connection_id = models.CharField(max_length=36, unique=True)
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="connections")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()


class AuthCode(models.Model):
    code = models.CharField(max_length=64, unique=True)
    grant = models.ForeignKey(Grant, on_delete=models.CASCADE)
    redirect_uri = models.CharField(max_length=500)
    code_challenge = models.CharField(max_length=200, blank=True)
    code_challenge_method = models.CharField(max_length=10, blank=True)
    expires_at = models.DateTimeField()
    used = models.BooleanField(default=False)


class Token(models.Model):
    """An access token and the refresh token issued with it."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="tokens")
    access_token = models.CharField(max_length=2048, unique=True)  # a JWT, as Xero issues
    refresh_token = models.CharField(max_length=120, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True)  # first use of this refresh token
    successor = models.ForeignKey("self", null=True, on_delete=models.SET_NULL)
    revoked = models.BooleanField(default=False)


class Record(models.Model):
    """One accounting object, stored as the JSON Xero serves (dates already in /Date()/ form)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30)  # Invoice, Contact, Payment, ...
    remote_id = models.CharField(max_length=36)
    number = models.CharField(max_length=255, blank=True)  # InvoiceNumber, Code, TaxType ...
    doc_type = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=30, blank=True)
    label = models.CharField(max_length=255, blank=True)  # Name, for uniqueness checks
    data = models.JSONField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "kind", "remote_id"], name="sbx_xero_rec_id"),
            models.Index(fields=["organisation", "kind", "updated_at"], name="sbx_xero_rec_upd"),
            models.Index(fields=["organisation", "kind", "number"], name="sbx_xero_rec_num"),
            models.Index(fields=["organisation", "kind", "label"], name="sbx_xero_rec_label"),
        ]


class IdempotentReply(models.Model):
    """The first answer to a write sent with an `Idempotency-Key`, replayed for repeats."""

    scope = models.CharField(max_length=120)  # client_id:tenant_id
    key = models.CharField(max_length=128)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="sandbox_xero_idem_unique")
        ]


class InFlight(models.Model):
    """Calls in progress per tenant and app, for the 5-concurrent-calls limit."""

    key = models.CharField(max_length=120, unique=True)
    count = models.IntegerField(default=0)


class WebhookEvent(models.Model):
    """One event waiting for (or past) delivery to an app's webhook URL."""

    app = models.ForeignKey(App, on_delete=models.CASCADE)
    sequence = models.PositiveIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(null=True)
    delivered_at = models.DateTimeField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    last_status = models.IntegerField(null=True)


class Knobs(models.Model):
    """Sandbox-wide settings: the clock offset and the rate limits (one row)."""

    clock_offset_seconds = models.FloatField(default=0)
    limits_enabled = models.BooleanField(default=True)
    limit_minute = models.PositiveIntegerField(default=60)
    limit_day = models.PositiveIntegerField(default=5000)
    limit_concurrent = models.PositiveIntegerField(default=5)
    limit_app_minute = models.PositiveIntegerField(default=10000)
