"""Sending deliveries: sign, POST, record the answer, retry with backoff, give up in the end.

Each request is signed `FirmSync-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret,
"<t>.<raw body>")>` (the README shows how a receiver checks it). A 2xx answer delivers; anything
else (a timeout, a redirect, a 4xx, a 5xx) is tried again after BACKOFF, or later when a 429 or
503 says Retry-After. After the last retry the delivery fails for good; a subscription with
SUBSCRIPTION_FAILURES_TO_DISABLE such failures in a row is turned off and its firm's admins are
emailed.
"""

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Membership, Role
from hooks.models import Delivery, Subscription
from hooks.safety import url_check

logger = logging.getLogger("firmsync.hooks")

# The waits after the 1st, 2nd, ... failed attempt; after the last, the delivery fails for good.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=8),
)
RETRY_AFTER_MAX = timedelta(hours=24)
SUBSCRIPTION_FAILURES_TO_DISABLE = 5
EXCERPT_CHARS = 500
# A claim outlives one attempt (connect + read timeouts) with room to record it.
LEASE = timedelta(seconds=60)
# The drain is a django-q task: it stops starting sends well inside Q_CLUSTER's timeout (300 s).
DRAIN_SECONDS = 120.0
DRAIN_BATCH = 100
S = Delivery.Status


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def body_of(d: Delivery) -> bytes:
    body = {
        "id": str(d.event_id),
        "type": d.type,
        "created_at": d.created_at.isoformat(),
        "firm": {"id": d.firm_id, "slug": d.firm.slug, "name": d.firm.name},
        "data": d.payload,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class Attempt:
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _unclaimed(now) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def _claim(delivery_id: int, now) -> bool:
    """A conditional UPDATE: of two senders given the same delivery, one sends it."""
    return bool(
        Delivery.objects.filter(
            _unclaimed(now),
            pk=delivery_id,
            status=S.PENDING,
            next_attempt_at__lte=now,
            subscription__active=True,
        ).update(claimed_until=now + LEASE)
    )


def delivery_send(*, delivery_id: int) -> Delivery | None:
    """One attempt at one delivery, if it is due and no one else holds it. None otherwise."""
    if not _claim(delivery_id, timezone.now()):
        return None
    d = Delivery.objects.select_related("subscription", "firm").get(pk=delivery_id)
    attempt = _post(d)
    logger.info(
        "webhook_delivery delivery=%s event=%s type=%s attempt=%s status=%s error=%s",
        d.pk,
        d.event_id,
        d.type,
        d.attempts + 1,
        attempt.status_code,
        attempt.error,
    )
    return _record(d, attempt)


def _post(d: Delivery) -> Attempt:
    url = d.subscription.url
    try:
        url_check(url)  # again: what the host resolves to may have changed since it was saved
    except ValidationError as exc:
        return Attempt(error=" ".join(exc.messages))
    body = body_of(d)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "FirmSync-Webhooks/1",
        "FirmSync-Event": d.type,
        "FirmSync-Delivery": str(d.event_id),
        "FirmSync-Signature": signature(d.subscription.secret, int(time.time()), body),
    }
    timeout = settings.HOOKS_TIMEOUT
    try:
        # Redirects are not followed: a signed body goes only where the firm said.
        response = requests.post(
            url, data=body, headers=headers, timeout=timeout, allow_redirects=False, stream=True
        )
    except requests.Timeout:
        return Attempt(error=f"The endpoint did not answer within {timeout[1]:g} seconds.")
    except requests.RequestException as exc:
        return Attempt(error=f"Could not reach the endpoint ({exc.__class__.__name__}).")
    with response:
        excerpt = _excerpt(response)
    return Attempt(
        status_code=response.status_code,
        error="" if 200 <= response.status_code < 300 else _refusal(response),
        excerpt=excerpt,
        retry_after=_retry_after(response),
    )


def _excerpt(response: requests.Response) -> str:
    """The start of the answer only: a receiver may send back anything, of any size."""
    try:
        raw = response.raw.read(EXCERPT_CHARS * 4, decode_content=True) or b""
    except (requests.RequestException, OSError, ValueError):
        return ""
    return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


def _refusal(response: requests.Response) -> str:
    code = response.status_code
    if 300 <= code < 400:
        where = response.headers.get("Location", "elsewhere")
        return f"The endpoint answered {code}, a redirect to {where}; use the final URL."
    return f"The endpoint answered {code}; only a 2xx answer counts as delivered."


def _retry_after(response: requests.Response) -> timedelta | None:
    """Retry-After on a 429 or 503, in seconds or as an HTTP date (RFC 9110 §10.2.3)."""
    if response.status_code not in (429, 503):
        return None
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            wait = parsedate_to_datetime(value) - timezone.now()
        except (TypeError, ValueError):
            return None
    return min(max(wait, timedelta(0)), RETRY_AFTER_MAX)


@transaction.atomic
def _record(d: Delivery, attempt: Attempt) -> Delivery:
    now = timezone.now()
    d.attempts += 1
    d.last_attempt_at, d.claimed_until = now, None
    d.last_status_code, d.response_excerpt = attempt.status_code, attempt.excerpt
    d.last_error = attempt.error
    if attempt.ok:
        d.status, d.delivered_at, d.next_attempt_at = S.DELIVERED, now, None
        Subscription.objects.filter(pk=d.subscription_id, failures_in_row__gt=0).update(
            failures_in_row=0
        )
    elif d.attempts > len(BACKOFF):
        d.status, d.next_attempt_at = S.FAILED, None
        _failed_for_good(d.subscription_id, attempt.error)
    else:
        wait = BACKOFF[d.attempts - 1]
        if attempt.retry_after is not None:
            wait = max(wait, attempt.retry_after)
        d.next_attempt_at = now + wait
    d.save(
        update_fields=[
            "attempts",
            "last_attempt_at",
            "claimed_until",
            "last_status_code",
            "response_excerpt",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return d


def _failed_for_good(subscription_id: int, error: str) -> None:
    sub = Subscription.objects.select_for_update().get(pk=subscription_id)
    sub.failures_in_row += 1
    if sub.active and sub.failures_in_row >= SUBSCRIPTION_FAILURES_TO_DISABLE:
        sub.active = False
        sub.disabled_reason = (
            f"Turned off after {sub.failures_in_row} events in a row could not be delivered "
            f"(the last: {error}). Fix the endpoint, then turn the subscription back on."
        )
        transaction.on_commit(lambda: _email_admins_disabled(sub.pk))
    sub.save(update_fields=["failures_in_row", "active", "disabled_reason"])


def _email_admins_disabled(subscription_id: int) -> None:
    sub = Subscription.objects.select_related("firm").get(pk=subscription_id)
    admins = Membership.objects.filter(firm=sub.firm, role=Role.ADMIN).exclude(user__email="")
    send_mail(
        subject=f"[FirmSync] Webhook turned off for {sub.firm.name}",
        message=(
            f"FirmSync stopped sending events to {sub.url} for {sub.firm.name}.\n\n"
            f"{sub.disabled_reason}\n\n"
            f"See the delivery log: {settings.SITE_URL}/settings/webhooks/{sub.pk}/"
        ),
        from_email=None,
        recipient_list=list(admins.values_list("user__email", flat=True)),
    )


def deliveries_due(*, limit: int = DRAIN_BATCH) -> list[int]:
    now = timezone.now()
    return list(
        Delivery.objects.filter(
            _unclaimed(now), status=S.PENDING, next_attempt_at__lte=now, subscription__active=True
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_drain(*, seconds: float = DRAIN_SECONDS, limit: int = DRAIN_BATCH) -> int:
    """Send what is due, oldest first, until `limit` or `seconds` run out. Returns how many."""
    deadline = time.monotonic() + seconds
    sent = 0
    for delivery_id in deliveries_due(limit=limit):
        if time.monotonic() >= deadline:
            break
        sent += delivery_send(delivery_id=delivery_id) is not None
    return sent
