"""Writes for outbound webhooks: subscriptions, and the deliveries each published event makes.
Sending them is hooks.sending."""

import secrets
import uuid
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from accounts.events import EVENT_TYPES, PING
from accounts.models import Membership
from accounts.services import audit_record
from hooks.models import Delivery, Subscription
from hooks.safety import url_check

# Deliveries per send task: each may wait out the read timeout, and a task must end well inside
# Q_CLUSTER's timeout (300 s).
SEND_CHUNK = 10
MAX_SUBSCRIPTIONS = 20


def subscribable() -> list[str]:
    """Every event type a subscription may name. Read when asked, not at import: apps above this
    one (automations' `trigger.<id>` types) register theirs in their AppConfig.ready()."""
    return [t for t in EVENT_TYPES if t != PING]


def secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _shown(url: str) -> str:
    """The URL as the audit log keeps it: no query string, which may carry the receiver's token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _events_clean(events: list[str]) -> list[str]:
    known = subscribable()
    unknown = sorted(set(events) - set(known))
    if unknown:
        raise ValidationError({"events": f"Unknown event types: {', '.join(unknown)}."})
    if not events:
        raise ValidationError({"events": "Choose at least one event."})
    return [t for t in known if t in events]


def deliveries_queue(ids: list[int]) -> None:
    for start in range(0, len(ids), SEND_CHUNK):
        async_task("hooks.tasks.deliveries_send", ids[start : start + SEND_CHUNK])


def deliveries_record(sender=None, *, firm_id: int, type: str, items: list[dict], **kwargs):
    """The receiver of accounts.events.event_published, in the publisher's transaction: one
    query for the firm's live subscriptions; for each that wants `type`, one delivery per item
    (one INSERT for them all), sent once the transaction commits. Each item is one event, with
    one id whichever subscriptions it goes to, so a receiver can drop what it has seen."""
    wanted = [
        pk
        for pk, events in Subscription.objects.filter(firm_id=firm_id, active=True).values_list(
            "pk", "events"
        )
        if type in events
    ]
    if not wanted or not items:
        return []
    now = timezone.now()
    rows = []
    for item in items:
        event_id = uuid.uuid4()
        rows += [
            Delivery(
                firm_id=firm_id,
                subscription_id=pk,
                event_id=event_id,
                type=type,
                payload=item,
                next_attempt_at=now,
                created_at=now,
            )
            for pk in wanted
        ]
    with transaction.atomic():  # a savepoint: a failure here leaves the caller's work intact
        made = Delivery.objects.bulk_create(rows)
    ids = [d.pk for d in made]
    transaction.on_commit(lambda: deliveries_queue(ids))
    return made


@transaction.atomic
def subscription_create(
    *, member: Membership, url: str, events: list[str], description: str = "", ip=None
) -> tuple[Subscription, str]:
    """Returns the subscription and its secret, which is shown this once."""
    url_check(url)
    events = _events_clean(events)
    if Subscription.objects.filter(firm_id=member.firm_id).count() >= MAX_SUBSCRIPTIONS:
        raise ValidationError(f"A firm may have up to {MAX_SUBSCRIPTIONS} webhook subscriptions.")
    secret = secret_new()
    sub = Subscription.objects.create(
        firm_id=member.firm_id,
        url=url,
        description=description.strip(),
        events=events,
        secret=secret,
        created_by=member.user,
    )
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="webhook.created",
        obj=sub,
        after={"url": _shown(url), "events": events},
        ip=ip,
    )
    return sub, secret


@transaction.atomic
def subscription_update(
    *,
    member: Membership,
    subscription: Subscription,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
    ip=None,
) -> Subscription:
    sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
    before = {"url": _shown(sub.url), "events": sub.events, "active": sub.active}
    if url is not None:
        url_check(url)
        sub.url = url
    if events is not None:
        sub.events = _events_clean(events)
    if description is not None:
        sub.description = description.strip()
    if active is not None:
        if active and not sub.active:
            # Turned back on by a person: the run of failures that turned it off is over.
            sub.failures_in_row, sub.disabled_reason = 0, ""
        sub.active = active
    sub.save()
    after = {"url": _shown(sub.url), "events": sub.events, "active": sub.active}
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="webhook.updated",
        obj=sub,
        before=before,
        after=after,
        ip=ip,
    )
    return sub


@transaction.atomic
def subscription_delete(*, member: Membership, subscription: Subscription, ip=None) -> None:
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="webhook.deleted",
        obj=subscription,
        before={"url": _shown(subscription.url), "events": subscription.events},
        ip=ip,
    )
    subscription.delete()


@transaction.atomic
def subscription_secret_roll(
    *, member: Membership, subscription: Subscription, ip=None
) -> tuple[Subscription, str]:
    """A new secret at once; the old one signs nothing more. Returns it, shown this once."""
    sub = Subscription.objects.select_for_update().get(pk=subscription.pk)
    secret = secret_new()
    sub.secret = secret
    sub.save(update_fields=["secret"])
    audit_record(
        firm=member.firm, actor=member.user, action="webhook.secret_rolled", obj=sub, ip=ip
    )
    return sub, secret


@transaction.atomic
def subscription_ping(*, member: Membership, subscription: Subscription) -> Delivery:
    """A `ping` event for this subscription alone, whatever events it has chosen."""
    if not subscription.active:
        raise ValidationError("This subscription is turned off; turn it on to send events.")
    now = timezone.now()
    delivery = Delivery.objects.create(
        firm_id=member.firm_id,
        subscription=subscription,
        type=PING,
        payload={
            "message": "A test event from FirmSync.",
            "subscription": subscription.pk,
            "sent_by": member.user.email,
        },
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(lambda: deliveries_queue([delivery.pk]))
    return delivery


@transaction.atomic
def delivery_redeliver(*, member: Membership, delivery: Delivery) -> Delivery:
    """Send the same event (same id) again, now, with a fresh run of retries."""
    d = Delivery.objects.select_for_update().select_related("subscription").get(pk=delivery.pk)
    if not d.subscription.active:
        raise ValidationError("This subscription is turned off; turn it on to redeliver.")
    if d.claimed_until is not None and d.claimed_until > timezone.now():
        raise ValidationError("This event is being sent right now; try again in a minute.")
    d.status, d.attempts, d.delivered_at = Delivery.Status.PENDING, 0, None
    d.next_attempt_at, d.claimed_until = timezone.now(), None
    d.save(update_fields=["status", "attempts", "delivered_at", "next_attempt_at", "claimed_until"])
    transaction.on_commit(lambda: deliveries_queue([d.pk]))
    return d
