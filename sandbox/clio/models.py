"""Sandbox Clio: its own data, never the product's.

Clio resources are kept as a small document store (`Record`): the wire JSON lives in `data`, while
the columns every request filters or orders by (account, type, id, timestamps, etag) are real
columns with indexes. References to other records are stored as `{"id": N}` and resolved when a
response is rendered, so a renamed contact shows up in every bill that names it, as in Clio.
"""

from django.db import models

REGIONS = ("us", "eu", "ca", "au")


class Account(models.Model):
    """A Clio account (a law firm). Each account lives in exactly one data region."""

    name = models.CharField(max_length=200)
    region = models.CharField(max_length=2, choices=[(r, r) for r in REGIONS], default="us")
    created_at = models.DateTimeField(auto_now_add=True)


class App(models.Model):
    """A developer application registered in the Clio developer portal (`_control/apps`)."""

    name = models.CharField(max_length=200, default="Sandbox app")
    client_id = models.CharField(max_length=64, unique=True)
    client_secret = models.CharField(max_length=64)
    redirect_uris = models.JSONField(default=list)
    # Manage "access permissions" chosen in the developer portal: "billing" (read/write) or
    # "billing:read" (read-only). None = every permission, read/write.
    permissions = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class AuthCode(models.Model):
    """An authorization code from the consent page: single use, short-lived."""

    code = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    user_id = models.BigIntegerField()
    redirect_uri = models.CharField(max_length=1000)
    created_at = models.DateTimeField()
    used = models.BooleanField(default=False)


class Token(models.Model):
    """An access token (30 days) and its refresh token (never expires, never rotated)."""

    access_token = models.CharField(max_length=64, unique=True)
    refresh_token = models.CharField(max_length=64, db_index=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    user_id = models.BigIntegerField()
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)


class Record(models.Model):
    """One Clio record of any type (contact, matter, bill, line_item, allocation ...).

    The primary key is the record's Clio id. `version` counts saves; the etag is derived from it.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE)
    type = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    # The reference most list filters use (a line item's or allocation's bill, an activity's or
    # bank transaction's matter), copied from `data` into an indexed column: filtering 200,000
    # line items by `bill_id` through JSON would scan them all.
    parent_id = models.BigIntegerField(null=True)
    version = models.PositiveIntegerField(default=1)
    etag = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    deleted = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["account", "type", "id"], name="sbclio_record_type_id"),
            models.Index(fields=["account", "type", "updated_at"], name="sbclio_record_updated"),
            models.Index(fields=["account", "type", "parent_id"], name="sbclio_record_parent"),
        ]


class Delivery(models.Model):
    """A webhook POST waiting to be sent (handshake or event), sent off the request thread."""

    PENDING, SENDING, DONE, FAILED = "pending", "sending", "done", "failed"
    webhook = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, default="event")  # "handshake" or "event"
    event = models.CharField(max_length=20, blank=True)
    record_id = models.BigIntegerField(null=True, db_index=True)
    body = models.TextField()
    status = models.CharField(max_length=10, default=PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_status = models.IntegerField(null=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Setting(models.Model):
    """Sandbox knobs set through `_control/settings` (rate limit, webhook delivery mode)."""

    key = models.CharField(max_length=50, unique=True)
    value = models.JSONField()


class Sequence(models.Model):
    """Counters for numbers Clio assigns (matter numbers, bill numbers, nested record ids)."""

    name = models.CharField(max_length=60, unique=True)
    value = models.BigIntegerField(default=0)


class UploadPart(models.Model):
    """The bytes PUT to a document version's signed `put_url` (Clio's S3 bucket, played here).

    A single upload is part 0; a multipart upload stores one row per `part_number`.
    """

    uuid = models.CharField(max_length=36)
    part_number = models.PositiveIntegerField(default=0)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["uuid", "part_number"], name="sbclio_uploadpart_unique")
        ]
