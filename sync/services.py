"""Writes for connections and the worker heartbeat."""

import logging
import time
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from accounts.models import Firm, Membership, Role, User
from accounts.services import audit_record
from sync.models import PROVIDER_SIDE, Connection, ExternalLink, Provider, WorkerHeartbeat
from sync.providers import oauth
from sync.providers.errors import ProviderAuthError, ProviderError, ProviderUnavailable

logger = logging.getLogger("firmsync.sync")

# Refresh a little before expiry so a call never starts with a token about to lapse.
REFRESH_MARGIN = timedelta(minutes=2)
# How long one worker may take to refresh before another may try.
LEASE = timedelta(seconds=30)


def heartbeat_record(*, name: str = "default") -> WorkerHeartbeat:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=name).update(beat_at=now, beats=F("beats") + 1)
    if not updated:
        WorkerHeartbeat.objects.get_or_create(name=name, defaults={"beat_at": now, "beats": 1})
    return WorkerHeartbeat.objects.get(name=name)


def _linked_elsewhere(firm: Firm, provider: str, external_id: str) -> Connection | None:
    return (
        Connection.objects.exclude(status=Connection.Status.DISCONNECTED)
        .exclude(firm=firm)
        .filter(provider=provider, external_id=external_id)
        .first()
    )


@transaction.atomic
def connection_connect(
    *,
    firm: Firm,
    actor: User,
    provider: str,
    external_id: str,
    external_name: str,
    tokens: oauth.Tokens,
    region: str = "",
    ip: str | None = None,
) -> Connection:
    """Store a new link, or refresh an existing one (reconnect). Refuses a second firm's account."""
    Firm.objects.select_for_update().get(pk=firm.pk)
    if _linked_elsewhere(firm, provider, external_id):
        raise ValidationError(
            f"This {Provider(provider).label} account is already linked to "
            "another firm in FirmSync. Disconnect it there first, or choose another one."
        )
    side = PROVIDER_SIDE[Provider(provider)]
    active = (
        Connection.objects.exclude(status=Connection.Status.DISCONNECTED)
        .filter(firm=firm, side=side)
        .first()
    )
    if active and active.provider != provider:
        raise ValidationError(
            f"{firm.name} is connected to {active.get_provider_display()}. Disconnect it "
            f"before connecting {Provider(provider).label}: one accounting system at a time."
        )
    reconnect = active is not None
    conn = active or Connection(firm=firm, provider=provider, side=side)
    before = {"status": conn.status, "external_id": conn.external_id} if reconnect else {}
    conn.status = Connection.Status.CONNECTED
    conn.region, conn.external_id, conn.external_name = region, external_id, external_name
    conn.access_token, conn.refresh_token = tokens.access_token, tokens.refresh_token
    conn.access_expires_at, conn.refresh_expires_at = (
        tokens.access_expires_at,
        tokens.refresh_expires_at,
    )
    conn.connected_by, conn.connected_at, conn.last_error = actor, timezone.now(), ""
    conn.last_success_at = timezone.now()
    conn.save()
    if provider == Provider.CLIO:
        transaction.on_commit(lambda: async_task("sync.tasks.clio_webhooks_ensure", conn.pk))
    audit_record(
        firm=firm,
        actor=actor,
        action="connection.reconnected" if reconnect else "connection.connected",
        obj=conn,
        before=before,
        after={"provider": provider, "external_name": external_name},
        ip=ip,
    )
    return conn


def connection_access_token(*, connection_id: int) -> str:
    """A usable access token, refreshed once however many workers ask at the same moment.

    The refresh is claimed with a conditional UPDATE (a short lease on the connection row) rather
    than a row lock held across the HTTP call: no database lock waits on the provider, and only
    the claimer calls the token endpoint while the others wait for its result. The rotated refresh
    token is saved the moment it arrives, before the new access token is used.
    """
    deadline = time.monotonic() + LEASE.total_seconds() + 5
    while True:
        conn = Connection.objects.get(pk=connection_id)
        if not conn.is_active:
            raise ProviderAuthError(conn.provider, "The connection needs to be reconnected.")
        if _fresh(conn):
            return conn.access_token
        if _lease_claim(connection_id):
            return _refresh_claimed(connection_id)
        if time.monotonic() > deadline:
            raise ProviderUnavailable(
                conn.provider, "Another worker's token refresh did not finish."
            )
        time.sleep(0.1)


def _lease_claim(connection_id: int) -> bool:
    now = timezone.now()
    return bool(
        Connection.objects.filter(pk=connection_id, status=Connection.Status.CONNECTED)
        .filter(Q(refresh_lease_until__isnull=True) | Q(refresh_lease_until__lt=now))
        .update(refresh_lease_until=now + LEASE)
    )


def _refresh_claimed(connection_id: int) -> str:
    conn = Connection.objects.get(pk=connection_id)
    if _fresh(conn):  # someone finished just before we claimed
        Connection.objects.filter(pk=connection_id).update(refresh_lease_until=None)
        return conn.access_token
    try:
        tokens = oauth.token_refresh(
            oauth.oauth_app(conn.provider, conn.region or "us"), refresh_token=conn.refresh_token
        )
    except ProviderAuthError as exc:
        with transaction.atomic():
            _needs_reconnect(Connection.objects.select_for_update().get(pk=connection_id), str(exc))
        raise
    except ProviderError:
        Connection.objects.filter(pk=connection_id).update(refresh_lease_until=None)
        raise
    conn.access_token = tokens.access_token
    conn.refresh_token = tokens.refresh_token or conn.refresh_token
    conn.access_expires_at = tokens.access_expires_at
    conn.refresh_expires_at = tokens.refresh_expires_at or conn.refresh_expires_at
    conn.refresh_lease_until = None
    conn.save(
        update_fields=[
            "access_token",
            "refresh_token",
            "access_expires_at",
            "refresh_expires_at",
            "refresh_lease_until",
        ]
    )
    return conn.access_token


def _fresh(conn: Connection) -> bool:
    return (
        conn.is_active
        and conn.access_expires_at is not None
        and (conn.access_expires_at - timezone.now() > REFRESH_MARGIN)
    )


def _needs_reconnect(conn: Connection, reason: str) -> None:
    """Runs inside the refresh transaction; the email goes out once it commits."""
    conn.status = Connection.Status.NEEDS_RECONNECT
    conn.last_error = reason
    conn.refresh_lease_until = None
    conn.save(update_fields=["status", "last_error", "refresh_lease_until"])
    audit_record(
        firm=conn.firm,
        actor=None,
        action="connection.needs_reconnect",
        obj=conn,
        after={"reason": reason},
    )
    transaction.on_commit(lambda: _email_admins_reconnect(conn.pk))


def connection_mark_needs_reconnect(*, connection_id: int, reason: str) -> Connection:
    with transaction.atomic():
        conn = Connection.objects.select_for_update().get(pk=connection_id)
        if conn.status == Connection.Status.CONNECTED:
            _needs_reconnect(conn, reason)
    return conn


def _email_admins_reconnect(connection_id: int) -> None:
    conn = Connection.objects.select_related("firm").get(pk=connection_id)
    admins = Membership.objects.filter(firm=conn.firm, role=Role.ADMIN).values_list(
        "user__email", flat=True
    )
    send_mail(
        subject=f"[FirmSync] Reconnect {conn.get_provider_display()} for {conn.firm.name}",
        message=(
            f"{conn.get_provider_display()} stopped accepting FirmSync's access for "
            f"{conn.firm.name} ({conn.last_error}).\n\nSyncing is paused until an admin "
            "reconnects it on the Bill Syncing page."
        ),
        from_email=None,
        recipient_list=list(admins),
    )


def connection_disconnect(
    *,
    connection: Connection,
    actor: User,
    purge: bool = False,
    confirm_name: str = "",
    ip: str | None = None,
) -> Connection:
    """Revoke at the provider and stop syncing. With `purge`, also forget every record link —
    only when the admin typed the firm's name, because the next sync then starts from nothing.

    The revoke call happens before the transaction, so no database lock waits on the provider.
    """
    conn = Connection.objects.select_related("firm").get(pk=connection.pk)
    if purge and confirm_name.strip() != conn.firm.name:
        raise ValidationError(
            f"Type the firm's name exactly ({conn.firm.name}) to purge its links; nothing changed."
        )
    try:
        oauth.token_revoke(
            oauth.oauth_app(conn.provider, conn.region or "us"),
            access_token=conn.access_token,
            refresh_token=conn.refresh_token,
        )
    except (ProviderError, OSError) as exc:  # the provider may already have forgotten the token
        logger.warning(
            "revoke failed provider=%s connection=%s error=%s", conn.provider, conn.pk, exc
        )
    with transaction.atomic():
        conn = Connection.objects.select_for_update().select_related("firm").get(pk=connection.pk)
        before = {"status": conn.status}
        conn.status, conn.disconnected_at = Connection.Status.DISCONNECTED, timezone.now()
        conn.access_token = conn.refresh_token = ""
        conn.save()
        audit_record(
            firm=conn.firm,
            actor=actor,
            action="connection.disconnected",
            obj=conn,
            before=before,
            ip=ip,
        )
        if purge:
            purged, _ = ExternalLink.objects.filter(connection=conn).delete()
            audit_record(
                firm=conn.firm,
                actor=actor,
                action="connection.links_purged",
                obj=conn,
                after={"links_deleted": purged},
                ip=ip,
            )
    return conn


CALLS_COUNT = (
    f"UPDATE {Connection._meta.db_table} SET"  # noqa: S608 - the table from our model, values bound
    " calls_today = CASE WHEN calls_day = %s THEN calls_today + 1 ELSE 1 END,"
    " calls_day = %s, last_success_at = %s WHERE id = %s"
)


def connection_calls_count(*, connection_id: int) -> None:
    """Count one successful call toward today's budget and remember when it happened."""
    # After every call a provider answers: one plain statement (the ORM's two cost more than
    # the rest of a single-record write's bookkeeping).
    with db_connection.cursor() as cursor:
        cursor.execute(CALLS_COUNT, [timezone.localdate()] * 2 + [timezone.now(), connection_id])
