"""The Automations pages on the real engine against the sandboxes over HTTP: Run for real lands in
QuickBooks, a run QuickBooks refuses says why and how to fix it and is retried once fixed, and an
automation paused after five failures in a row says why and is turned on again."""

import pytest
from django.core import mail
from django.urls import reverse

from automations import polling, services
from automations.execute import FAILURES_TO_PAUSE
from automations.models import Automation, Run
from sync.engine.registry import client_for
from tests.automations.sandbox_world import World, books_read
from tests.conftest import client_for as browser_for

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HTTP_HX_REQUEST": "true"}


def _automation(world: World, display_name: str) -> Automation:
    member = world.admin
    made = services.automation_create(
        member=member,
        name="Matters to QuickBooks",
        trigger="clio.new_matter",
        steps=[
            {
                "action": "quickbooks.create_customer",
                "inputs": {"display_name": display_name, "notes": "{{matter.description}}"},
            }
        ],
    )
    return services.automation_enable(member=member, automation=made)


def _matters_polled(world: World, *descriptions: str) -> list[Run]:
    """People open matters in Clio; the trigger's poll reads them and their runs are run."""
    for description in descriptions:
        world.clio("create_matter", client_id=world.client_id, description=description)
    polling.trigger_poll(firm_id=world.admin.firm_id, trigger_id="clio.new_matter")
    return list(Run.objects.filter(test=False).order_by("pk"))


def _customer_renamed(world: World, name: str, to: str) -> None:
    """The bookkeeper renames a customer in QuickBooks (a sparse update through its API)."""
    http = client_for(world.books).http
    query = f"SELECT * FROM Customer WHERE DisplayName = '{name}'"
    (found,) = http.request("GET", "query", params={"query": query}).json()["QueryResponse"][
        "Customer"
    ]
    body = {"Id": found["Id"], "SyncToken": found["SyncToken"], "sparse": True, "DisplayName": to}
    http.request("POST", "customer", json=body)


def test_run_for_real_lands_in_quickbooks_and_links_the_record(world):
    a = _automation(world, "{{matter.display_number}} - {{client.name}}")
    browser = browser_for(world.admin)
    url = reverse("automation_test", args=[a.pk])
    page = browser.get(url).content.decode()
    assert "Matter 00001-Lovelace created for Ada Lovelace" in page  # read from Clio now
    event = a.firm.trigger_events.get()

    part = browser.post(url, {"event": event.pk, "mode": "real"}, **HX).content.decode()

    step = Run.objects.get(test=True).run_steps.get()
    assert step.status == "done" and "Created customer 00001-Lovelace - Ada Lovelace" in part
    assert f'href="{step.record_url}"' in part and "customerdetail?nameId=" in step.record_url
    customer = books_read(world, "Customer", step.record_id)
    assert customer["DisplayName"] == "00001-Lovelace - Ada Lovelace"
    assert customer["Notes"] == "Estate of Byron"


def test_a_run_quickbooks_refuses_says_why_and_is_retried_once_fixed(world):
    a = _automation(world, "{{client.name}}")
    world.bookkeeper("create_customer", display_name="Ada Lovelace")  # the name is taken

    (run,) = _matters_polled(world, "Will of Lady Byron")
    browser = browser_for(world.admin)
    page = browser.get(reverse("automation_run", args=[run.pk])).content.decode()
    assert run.status == Run.Status.FAILED
    assert "QuickBooks refused it: Duplicate Name Exists Error" in page
    assert "To fix:</strong> Another customer, vendor or employee already has that name" in page
    assert 'data-testid="retry"' in page

    _customer_renamed(world, "Ada Lovelace", "Ada Lovelace (estate)")
    response = browser.post(reverse("automation_run_retry", args=[run.pk]), follow=True)

    run.refresh_from_db()
    assert "The run is being tried again." in response.content.decode()
    assert run.status == Run.Status.SUCCEEDED and a.failures_in_row == 0
    step = run.run_steps.get()
    assert books_read(world, "Customer", step.record_id)["DisplayName"] == "Ada Lovelace"


def test_five_failures_in_a_row_pause_it_saying_why_and_it_is_turned_on_again(world):
    a = _automation(world, "{{client.name}}")
    world.bookkeeper("create_customer", display_name="Ada Lovelace")  # the name is taken

    runs = _matters_polled(world, *(f"Matter {n}" for n in range(FAILURES_TO_PAUSE)))

    a.refresh_from_db()
    assert [r.status for r in runs] == [Run.Status.FAILED] * FAILURES_TO_PAUSE
    assert not a.enabled and a.paused_reason
    assert mail.outbox[-1].to == [world.admin.user.email]
    browser = browser_for(world.admin)
    listed = browser.get(reverse("automations")).content.decode()
    assert "Paused" in listed and a.paused_reason in listed
    detail = browser.get(reverse("automation_detail", args=[a.pk])).content.decode()
    assert a.paused_reason in detail and 'data-testid="enable"' in detail

    response = browser.post(reverse("automation_enable", args=[a.pk]), follow=True)

    a.refresh_from_db()
    assert "“Matters to QuickBooks” is on." in response.content.decode()
    assert a.enabled and a.paused_reason == "" and a.failures_in_row == 0


def test_when_clio_refuses_the_read_the_test_panel_says_so_in_plain_words(world):
    a = _automation(world, "{{client.name}}")
    clio = world.admin.firm.connections.get(provider="clio")
    clio.access_token, clio.refresh_token = "revoked", "revoked"  # the firm revoked FirmSync
    clio.save()

    response = browser_for(world.admin).get(reverse("automation_test", args=[a.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Could not read recent events from the app. Clio said: The access token is invalid. "
        "The connection&#x27;s authorisation was refused. Reconnect it on the Bill Syncing page."
    ) in page
