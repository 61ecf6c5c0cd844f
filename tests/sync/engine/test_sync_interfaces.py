"""The ways in: the `sync` command and the API start runs, list them, list failures and retry."""

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from sync.engine import numbering
from sync.engine.errors import explain
from sync.models import SyncOperation, SyncRun


def api_for(member) -> APIClient:
    client = APIClient()
    client.force_authenticate(member.user)
    session = client.session
    session["current_firm_id"] = member.firm_id
    session.save()
    return client


def test_the_api_refuses_to_start_while_preflight_items_fail(admin):
    response = api_for(admin).post("/api/v1/sync/runs", {}, format="json")
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "preflight_failed"
    assert "clio_connected" in body["details"]
    assert not SyncRun.objects.exists()


def test_the_command_refuses_to_start_while_preflight_items_fail(firm):
    with pytest.raises(CommandError, match="Clio is connected"):
        call_command("sync", "--firm", firm.slug, "--wait")


def test_the_command_names_the_known_firms_when_the_slug_is_wrong(firm):
    with pytest.raises(CommandError, match=firm.slug):
        call_command("sync", "--firm", "nope")


def test_a_sync_started_through_the_api_runs_and_reports_its_progress(synced):
    made = synced.approved_bill()
    client = api_for(synced.clio.admin)
    response = client.post("/api/v1/sync/runs", {}, format="json")
    assert response.status_code == 202, response.json()
    run_id = response.json()["id"]
    # Under test the task runs inline as the request's transaction commits.
    body = client.get(f"/api/v1/sync/runs/{run_id}").json()
    assert (body["status"], body["phase"], body["percent"]) == ("succeeded", "finished", 100)
    assert body["done"] == 2 and body["kind"] == "initial"
    assert client.get("/api/v1/sync/runs").json()["count"] == 1
    assert made["bill"]["id"]


def test_the_command_waits_prints_a_summary_and_fails_when_records_fail(
    synced, capsys, monkeypatch
):
    synced.approved_bill()
    call_command("sync", "--firm", synced.firm.slug, "--wait")
    assert "2 written, 0 failed" in capsys.readouterr().out
    # A bill whose number the books already use, typed in after the preflight read the books'
    # numbers (the read is made to miss it): the books refuse it, and the command exits non-zero
    # and names it.
    monkeypatch.setattr(numbering, "books_numbers_store", lambda **kwargs: 0)
    made = synced.approved_bill(name="Grace Hopper", email="grace@example.com")
    client = synced.books_client()
    if synced.books.provider == "quickbooks":
        customer = client.query_all("Customer")[0]
        item = client.query_all("Item")[0]
        body = {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": made["bill"]["data"]["number"],
            "Line": [
                {
                    "Amount": 10,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
                }
            ],
        }
        client.create("Invoice", body, key="fs-test-clash")
    else:
        contact = client.read_all("Contacts")[0]
        body = {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact.id},
            "InvoiceNumber": made["bill"]["data"]["number"],
            "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10}],
        }
        client.create("Invoices", body, key="fs-test-clash")
    with pytest.raises(CommandError, match="1 record"):
        call_command("sync", "--firm", synced.firm.slug, "--wait")
    assert f"failed: bill {made['bill']['id']}" in capsys.readouterr().out


def test_failures_are_listed_with_their_explanation_and_retried_through_the_api(synced):
    made = synced.approved_bill()
    client = api_for(synced.clio.admin)
    client.post("/api/v1/sync/runs", {}, format="json")
    # As if the books had refused the bill the first time.
    op = SyncOperation.objects.get(entity="bill")
    SyncOperation.objects.filter(pk=op.pk).update(
        status="failed", error_code="6140", error_message="Duplicate Document Number Error"
    )
    rows = client.get("/api/v1/sync/failures").json()["results"]
    expected = explain(synced.books.provider, "6140", "Duplicate Document Number Error")
    assert rows[0]["id"] == op.pk and rows[0]["explanation"] == expected.text
    assert rows[0]["fix"] == expected.fix
    response = client.post("/api/v1/sync/failures/retry", {"ids": [op.pk]}, format="json")
    assert response.json() == {"retried": 1}
    retry = SyncRun.objects.get(kind="retry")
    assert retry.status == "succeeded", retry.error
    op.refresh_from_db()
    # The retry found the invoice the first attempt wrote instead of writing a second one.
    assert (op.status, op.attempts) == ("done", 2)
    assert client.get("/api/v1/sync/failures").json()["count"] == 0
    assert made


@pytest.fixture
def books_unreachable(firm):
    """The firm's books connection answers nothing: every read of them raises, as our client
    does after its retries run out."""
    from unittest import mock

    from sync.providers.errors import ProviderUnavailable
    from tests.factories import books_connection

    books_connection(firm)
    unavailable = ProviderUnavailable("quickbooks", "no answer (ConnectionError)")
    with mock.patch("sync.preflight.books.books_facts", autospec=True, side_effect=unavailable):
        yield


def test_sync_now_while_the_books_do_not_answer_says_so_and_starts_nothing(
    admin_client, books_unreachable
):
    response = admin_client.post("/sync/start/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "The books answer" in body and "no answer (ConnectionError)" in body
    assert "Try again in a minute" in body
    assert not SyncRun.objects.exists()


def test_the_api_answers_409_while_the_books_do_not_answer(admin, books_unreachable):
    response = api_for(admin).post("/api/v1/sync/runs", {}, format="json")
    assert response.status_code == 409
    body = response.json()["error"]
    assert body["code"] == "preflight_failed" and "books_reachable" in body["details"]
    assert not SyncRun.objects.exists()
