from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.events import event_published
from automations import execute
from automations.catalog.base import ActionError, Field, Result
from automations.models import Automation, Run, RunStep
from sync.providers.errors import ProviderError, ProviderRateLimited, ProviderUnavailable
from sync.providers.http import idempotency_key
from tests.automations.engine.conftest import automation_make, event_make, ok

pytestmark = pytest.mark.django_db

STEP = {"action": "quickbooks.test_action", "inputs": {"name": "{{matter.display_number}}"}}


def _run(automation, event, **kw) -> Run:
    return Run.objects.create(
        firm=automation.firm, automation=automation, event=event, next_attempt_at=None, **kw
    )


def _drain() -> int:
    return execute.runs_drain(seconds=5)


@pytest.fixture
def published():
    seen = []

    def receiver(sender=None, **kw):
        seen.append(kw)

    event_published.connect(receiver)
    yield seen
    event_published.disconnect(receiver)


def test_a_run_sends_each_step_once_with_its_key_and_maps_earlier_outputs(
    firm, connected, catalog, fake_client
):
    catalog.action(ok)
    second = {"action": "quickbooks.test_action", "inputs": {"name": "for {{steps.1.id}}"}}
    automation = automation_make(firm, [STEP, second])
    event = event_make(firm)
    run = _run(automation, event)

    assert _drain() == 1

    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED
    steps = list(run.run_steps.order_by("index"))
    assert [s.status for s in steps] == ["done", "done"]
    assert steps[0].idempotency_key == idempotency_key(event.event_id, automation.id, 1)
    assert steps[1].inputs == {"name": "for 77"}
    assert steps[0].sent == [
        {"method": "POST", "path": "things", "params": {}, "body": {"name": "00012-Smith"}}
    ]
    keys = [c["idempotency_key"] for c in fake_client.http.calls]
    assert keys == [steps[0].idempotency_key, steps[1].idempotency_key]
    assert _drain() == 0  # nothing runs twice


def test_a_find_that_finds_nothing_stops_the_run_unless_told_to_go_on(
    firm, connected, catalog, fake_client
):
    catalog.action(lambda ctx, i: Result({}, summary="No matter found", found=False), kind="find")
    catalog.action(ok, key="make")
    make = {"action": "quickbooks.make", "inputs": {"name": "x"}}
    stops = automation_make(firm, [STEP, make], name="stops")
    goes_on = automation_make(firm, [{**STEP, "on_not_found": "continue"}, make], name="goes")
    event = event_make(firm)
    stopped, continued = _run(stops, event), _run(goes_on, event)

    _drain()

    stopped.refresh_from_db(), continued.refresh_from_db()
    assert (stopped.status, stopped.error) == ("stopped", "No matter found")
    assert [s.status for s in stopped.run_steps.all()] == ["not_found"]
    assert continued.status == "succeeded"
    assert [s.status for s in continued.run_steps.all()] == ["not_found", "done"]


def test_an_action_error_fails_the_run_with_its_fix(
    firm, connected, catalog, fake_client, published
):
    def refuse(ctx, inputs):
        raise ActionError("No such customer.", fix="Create the customer first.")

    catalog.action(refuse)
    automation = automation_make(firm, [STEP])
    run = _run(automation, event_make(firm))

    _drain()

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error == "Step 1 (Test action): No such customer."
    assert run.fix == "Create the customer first."
    automation.refresh_from_db()
    assert automation.failures_in_row == 1 and automation.enabled
    failed = [p for p in published if p["type"] == "automation.failed"]
    assert failed[0]["firm_id"] == firm.pk
    assert failed[0]["items"][0]["run_id"] == run.pk


def test_an_empty_required_input_fails_in_plain_words(firm, connected, catalog, fake_client):
    catalog.action(ok)
    step = {"action": "quickbooks.test_action", "inputs": {"name": "{{client.name}}"}}
    run = _run(automation_make(firm, [step]), event_make(firm))

    _drain()

    run.refresh_from_db()
    assert run.status == "failed"
    assert "'Name' is required but came out empty (client.name had no value)." in run.error
    assert fake_client.http.calls == []


def test_a_provider_refusal_fails_with_the_providers_words(firm, connected, catalog, fake_client):
    def refused(ctx, inputs):
        raise ProviderError("quickbooks", "Duplicate Name Exists Error", status=400, code="6240")

    catalog.action(refused)
    run = _run(automation_make(firm, [STEP]), event_make(firm))

    _drain()

    run.refresh_from_db()
    assert run.status == "failed"
    assert "QuickBooks Online said: Duplicate Name Exists Error" in run.error
    assert run.fix


def test_five_failures_in_a_row_pause_the_automation_and_email_its_owner(
    firm, admin, connected, catalog, fake_client, django_capture_on_commit_callbacks
):
    catalog.action(lambda ctx, i: (_ for _ in ()).throw(ActionError("Nope.")))
    automation = automation_make(firm, [STEP], owner=admin.user)
    for n in range(6):
        _run(automation, event_make(firm, key=f"m{n}"))

    with django_capture_on_commit_callbacks(execute=True):
        _drain()

    automation.refresh_from_db()
    assert automation.failures_in_row == 5
    assert not automation.enabled
    assert "Paused after 5 failed runs in a row" in automation.paused_reason
    assert len(mail.outbox) == 1
    # The sixth waits for the automation to be turned on again.
    assert Run.objects.filter(automation=automation, status="pending").count() == 1
    assert mail.outbox[0].to == [admin.user.email]
    assert "Automation paused" in mail.outbox[0].subject


def test_a_success_resets_the_count_of_failures(firm, connected, catalog, fake_client):
    catalog.action(ok)
    automation = automation_make(firm, [STEP])
    Automation.objects.filter(pk=automation.pk).update(failures_in_row=4)
    _run(automation, event_make(firm))

    _drain()

    automation.refresh_from_db()
    assert automation.failures_in_row == 0


def test_a_rate_limit_is_not_an_error_the_run_waits(firm, connected, catalog, fake_client):
    def throttled(ctx, inputs):
        raise ProviderRateLimited("quickbooks", "Throttled", retry_after=40, scope="minute")

    catalog.action(throttled)
    run = _run(automation_make(firm, [STEP]), event_make(firm))

    _drain()

    run.refresh_from_db()
    assert run.status == "pending"
    assert run.attempts == 0
    assert run.next_attempt_at > timezone.now() + timedelta(seconds=30)
    assert run.run_steps.get().status == "pending"
    assert _drain() == 0  # not due yet


def test_an_unavailable_provider_is_retried_with_backoff_then_fails(
    firm, connected, catalog, fake_client
):
    catalog.action(
        lambda ctx, i: (_ for _ in ()).throw(ProviderUnavailable("quickbooks", "503", status=503))
    )
    run = _run(automation_make(firm, [STEP]), event_make(firm))
    waits = []
    for _ in range(execute.MAX_ATTEMPTS):
        _drain()
        run.refresh_from_db()
        if run.status != "pending":
            break
        waits.append(run.next_attempt_at - timezone.now())
        Run.objects.filter(pk=run.pk).update(next_attempt_at=timezone.now())

    assert run.status == "failed"
    assert len(waits) == execute.MAX_ATTEMPTS - 1
    assert waits[0] < waits[1] < waits[2]


def test_a_step_done_is_never_sent_again_on_retry(firm, connected, catalog, fake_client):
    calls = []

    def second(ctx, inputs):
        calls.append(inputs)
        if len(calls) == 1:
            raise ActionError("Not yet.")
        return Result({"id": "2"})

    catalog.action(ok)
    catalog.action(second, key="second")
    automation = automation_make(
        firm, [STEP, {"action": "quickbooks.second", "inputs": {"name": "{{steps.1.id}}"}}]
    )
    run = _run(automation, event_make(firm))
    _drain()
    run.refresh_from_db()
    assert run.status == "failed"

    execute.run_retry(run=run, user=None)
    _drain()

    run.refresh_from_db()
    assert run.status == "succeeded"
    assert len(fake_client.http.calls) == 1  # step 1 wrote once
    assert calls == [{"name": "77"}, {"name": "77"}]


def test_a_refused_write_is_retried_with_a_new_key_the_provider_does_not_replay(
    firm, connected, catalog, fake_client
):
    """QuickBooks (requestid) and Xero (Idempotency-Key) answer a key they have seen with their
    first answer: the same key would only replay the refusal. A refused write made nothing."""
    keys = []

    def refused_once(ctx, inputs):
        keys.append(ctx.idempotency_key)
        if len(keys) == 1:
            raise ProviderError("quickbooks", "Duplicate Name Exists Error", status=400)
        return ok(ctx, inputs)

    catalog.action(refused_once)
    run = _run(automation_make(firm, [STEP]), event_make(firm))
    _drain()
    step = run.run_steps.get()
    assert step.status == "failed" and step.idempotency_key == keys[0]

    execute.run_retry(run=run, user=None)
    _drain()

    run.refresh_from_db()
    assert run.status == "succeeded" and len(keys) == 2 and keys[1] != keys[0]
    assert run.run_steps.get().idempotency_key == keys[1]
    execute.run_retry(run=run, user=None)  # done: nothing is sent again
    assert len(keys) == 2


def test_two_workers_never_claim_the_same_run(firm, connected, catalog):
    automation = automation_make(firm, [STEP])
    _run(automation, event_make(firm))

    first = execute.run_claim()
    assert first is not None and first.status == "running"
    assert execute.run_claim() is None
    Run.objects.filter(pk=first.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    again = execute.run_claim()
    assert again is not None and again.pk == first.pk and again.attempts == 2


def _died_mid_call(run: Run, action_id: str) -> None:
    """The worker wrote the step IN_FLIGHT, sent its call, and died before recording it."""
    past = timezone.now() - timedelta(seconds=1)
    RunStep.objects.create(
        run=run,
        index=1,
        action=action_id,
        idempotency_key=idempotency_key(run.event.event_id, run.automation_id, 1),
        status=RunStep.Status.IN_FLIGHT,
        claimed_until=past,
        attempts=1,
    )
    Run.objects.filter(pk=run.pk).update(status="running", claimed_until=past, attempts=1)


def test_a_clio_write_cut_off_is_unknown_never_resent_on_its_own(
    firm, connected, catalog, fake_client
):
    catalog.action(ok, app="clio")
    step = {"action": "clio.test_action", "inputs": {"name": "x"}}
    run = _run(automation_make(firm, [step]), event_make(firm))
    _died_mid_call(run, "clio.test_action")

    _drain()

    run.refresh_from_db()
    assert run.status == "failed"
    assert run.run_steps.get().status == "unknown"
    assert run.fix.startswith("Check in Clio whether")
    assert "press Retry to send it again" in run.fix
    assert fake_client.http.calls == []

    execute.run_retry(run=run, user=None)  # a person checked: send it
    _drain()

    run.refresh_from_db()
    assert run.status == "succeeded"
    assert len(fake_client.http.calls) == 1


def test_a_keyed_write_cut_off_is_sent_again_with_the_same_key(
    firm, connected, catalog, fake_client
):
    catalog.action(ok)
    run = _run(automation_make(firm, [STEP]), event_make(firm))
    _died_mid_call(run, "quickbooks.test_action")

    _drain()

    run.refresh_from_db()
    assert run.status == "succeeded"
    step = run.run_steps.get()
    assert [c["idempotency_key"] for c in fake_client.http.calls] == [step.idempotency_key]


def test_a_clio_find_cut_off_is_read_again(firm, connected, catalog, fake_client):
    catalog.action(lambda ctx, i: Result({"id": "5"}, found=True), app="clio", kind="find")
    step = {"action": "clio.test_action", "inputs": {"name": "x"}}
    run = _run(automation_make(firm, [step]), event_make(firm))
    _died_mid_call(run, "clio.test_action")

    _drain()

    run.refresh_from_db()
    assert run.status == "succeeded"


def test_a_dry_run_sends_no_write_and_shows_what_it_would_send(
    firm, admin, connected, catalog, fake_client
):
    found = []

    def find(ctx, inputs):
        found.append(ctx.dry_run)
        ctx.client.http.request("GET", "customers", params={"q": inputs["name"]})
        return Result({"id": "55"}, found=True)

    catalog.action(find, key="find", kind="find")
    catalog.action(ok)
    automation = automation_make(
        firm,
        [
            {"action": "quickbooks.find", "inputs": {"name": "{{matter.display_number}}"}},
            {"action": "quickbooks.test_action", "inputs": {"name": "c {{steps.1.id}}"}},
            {"action": "quickbooks.test_action", "inputs": {"name": "{{steps.2.id}}"}},
        ],
    )
    event = event_make(firm)

    run = execute.run_test(automation=automation, event=event, dry_run=True, user=admin.user)

    assert run.status == "dry_run" and run.test and run.dry_run
    steps = list(run.run_steps.order_by("index"))
    assert [s.status for s in steps] == ["done", "planned", "planned"]
    assert found == [False]  # the find read for real
    assert [c["method"] for c in fake_client.http.calls] == ["GET"]  # and nothing was written
    assert steps[1].sent == [
        {"method": "POST", "path": "things", "params": {}, "body": {"name": "c 55"}}
    ]
    assert steps[2].inputs == {"name": "77"}  # the planned output, as the action returned it
    # The test did not use up the event: its real run is still made and sent once.
    assert steps[1].idempotency_key != idempotency_key(event.event_id, automation.id, 2)
    _run(automation, event)
    assert _drain() == 1


def test_a_real_test_run_writes_with_keys_of_its_own(firm, admin, connected, catalog, fake_client):
    catalog.action(ok)
    automation = automation_make(firm, [STEP])
    event = event_make(firm)

    run = execute.run_test(automation=automation, event=event, dry_run=False, user=admin.user)

    assert run.status == "succeeded" and run.test
    assert len(fake_client.http.calls) == 1
    automation.refresh_from_db()
    assert automation.failures_in_row == 0


def test_a_step_without_a_connection_fails_with_the_fix(firm, catalog, fake_client):
    catalog.action(ok)
    run = _run(automation_make(firm, [STEP]), event_make(firm))

    _drain()

    run.refresh_from_db()
    assert run.error == "FirmSync is not connected to QuickBooks Online."
    assert "Connect QuickBooks Online" in run.fix


def test_a_field_of_a_line_is_converted(firm, connected, catalog, fake_client):
    seen = []
    lines = Field("lines", "Lines", "lines", fields=(Field("amount", "Amount", "money"),))
    catalog.action(lambda ctx, i: seen.append(i) or Result({}), fields=[lines])
    step = {"action": "quickbooks.test_action", "inputs": {"lines": [{"amount": "{{total}}"}]}}
    _run(automation_make(firm, [step]), event_make(firm, data={"total": 12.5}))

    _drain()

    assert seen == [{"lines": [{"amount": "12.50"}]}]


def test_a_test_run_refuses_another_firms_event(firm, other_firm, admin, catalog):
    automation = automation_make(firm, [STEP])
    theirs = event_make(other_firm)
    with pytest.raises(ValueError):
        execute.run_test(automation=automation, event=theirs, dry_run=True, user=admin.user)
    assert not Run.objects.exists()


def test_a_crash_of_our_own_fails_the_run_and_the_drain_goes_on(
    firm, connected, catalog, fake_client, monkeypatch
):
    catalog.action(ok)
    automation = automation_make(firm, [STEP])
    first, second = _run(automation, event_make(firm, key="a")), _run(automation, event_make(firm))
    real = execute.step_run

    def flaky(run, *args):
        if run.pk == first.pk:
            raise RuntimeError("database went away")
        return real(run, *args)

    monkeypatch.setattr(execute, "step_run", flaky)

    assert _drain() == 2

    first.refresh_from_db(), second.refresh_from_db()
    assert first.status == "failed" and "database went away" in first.error
    assert second.status == "succeeded"


def test_a_step_that_is_not_a_step_fails_plainly(firm, connected, catalog, fake_client):
    run = _run(automation_make(firm, ["nonsense"]), event_make(firm))
    _drain()
    run.refresh_from_db()
    assert run.status == "failed" and "is not in the catalog" in run.error


def test_a_step_names_things_by_the_day_and_month_the_event_happened(
    firm, connected, catalog, fake_client, settings
):
    settings.TIME_ZONE = "UTC"
    catalog.action(ok)
    step = {
        "action": "quickbooks.test_action",
        "inputs": {"name": "{{event.month}} ({{event.date}})"},
    }
    automation = automation_make(firm, [step])
    at = timezone.now().replace(year=2026, month=11, day=30, hour=23, minute=59)
    run = _run(automation, event_make(firm, occurred_at=at))

    _drain()

    assert run.run_steps.get().inputs == {"name": "2026-11 (2026-11-30)"}
