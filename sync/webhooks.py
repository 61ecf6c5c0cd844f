"""Clio webhooks: register one per model when a firm connects, renew before expiry, and receive.

Clio's rules (https://docs.developers.clio.com/guides/clio-manage/webhooks/): a new webhook is
pending until our URL answers the `X-Hook-Secret` handshake by echoing it; deliveries are signed in
`X-Hook-Signature` (hex HMAC-SHA256 of the raw body with the shared secret); webhooks expire after
at most 31 days. Bank transactions, allocations and credit memos have no webhooks: they are polled.
Clio Payments payments have one (model `clio_payments_payment`, id 10, events created and updated
only: the Webhooks tag's "Supported Models" table in Clio's API v4 spec); a delivery re-reads the
payments and the payouts they make (sync.payouts).
"""

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from sync.engine.registry import client_for
from sync.models import Connection, WebhookEvent, WebhookSubscription
from sync.providers.errors import ProviderError
from sync.providers.pacing import scaled

logger = logging.getLogger("firmsync.sync")

PAYMENTS_MODEL = "clio_payments_payment"
CLIO_MODELS = {
    "contact": "id,etag,updated_at",
    "matter": "id,etag,updated_at",
    "bill": "id,etag,state,updated_at",
    "activity": "id,etag,updated_at",
    # ClioPaymentsPayment has no etag (spec: ClioPaymentsPayment_base); a voided payment changes
    # its state and updated_at.
    PAYMENTS_MODEL: "id,state,updated_at",
}
# Clio sends no `deleted` event for a Clio Payments payment (a refund voids it: `updated`).
EVENTS = {PAYMENTS_MODEL: ["created", "updated"]}
# Models Clio also sends webhooks for (the Webhooks tag's "Supported Models" table), which the
# sync does not read but an automation's trigger may wake on: registered only when asked
# (`extra_models`), and their deliveries only wake the automations (never the sync's pull).
EXTRA_MODELS = {
    "calendar_entry": "id,etag,updated_at",
    "communication": "id,etag,updated_at",
    "task": "id,etag,updated_at",
    "document": "id,etag,updated_at",
    "folder": "id,etag,updated_at",
}
LIFETIME = timedelta(days=31)

# Sent by inbox_store for every new delivery, with connection_id, firm_id and model (a Clio
# webhook model name). A signal because the layers run downward: automations, above sync, wake
# the polls of its triggers from it (automations.apps).
clio_change_received = Signal()
RENEW_BEFORE = timedelta(days=7)


def _url(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('clio_webhook', args=[token])}"


def clio_webhooks_ensure(
    *, connection_id: int, extra_models: Iterable[str] = ()
) -> list[WebhookSubscription]:
    """Register the webhooks a connection lacks: the sync's models, and those of `extra_models`
    Clio supports (EXTRA_MODELS; others are ignored). No database lock is held during the HTTP
    calls."""
    conn = Connection.objects.get(pk=connection_id)
    client = client_for(conn)
    made = []
    wanted = dict(CLIO_MODELS)
    wanted.update({m: EXTRA_MODELS[m] for m in extra_models if m in EXTRA_MODELS})
    for model, fields in wanted.items():
        sub, _ = WebhookSubscription.objects.get_or_create(
            connection=conn,
            model=model,
            defaults={"firm_id": conn.firm_id, "token": secrets.token_urlsafe(32)},
        )
        if sub.remote_id:
            continue
        expires = timezone.now() + LIFETIME
        try:
            hook = client.webhook_create(
                url=_url(sub.token),
                model=model,
                events=EVENTS.get(model, ["created", "updated", "deleted"]),
                fields=fields,
                expires_at=expires,
            )
        except ProviderError as exc:
            WebhookSubscription.objects.filter(pk=sub.pk).update(
                status="failed", last_error=exc.message
            )
            continue
        # The handshake may already have arrived and enabled it: only fill in what we learnt.
        # update() passes the value through the field, so the secret is encrypted once.
        learnt = {"remote_id": str(hook["id"]), "expires_at": expires}
        if hook.get("shared_secret"):
            learnt["shared_secret"] = hook["shared_secret"]
        WebhookSubscription.objects.filter(pk=sub.pk).update(**learnt)
        made.append(sub)
    return made


def clio_webhooks_renew(*, now=None) -> int:
    """Move expiry forward for every webhook that would lapse within a week."""
    now = now or timezone.now()
    due = (
        WebhookSubscription.objects.filter(
            connection__status=Connection.Status.CONNECTED,
            connection__provider="clio",
            expires_at__lt=now + RENEW_BEFORE,
        )
        .exclude(remote_id="")
        .select_related("connection")
    )
    renewed = 0
    for sub in due:
        expires = now + LIFETIME
        try:
            client_for(sub.connection).webhook_extend(
                webhook_id=int(sub.remote_id), expires_at=expires
            )
        except ProviderError as exc:
            logger.warning("webhook renewal failed subscription=%s error=%s", sub.pk, exc)
            WebhookSubscription.objects.filter(pk=sub.pk).update(last_error=exc.message)
            continue
        WebhookSubscription.objects.filter(pk=sub.pk).update(expires_at=expires, last_error="")
        renewed += 1
    return renewed


def handshake_accept(*, sub_id: int, secret: str) -> bool:
    """Enable a webhook from Clio's `X-Hook-Secret` handshake; False when it is refused.

    The create response already told us the shared secret (over our authenticated API call), so a
    handshake must echo that secret, never replace it. Only while the subscription is still
    pending and its secret unknown (the handshake can overtake the create response) is the secret
    taken from the handshake; the create response then overwrites it with the one Clio returned.
    The row is locked so two handshakes cannot both take the pending path.
    """
    with transaction.atomic():
        sub = WebhookSubscription.objects.select_for_update().get(pk=sub_id)
        if sub.shared_secret:
            accepted = hmac.compare_digest(sub.shared_secret.encode(), secret.encode())
        else:
            accepted = sub.status == WebhookSubscription.Status.PENDING
            sub.shared_secret = secret
        if not accepted:
            logger.warning("webhook handshake refused subscription=%s", sub.pk)
            return False
        sub.status = WebhookSubscription.Status.ENABLED
        sub.save(update_fields=["shared_secret", "status"])
    return True


def signature_valid(*, sub: WebhookSubscription, body: bytes, signature: str) -> bool:
    if not sub.shared_secret or not signature:
        return False
    expected = hmac.new(sub.shared_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def delivery_valid(body: bytes, payload) -> bool:
    """A delivery is `{"data": {"id": ..., ...}, "meta": {"event": ...}}` (Clio webhooks guide),
    with values the inbox columns can hold (PostgreSQL's jsonb refuses the NUL escape)."""
    if b"\\u0000" in body or not isinstance(payload, dict):
        return False
    data, meta = payload.get("data"), payload.get("meta", {})
    if not isinstance(data, dict) or not isinstance(meta, dict):
        return False
    record_id, event = data.get("id"), meta.get("event", "")
    return (
        isinstance(record_id, int | str)
        and not isinstance(record_id, bool)
        and len(str(record_id)) <= 64
        and isinstance(event, str)
        and len(event) <= 40
    )


def inbox_store(*, sub: WebhookSubscription, payload: dict) -> bool:
    """Store one delivery. Returns False for a duplicate (the same record version and event)."""
    data, meta = payload.get("data") or {}, payload.get("meta") or {}
    event = str(meta.get("event", ""))
    key = f"{sub.model}:{data.get('id')}:{data.get('etag') or data.get('updated_at')}:{event}"
    try:
        with transaction.atomic():
            WebhookEvent.objects.create(
                firm_id=sub.firm_id,
                subscription=sub,
                provider="clio",
                dedupe_key=key[:200],
                event=event,
                model=sub.model,
                record_id=str(data.get("id", "")),
                payload=payload,
                # A model the sync does not read: nothing for its pull to do.
                processed_at=None if sub.model in CLIO_MODELS else timezone.now(),
            )
    except IntegrityError:
        return False
    WebhookSubscription.objects.filter(pk=sub.pk).update(last_delivery_at=timezone.now())
    clio_change_received.send_robust(
        sender=None, connection_id=sub.connection_id, firm_id=sub.firm_id, model=sub.model
    )
    return True


# Deliveries that arrive within this long of the first share one pull (scaled like every window):
# a month-end burst of approvals costs a few reads, not a few per bill.
COALESCE_SECONDS = 5.0


def inbox_wake(*, connection_id: int) -> bool:
    """Queue the inbox's pull unless one is already due. True when this call queued it."""
    due = timezone.now() + timedelta(seconds=scaled(COALESCE_SECONDS))
    queued = Connection.objects.filter(pk=connection_id, inbox_due_at__isnull=True).update(
        inbox_due_at=due
    )
    if queued:
        async_task("sync.tasks.clio_inbox_process", connection_id)
    return bool(queued)


def inbox_wait(*, connection_id: int, sleep=time.sleep) -> None:
    """In the worker: let the burst gather until its pull is due, then take the mark off, so a
    delivery that arrives during the pull queues the next one."""
    due = Connection.objects.filter(pk=connection_id).values_list("inbox_due_at", flat=True).first()
    if due is not None and not settings.Q_CLUSTER.get("sync"):
        sleep(min(max((due - timezone.now()).total_seconds(), 0), scaled(COALESCE_SECONDS)))
    Connection.objects.filter(pk=connection_id).update(inbox_due_at=None)
