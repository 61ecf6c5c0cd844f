"""The Bills for approval page and API: the queue with age and amount, filters, the nav's count,
approve and reject one or many (reason required to reject), re-open, who may, and tenancy."""

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from sync.models import BillApproval
from tests.conftest import client_for

API = {"content_type": "application/json", "HTTP_ACCEPT": "application/json"}


def _held(firm, *, number="2001", amount="12000.00", client="Ada Lovelace", rule="amount"):
    return BillApproval.objects.create(
        firm=firm,
        bill_clio_id=int(number),
        number=number,
        client_name=client,
        amount=Decimal(amount),
        rules=[{"rule": rule, "why": f"{rule} rule"}],
    )


def test_the_queue_shows_each_held_bill_with_its_amount_and_age_and_the_nav_counts_them(
    firm, staff, django_assert_max_num_queries
):
    _held(firm, number="2001")
    _held(firm, number="2002", amount="300.00")
    web = client_for(staff)
    with django_assert_max_num_queries(12):
        response = web.get("/bills/approval/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "12,000.00" in body and "Bill 2002" in body
    assert 'data-testid="approvals-badge"' in body and ">2<" in body
    assert "<time datetime=" in body


def test_the_queue_filters_by_amount_rule_and_client(firm, accountant):
    _held(firm, number="2001", amount="12000.00", client="Ada Lovelace")
    _held(firm, number="2002", amount="300.00", client="Grace Hopper", rule="first_bill")
    web = client_for(accountant)
    body = web.get("/bills/approval/?amount_min=1000").content.decode()
    assert "Bill 2001" in body and "Bill 2002" not in body
    body = web.get("/bills/approval/?rule=first_bill").content.decode()
    assert "Bill 2002" in body and "Bill 2001" not in body
    body = web.get("/bills/approval/?client=grace").content.decode()
    assert "Bill 2002" in body and "Bill 2001" not in body
    body = web.get("/bills/approval/?amount_min=lots").content.decode()
    assert "Enter an amount" in body


def test_an_empty_queue_says_what_would_land_there(firm, admin):
    body = client_for(admin).get("/bills/approval/").content.decode()
    assert 'data-testid="approvals-empty"' in body
    assert 'data-testid="approvals-badge"' not in body


def test_bulk_approve_decides_every_ticked_bill_in_one_post_and_audits_each(firm, staff):
    a, b, c = _held(firm, number="2001"), _held(firm, number="2002"), _held(firm, number="2003")
    response = client_for(staff).post(
        "/bills/approval/decide/", {"ids": [a.pk, b.pk], "decision": "approve"}
    )
    assert response.status_code == 302
    statuses = dict(BillApproval.objects.values_list("number", "status"))
    assert statuses == {"2001": "approved", "2002": "approved", "2003": "held"}
    events = AuditEvent.objects.filter(firm=firm, action="bill_approval.approved")
    assert sorted(e.after["number"] for e in events) == ["2001", "2002"]
    assert {e.actor_id for e in events} == {staff.user_id}
    assert c.pk  # untouched


def test_bulk_reject_needs_a_reason_and_then_keeps_it(firm, accountant):
    a = _held(firm)
    web = client_for(accountant)
    web.post("/bills/approval/decide/", {"ids": [a.pk], "decision": "reject", "reason": " "})
    a.refresh_from_db()
    assert a.status == "held"
    web.post("/bills/approval/decide/", {"ids": [a.pk], "decision": "reject", "reason": "Rate."})
    a.refresh_from_db()
    assert (a.status, a.reason, a.decided_by_id) == ("rejected", "Rate.", accountant.user_id)


def test_a_rejected_bill_is_reopened_into_the_queue(firm, staff):
    a = _held(firm)
    BillApproval.objects.filter(pk=a.pk).update(
        status="rejected", reason="Rate.", decided_at=timezone.now()
    )
    client_for(staff).post(f"/bills/approval/{a.pk}/reopen/")
    a.refresh_from_db()
    assert (a.status, a.reason) == ("held", "")
    assert AuditEvent.objects.filter(firm=firm, action="bill_approval.reopened").exists()


def test_deciding_a_bill_already_decided_changes_nothing_and_says_so(firm, staff):
    a = _held(firm)
    web = client_for(staff)
    web.post(f"/bills/approval/{a.pk}/approve/")
    response = web.post(f"/bills/approval/{a.pk}/reject/", {"reason": "Too late."}, follow=True)
    a.refresh_from_db()
    assert a.status == "approved"
    assert "already approved" in response.content.decode()


def test_viewers_neither_see_nor_decide(firm, viewer):
    a = _held(firm)
    web = client_for(viewer)
    assert web.get("/bills/approval/").status_code == 403
    assert web.post(f"/bills/approval/{a.pk}/approve/").status_code == 403
    assert (
        web.post(
            "/api/v1/bill-approvals/decide", {"ids": [a.pk], "decision": "approve"}, **API
        ).status_code
        == 403
    )
    a.refresh_from_db()
    assert a.status == "held"
    assert 'data-testid="approvals-badge"' not in web.get("/bills/").content.decode()


def test_another_firms_bill_cannot_be_decided_in_bulk(firm, outsider):
    a = _held(firm)
    web = client_for(outsider)
    web.post("/bills/approval/decide/", {"ids": [a.pk], "decision": "approve"})
    response = web.post(
        "/api/v1/bill-approvals/decide", {"ids": [a.pk], "decision": "approve"}, **API
    )
    assert response.status_code == 404
    a.refresh_from_db()
    assert a.status == "held"


def test_the_api_lists_the_queue_with_age_and_decides_in_bulk(
    firm, staff, django_assert_max_num_queries
):
    a, b = _held(firm, number="2001"), _held(firm, number="2002")
    web = client_for(staff)
    with django_assert_max_num_queries(8):
        listed = web.get("/api/v1/bill-approvals", HTTP_ACCEPT="application/json").json()
    rows = listed["results"]
    assert [r["number"] for r in rows] == ["2001", "2002"]
    assert rows[0]["amount"] == "12000.00" and rows[0]["age_seconds"] >= 0
    response = web.post(
        "/api/v1/bill-approvals/decide",
        {"ids": [a.pk, b.pk], "decision": "reject", "reason": "Wrong client."},
        **API,
    )
    assert response.status_code == 200
    assert [r["status"] for r in response.json()] == ["rejected", "rejected"]
    missing_reason = web.post(f"/api/v1/bill-approvals/{a.pk}/reject", {"reason": ""}, **API)
    assert missing_reason.status_code == 400


@pytest.mark.parametrize("amount", ["-5", "abc", "1e400"])
def test_the_rules_form_refuses_bad_amounts(firm, admin, amount):
    from datetime import date

    from sync.models import SyncSettings

    SyncSettings.objects.create(firm=firm, start_date=date(2026, 1, 1))
    response = client_for(admin).post(
        "/settings/bill-syncing/approval-rules/", {"approval_amount_over": amount}
    )
    assert response.status_code == 400
    assert SyncSettings.objects.get(firm=firm).approval_amount_over is None


def test_the_rules_form_saves_every_rule_and_audits_it(firm, admin):
    from datetime import date

    from practice.models import Contact, Matter
    from sync.models import SyncSettings

    SyncSettings.objects.create(firm=firm, start_date=date(2026, 1, 1))
    client = Contact.objects.create(firm=firm, clio_id=5, etag="c", name="Ada Lovelace")
    Matter.objects.create(firm=firm, clio_id=7, etag="m", client=client, display_number="00007")
    response = client_for(admin).post(
        "/settings/bill-syncing/approval-rules/",
        {
            "approval_amount_over": "10000",
            "approval_discount_percent": "15",
            "approval_watch_clients": ["5"],
            "approval_watch_matters": ["7"],
            "approval_first_bill": "on",
        },
    )
    assert response.status_code == 302
    cfg = SyncSettings.objects.get(firm=firm)
    assert cfg.approval_amount_over == Decimal("10000")
    assert cfg.approval_discount_percent == Decimal("15")
    assert (cfg.approval_watch_clients, cfg.approval_watch_matters) == ([5], [7])
    assert cfg.approval_first_bill
    event = AuditEvent.objects.get(firm=firm, action="sync_settings.approval_rules")
    assert event.after["approval_amount_over"] == "10000.00"


def test_the_api_sets_the_rules_and_refuses_a_client_not_in_the_mirror(firm, admin):
    from datetime import date

    from practice.models import Contact, Matter
    from sync.models import SyncSettings

    SyncSettings.objects.create(firm=firm, start_date=date(2026, 1, 1))
    client = Contact.objects.create(firm=firm, clio_id=5, etag="c", name="Ada Lovelace")
    Matter.objects.create(firm=firm, clio_id=7, etag="m", client=client, display_number="00007")
    body = {
        "approval_amount_over": "2500.00",
        "approval_discount_percent": None,
        "approval_watch_clients": [5],
        "approval_watch_matters": [7, 7],
        "approval_first_bill": False,
    }
    web = client_for(admin)
    response = web.put("/api/v1/sync-settings/approval-rules", body, **API)
    assert response.status_code == 200
    data = response.json()
    assert data["approval_amount_over"] == "2500.00" and data["approval_watch_matters"] == [7]
    refused = web.put(
        "/api/v1/sync-settings/approval-rules", {**body, "approval_watch_clients": [99]}, **API
    )
    assert refused.status_code == 400
    assert SyncSettings.objects.get(firm=firm).approval_watch_clients == [5]


def test_a_draft_clio_refuses_as_changed_is_reported_on_the_page_not_a_500(firm, staff):
    from datetime import date
    from unittest import mock

    from practice.models import Bill
    from sync.models import Connection, Provider, Side
    from sync.providers.clio.client import ClioClient
    from sync.providers.errors import ProviderConflict

    Connection.objects.create(
        firm=firm, provider=Provider.CLIO, side=Side.PRACTICE, external_id="us:1"
    )
    Bill.objects.create(
        firm=firm, clio_id=2001, etag="v1", number="2001", state="draft", issued_at=date(2026, 3, 1)
    )
    held = _held(firm, number="2001")
    clio = mock.create_autospec(ClioClient, instance=True)
    clio.bill_approve.side_effect = ProviderConflict("clio", "Precondition failed", status=412)
    with mock.patch("sync.approval_services.client_for", return_value=clio):
        response = client_for(staff).post(f"/bills/approval/{held.pk}/approve/", follow=True)
    assert response.status_code == 200
    clio.bill_approve.assert_called_once_with(bill_id=2001, etag="v1")
    assert "changed in Clio after FirmSync last read it" in response.content.decode()
    held.refresh_from_db()
    assert held.status == "held"
    assert Bill.objects.get(firm=firm, clio_id=2001).state == "draft"
