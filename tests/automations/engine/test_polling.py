from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.events import EVENT_TYPES, event_published
from automations import polling
from automations.catalog.base import Event
from automations.models import Run, TriggerCursor, TriggerEvent
from hooks import services as hooks_services
from sync.providers.errors import ProviderError, ProviderRateLimited
from tests.automations.engine.conftest import automation_make, event
from tests.factories import FirmFactory

pytestmark = pytest.mark.django_db

TRIGGER = "clio.test_trigger"


@pytest.fixture
def published():
    seen = []

    def receiver(sender=None, **kw):
        seen.append(kw)

    event_published.connect(receiver)
    yield seen
    event_published.disconnect(receiver)


def _cursor(firm, minutes_ago=10) -> TriggerCursor:
    cursor = polling.cursor_ensure(firm=firm, trigger_id=TRIGGER)
    past = timezone.now() - timedelta(minutes=minutes_ago)
    TriggerCursor.objects.filter(pk=cursor.pk).update(since=past, created_at=past)
    cursor.refresh_from_db()
    return cursor


def test_a_cursor_starts_now_and_is_made_once(firm, catalog):
    catalog.trigger(wakes_on=())
    before = timezone.now()
    cursor = polling.cursor_ensure(firm=firm, trigger_id=TRIGGER)
    assert cursor.since >= before
    assert polling.cursor_ensure(firm=firm, trigger_id=TRIGGER).pk == cursor.pk


def test_a_poll_records_each_event_once_and_makes_one_run_per_automation(
    firm, connected, catalog, fake_client, published
):
    seen = []
    events = [event("m1", 5, status="Open"), event("m2", 4, status="Closed")]
    catalog.trigger(poll=lambda ctx, since, limit: seen.append(since) or events)
    every = automation_make(firm, [], name="every")
    open_only = automation_make(
        firm, [], name="open", conditions=[{"field": "status", "op": "equals", "value": "Open"}]
    )
    cursor = _cursor(firm)

    assert polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER) == 2
    assert polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER) == 0  # read again: nothing

    assert TriggerEvent.objects.filter(firm=firm, trigger=TRIGGER).count() == 2
    assert Run.objects.filter(automation=every, status="pending").count() == 2
    skipped = Run.objects.get(automation=open_only, status="skipped")
    assert skipped.event.key == "m2"
    assert skipped.error.startswith("Conditions not met: status is Open")
    assert seen[0] == cursor.since - polling.OVERLAP
    cursor.refresh_from_db()
    assert cursor.since > seen[0] and cursor.polled_at and cursor.claimed_until is None
    trigger_events = [p for p in published if p["type"] == f"trigger.{TRIGGER}"]
    assert len(trigger_events) == 1  # one publish per batch
    item = trigger_events[0]["items"][0]
    assert set(item) == {
        "id",
        "trigger",
        "occurred_at",
        "summary",
        "record_id",
        "record_url",
        "data",
    }
    assert item["data"] == {"status": "Open"}


def test_events_before_the_cursor_was_made_never_fire(firm, connected, catalog, fake_client):
    catalog.trigger(poll=lambda ctx, since, limit: [event("old", 1)])
    automation_make(firm, [])
    polling.cursor_ensure(firm=firm, trigger_id=TRIGGER)  # made now: "old" is a minute older

    assert polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER) == 0
    assert not Run.objects.exists()


def test_a_provider_error_is_kept_on_the_cursor(firm, connected, catalog, fake_client):
    def poll(ctx, since, limit):
        raise ProviderError("clio", "Forbidden scope", status=403, code="Forbidden")

    catalog.trigger(poll=poll)
    cursor = _cursor(firm)

    assert polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER) == 0

    cursor.refresh_from_db()
    assert cursor.last_error.startswith("Clio said: Forbidden scope")
    assert cursor.claimed_until is None


def test_a_rate_limited_poll_waits_for_the_window(firm, connected, catalog, fake_client):
    def poll(ctx, since, limit):
        raise ProviderRateLimited("clio", "Too many", retry_after=30)

    catalog.trigger(poll=poll)
    cursor = _cursor(firm)

    polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER)

    cursor.refresh_from_db()
    assert cursor.last_error == ""
    assert cursor.wake_at > timezone.now() + timedelta(seconds=20)


def test_a_poll_without_a_connection_says_so(firm, catalog):
    catalog.trigger()
    cursor = _cursor(firm)
    polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER)
    cursor.refresh_from_db()
    assert cursor.last_error == "FirmSync is not connected to Clio."


def test_a_full_read_queues_the_next_poll(
    firm, connected, catalog, fake_client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(polling, "POLL_LIMIT", 2)
    pages = [[event("a", 5), event("b", 4)], [event("c", 3)]]
    catalog.trigger(poll=lambda ctx, since, limit: pages.pop(0) if pages else [])
    automation_make(firm, [])
    _cursor(firm)

    with django_capture_on_commit_callbacks(execute=True):
        polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER)

    assert set(TriggerEvent.objects.values_list("key", flat=True)) == {"a", "b", "c"}


def test_a_firms_poll_never_touches_another_firms_rows(
    firm, connected, catalog, fake_client, other_firm
):
    catalog.trigger(poll=lambda ctx, since, limit: [event("m1", 1)])
    mine = automation_make(firm, [])
    theirs = automation_make(other_firm, [])
    _cursor(firm)
    their_cursor = _cursor(other_firm)

    polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER)

    assert Run.objects.filter(automation=mine).count() == 1
    assert not Run.objects.filter(automation=theirs).exists()
    assert not TriggerEvent.objects.filter(firm=other_firm).exists()
    their_cursor.refresh_from_db()
    assert their_cursor.polled_at is None


def test_a_wake_marks_only_the_firms_cursors_of_triggers_waking_on_the_model(
    firm, other_firm, catalog
):
    catalog.trigger(wakes_on=("matter",))
    catalog.trigger(key="tasks", wakes_on=("task",))
    automation_make(firm, [])
    automation_make(firm, [], trigger_id="clio.tasks")
    automation_make(other_firm, [])
    for f in (firm, other_firm):
        polling.cursor_ensure(firm=f, trigger_id=TRIGGER)
    polling.cursor_ensure(firm=firm, trigger_id="clio.tasks")

    assert polling.triggers_wake(firm_id=firm.pk, app="clio", names=["matter"]) == 1
    assert polling.triggers_wake(firm_id=firm.pk, app="clio", names=["matter"]) == 0  # queued

    woken = TriggerCursor.objects.filter(wake_at__isnull=False)
    assert list(woken.values_list("firm_id", "trigger")) == [(firm.pk, TRIGGER)]


def test_polls_are_due_when_woken_or_stale_and_only_for_triggers_in_use(
    firm, connected, catalog, fake_client, monkeypatch
):
    catalog.trigger(poll=lambda ctx, since, limit: [])
    catalog.trigger(key="unused")
    queued = []
    monkeypatch.setattr(polling, "_queue_poll", lambda f, t: queued.append((f, t)))
    automation_make(firm, [])
    fresh = polling.cursor_ensure(firm=firm, trigger_id=TRIGGER)
    polling.cursor_ensure(firm=firm, trigger_id="clio.unused")
    TriggerCursor.objects.update(polled_at=timezone.now())

    assert polling.polls_due() == 0
    TriggerCursor.objects.filter(pk=fresh.pk).update(wake_at=timezone.now())
    assert polling.polls_due() == 1
    TriggerCursor.objects.update(wake_at=None, polled_at=timezone.now() - timedelta(minutes=6))
    assert polling.polls_due() == 1
    assert queued == [(firm.pk, TRIGGER)] * 2


def test_an_automation_turned_on_without_a_cursor_gets_one(firm, catalog, monkeypatch):
    catalog.trigger()
    monkeypatch.setattr(polling, "_queue_poll", lambda f, t: None)
    automation_make(firm, [])
    polling.polls_due()
    assert TriggerCursor.objects.filter(firm=firm, trigger=TRIGGER).exists()


def test_samples_are_read_once_recorded_and_never_fire(firm, connected, catalog, fake_client):
    reads = []
    catalog.trigger(poll=lambda ctx, since, limit: reads.append(since) or [event("s1", 60)])
    automation_make(firm, [])

    samples = polling.samples_fetch(firm=firm, trigger_id=TRIGGER)
    again = polling.samples_fetch(firm=firm, trigger_id=TRIGGER)

    assert [s.key for s in samples] == ["s1"] and samples[0].sample
    assert [s.pk for s in again] == [samples[0].pk]
    assert len(reads) == 1
    assert timezone.now() - reads[0] >= timedelta(days=polling.SAMPLE_DAYS - 1)
    assert not Run.objects.exists()


def test_a_sample_read_again_by_the_poll_after_the_cursor_fires_once(
    firm, connected, catalog, fake_client
):
    catalog.trigger(poll=lambda ctx, since, limit: [event("s1", 1)])
    automation_make(firm, [])
    _cursor(firm)
    polling.samples_fetch(firm=firm, trigger_id=TRIGGER)

    assert polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER) == 1
    assert polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER) == 0
    assert Run.objects.count() == 1
    assert not TriggerEvent.objects.get().sample


def test_samples_without_a_connection_are_empty(catalog):
    catalog.trigger()
    assert polling.samples_fetch(firm=FirmFactory(), trigger_id=TRIGGER) == []


@pytest.fixture
def event_types():
    before = dict(EVENT_TYPES)
    yield EVENT_TYPES
    EVENT_TYPES.clear()
    EVENT_TYPES.update(before)


def test_every_trigger_is_an_outbound_event_type(catalog, event_types):
    catalog.trigger()
    apps.get_app_config("automations").ready()
    assert event_types[f"trigger.{TRIGGER}"] == "Clio: Test trigger. For tests."
    assert "automation.failed" in event_types
    # The webhooks page and API accept it.
    assert f"trigger.{TRIGGER}" in hooks_services.subscribable()


def test_a_poll_queues_its_runs_and_they_run(
    firm, connected, catalog, fake_client, django_capture_on_commit_callbacks
):
    from tests.automations.engine.conftest import ok

    catalog.trigger(poll=lambda ctx, since, limit: [event("m1", 1, matter={"number": "7"})])
    catalog.action(ok)
    step = {"action": "quickbooks.test_action", "inputs": {"name": "Matter {{matter.number}}"}}
    automation = automation_make(firm, [step])
    _cursor(firm)

    with django_capture_on_commit_callbacks(execute=True):
        polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER)

    run = Run.objects.get(automation=automation)
    assert run.status == "succeeded"
    assert fake_client.http.calls[0]["json"] == {"name": "Matter 7"}


def test_an_idle_cursor_starts_again_when_an_automation_is_turned_on(firm, catalog):
    catalog.trigger(wakes_on=())
    cursor = _cursor(firm, minutes_ago=60 * 24)
    TriggerCursor.objects.filter(pk=cursor.pk).update(polled_at=cursor.since)

    again = polling.cursor_ensure(firm=firm, trigger_id=TRIGGER)

    assert again.pk == cursor.pk
    assert again.since > timezone.now() - timedelta(minutes=1)


def test_a_cursor_in_use_keeps_its_place(firm, catalog):
    catalog.trigger(wakes_on=())
    cursor = _cursor(firm, minutes_ago=3)
    TriggerCursor.objects.filter(pk=cursor.pk).update(polled_at=timezone.now())

    assert polling.cursor_ensure(firm=firm, trigger_id=TRIGGER).since == cursor.since


def test_a_trigger_that_breaks_is_kept_on_the_cursor_and_releases_it(
    firm, connected, catalog, fake_client
):
    catalog.trigger(poll=lambda ctx, since, limit: [1 / 0])
    cursor = _cursor(firm)

    assert polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER) == 0

    cursor.refresh_from_db()
    assert "Reading the trigger failed" in cursor.last_error
    assert cursor.claimed_until is None


def test_money_in_an_event_is_kept_as_a_string(firm, connected, catalog, fake_client):
    from decimal import Decimal

    catalog.trigger(poll=lambda ctx, since, limit: [event("m1", 1, total=Decimal("1250.00"))])
    automation_make(firm, [])
    _cursor(firm)

    polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER)

    assert TriggerEvent.objects.get().data == {"total": "1250.00"}


def test_a_burst_bigger_than_a_read_within_the_overlap_is_read_to_its_end(
    firm, connected, catalog, fake_client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(polling, "POLL_LIMIT", 3)
    burst = [event(f"e{n}", 1 - n / 10) for n in range(8)]  # within a minute, oldest first
    reads = []

    def poll(ctx, since, limit):
        reads.append(since)
        return [e for e in burst if e.occurred_at > since][:limit]

    catalog.trigger(poll=poll)
    automation_make(firm, [])
    _cursor(firm)

    with django_capture_on_commit_callbacks(execute=True):
        polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER)

    assert TriggerEvent.objects.count() == 8
    assert Run.objects.count() == 8
    assert len(reads) <= 5


def test_samples_the_app_refuses_say_so_in_the_syncs_words_and_record_nothing(
    firm, connected, catalog, fake_client
):
    def refused(ctx, since, limit):
        raise ProviderError("clio", "The access token is invalid", status=401)

    catalog.trigger(poll=refused)
    with pytest.raises(polling.SamplesUnreadable) as caught:
        polling.samples_fetch(firm=firm, trigger_id=TRIGGER)
    assert str(caught.value) == (
        "Clio said: The access token is invalid. The connection's authorisation was refused. "
        "Reconnect it on the Bill Syncing page."
    )
    assert not TriggerEvent.objects.exists()


def test_an_event_in_the_second_the_automation_was_turned_on_fires(
    firm, connected, catalog, fake_client
):
    """Clio and QuickBooks keep times to the second: a matter opened just after the cursor was
    made, in the same second, reads as older than it. It fires rather than being lost."""
    automation_make(firm, [])
    cursor = polling.cursor_ensure(firm=firm, trigger_id=TRIGGER)
    at = cursor.created_at.replace(microsecond=0)  # as the provider serves it
    same_second = Event(key="m1", data={"n": "m1"}, occurred_at=at, record_id="m1", summary="m1")
    catalog.trigger(poll=lambda ctx, since, limit: [same_second])

    assert polling.trigger_poll(firm_id=firm.pk, trigger_id=TRIGGER) == 1
    assert Run.objects.count() == 1
