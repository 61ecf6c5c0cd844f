"""Automations' writes: what is refused and how the refusal says to fix it, turning on and off,
the audit trail, and starting from a recipe."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from automations import recipes, services
from automations.models import Automation, Run, TriggerCursor
from tests.automations.page_support import STEPS, app_removed, connect, event_for


@pytest.fixture
def connected(firm, engine):
    connect(firm, "clio", "quickbooks")
    return engine


def _create(admin, **kwargs):
    fields = {"name": "Matters to QuickBooks", "trigger": "clio.new_matter", "steps": STEPS}
    return services.automation_create(member=admin, **{**fields, **kwargs})


def _cursors() -> list[str]:
    return list(TriggerCursor.objects.values_list("trigger", flat=True))


def _problems(admin, **kwargs) -> dict:
    with pytest.raises(ValidationError) as caught:
        _create(admin, **kwargs)
    return caught.value.message_dict


def test_an_automation_is_made_off_owned_and_audited(admin, connected):
    a = _create(admin, conditions=[{"field": "matter.status", "op": "equals", "value": "Open"}])
    assert a.enabled is False and a.owner == admin.user and a.firm_id == admin.firm_id
    assert a.steps == STEPS and a.conditions[0]["value"] == "Open"
    audit = AuditEvent.objects.get(action="automation.created")
    assert audit.after["trigger"] == "clio.new_matter" and audit.object_id == str(a.pk)


def test_an_unknown_trigger_and_action_say_what_to_choose(admin, connected):
    problems = _problems(admin, trigger="clio.nothing", steps=[{"action": "x.y", "inputs": {}}])
    assert "Choose what starts the automation" in problems["trigger"][0]
    assert problems["steps.1.action"] == ["Choose an action for this step."]


def test_an_app_not_connected_says_where_to_connect_it(firm, admin, engine):
    connect(firm, "clio")
    problems = _problems(admin)
    assert problems["steps"] == ["Connect QuickBooks on Bill Syncing first."]


def test_a_required_input_left_empty_is_named_with_the_fix(admin, connected):
    problems = _problems(admin, steps=[{"action": "quickbooks.create_customer", "inputs": {}}])
    assert problems["steps.1.inputs.display_name"] == [
        "Display name is required: type a value or pick a field."
    ]


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("{{matter.display_number", "has no matching"),
        ("{{matter.nothing}}", "“matter.nothing” is not a field of the trigger"),
        ("{{steps.1.id}}", "“steps.1.id” is not a field"),  # no step before the first
    ],
)
def test_a_bad_template_is_named_with_the_fix(admin, connected, template, said):
    steps = [{"action": "quickbooks.create_customer", "inputs": {"display_name": template}}]
    (message,) = _problems(admin, steps=steps)["steps.1.inputs.display_name"]
    assert said in message


def test_a_later_step_maps_an_earlier_steps_output_and_the_event(admin, connected):
    steps = [
        {
            "action": "quickbooks.find_or_create_customer",
            "inputs": {"display_name": "{{client.name}}"},
        },
        {
            "action": "quickbooks.create_customer",
            "inputs": {"display_name": "{{event.summary}}", "parent_id": "{{steps.1.id}}"},
        },
    ]
    assert _create(admin, steps=steps).steps[1]["inputs"]["parent_id"] == "{{steps.1.id}}"


def test_an_input_the_action_does_not_have_is_refused(admin, connected):
    steps = [{"action": "quickbooks.create_customer", "inputs": {"display_name": "A", "Nope": "x"}}]
    assert _problems(admin, steps=steps)["steps.1.inputs.Nope"] == [
        "Create customer has no field “Nope”."
    ]


def test_conditions_are_checked_for_their_test_and_field(admin, connected):
    problems = _problems(
        admin,
        conditions=[
            {"field": "matter.status", "op": "sounds_like", "value": "x"},
            {"field": "matter.colour", "op": "equals", "value": "x"},
        ],
    )
    assert problems["conditions"][0].startswith("Condition 1: choose a test (equals, ")
    assert "“matter.colour” is not a field of New matter" in problems["conditions.2"][0]


def test_no_steps_and_no_name_are_refused(admin, connected):
    problems = _problems(admin, name=" ", steps=[])
    assert "Give the automation a name" in problems["name"][0]
    assert "Add at least one step" in problems["steps"][0]


def test_turning_on_makes_the_cursor_and_a_paused_one_starts_afresh(admin, connected):
    a = _create(admin)
    Automation.objects.filter(pk=a.pk).update(paused_reason="Failed 5 times", failures_in_row=5)
    a = services.automation_enable(member=admin, automation=a)
    assert a.enabled and a.paused_reason == "" and a.failures_in_row == 0
    assert _cursors() == ["clio.new_matter"]
    a = services.automation_disable(member=admin, automation=a)
    assert not Automation.objects.get(pk=a.pk).enabled
    actions = list(AuditEvent.objects.values_list("action", flat=True).order_by("pk"))
    assert actions[-2:] == ["automation.enabled", "automation.disabled"]


def test_a_draft_with_unmapped_inputs_cannot_be_turned_on(firm, admin, connected):
    draft = recipes.recipe_start(member=admin, key="matter_to_quickbooks_sub_customer")
    draft.steps[0]["inputs"] = {}
    Automation.objects.filter(pk=draft.pk).update(steps=draft.steps)
    with pytest.raises(ValidationError) as caught:
        services.automation_enable(member=admin, automation=draft)
    assert "steps.1.inputs.display_name" in caught.value.message_dict
    assert _cursors() == [] and not Automation.objects.get(pk=draft.pk).enabled


def test_an_update_is_audited_and_the_same_trigger_keeps_its_cursor(admin, connected):
    a = services.automation_enable(member=admin, automation=_create(admin))
    cursor = TriggerCursor.objects.get()
    a = services.automation_update(member=admin, automation=a, name="Renamed")
    assert a.name == "Renamed" and _cursors() == ["clio.new_matter"]
    assert TriggerCursor.objects.get().since == cursor.since
    audit = AuditEvent.objects.get(action="automation.updated")
    assert audit.before["name"] == "Matters to QuickBooks" and audit.after["name"] == "Renamed"


def test_another_firms_member_cannot_change_it(admin, outsider, connected):
    a = _create(admin)
    with pytest.raises(Automation.DoesNotExist):
        services.automation_update(member=outsider, automation=a, name="Mine")


def test_deleting_is_audited(admin, connected):
    a = _create(admin)
    services.automation_delete(member=admin, automation=a)
    assert not Automation.objects.exists()
    assert AuditEvent.objects.get(action="automation.deleted").before["name"] == a.name


def test_a_recipe_starts_a_draft_that_is_off_with_its_mappings(admin, engine):
    # A draft may wait for its apps to be connected: nothing is connected here.
    a = recipes.recipe_start(member=admin, key="matter_to_quickbooks_sub_customer")
    assert a.recipe == "matter_to_quickbooks_sub_customer" and not a.enabled
    assert [s["action"] for s in a.steps] == [
        "quickbooks.find_or_create_customer",
        "quickbooks.create_customer",
    ]
    assert a.steps[1]["inputs"]["parent_id"] == "{{steps.1.id}}"


def test_a_recipes_mapping_that_does_not_fit_the_catalog_is_left_to_map(admin, engine, monkeypatch):
    recipe = recipes.Recipe(
        "odd",
        "Odd",
        "A mapping the catalog does not have.",
        "clio.new_matter",
        (
            {
                "action": "clio.create_matter_note",
                "inputs": {"matter_id": "{{matter.id}}", "subject": "{{matter.colour}}", "x": "y"},
            },
        ),
    )
    monkeypatch.setitem(recipes.BY_KEY, "odd", recipe)
    a = recipes.recipe_start(member=admin, key="odd")
    assert a.steps[0]["inputs"] == {"matter_id": "{{matter.id}}"}


def test_a_recipe_the_catalog_cannot_run_says_what_it_needs(admin, engine, monkeypatch):
    app_removed(monkeypatch, "xero")
    with pytest.raises(ValidationError) as caught:
        recipes.recipe_start(member=admin, key="matter_to_xero_tracking_option")
    assert "needs Xero" in caught.value.message_dict["recipe"][0]
    rows = {r.recipe.key: r for r in recipes.recipes_for_firm(firm_id=admin.firm_id)}
    assert rows["matter_to_xero_tracking_option"].needs == ["Xero"]
    ok = rows["matter_to_quickbooks_sub_customer"]
    assert ok.available and ok.unconnected == ["Clio", "QuickBooks Online"]


def test_there_are_recipes_for_each_of_the_issues_six():
    triggers = {r.trigger for r in recipes.RECIPES}
    assert {
        "clio.new_matter",
        "quickbooks.new_payment",
        "xero.new_payment",
        "quickbooks.new_vendor",
        "clio.bill_state_updated",
        "clio.new_activity",
        "clio.new_document",
    } <= triggers
    assert len({r.key for r in recipes.RECIPES}) == len(recipes.RECIPES)


def test_retrying_a_run_that_is_still_waiting_changes_nothing(firm, admin, connected):
    a = _create(admin)
    run = Run.objects.create(firm=firm, automation=a, event=event_for(firm), status="pending")
    assert services.run_retry(member=admin, run=run) == run
    assert Run.objects.get(pk=run.pk).status == Run.Status.PENDING and run.attempts == 0


def test_a_nul_character_is_refused_before_it_reaches_the_database(admin, connected):
    steps = [{"action": "quickbooks.create_customer", "inputs": {"display_name": "A\x00B"}}]
    problems = _problems(admin, steps=steps)
    assert problems == {"steps": ["Remove the NUL character (\\0): it cannot be stored."]}
