"""Sandbox QuickBooks: its own data, never the product's.

Entities are kept as the wire JSON Intuit serves (`Record.data`), so a read returns exactly what
was stored; a few columns beside it (`remote_id`, `key`, `updated_at`) exist only for indexes.
"""

from django.db import models


class SandboxUser(models.Model):
    """A person who signs in on the consent page and owns sandbox companies."""

    email = models.EmailField(unique=True)
    password = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)


class Company(models.Model):
    """One QuickBooks company (realm)."""

    realm_id = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(SandboxUser, null=True, on_delete=models.SET_NULL)
    last_id = models.PositiveBigIntegerField(default=0)
    in_flight = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class App(models.Model):
    """An OAuth client registered through `_control/apps` (Intuit: the developer portal)."""

    client_id = models.CharField(max_length=80, unique=True)
    client_secret = models.CharField(max_length=80)
    name = models.CharField(max_length=200, blank=True)
    redirect_uris = models.JSONField(default=list)
    refresh_rotation = models.CharField(max_length=10, default="always")
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_verifier = models.CharField(max_length=100, blank=True)
    webhook_format = models.CharField(max_length=12, default="legacy")
    webhook_cursor = models.PositiveBigIntegerField(default=0)


class AuthCode(models.Model):
    code = models.CharField(max_length=80, unique=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    redirect_uri = models.CharField(max_length=500)
    scope = models.CharField(max_length=500, blank=True)
    expires_at = models.DateTimeField()
    used = models.BooleanField(default=False)


class Token(models.Model):
    """One issued access/refresh pair. `grant` groups the pairs of one connection (app + realm)."""

    grant = models.CharField(max_length=40, db_index=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    scope = models.CharField(max_length=500, blank=True)
    access_token = models.CharField(max_length=200, unique=True)
    refresh_token = models.CharField(max_length=200, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    superseded = models.BooleanField(default=False)
    revoked = models.BooleanField(default=False)


class WireJSONField(models.JSONField):
    """A JSONField whose rows PostgreSQL bulk inserts take as plain VALUES: Django's UNNEST path
    (taken when no field has a placeholder of its own) sends the JSON of every row as one text
    array, which psycopg escapes a quote at a time, a third of a batch's time. Migrations see a
    JSONField, as the column is one."""

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s"

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class Record(models.Model):
    """One entity as Intuit serves it. Deleted rows stay (CDC reports them)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    type = models.CharField(max_length=40)
    remote_id = models.PositiveBigIntegerField()
    key = models.CharField(max_length=500, blank=True, db_index=True)
    party = models.CharField(max_length=20, blank=True)  # CustomerRef/VendorRef value
    data = WireJSONField()
    meta = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "type", "remote_id"], name="sandbox_qbo_record_unique"
            )
        ]
        indexes = [
            models.Index(fields=["company", "type", "updated_at"], name="sandbox_qbo_rec_updated"),
            models.Index(fields=["company", "type", "key"], name="sandbox_qbo_rec_key"),
            models.Index(fields=["company", "type", "party"], name="sandbox_qbo_rec_party"),
        ]


class Replay(models.Model):
    """The first answer to a `requestid`, replayed for repeats (Intuit blog 2015-04-06)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    request_id = models.CharField(max_length=100)
    status = models.PositiveSmallIntegerField()
    body = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "request_id"], name="sandbox_qbo_replay")
        ]


class Setting(models.Model):
    """Sandbox-wide switches (limits lifted, ...)."""

    key = models.CharField(max_length=50, unique=True)
    value = models.JSONField()


class ChangeEvent(models.Model):
    """An entity change, the raw material of webhook notifications."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE)
    entity = models.CharField(max_length=40)
    entity_id = models.CharField(max_length=20)
    operation = models.CharField(max_length=20)
    at = models.DateTimeField()
    # Merge: the entity merged into this one, which no longer exists (notification `deletedId`).
    deleted_id = models.CharField(max_length=20, blank=True, default="")


class WebhookDelivery(models.Model):
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    body = models.TextField()
    signature = models.CharField(max_length=100)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered = models.BooleanField(default=False)
    last_status = models.IntegerField(null=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
