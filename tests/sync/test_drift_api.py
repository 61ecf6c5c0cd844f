"""The drift API end to end: flagged bills (list, read, approve, dismiss, resolve), the differences
found, reconcile runs (start, list, latest) and the receivables comparison; one error shape."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEvent
from sync.models import BooksOnlyInvoice, Drift, FlaggedBill, ReconcileRun
from tests.conftest import client_for
from tests.factories import (
    BillFactory,
    ContactFactory,
    DriftFactory,
    FlaggedBillFactory,
    ReconcileRunFactory,
    books_connection,
)

F = FlaggedBill.Status
FLAGS = reverse("api_flagged_bills")


def _flag(firm, *, kinds=("lines",), **kw) -> FlaggedBill:
    flag = FlaggedBillFactory(firm=firm, **kw)
    for kind in kinds:
        DriftFactory(firm=firm, flag=flag, kind=kind, status=Drift.Status.FLAGGED)
    return flag


def _post(client, name: str, flag, body=None):
    return client.post(reverse(name, args=[flag.pk]), body or {}, content_type="application/json")


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["status"] == status and error["code"] == code
    return error


# -- flagged bills -------------------------------------------------------------------------------


def test_flagged_bills_are_listed_with_their_kinds(staff_client, firm):
    flag = _flag(firm, kinds=("payment", "lines"), amount=Decimal("150.00"))
    _flag(firm, status=F.REPAIRED)
    body = staff_client.get(FLAGS).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == flag.pk and row["status"] == "open"
    assert row["kinds"] == ["lines", "payment"] and row["amount"] == "150.00"


def test_flagged_bills_filter_like_the_page(staff_client, firm):
    ada = _flag(firm, client_name="Ada Lovelace", amount=Decimal("150.00"))
    _flag(firm, kinds=("status",), client_name="Grace Hopper", amount=Decimal("900.00"))

    def ids(**params) -> list[int]:
        return [r["id"] for r in staff_client.get(FLAGS, params).json()["results"]]

    assert ids(kind="lines") == [ada.pk]
    assert ids(client="ada") == [ada.pk]
    assert ids(amount_max="200") == [ada.pk]
    assert len(ids(sort="amount_desc")) == 2


def test_a_bad_filter_is_refused_with_the_field_named(staff_client, firm):
    error = _error(staff_client.get(FLAGS, {"amount_min": "x", "age": "ages"}), 400, "invalid")
    assert set(error["details"]) == {"amount_min", "age"}


def test_one_flagged_bill_carries_both_sides_each_difference_and_the_plan(staff_client, firm):
    flag = _flag(firm)
    body = staff_client.get(reverse("api_flagged_bill", args=[flag.pk])).json()
    assert body["clio_side"]["total"] == "650.00" and body["books_side"]["total"] == "500.00"
    assert body["planned_repair"]["kind"] == "credit_and_replace"
    assert len(body["planned_repair"]["steps"]) == 3
    diffs = {(d["section"], d["line"], d["field"]) for d in body["differences"]}
    assert ("line", 1, "quantity") in diffs and ("total", None, "total") in diffs
    assert ("line", 2, "amount") not in diffs
    assert [d["kind"] for d in body["drifts"]] == ["lines"]


def test_dismiss_needs_a_reason_then_closes_the_flag_once(staff, staff_client, firm):
    flag = _flag(firm)
    error = _error(_post(staff_client, "api_flagged_bill_dismiss", flag), 400, "invalid")
    assert "reason" in error["details"]
    done = _post(staff_client, "api_flagged_bill_dismiss", flag, {"reason": "Client agreed."})
    assert done.status_code == 200
    assert done.json()["status"] == "dismissed" and done.json()["acted_by"] == staff.user.email
    assert done.json()["drifts"][0]["status"] == "dismissed"
    again = _post(staff_client, "api_flagged_bill_dismiss", flag, {"reason": "Again."})
    assert "already closed" in _error(again, 409, "flag_closed")["message"]
    assert AuditEvent.objects.filter(action="flagged_bill.dismissed").count() == 1


def test_resolve_by_hand_takes_an_optional_note(staff_client, firm):
    flag = _flag(firm)
    done = _post(staff_client, "api_flagged_bill_resolve", flag, {"note": "Fixed in QBO."})
    assert done.status_code == 200 and done.json()["status"] == "resolved_by_hand"
    assert done.json()["action_note"] == "Fixed in QBO."
    assert AuditEvent.objects.filter(action="flagged_bill.resolved_by_hand").exists()


def test_approving_a_repair_done_by_hand_is_refused_and_the_flag_stays_open(staff_client, firm):
    flag = _flag(firm, planned_repair={"kind": "by_hand", "summary": "x", "steps": ["x"]})
    error = _error(_post(staff_client, "api_flagged_bill_approve", flag), 422, "repair_failed")
    assert "resolved by hand" in error["message"]
    flag.refresh_from_db()
    assert flag.status == F.OPEN


def test_approving_a_repaired_flag_again_answers_with_it(staff_client, firm):
    flag = _flag(firm, status=F.REPAIRED)
    response = _post(staff_client, "api_flagged_bill_approve", flag)
    assert response.status_code == 200 and response.json()["status"] == "repaired"


def test_approving_a_dismissed_flag_is_a_conflict(staff_client, firm):
    flag = _flag(firm, status=F.DISMISSED)
    _error(_post(staff_client, "api_flagged_bill_approve", flag), 409, "flag_closed")


def test_accountants_read_flags_but_may_not_act_on_them(accountant, firm):
    flag = _flag(firm)
    client = client_for(accountant)
    listed = client.get(FLAGS)
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()["results"]] == [flag.pk]
    assert client.get(reverse("api_flagged_bill", args=[flag.pk])).status_code == 200
    body = {"reason": "x"}
    _error(_post(client, "api_flagged_bill_dismiss", flag, body), 403, "permission_denied")
    flag.refresh_from_db()
    assert flag.status == F.OPEN


def test_another_firms_flag_is_not_found(outsider_client, firm):
    flag = _flag(firm)
    _error(outsider_client.get(reverse("api_flagged_bill", args=[flag.pk])), 404, "not_found")
    body = {"reason": "x"}
    _error(_post(outsider_client, "api_flagged_bill_dismiss", flag, body), 404, "not_found")


# -- drifts --------------------------------------------------------------------------------------


def test_drifts_are_listed_by_state_and_kind(viewer, firm):
    lines = DriftFactory(firm=firm, kind="lines")
    DriftFactory(firm=firm, kind="payment")
    repaired = DriftFactory(firm=firm, kind="lines", status=Drift.Status.REPAIRED)
    client = client_for(viewer)
    url = reverse("api_drifts")
    assert client.get(url).json()["count"] == 2
    assert [r["id"] for r in client.get(url, {"kind": "lines"}).json()["results"]] == [lines.pk]
    closed = client.get(url, {"state": "closed"}).json()["results"]
    assert [r["id"] for r in closed] == [repaired.pk]
    _error(client.get(url, {"state": "shut"}), 400, "invalid")


def test_one_drift_has_each_difference(viewer, firm):
    drift = DriftFactory(firm=firm)
    body = client_for(viewer).get(reverse("api_drift", args=[drift.pk])).json()
    assert body["kind"] == "lines" and body["kind_label"] == "Lines changed"
    assert body["differences"] == [{"field": "quantity", "line": 1, "clio": "2.0", "books": "1.5"}]


@pytest.mark.parametrize("name", ["api_flagged_bills", "api_drifts"])
def test_the_lists_run_the_same_queries_for_3_or_30_rows(name, staff_client, firm):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_client.get(reverse(name)).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        _flag(firm, kinds=("lines", "totals"))
    few = queries()
    for _ in range(27):
        _flag(firm, kinds=("lines", "totals"))
    assert queries() == few


# -- reconcile runs and receivables --------------------------------------------------------------


def test_a_reconcile_is_started_from_the_api(staff, firm):
    books_connection(firm)
    response = client_for(staff).post(reverse("api_reconcile_runs"))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "running" and body["trigger"] == "api"
    assert body["started_by"] == staff.user.email
    again = client_for(staff).post(reverse("api_reconcile_runs"))
    assert again.json()["id"] == body["id"]  # the run under way, not a second one
    assert ReconcileRun.objects.filter(firm=firm).count() == 1


def test_a_reconcile_without_books_is_refused(staff):
    response = client_for(staff).post(reverse("api_reconcile_runs"))
    assert "Connect QuickBooks" in _error(response, 409, "reconcile_blocked")["message"]


def test_viewers_read_runs_but_cannot_start_one(viewer, firm):
    ReconcileRunFactory(firm=firm)
    client = client_for(viewer)
    assert client.get(reverse("api_reconcile_runs")).json()["count"] == 1
    _error(client.post(reverse("api_reconcile_runs")), 403, "permission_denied")


def test_the_latest_run_or_a_404_before_the_first(viewer, firm):
    client = client_for(viewer)
    _error(client.get(reverse("api_reconcile_run_latest")), 404, "not_found")
    run = ReconcileRunFactory(firm=firm)
    body = client.get(reverse("api_reconcile_run_latest")).json()
    assert body["id"] == run.pk and body["ar_difference"] == "-150.00"


def test_receivables_per_client_with_the_drifts_behind_them(viewer, firm):
    ada = ContactFactory(firm=firm, clio_id=11, name="Ada Lovelace")
    bill = BillFactory(firm=firm, client=ada)
    drift = DriftFactory(firm=firm, bill_clio_id=bill.clio_id)
    stray = DriftFactory(firm=firm, kind="unexplained", bill_clio_id=None, client_name="Nobody")
    ReconcileRunFactory(
        firm=firm,
        ar_by_client=[
            {"contact_clio_id": 11, "name": "Ada Lovelace", "clio": "650.00", "books": "500.00"},
            {"contact_clio_id": 12, "name": "Grace Hopper", "clio": "500", "books": "500"},
        ],
    )
    body = client_for(viewer).get(reverse("api_receivables")).json()
    assert body["total_clio"] == "1150.00" and body["total_difference"] == "-150.00"
    first = body["clients"][0]
    assert first["name"] == "Ada Lovelace" and first["difference"] == "-150.00"
    assert first["drifts"] == [drift.pk]
    assert body["unlinked_drifts"] == [stray.pk]
    assert len(body["history"]) == 1 and body["history"][0]["difference"] == "-150.00"


def test_receivables_before_any_run(viewer):
    body = client_for(viewer).get(reverse("api_receivables")).json()
    assert body["run"] is None and body["clients"] == [] and body["total_difference"] == "0.00"


def test_the_drift_endpoints_are_in_the_schema(client, db):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/flagged-bills",
        "/api/v1/flagged-bills/{flag_id}",
        "/api/v1/flagged-bills/{flag_id}/approve",
        "/api/v1/flagged-bills/{flag_id}/dismiss",
        "/api/v1/flagged-bills/{flag_id}/resolve",
        "/api/v1/drifts",
        "/api/v1/drifts/{drift_id}",
        "/api/v1/reconcile/runs",
        "/api/v1/reconcile/runs/latest",
        "/api/v1/reconcile/receivables",
    ):
        assert path in paths, path
    assert "202" in paths["/api/v1/reconcile/runs"]["post"]["responses"]
    names = {p["name"] for p in paths["/api/v1/flagged-bills"]["get"]["parameters"]}
    assert {"kind", "client", "age", "amount_min", "amount_max", "sort"} <= names


# -- invoices outside Clio -----------------------------------------------------------------------


def test_a_flag_carries_a_label_saying_what_it_is_about(staff_client, firm):
    _flag(firm, kinds=("unexplained",), bill_clio_id=None, number="1040")
    _flag(firm, number="1042")
    labels = {f["label"] for f in staff_client.get(FLAGS).json()["results"]}
    assert labels == {"Invoice 1040 in the books, no Clio bill", "Bill 1042"}


def test_an_invoice_no_bill_explains_is_marked_as_made_in_the_books(staff, staff_client, firm):
    flag = _flag(firm, kinds=("unexplained",), bill_clio_id=None, number="1040")
    response = _post(staff_client, "api_flagged_bill_outside_clio", flag, {"note": "Retainer"})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "outside_clio"
    mark = BooksOnlyInvoice.objects.get(firm=firm)
    assert (mark.remote_id, mark.note, mark.marked_by) == (flag.remote_id, "Retainer", staff.user)
    again = _post(staff_client, "api_flagged_bill_outside_clio", flag)
    _error(again, 409, "flag_closed")


def test_a_flag_about_a_clio_bill_is_not_marked_as_made_in_the_books(staff_client, firm):
    flag = _flag(firm, number="1042")
    _error(_post(staff_client, "api_flagged_bill_outside_clio", flag), 400, "not_books_only")
    assert not BooksOnlyInvoice.objects.exists()


def test_receivables_carry_the_invoices_outside_clio_as_their_own_line(viewer, firm):
    ReconcileRunFactory(
        firm=firm,
        ar_outside=Decimal("525.00"),
        outside_count=3,
        outside_clio=[
            {
                "remote_id": "60",
                "number": "1001",
                "date": "2025-08-01",
                "client_name": "Ada",
                "total": "525.00",
                "balance": "525.00",
                "why": "history",
            },
        ],
    )
    body = client_for(viewer).get(reverse("api_receivables")).json()
    assert (body["outside_total"], body["outside_count"]) == ("525.00", 3)
    assert body["outside"] == [
        {
            "remote_id": "60",
            "number": "1001",
            "date": "2025-08-01",
            "client_name": "Ada",
            "total": "525.00",
            "balance": "525.00",
            "why": "history",
        }
    ]
    assert body["run"]["ar_outside"] == "525.00"
