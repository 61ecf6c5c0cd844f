"""Triggers: a cursor per (firm, trigger), polled on a schedule and sooner when a webhook says so.

The poll is the truth and the webhook only a nudge: a delivery marks the cursors of the triggers
that wake on its model due now (`triggers_wake`), and `polls_due` (every minute) polls those and
any not polled for the safety-net interval. Each poll reads what happened since the cursor (less
an overlap, for records saved while the last poll ran and for clock skew), records each event
once (the unique (firm, trigger, key) decides), makes one run per enabled automation and event,
and moves the cursor on. Provider trouble is kept on the cursor, never raised.
"""

import logging
import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from accounts.events import event_publish
from accounts.models import Firm
from automations import mapping
from automations.catalog import registry
from automations.catalog.base import Event, Trigger
from automations.context import NotConnected, ctx_build, error_words, json_safe
from automations.models import Automation, Run, TriggerCursor, TriggerEvent
from sync.engine.errors import UNKNOWN
from sync.providers.errors import ProviderError, ProviderRateLimited

logger = logging.getLogger("firmsync.automations")

# Events read per poll (per task): a django-q2 task has a hard timeout, so a long backlog is
# read in several tasks, each queued by the one before.
POLL_LIMIT = 100
# Read again before the cursor: records saved while the last poll ran (their updated_at is
# earlier than the moment that poll began) and clock skew between us and the provider.
OVERLAP = timedelta(minutes=2)
# A poll that goes on from a full read overlaps only by this much (events of the same instant).
CONTINUE_OVERLAP = timedelta(seconds=1)
# A poll holds its cursor this long; a worker that dies leaves it to expire.
LEASE = timedelta(minutes=5)
# The safety-net interval per app: how long a cursor may go unpolled without a webhook.
# - Clio: 50 calls a minute per token, shared with the sync (whose own poll is every 5 minutes).
#   A poll costs one call when nothing changed; a firm with all 12 Clio triggers in use spends
#   12 calls per 5 minutes, under 5% of its Clio minute budget. Webhooks wake most of them sooner.
# - QuickBooks: 500 calls a minute per company; cheap, but CDC is the safety net behind webhooks
#   for the same entities, so 5 minutes is fresh enough.
# - Xero: 60 a minute but only 5,000 a day per organisation, shared with the sync. 11 triggers
#   every 15 minutes cost 1,056 calls a day (about a fifth of the day's budget); webhooks wake
#   the contact and invoice triggers sooner.
INTERVALS = {
    "clio": timedelta(minutes=5),
    "quickbooks": timedelta(minutes=5),
    "xero": timedelta(minutes=15),
}
DEFAULT_INTERVAL = timedelta(minutes=15)
# A cursor not polled for this many intervals was idle (nothing used its trigger).
IDLE_INTERVALS = 3
# Samples for the field picker and the Test button: how far back, and how much to read.
SAMPLE_DAYS = 30
SAMPLE_PAGES = 3
# Cursors queued for a poll by one schedule tick (the rest wait for the next minute).
DUE_BATCH = 200


def cursor_ensure(*, firm: Firm, trigger_id: str) -> TriggerCursor:
    """The firm's cursor for the trigger, made now if it has none (so nothing older fires). A
    cursor left idle (no automation used the trigger for a while) starts again now too: turning
    an automation back on must not fire what happened while nothing listened. For a Clio
    trigger, the webhooks it wakes on are registered once the transaction commits."""
    now = timezone.now()
    cursor, made = TriggerCursor.objects.get_or_create(
        firm=firm, trigger=trigger_id, defaults={"since": now, "created_at": now}
    )
    trigger = registry.trigger(trigger_id)
    interval = INTERVALS.get(trigger.app, DEFAULT_INTERVAL) if trigger else DEFAULT_INTERVAL
    if not made and (cursor.polled_at or cursor.created_at) < now - IDLE_INTERVALS * interval:
        TriggerCursor.objects.filter(pk=cursor.pk).update(since=now, created_at=now, last_error="")
        cursor.refresh_from_db()
    if trigger is not None and trigger.app == "clio" and trigger.wakes_on:
        # Idempotent: a webhook already registered costs no call.
        transaction.on_commit(lambda: async_task("automations.tasks.clio_webhooks_ensure", firm.pk))
    return cursor


def triggers_for(app: str, names: list[str]) -> list[str]:
    """The ids of `app`'s triggers that wake on any of `names` (compared without case)."""
    wanted = {n.lower() for n in names}
    return [
        t.id
        for t in registry.TRIGGERS.values()
        if t.app == app and wanted & {w.lower() for w in t.wakes_on}
    ]


def triggers_wake(*, firm_id: int, app: str, names: list[str]) -> int:
    """Mark the firm's cursors of the triggers waking on `names` due now and queue their polls.
    A cursor already woken (its poll queued, not yet run) is left alone: one poll covers a burst.
    Returns how many polls were queued."""
    ids = triggers_for(app, names)
    if not ids:
        return 0
    used = Automation.objects.filter(firm_id=firm_id, trigger__in=ids, enabled=True)
    woken = []
    for trigger_id in set(used.values_list("trigger", flat=True)):
        marked = TriggerCursor.objects.filter(
            firm_id=firm_id, trigger=trigger_id, wake_at__isnull=True
        ).update(wake_at=timezone.now())
        if marked:
            woken.append(trigger_id)
    if woken:
        transaction.on_commit(lambda: _queue_polls(firm_id, woken))
    return len(woken)


def _queue_polls(firm_id: int, trigger_ids: list[str]) -> None:
    for trigger_id in trigger_ids:
        _queue_poll(firm_id, trigger_id)


def _queue_poll(firm_id: int, trigger_id: str, overlap_seconds: float | None = None) -> None:
    async_task("automations.tasks.trigger_poll", firm_id, trigger_id, overlap_seconds)


def _claim(firm_id: int, trigger_id: str) -> TriggerCursor | None:
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    taken = TriggerCursor.objects.filter(free, firm_id=firm_id, trigger=trigger_id).update(
        claimed_until=now + LEASE, wake_at=None
    )
    return TriggerCursor.objects.get(firm_id=firm_id, trigger=trigger_id) if taken else None


def _release(cursor: TriggerCursor, **values) -> None:
    TriggerCursor.objects.filter(pk=cursor.pk).update(claimed_until=None, **values)


def trigger_poll(*, firm_id: int, trigger_id: str, overlap_seconds: float | None = None) -> int:
    """One bounded poll of a firm's trigger; returns how many new events it recorded. Queues the
    runs it made and, when the read was full, the next poll: that one reads on from the last
    event with only CONTINUE_OVERLAP, or a burst of more than POLL_LIMIT events within OVERLAP
    would be read again and again."""
    trigger = registry.trigger(trigger_id)
    cursor = _claim(firm_id, trigger_id) if trigger is not None else None
    if trigger is None or cursor is None:
        return 0
    started = timezone.now()
    try:
        ctx = ctx_build(firm_id=firm_id, app=trigger.app)
        overlap = OVERLAP if overlap_seconds is None else timedelta(seconds=overlap_seconds)
        events = trigger.poll(ctx, cursor.since - overlap, POLL_LIMIT)
        # Nothing from before the cursor fires. Clio and QuickBooks keep times to the second, so
        # an event just after it, in the same second, reads as older: that second counts as
        # after, or its event would be lost.
        start = cursor.created_at.replace(microsecond=0)
        fresh = [e for e in events if e.occurred_at >= start]
    except ProviderRateLimited as exc:
        # Not an error: the provider's window reopens; poll then (or at the next tick after).
        wake = timezone.now() + timedelta(seconds=exc.retry_after)
        _release(cursor, wake_at=wake)
        return 0
    except NotConnected as exc:
        _release(cursor, last_error=exc.message, polled_at=started)
        return 0
    except ProviderError as exc:
        said, fix = error_words(exc)
        _release(cursor, last_error=f"{said} {fix}", polled_at=started)
        return 0
    except Exception as exc:  # a trigger's bug must not stop the schedule or raise a 5xx
        logger.exception("trigger poll failed firm=%s trigger=%s", firm_id, trigger_id)
        _release(cursor, last_error=f"Reading the trigger failed: {exc}", polled_at=started)
        return 0
    with transaction.atomic():
        recorded = events_record(firm_id=firm_id, trigger_id=trigger_id, events=fresh)
        made = runs_make(firm_id=firm_id, trigger_id=trigger_id, events=recorded)
        _publish(firm_id, trigger, recorded)
        full = len(events) >= POLL_LIMIT
        since = max([cursor.since, *(e.occurred_at for e in events)]) if full else started
        _release(cursor, since=max(since, cursor.since), polled_at=started, last_error="")
        if made:
            transaction.on_commit(lambda: async_task("automations.tasks.runs_drain"))
        if full and (recorded or since > cursor.since):
            # More to read: a new task (each is bounded), while the cursor moves on.
            more = CONTINUE_OVERLAP.total_seconds()
            transaction.on_commit(lambda: _queue_poll(firm_id, trigger_id, more))
    return len(recorded)


def events_record(
    *, firm_id: int, trigger_id: str, events: list[Event], sample: bool = False
) -> list[TriggerEvent]:
    """Record the events not recorded yet, in one INSERT (conflicts ignored); returns the new
    rows. A real event that was recorded before as a sample becomes real (and new) here, once."""
    if not events:
        return []
    rows = [
        TriggerEvent(
            firm_id=firm_id,
            trigger=trigger_id,
            key=e.key[:200],
            event_id=uuid.uuid4(),
            data=json_safe(e.data),  # a Decimal or a date from a trigger becomes a string
            summary=e.summary[:300],
            record_id=str(e.record_id)[:80],
            record_url=e.record_url[:500],
            occurred_at=e.occurred_at,
            sample=sample,
        )
        for e in events
    ]
    TriggerEvent.objects.bulk_create(rows, ignore_conflicts=True)
    ids = [r.event_id for r in rows]
    new = list(TriggerEvent.objects.filter(event_id__in=ids).order_by("occurred_at", "id"))
    if not sample:
        keys = [r.key for r in rows]
        samples = TriggerEvent.objects.filter(
            firm_id=firm_id, trigger=trigger_id, key__in=keys, sample=True
        )
        promoted = list(samples.values_list("pk", flat=True))
        if promoted:
            # Conditional: of two polls that read it, one turns it real.
            TriggerEvent.objects.filter(pk__in=promoted, sample=True).update(sample=False)
            new += list(TriggerEvent.objects.filter(pk__in=promoted))
    return new


def runs_make(*, firm_id: int, trigger_id: str, events: list[TriggerEvent]) -> int:
    """One run per enabled automation on the trigger and event: pending, or skipped with the
    conditions that failed. Returns how many are pending."""
    automations = list(Automation.objects.filter(firm_id=firm_id, trigger=trigger_id, enabled=True))
    runs = []
    now = timezone.now()
    for event in events:
        for automation in automations:
            failing = mapping.conditions_failing(automation.conditions, event.data)
            runs.append(
                Run(
                    firm_id=firm_id,
                    automation=automation,
                    event=event,
                    status=Run.Status.SKIPPED if failing else Run.Status.PENDING,
                    error=("Conditions not met: " + "; ".join(failing)) if failing else "",
                    next_attempt_at=None if failing else now,
                    finished_at=now if failing else None,
                )
            )
    Run.objects.bulk_create(runs, ignore_conflicts=True)
    return sum(r.status == Run.Status.PENDING for r in runs)


def event_payload(event: TriggerEvent) -> dict:
    """A trigger event as outbound webhooks send it (`trigger.<trigger id>`)."""
    return {
        "id": str(event.event_id),
        "trigger": event.trigger,
        "occurred_at": event.occurred_at.isoformat(),
        "summary": event.summary,
        "record_id": event.record_id,
        "record_url": event.record_url,
        "data": event.data,
    }


def _publish(firm_id: int, trigger: Trigger, events: list[TriggerEvent]) -> None:
    event_publish(
        firm_id=firm_id,
        type=f"trigger.{trigger.id}",
        items=[event_payload(e) for e in events if not e.sample],
    )


class SamplesUnreadable(Exception):
    """The app refused or did not answer the read of recent events; says so in plain words."""


def samples_fetch(*, firm: Firm, trigger_id: str, limit: int = 5) -> list[TriggerEvent]:
    """Recent events of the trigger for the field picker and the Test button: the firm's recorded
    ones, or, when there are none, the last 30 days read now and recorded as samples (which never
    fire). Empty when the app is not connected; SamplesUnreadable, in the words the sync uses for
    the same error and its fix, when the app refuses or does not answer."""
    recorded = TriggerEvent.objects.filter(firm=firm, trigger=trigger_id)
    found = list(recorded.order_by("-occurred_at", "-id")[:limit])
    trigger = registry.trigger(trigger_id)
    if found or trigger is None:
        return found
    try:
        events = _read_recent(firm.pk, trigger)
    except NotConnected:
        return []
    except ProviderError as exc:
        logger.warning("samples not read firm=%s trigger=%s error=%s", firm.pk, trigger_id, exc)
        said, fix = error_words(exc)
        # The sync's catch-all fix speaks of a refused record: here the provider's words say it.
        words = said if fix == UNKNOWN.text else f"{said.rstrip('.')}. {fix}"
        raise SamplesUnreadable(words) from exc
    events_record(firm_id=firm.pk, trigger_id=trigger_id, events=events[-limit:], sample=True)
    return list(recorded.order_by("-occurred_at", "-id")[:limit])


def _read_recent(firm_id: int, trigger: Trigger) -> list[Event]:
    """Up to SAMPLE_PAGES polls over the last 30 days, oldest first; the newest are last."""
    ctx = ctx_build(firm_id=firm_id, app=trigger.app)
    since: datetime = timezone.now() - timedelta(days=SAMPLE_DAYS)
    events: list[Event] = []
    for _ in range(SAMPLE_PAGES):
        page = trigger.poll(ctx, since, POLL_LIMIT)
        events += page
        if len(page) < POLL_LIMIT or page[-1].occurred_at <= since:
            break
        since = page[-1].occurred_at
    unique = {e.key: e for e in events}  # a page boundary read twice
    return sorted(unique.values(), key=lambda e: e.occurred_at)


def polls_due() -> int:
    """The schedule's tick: poll the cursors that were woken or have gone unpolled for their app's
    interval, of triggers an enabled automation uses. Returns how many polls were queued."""
    now = timezone.now()
    used = set(Automation.objects.filter(enabled=True).values_list("firm_id", "trigger"))
    have = set(TriggerCursor.objects.values_list("firm_id", "trigger"))
    for firm_id, trigger_id in used - have:  # turned on without the page (the API, a shell)
        TriggerCursor.objects.get_or_create(
            firm_id=firm_id, trigger=trigger_id, defaults={"since": now}
        )
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    candidates = TriggerCursor.objects.filter(free).values_list(
        "firm_id", "trigger", "wake_at", "polled_at"
    )
    queued = 0
    for firm_id, trigger_id, wake_at, polled_at in candidates.iterator():
        if (firm_id, trigger_id) not in used:
            continue
        trigger = registry.trigger(trigger_id)
        interval = INTERVALS.get(trigger.app, DEFAULT_INTERVAL) if trigger else DEFAULT_INTERVAL
        woken = wake_at is not None and wake_at <= now
        stale = polled_at is None or polled_at <= now - interval
        if trigger is not None and (woken or stale):
            _queue_poll(firm_id, trigger_id)
            queued += 1
            if queued >= DUE_BATCH:
                break
    return queued
