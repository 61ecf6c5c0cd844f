"""The automations API, end to end with an API token: CRUD, on and off, runs and retry, recipes
and the catalog; who may do what."""

import pytest
from django.test import Client

from accounts import services as account_services
from accounts.models import ApiToken, Role
from automations import execute
from automations.models import Automation, Run, TriggerCursor
from tests.automations.page_support import STEPS, app_removed, connect, event_for
from tests.factories import MembershipFactory

BASE = "/api/v1/automations"
NEW = {"name": "Matters to QuickBooks", "trigger": "clio.new_matter", "steps": STEPS}


def _api(member) -> Client:
    scope = ApiToken.Scope.READ if member.role == Role.VIEWER else ApiToken.Scope.READ_WRITE
    _, raw = account_services.api_token_create(member=member, name="ci", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT="application/json")


def _send(client, method, path, data=None):
    return getattr(client, method)(f"{BASE}{path}", data or {}, content_type="application/json")


@pytest.fixture
def connected(firm, engine):
    connect(firm, "clio", "quickbooks")
    return engine


@pytest.fixture
def api(admin):
    return _api(admin)


def test_an_admin_creates_reads_changes_and_deletes_an_automation(api, connected):
    made = _send(api, "post", "", NEW)
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["enabled"] is False and body["trigger"] == "clio.new_matter"
    assert body["steps"] == [{**STEPS[0], "on_not_found": "stop"}] and body["conditions"] == []
    pk = body["id"]
    assert [a["id"] for a in api.get(BASE).json()["results"]] == [pk]
    assert api.get(f"{BASE}/{pk}").json()["name"] == "Matters to QuickBooks"
    changed = _send(api, "patch", f"/{pk}", {"name": "Renamed"})
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed"
    assert _send(api, "delete", f"/{pk}").status_code == 204
    assert not Automation.objects.exists()


def test_a_problem_is_a_400_that_names_where_and_how_to_fix(api, connected):
    bad = {**NEW, "steps": [{"action": "quickbooks.create_customer", "inputs": {}}]}
    response = _send(api, "post", "", bad)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["details"]["steps.1.inputs.display_name"] == [
        "Display name is required: type a value or pick a field."
    ]


def test_an_app_not_connected_is_a_400_saying_where_to_connect(firm, api, engine):
    connect(firm, "clio")
    response = _send(api, "post", "", NEW)
    assert response.json()["error"]["details"]["steps"] == [
        "Connect QuickBooks on Bill Syncing first."
    ]


def test_enable_and_disable(api, connected):
    pk = _send(api, "post", "", NEW).json()["id"]
    on = _send(api, "post", f"/{pk}/enable")
    assert on.status_code == 200 and on.json()["enabled"] is True
    assert TriggerCursor.objects.get().trigger == "clio.new_matter"
    off = _send(api, "post", f"/{pk}/disable")
    assert off.json()["enabled"] is False


def test_runs_show_the_event_and_each_step_and_a_failed_one_is_retried(
    firm, api, admin, connected, django_assert_max_num_queries
):
    a = Automation.objects.create(firm=firm, name="A", trigger="clio.new_matter", steps=STEPS)
    run = execute.run_test(automation=a, event=event_for(firm), dry_run=True, user=admin.user)
    with django_assert_max_num_queries(12):
        listed = api.get(f"{BASE}/{a.pk}/runs").json()["results"]
    assert [r["id"] for r in listed] == [run.pk]
    detail = api.get(f"{BASE}/runs/{run.pk}").json()
    assert (
        detail["status"] == "dry_run" and detail["event"]["summary"] == "Matter 00012-Smith opened"
    )
    (step,) = detail["steps"]
    assert step["status"] == "planned" and step["sent"][0]["path"] == "customer"
    assert step["sent"][0]["body"]["DisplayName"] == "00012-Smith - Ada"
    refused = _send(api, "post", f"/runs/{run.pk}/retry")
    assert refused.status_code == 400 and Run.objects.get(pk=run.pk).status == "dry_run"
    Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED)
    retried = _send(api, "post", f"/runs/{run.pk}/retry")
    # A test run is tried again at once: its planned step stands, so it ends a dry run again.
    assert retried.status_code == 202 and retried.json()["status"] == "dry_run"


def test_recipes_list_what_they_need_and_start_a_draft(api, engine, monkeypatch):
    app_removed(monkeypatch, "xero")
    rows = {r["key"]: r for r in api.get(f"{BASE}/recipes").json()}
    assert rows["matter_to_quickbooks_sub_customer"]["available"] is True
    assert rows["matter_to_xero_tracking_option"]["needs"] == ["Xero"]
    assert rows["matter_to_xero_tracking_option"]["steps"][0]["action"] == (
        "xero.create_tracking_option"
    )
    started = _send(api, "post", "/recipes/matter_to_quickbooks_sub_customer/start")
    assert started.status_code == 201 and started.json()["enabled"] is False
    assert started.json()["recipe"] == "matter_to_quickbooks_sub_customer"
    missing = _send(api, "post", "/recipes/matter_to_xero_tracking_option/start")
    assert missing.status_code == 400
    assert _send(api, "post", "/recipes/nothing/start").status_code == 400


def test_the_catalog_lists_each_app_with_its_triggers_and_actions(firm, api, engine):
    connect(firm, "clio")
    apps = {a["app"]: a for a in api.get(f"{BASE}/catalog").json()}
    assert list(apps) == ["clio", "quickbooks", "xero"]
    assert apps["clio"]["connected"] is True and apps["quickbooks"]["connected"] is False
    trigger = next(t for t in apps["clio"]["triggers"] if t["id"] == "clio.new_matter")
    assert trigger["name"] == "New matter"
    email = next(f for f in trigger["fields"] if f["key"] == "client.email")
    assert {"label": "Client email", "type": "email"}.items() <= email.items()
    create = next(a for a in apps["quickbooks"]["actions"] if a["key"] == "create_customer")
    assert create["kind"] == "create" and create["fields"][0]["required"] is True
    assert [o["key"] for o in create["outputs"]][:2] == ["id", "name"]
    assert len(apps["quickbooks"]["triggers"]) == 11  # the seed's QuickBooks triggers


def test_staff_read_but_do_not_write(firm, connected):
    staff = _api(MembershipFactory(firm=firm, role=Role.STAFF))
    assert staff.get(BASE).status_code == 200
    assert _send(staff, "post", "", NEW).status_code == 403
    viewer = _api(MembershipFactory(firm=firm, role=Role.VIEWER))
    assert viewer.get(BASE).status_code == 403


def test_an_outsider_gets_404_for_another_firms_automation_and_run(
    firm, admin, outsider, connected
):
    a = Automation.objects.create(firm=firm, name="A", trigger="clio.new_matter", steps=STEPS)
    run = Run.objects.create(firm=firm, automation=a, event=event_for(firm), status="failed")
    theirs = _api(outsider)
    for path in (f"/{a.pk}", f"/{a.pk}/runs", f"/runs/{run.pk}"):
        assert theirs.get(f"{BASE}{path}").status_code == 404
    assert _send(theirs, "patch", f"/{a.pk}", {"name": "Mine"}).status_code == 404
    assert _send(theirs, "post", f"/runs/{run.pk}/retry").status_code == 404
    assert theirs.get(BASE).json()["results"] == []


def test_every_route_is_in_the_schema(client, db):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {
        "/api/v1/automations",
        "/api/v1/automations/{automation_id}",
        "/api/v1/automations/{automation_id}/enable",
        "/api/v1/automations/{automation_id}/disable",
        "/api/v1/automations/{automation_id}/runs",
        "/api/v1/automations/runs/{run_id}",
        "/api/v1/automations/runs/{run_id}/retry",
        "/api/v1/automations/recipes",
        "/api/v1/automations/recipes/{key}/start",
        "/api/v1/automations/catalog",
    } <= set(paths)
