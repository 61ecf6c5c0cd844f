"""The Automations pages: the list and recipes, the editor and its htmx edits, turning on and
off, the test panel, the run log, and what each role sees."""

import pytest
from django.urls import reverse

from automations import polling
from automations.models import Automation, Run, RunStep, TriggerCursor
from sync.providers.errors import ProviderAuthError
from tests.automations.page_support import SAMPLES_FETCH, STEPS, app_removed, connect, event_for
from tests.conftest import client_for

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def connected(firm, engine):
    connect(firm, "clio", "quickbooks")
    return engine


@pytest.fixture
def automation(firm, connected):
    return Automation.objects.create(
        firm=firm, name="Matters to QuickBooks", trigger="clio.new_matter", steps=STEPS
    )


def _form(**extra) -> dict:
    return {
        "name": "Matters to QuickBooks",
        "trigger": "clio.new_matter",
        "step-1-action": "quickbooks.create_customer",
        **extra,
    }


def test_the_list_shows_an_empty_state_and_the_recipes(admin_client, engine, monkeypatch):
    app_removed(monkeypatch, "xero")
    page = admin_client.get(reverse("automations")).content.decode()
    assert 'data-testid="empty-state"' in page and "No automations yet" in page
    assert 'data-testid="recipe-matter_to_quickbooks_sub_customer"' in page
    assert "Use this recipe" in page and "Needs Xero" in page
    assert "connect Clio and QuickBooks Online on" in page


def test_the_list_says_each_automation_in_words_with_its_runs(
    firm, admin_client, automation, django_assert_max_num_queries
):
    Automation.objects.filter(pk=automation.pk).update(paused_reason="Failed 5 times in a row.")
    for n, status in enumerate(("succeeded", "failed", "failed")):
        Run.objects.create(
            firm=firm, automation=automation, event=event_for(firm, key=f"e{n}"), status=status
        )
    with django_assert_max_num_queries(12):
        page = admin_client.get(reverse("automations")).content.decode()
    row = page[page.index(f'data-testid="automation-{automation.pk}"') :]
    assert "When New matter in Clio: Create customer in QuickBooks Online." in row
    assert "Paused" in row and "Failed 5 times in a row." in row
    assert '<td class="num">3</td>' in row and '<span class="status-bad">2</span>' in row


def test_the_nav_links_automations_for_staff_not_viewers(firm, staff, viewer, engine):
    assert reverse("automations") in client_for(staff).get(reverse("dashboard")).content.decode()
    assert (
        reverse("automations") not in client_for(viewer).get(reverse("dashboard")).content.decode()
    )


def test_the_editor_groups_triggers_by_app_and_says_how_to_connect(firm, admin_client, engine):
    connect(firm, "clio")
    page = admin_client.get(reverse("automation_new")).content.decode()
    assert '<optgroup label="Clio">' in page and '<option value="clio.new_matter" >' in page
    assert '<optgroup label="QuickBooks Online (not connected)">' in page
    assert '<option value="quickbooks.create_customer" disabled>' in page
    assert "QuickBooks Online: Connect QuickBooks on Bill Syncing first." in page


def test_choosing_an_action_shows_its_fields_with_required_marked(admin_client, connected):
    part = admin_client.post(
        reverse("automation_new"), _form(_action="refresh"), **HX
    ).content.decode()
    assert '<form id="editor"' in part and "<html" not in part  # the form alone, for htmx
    assert 'name="step-1-in-display_name"' in part and 'aria-required="true"' in part
    assert "(required)" in part and 'name="step-1-in-parent_id"' in part
    assert '<optgroup label="Trigger: New matter"><option value="id">' in part


def test_steps_and_conditions_are_added_and_removed(admin_client, connected):
    url = reverse("automation_new")
    part = admin_client.post(url, _form(_action="add_step"), **HX).content.decode()
    assert 'data-testid="step-2"' in part
    form = _form(**{"step-2-action": "clio.create_matter_note", "_action": "remove_step:1"})
    part = admin_client.post(url, form, **HX).content.decode()
    assert 'data-testid="step-2"' not in part
    assert '<option value="clio.create_matter_note" selected>' in part
    part = admin_client.post(url, _form(_action="add_condition"), **HX).content.decode()
    assert 'name="cond-1-field"' in part and '<option value="matter.status">' in part
    form = _form(**{"cond-1-field": "matter.status", "_action": "remove_condition:1"})
    assert 'name="cond-1-field"' not in admin_client.post(url, form, **HX).content.decode()


def test_the_picker_inserts_a_field_and_shows_the_latest_events_values(
    firm, admin_client, connected
):
    event_for(firm, number="00012-Smith")
    form = _form(
        **{
            "step-1-in-display_name": "Matter",
            "step-1-pick-display_name": "matter.display_number",
            "_action": "insert:1:display_name",
        }
    )
    part = admin_client.post(reverse("automation_new"), form, **HX).content.decode()
    assert 'value="Matter {{matter.display_number}}"' in part
    assert ">Matter display number — 00012-Smith</option>" in part


def test_later_steps_pick_from_earlier_steps_outputs(admin_client, connected):
    form = _form(**{"step-2-action": "quickbooks.create_customer", "_action": "refresh"})
    part = admin_client.post(reverse("automation_new"), form, **HX).content.decode()
    step2 = part[part.index('data-testid="step-2"') :]
    assert '<optgroup label="Step 1: Create customer"><option value="steps.1.id">' in step2


def test_load_recent_events_reads_them_from_the_app(firm, admin_client, connected):
    connected.samples = [{"matter": {"display_number": "00077-Lee"}, "client": {"name": "Lee"}}]
    part = admin_client.post(reverse("automation_new"), _form(_action="sample"), **HX)
    assert ">Matter display number — 00077-Lee</option>" in part.content.decode()


def test_saving_with_problems_shows_each_beside_its_input(admin_client, connected):
    response = admin_client.post(reverse("automation_new"), _form(name=""))
    page = response.content.decode()
    assert response.status_code == 400 and not Automation.objects.exists()
    assert "Display name is required: type a value or pick a field." in page
    assert 'id="step-1-in-display_name-errors"' in page and "Give the automation a name" in page


def test_saving_makes_the_automation_and_opens_it(admin_client, connected):
    form = _form(**{"step-1-in-display_name": "{{client.name}}", "cond-1-field": "matter.status"})
    form |= {"cond-1-op": "equals", "cond-1-value": "Open"}
    response = admin_client.post(reverse("automation_new"), form)
    a = Automation.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "automation_detail", args=[a.pk]
    )
    assert a.steps == [
        {"action": "quickbooks.create_customer", "inputs": {"display_name": "{{client.name}}"}}
    ]
    assert a.conditions == [{"field": "matter.status", "op": "equals", "value": "Open"}]


def test_turning_on_and_off_from_the_page(admin_client, automation, connected):
    response = admin_client.post(reverse("automation_enable", args=[automation.pk]), follow=True)
    assert "“Matters to QuickBooks” is on." in response.content.decode()
    assert Automation.objects.get().enabled
    assert list(TriggerCursor.objects.values_list("trigger", flat=True)) == ["clio.new_matter"]
    admin_client.post(reverse("automation_disable", args=[automation.pk]))
    assert not Automation.objects.get().enabled


def test_turning_on_an_incomplete_one_says_what_to_fix(admin_client, automation):
    Automation.objects.filter(pk=automation.pk).update(steps=[])
    response = admin_client.post(reverse("automation_enable", args=[automation.pk]), follow=True)
    assert "Not turned on: Add at least one step" in response.content.decode()


def test_use_this_recipe_opens_the_draft_in_the_editor(admin_client, connected):
    key = "matter_to_quickbooks_sub_customer"
    response = admin_client.post(reverse("recipe_start", args=[key]), follow=True)
    page = response.content.decode()
    a = Automation.objects.get()
    assert a.recipe == key and not a.enabled
    assert "Map what is left, then save." in page
    assert 'value="{{steps.1.id}}"' in page


def test_staff_read_an_automation_but_cannot_change_it(firm, staff, automation):
    client = client_for(staff)
    page = client.get(reverse("automation_detail", args=[automation.pk])).content.decode()
    assert "Only an admin of the firm can change it." in page and 'id="editor"' not in page
    assert "{{matter.display_number}} - {{client.name}}" in page
    assert (
        client.post(reverse("automation_detail", args=[automation.pk]), _form()).status_code == 403
    )
    assert "New automation" not in client.get(reverse("automations")).content.decode()


def test_an_outsider_gets_404(outsider_client, automation):
    url = reverse("automation_detail", args=[automation.pk])
    assert outsider_client.get(url).status_code == 404


def test_a_dry_run_shows_exactly_what_would_be_sent(firm, admin_client, automation, connected):
    connected.samples = [{"matter": {"display_number": "00012-Smith"}, "client": {"name": "Ada"}}]
    url = reverse("automation_test", args=[automation.pk])
    page = admin_client.get(url).content.decode()
    event = firm.trigger_events.get()
    assert "Matter 00012-Smith opened" in page and f'value="{event.pk}"' in page
    part = admin_client.post(url, {"event": event.pk, "mode": "dry"}, **HX).content.decode()
    run = Run.objects.get(test=True)
    assert (run.event_id, run.dry_run, run.status) == (event.pk, True, Run.Status.DRY_RUN)
    assert "Dry run" in part and "POST customer" in part and "00012-Smith - Ada" in part
    assert connected.sent == []  # nothing is sent in a dry run


def test_run_for_real_runs_it_and_links_the_record(firm, admin_client, automation, connected):
    event = event_for(firm)
    url = reverse("automation_test", args=[automation.pk])
    page = admin_client.post(url, {"event": event.pk, "mode": "real"}).content.decode()
    run = Run.objects.get(test=True)
    assert (run.event_id, run.dry_run, run.status) == (event.pk, False, Run.Status.SUCCEEDED)
    assert [(s["method"], s["path"]) for s in connected.sent] == [("POST", "customer")]
    assert connected.sent[0]["json"]["DisplayName"] == "00012-Smith - Ada"
    assert "Created customer 00012-Smith - Ada 58" in page and "customerdetail?nameId=58" in page


def test_testing_with_another_firms_event_is_refused(firm, admin_client, automation, other_firm):
    theirs = event_for(other_firm)
    url = reverse("automation_test", args=[automation.pk])
    response = admin_client.post(url, {"event": theirs.pk, "mode": "dry"})
    assert (
        response.status_code == 400
        and "Choose one of the recent events" in response.content.decode()
    )


def _failed_run(firm, automation) -> Run:
    run = Run.objects.create(
        firm=firm,
        automation=automation,
        event=event_for(firm),
        status=Run.Status.FAILED,
        error="QuickBooks refused the customer: the name is taken.",
        fix="Map a different Display name.",
    )
    RunStep.objects.create(
        run=run,
        index=1,
        action="quickbooks.create_customer",
        idempotency_key="k1",
        status=RunStep.Status.FAILED,
        inputs={"display_name": "Ada"},
        error="Duplicate Name Exists Error",
        fix="Map a different Display name.",
    )
    return run


def test_the_run_log_shows_the_event_steps_and_the_fix(firm, staff, automation):
    run = _failed_run(firm, automation)
    client = client_for(staff)
    for url in (reverse("automation_runs", args=[automation.pk]), reverse("automation_runs_all")):
        page = client.get(url).content.decode()
        assert f'data-testid="run-{run.pk}"' in page and "Matter 00012-Smith opened" in page
    page = client.get(reverse("automation_run", args=[run.pk])).content.decode()
    assert "Duplicate Name Exists Error" in page and "Map a different Display name." in page
    assert "https://app.clio.com/nc/#/matters/12" in page and 'data-testid="retry"' not in page


def test_an_admin_retries_a_failed_run(firm, admin_client, automation, connected):
    run = _failed_run(firm, automation)
    page = admin_client.get(reverse("automation_run", args=[run.pk])).content.decode()
    assert 'data-testid="retry"' in page
    response = admin_client.post(reverse("automation_run_retry", args=[run.pk]), follow=True)
    assert "The run is being tried again." in response.content.decode()
    run.refresh_from_db()
    assert run.status == Run.Status.PENDING and run.error == "" and run.attempts == 0


def test_a_succeeded_run_is_not_retried(firm, admin_client, automation, connected):
    run = _failed_run(firm, automation)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.SUCCEEDED)
    response = admin_client.post(reverse("automation_run_retry", args=[run.pk]), follow=True)
    assert "only a failed or stopped run is retried" in response.content.decode()
    assert Run.objects.get(pk=run.pk).status == Run.Status.SUCCEEDED


def test_deleting_from_the_page(admin_client, automation):
    response = admin_client.post(reverse("automation_delete", args=[automation.pk]), follow=True)
    assert "Deleted “Matters to QuickBooks” and its runs." in response.content.decode()
    assert not Automation.objects.exists()


@pytest.fixture
def clio_refuses(connected, monkeypatch):
    """The real samples_fetch, reading from a Clio that refuses the firm's token."""

    class Refusing:
        def __getattr__(self, name):
            def refused(*args, **kwargs):
                raise ProviderAuthError("clio", "The access token is invalid", status=401)

            return refused

    monkeypatch.setattr(polling, "samples_fetch", SAMPLES_FETCH)
    connected.client = Refusing()


def test_when_the_app_cannot_be_read_the_test_panel_says_so_in_plain_words(
    admin_client, automation, clio_refuses
):
    response = admin_client.get(reverse("automation_test", args=[automation.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Could not read recent events from the app. Clio said: The access token is invalid. "
        "The connection&#x27;s authorisation was refused. Reconnect it on the Bill Syncing page."
    ) in page


def test_when_the_app_cannot_be_read_the_editor_says_so_and_stays_usable(
    admin_client, clio_refuses
):
    response = admin_client.post(reverse("automation_new"), _form(_action="sample"), **HX)
    part = response.content.decode()
    assert response.status_code == 200 and '<form id="editor"' in part
    assert "Could not read recent events from the app. Clio said: The access token" in part
