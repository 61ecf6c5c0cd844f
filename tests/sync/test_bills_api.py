"""Bills over the API: each with the invoice it became, its status as the books last said and its
sync history; the firm's own only."""

import secrets

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sync.models import ExternalLink, SyncOperation
from tests.conftest import client_for
from tests.factories import BillFactory, ContactFactory, MatterFactory, books_connection


def _invoice(bill, *, number="1001", status="paid") -> ExternalLink:
    return ExternalLink.objects.create(
        firm=bill.firm,
        connection=books_connection(bill.firm),
        entity="bill",
        local_id=str(bill.clio_id),
        remote_type="Invoice",
        remote_id=f"inv-{bill.clio_id}",
        remote_number=number,
        remote_status=status,
    )


def _op(bill, status=SyncOperation.Status.DONE, **kw) -> SyncOperation:
    return SyncOperation.objects.create(
        firm=bill.firm,
        connection=books_connection(bill.firm),
        entity="bill",
        action="create",
        local_id=str(bill.clio_id),
        source_version="e1",
        idempotency_key=secrets.token_hex(16),
        payload={},
        fingerprint="f",
        status=status,
        **kw,
    )


def test_bills_are_listed_with_their_invoice_and_its_status(viewer, firm):
    ada = ContactFactory(firm=firm, name="Ada Lovelace")
    synced = BillFactory(firm=firm, client=ada, total="650.00", balance="0.00", state="paid")
    waiting = BillFactory(firm=firm, client=ada)
    _invoice(synced, number="1001", status="paid")
    body = client_for(viewer).get(reverse("api_bills")).json()
    rows = {r["id"]: r for r in body["results"]}
    assert rows[synced.pk]["invoice"]["number"] == "1001"
    assert rows[synced.pk]["invoice"]["status"] == "paid"
    assert rows[synced.pk]["total"] == "650.00" and rows[synced.pk]["client"] == "Ada Lovelace"
    assert rows[waiting.pk]["invoice"] is None and rows[waiting.pk]["sync_failed"] is False


def test_bills_filter_by_state_and_a_bad_state_is_a_400(viewer, firm):
    BillFactory(firm=firm, state="paid")
    BillFactory(firm=firm, state="draft")
    client = client_for(viewer)
    body = client.get(reverse("api_bills"), {"state": "draft"}).json()
    assert [r["state"] for r in body["results"]] == ["draft"]
    bad = client.get(reverse("api_bills"), {"state": "lost"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["details"]


def test_one_bill_has_its_lines_invoice_and_sync_history(viewer, firm):
    matter = MatterFactory(firm=firm)
    bill = BillFactory(firm=firm, client=matter.client, matters=[matter])
    link = _invoice(bill, status="open")
    _op(bill, status=SyncOperation.Status.FAILED, error_code="6140", error_message="Duplicate")
    body = client_for(viewer).get(reverse("api_bill", args=[bill.pk])).json()
    assert body["matters"] == [matter.display_number]
    assert body["invoice"]["id"] == link.remote_id and body["invoice"]["status"] == "open"
    assert body["invoice"]["url"]
    [row] = body["history"]
    assert row["status"] == "failed" and row["error"]


def test_the_bills_list_runs_the_same_queries_for_3_or_30(viewer, firm):
    client = client_for(viewer)
    counts = []
    for more in (3, 27):
        for bill in BillFactory.create_batch(more, firm=firm):
            _invoice(bill)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("api_bills")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_another_firms_bill_is_not_found(outsider, firm):
    bill = BillFactory(firm=firm)
    response = client_for(outsider).get(reverse("api_bill", args=[bill.pk]))
    assert response.status_code == 404
    assert client_for(outsider).get(reverse("api_bills")).json()["count"] == 0
