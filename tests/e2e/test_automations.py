"""Automations in a real browser, on the real catalog and engine against the sandboxes: an admin
starts from a recipe (new Clio matter → QuickBooks sub-customer), loads recent events from Clio,
maps one more field with the picker, tests it against a recent matter as a dry run (what would be
sent is shown), and turns it on. A person then opens a matter in the Clio sandbox's console; its
webhook reaches our receiver, wakes the trigger, the poll reads the matter and the run lands in
QuickBooks. The run log shows it with a link to the record, which is read back from the
QuickBooks sandbox's API."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from automations.models import Automation, Run
from sync.engine.registry import client_for
from tests.e2e.test_foundation import sign_in
from tests.support.sandboxes import control

pytestmark = pytest.mark.django_db(transaction=True)

RECIPE = "matter_to_quickbooks_sub_customer"


def start_recipe(page, live_server, world) -> Automation:
    sign_in(page, live_server, world.admin.user.email)
    page.get_by_role("link", name="Automations").first.click()
    expect(page.get_by_role("heading", name="Automations", exact=True)).to_be_visible()
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    page.get_by_test_id(f"recipe-{RECIPE}").get_by_role("button", name="Use this recipe").click()
    expect(page.get_by_text("Map what is left, then save.")).to_be_visible()
    return Automation.objects.get(firm=world.admin.firm)


def map_with_picker(page, step: int, key: str, label: str, path: str) -> None:
    """Pick a field from the list beside an input and insert it (keyboard: Tab to Insert)."""
    picker = page.get_by_label(f"Field to insert into {label}").nth(step - 1)
    picker.select_option(value=path)
    picker.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f"#step-{step}-in-{key}")).to_have_value(f"{{{{{path}}}}}")


def dry_run(page) -> None:
    """Test the saved automation against the recent matter, as a dry run."""
    page.get_by_role("link", name="Test").click()
    expect(page.get_by_label("Matter 00001-Lovelace created for Ada Lovelace")).to_be_checked()
    page.get_by_test_id("dry-run").click()
    result = page.locator("#test-result")
    expect(result).to_contain_text("Dry run: Dry run")
    # Step 1 looks for the client's customer for real (none yet) and would make it; step 2
    # would make the matter's sub-customer under it, with the description in its notes.
    sent = result.get_by_test_id("sent-request")
    expect(sent).to_have_text(["POST customer", "POST customer"])
    expect(result.get_by_test_id("sent-body").last).to_contain_text(
        '"DisplayName": "00001-Lovelace - Ada Lovelace"'
    )
    expect(result.get_by_test_id("sent-body").last).to_contain_text('"Notes": "Estate of Byron"')


def open_matter_in_console(page, world) -> None:
    """A person opens a matter in the Clio sandbox's console, for the same client."""
    page.goto(f"{world.base}/sandbox/clio/{world.clio_account}/")
    form = page.locator("#form-create_matter")
    form.get_by_label("client_id").fill(str(world.client_id))
    form.get_by_label("description").fill("Will of Lady Byron")
    form.get_by_role("button", name="Run").click()
    expect(page.get_by_text("create_matter: matter")).to_be_visible()


def test_an_admin_builds_it_from_a_recipe_and_a_matter_opened_in_clio_lands_in_quickbooks(
    page, live_server, world, screenshot
):
    draft = start_recipe(page, live_server, world)
    expect(page.locator("#step-2-in-parent_id")).to_have_value("{{steps.1.id}}")
    expect(page.get_by_text("No event of this trigger has been read yet.")).to_be_visible()
    page.locator("#load-sample").click()  # read from Clio now
    step2 = page.get_by_test_id("step-2")
    expect(step2.get_by_text("Matter description — Estate of Byron").first).to_be_attached()
    screenshot("1-draft")

    map_with_picker(page, 2, "notes", "Notes", "matter.description")
    page.locator("#name").fill("Matters become sub-customers")
    page.locator("#name").press("Enter")  # Enter saves
    expect(page.get_by_text("Saved “Matters become sub-customers”.")).to_be_visible()
    draft.refresh_from_db()
    assert draft.steps[1]["inputs"] == {
        "display_name": "{{matter.display_number}} - {{client.name}}",
        "parent_id": "{{steps.1.id}}",
        "notes": "{{matter.description}}",
    }
    screenshot("2-saved")

    dry_run(page)
    screenshot("3-dry-run")
    page.get_by_role("link", name="Matters become sub-customers").first.click()
    page.get_by_test_id("enable").click()
    expect(page.get_by_text("“Matters become sub-customers” is on.")).to_be_visible()
    screenshot("4-on")

    # Clio confirms the webhooks FirmSync registered (their handshakes), as it does at once.
    control(world.base, "clio", "webhooks/flush")
    open_matter_in_console(page, world)
    screenshot("5-console")
    # Clio delivers its webhook (the sandbox sends when told, in tests): our receiver wakes the
    # trigger, the poll reads the new matter and the run is made and run (tasks run inline).
    assert control(world.base, "clio", "webhooks/flush")["delivered"] >= 1

    page.goto(f"{world.base}{reverse('automation_runs', args=[draft.pk])}")
    run = Run.objects.get(automation=draft, test=False)
    row = page.get_by_test_id(f"run-{run.pk}")
    expect(row).to_contain_text("Matter 00002-Lovelace created for Ada Lovelace")
    expect(row).to_contain_text("Succeeded")
    screenshot("6-runs")
    row.get_by_role("link").first.click()
    link = page.get_by_test_id("record-link").last
    expect(link).to_have_attribute("href", run.run_steps.get(index=2).record_url)
    screenshot("7-run")

    customer_id = run.run_steps.get(index=2).record_id
    assert link.get_attribute("href").endswith(f"customerdetail?nameId={customer_id}")
    http = client_for(world.books).http
    customer = http.request("GET", f"customer/{customer_id}").json()["Customer"]
    parent = run.run_steps.get(index=1).record_id
    assert customer["DisplayName"] == "00002-Lovelace - Ada Lovelace"
    assert customer["Notes"] == "Will of Lady Byron"
    assert customer["Job"] is True and customer["ParentRef"]["value"] == parent
