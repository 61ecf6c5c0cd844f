"""Automations in a real browser: an admin opens Automations from the nav, starts a recipe, maps
one more field with the field picker (the list shows the latest event's values), and saves.

The catalog and the engine's functions are the test's own (tests/automations/page_support.py):
once the engine and the catalogs are in, this goes on to test the draft against a recent event
from the sandbox, turn it on, fire it from the sandbox console and follow the run log."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from automations.models import Automation
from tests.automations.page_support import connect, event_for
from tests.e2e.test_foundation import sign_in
from tests.factories import FirmFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

RECIPE = "matter_to_quickbooks_sub_customer"


@pytest.fixture
def admin(engine):
    firm = FirmFactory(name="Harbor & Vale LLP", require_mfa=False)
    connect(firm, "clio", "quickbooks")
    event_for(firm, number="00012-Smith")
    return MembershipFactory(firm=firm, role=Role.ADMIN)


def start_recipe(page, live_server, admin) -> Automation:
    sign_in(page, live_server, admin.user.email)
    page.get_by_role("link", name="Automations").first.click()
    expect(page.get_by_role("heading", name="Automations", exact=True)).to_be_visible()
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    page.get_by_test_id(f"recipe-{RECIPE}").get_by_role("button", name="Use this recipe").click()
    expect(page.get_by_text("Map what is left, then save.")).to_be_visible()
    return Automation.objects.get(firm=admin.firm)


def map_with_picker(page, step: int, key: str, label: str, option: str) -> None:
    """Pick a field from the list beside an input and insert it (keyboard: Tab to Insert)."""
    picker = page.get_by_label(f"Field to insert into {label}").nth(step - 1)
    picker.select_option(label=option)
    picker.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f"#step-{step}-in-{key}")).to_have_value(f"{{{{{_path(option)}}}}}")


def _path(option: str) -> str:
    return {"Client email": "client.email"}[option.split(" — ")[0]]


def test_an_admin_starts_a_recipe_maps_a_field_with_the_picker_and_saves(
    page, live_server, screenshot, admin
):
    draft = start_recipe(page, live_server, admin)
    expect(page.locator("#step-2-in-parent_id")).to_have_value("{{steps.1.id}}")
    step2 = page.get_by_test_id("step-2")
    expect(step2.locator("optgroup[label='Step 1: Find or create customer']")).to_have_count(3)
    expect(step2.get_by_text("Matter number — 00012-Smith").first).to_be_attached()
    screenshot("1-draft")

    map_with_picker(page, 2, "email", "Email", "Client email")
    page.locator("#name").fill("Matters become sub-customers")
    page.locator("#name").press("Enter")  # Enter saves
    expect(page.get_by_text("Saved “Matters become sub-customers”.")).to_be_visible()
    screenshot("2-saved")

    draft.refresh_from_db()
    assert draft.name == "Matters become sub-customers" and not draft.enabled
    assert draft.steps[1]["inputs"] == {
        "display_name": "{{matter.display_number}} - {{client.name}}",
        "parent_id": "{{steps.1.id}}",
        "email": "{{client.email}}",
    }
    assert page.url.endswith(reverse("automation_detail", args=[draft.pk]))

    dry_run(page)
    screenshot("3-dry-run")
    page.get_by_role("link", name="Automations").first.click()
    expect(page.get_by_test_id(f"automation-{draft.pk}")).to_contain_text(
        "When New matter in Clio: Find or create customer in QuickBooks Online, then Create "
        "customer in QuickBooks Online."
    )
    screenshot("4-list")


def dry_run(page) -> None:
    """Test the saved automation against the latest event, as a dry run."""
    page.get_by_role("link", name="Test").click()
    expect(page.get_by_label("Matter 00012-Smith opened")).to_be_checked()
    page.get_by_test_id("dry-run").click()
    result = page.locator("#test-result")
    expect(result).to_contain_text("Dry run: Dry run")
    expect(result.get_by_test_id("sent-request").first).to_have_text("POST /customer")
