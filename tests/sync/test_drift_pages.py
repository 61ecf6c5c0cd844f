"""The flagged-bills queue, one flag side by side with its actions, the differences list, the
receivables comparison with its chart and Reconcile now, and the nav's open-flag count."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from sync.drift import flags
from sync.drift.sides import side_by_side
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


def _flag(firm, *, kinds=("lines",), **kw) -> FlaggedBill:
    flag = FlaggedBillFactory(firm=firm, **kw)
    for kind in kinds:
        DriftFactory(
            firm=firm,
            flag=flag,
            kind=kind,
            status=Drift.Status.FLAGGED,
            bill_clio_id=flag.bill_clio_id,
            client_name=flag.client_name,
        )
    return flag


def _page(http, url, **params) -> str:
    response = http.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# -- the queue -----------------------------------------------------------------------------------


def test_the_queue_lists_open_flags_with_what_differs(staff_client, firm):
    flag = _flag(firm, kinds=("lines", "payment"), number="1042", amount=Decimal("1250.00"))
    closed = _flag(firm, number="2001", status=F.DISMISSED)
    html = _page(staff_client, reverse("flagged_bills"))
    assert f'data-testid="flag-{flag.pk}"' in html
    assert "Bill 1042" in html and "1,250.00" in html
    assert "Lines changed" in html and "Payment differs" in html
    assert f'data-testid="flag-{closed.pk}"' not in html
    assert reverse("flag_detail", args=[flag.pk]) in html


def test_the_queue_explains_what_lands_there_when_empty(staff_client, firm):
    html = _page(staff_client, reverse("flagged_bills"))
    assert 'data-testid="flags-empty"' in html
    assert "needs a person" in html


def test_the_queue_filters_by_kind_client_age_and_amount(staff_client, firm):
    ada = _flag(firm, kinds=("lines",), client_name="Ada Lovelace", amount=Decimal("150.00"))
    grace = _flag(firm, kinds=("status",), client_name="Grace Hopper", amount=Decimal("900.00"))
    old = _flag(
        firm,
        kinds=("totals",),
        client_name="Alan Turing",
        amount=Decimal("40.00"),
        flagged_at=timezone.now() - timedelta(days=45),
    )
    url = reverse("flagged_bills")

    def shown(**params) -> set[int]:
        html = _page(staff_client, url, **params)
        return {f.pk for f in (ada, grace, old) if f'data-testid="flag-{f.pk}"' in html}

    assert shown() == {ada.pk, grace.pk, old.pk}
    assert shown(kind="status") == {grace.pk}
    assert shown(client="lovelace") == {ada.pk}
    assert shown(age="older") == {old.pk}
    assert shown(age="day") == {ada.pk, grace.pk}
    assert shown(amount_min="100", amount_max="500") == {ada.pk}
    assert shown(amount_min="1,000") == set()
    assert 'data-testid="flags-none-match"' in _page(staff_client, url, amount_min="1000")


def test_closed_flags_are_a_filter_away(staff_client, firm):
    done = _flag(firm, status=F.RESOLVED_BY_HAND)
    assert f'data-testid="flag-{done.pk}"' in _page(
        staff_client, reverse("flagged_bills"), state="closed"
    )


def test_the_queue_sorts_by_amount_and_by_age(staff_client, firm):
    small = _flag(firm, number="S", amount=Decimal("10.00"))
    big = _flag(firm, number="B", amount=Decimal("999.00"))
    older = _flag(firm, number="O", flagged_at=timezone.now() - timedelta(days=3))
    url = reverse("flagged_bills")

    def order(**params) -> list[int]:
        html = _page(staff_client, url, **params)
        return sorted(
            (small.pk, big.pk, older.pk), key=lambda pk: html.index(f'data-testid="flag-{pk}"')
        )

    assert order(sort="amount_desc")[0] == big.pk
    assert order(sort="amount_asc")[0] == small.pk
    assert order(sort="oldest")[0] == older.pk
    assert order()[-1] == older.pk  # newest first by default


def test_a_bad_filter_value_is_explained_not_an_error(staff_client, firm):
    html = _page(staff_client, reverse("flagged_bills"), amount_min="lots", kind="nonsense")
    assert "Enter an amount such as 250" in html
    assert 'aria-invalid="true"' in html


def test_the_queue_runs_the_same_queries_for_3_or_30_flags(staff_client, firm):
    def queries() -> int:
        with CaptureQueriesContext(db_connection) as ctx:
            _page(staff_client, reverse("flagged_bills"))
        return len(ctx.captured_queries)

    for _ in range(3):
        _flag(firm, kinds=("lines", "payment"))
    few = queries()
    for _ in range(27):
        _flag(firm, kinds=("lines", "payment"))
    assert queries() == few


# -- one flag ------------------------------------------------------------------------------------


def test_the_flag_page_sets_both_sides_next_to_each_other_and_marks_each_difference(
    staff_client, firm
):
    flag = _flag(firm)
    html = _page(staff_client, reverse("flag_detail", args=[flag.pk]))
    assert 'data-testid="side-by-side"' in html
    assert "Drafting the will" in html and "Harbor Books" not in html
    line_1 = html.split('data-testid="line-1"')[1].split("</tr>")[0]
    line_2 = html.split('data-testid="line-2"')[1].split("</tr>")[0]
    assert "2.0" in line_1 and "1.5" in line_1 and "cell-differs" in line_1
    assert "differs: " in line_1  # said to screen readers, not shown in colour alone
    assert "cell-differs" not in line_2
    total = html.split('data-testid="total-total"')[1].split("</tr>")[0]
    assert "650.00" in total and "500.00" in total and "(differs)" in total
    paid = html.split('data-testid="total-paid"')[1].split("</tr>")[0]
    assert "(differs)" not in paid
    steps = html.split('data-testid="repair-steps"')[1].split("</ol>")[0]
    assert steps.count("<li>") == 3 and "CR-1042" in steps
    assert "1.5 hours in the books" in html  # the drift's own words
    for form in ("approve-form", "dismiss-form", "resolve-form"):
        assert f'data-testid="{form}"' in html


def test_side_by_side_pairs_lines_by_position_and_names_a_line_only_one_side_has(firm):
    flag = FlaggedBillFactory(firm=firm)
    flag.books_side = {
        **flag.books_side,
        "lines": flag.books_side["lines"] + [{"description": "Courier", "amount": "25.00"}],
    }
    sides = side_by_side(flag=flag)
    assert [p.only_in for p in sides.lines] == ["", "", "books"]
    assert [p.differs for p in sides.lines] == [True, False, True]
    assert {c.field for c in sides.lines[0].cells if c.differs} == {"quantity", "amount"}
    assert {c.field for c in sides.totals if c.differs} == {"subtotal", "total", "balance"}
    assert not any(c.differs for c in sides.header)


def test_a_line_written_as_one_unit_at_its_amount_is_not_marked(firm):
    # The push writes quantity 1 at the amount when Clio's quantity times rate misses the cent.
    flag = FlaggedBillFactory(firm=firm)
    clio_line = {"description": "Call", "quantity": "0.7", "rate": "333.33", "amount": "233.33"}
    books_line = {"description": "Call", "quantity": "1", "rate": "233.33", "amount": "233.33"}
    flag.clio_side = {**flag.clio_side, "lines": [clio_line]}
    flag.books_side = {**flag.books_side, "lines": [{**books_line, "tax": "NON"}]}
    pair = side_by_side(flag=flag).lines[0]
    assert not pair.differs
    assert side_by_side(flag=flag).show_line_tax


def test_amounts_that_differ_only_in_format_are_the_same(firm):
    flag = FlaggedBillFactory(firm=firm)
    flag.books_side = {**flag.clio_side, "total": "650", "customer": "ADA LOVELACE"}
    sides = side_by_side(flag=flag)
    assert sides.difference_count == 0


def test_a_bill_missing_in_the_books_shows_the_clio_side_alone(staff_client, firm):
    flag = _flag(firm, kinds=("missing",), books_side={}, remote_id="")
    html = _page(staff_client, reverse("flag_detail", args=[flag.pk]))
    assert "The books have no invoice for this bill" in html
    assert "cell-differs" not in html


def test_dismiss_needs_a_reason(staff_client, firm):
    flag = _flag(firm)
    response = staff_client.post(reverse("flag_dismiss", args=[flag.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert "Say why this difference can stay" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == F.OPEN


def test_dismiss_closes_the_flag_and_its_drifts_and_is_audited(staff, staff_client, firm):
    flag = _flag(firm, kinds=("lines", "totals"))
    response = staff_client.post(
        reverse("flag_dismiss", args=[flag.pk]), {"reason": "The client agreed to 1.5 hours."}
    )
    assert response.status_code == 302 and response["Location"] == reverse("flagged_bills")
    flag.refresh_from_db()
    assert flag.status == F.DISMISSED and flag.acted_by == staff.user and flag.closed_at
    assert flag.action_note == "The client agreed to 1.5 hours."
    assert set(flag.drifts.values_list("status", flat=True)) == {Drift.Status.DISMISSED}
    event = AuditEvent.objects.get(action="flagged_bill.dismissed")
    assert event.firm == firm and event.actor == staff.user and event.object_id == str(flag.pk)
    assert event.after["note"] == "The client agreed to 1.5 hours."
    assert event.after["drifts_closed"] == 2


def test_resolved_by_hand_closes_the_flag_and_is_audited(admin, admin_client, firm):
    flag = _flag(firm)
    staff_note = "Credited and re-issued in QuickBooks myself."
    response = admin_client.post(reverse("flag_resolve", args=[flag.pk]), {"note": staff_note})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == F.RESOLVED_BY_HAND and flag.action_note == staff_note
    assert flag.drifts.get().status == Drift.Status.RESOLVED_BY_HAND
    assert AuditEvent.objects.filter(
        action="flagged_bill.resolved_by_hand", object_id=str(flag.pk), actor=admin.user
    ).exists()


def test_a_closed_flag_is_not_closed_twice(staff, staff_client, firm):
    flag = _flag(firm)
    flags.flag_dismiss(flag=flag, actor=staff.user, reason="Agreed.")
    with pytest.raises(flags.FlagNotOpen):
        flags.flag_resolve_by_hand(flag=flag, actor=staff.user, note="")
    response = staff_client.post(reverse("flag_resolve", args=[flag.pk]), {"note": "again"})
    assert response.status_code == 400
    assert "already closed (dismissed)" in response.content.decode()
    assert AuditEvent.objects.filter(object_id=str(flag.pk)).count() == 1


def test_a_flag_whose_repair_is_running_cannot_be_dismissed(staff, firm):
    flag = _flag(firm, status=F.REPAIRING)
    with pytest.raises(flags.FlagNotOpen, match="repair of this bill is running"):
        flags.flag_dismiss(flag=flag, actor=staff.user, reason="No.")


def test_approving_a_repair_done_by_hand_keeps_the_flag_open_and_says_why(staff_client, firm):
    flag = _flag(firm, planned_repair={"kind": "by_hand", "summary": "Fix it", "steps": ["x"]})
    response = staff_client.post(reverse("flag_approve", args=[flag.pk]), follow=True)
    html = response.content.decode()
    assert "The repair did not run" in html and "resolved by hand" in html
    flag.refresh_from_db()
    assert flag.status == F.OPEN


def test_approving_a_closed_flag_runs_nothing(staff_client, firm):
    flag = _flag(firm, status=F.DISMISSED)
    response = staff_client.post(reverse("flag_approve", args=[flag.pk]), follow=True)
    assert "already closed (dismissed); nothing was run" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == F.DISMISSED


@pytest.mark.parametrize("role_fixture", ["accountant", "viewer"])
def test_only_admins_and_staff_act_on_flags(request, role_fixture, firm):
    member = request.getfixturevalue(role_fixture)
    flag = _flag(firm)
    client = client_for(member)
    for name in ("flag_approve", "flag_dismiss", "flag_resolve"):
        assert client.post(reverse(name, args=[flag.pk]), {"reason": "x"}).status_code == 403
    flag.refresh_from_db()
    assert flag.status == F.OPEN


def test_another_firms_flag_is_not_found(outsider_client, firm):
    flag = _flag(firm)
    assert outsider_client.get(reverse("flag_detail", args=[flag.pk])).status_code == 404
    response = outsider_client.post(reverse("flag_dismiss", args=[flag.pk]), {"reason": "x"})
    assert response.status_code == 404


# -- the nav -------------------------------------------------------------------------------------


def test_the_nav_counts_open_flags_for_those_who_see_them(staff_client, accountant, viewer, firm):
    _flag(firm)
    _flag(firm, status=F.REPAIRING)
    _flag(firm, status=F.REPAIRED)
    for http in (staff_client, client_for(accountant)):
        html = _page(http, reverse("dashboard"))
        badge = html.split('data-testid="flags-badge"')[1].split("</mark>")[0]
        assert ">2<" in badge and "open flagged bills" in badge
    assert 'data-testid="flags-badge"' not in _page(client_for(viewer), reverse("dashboard"))


def test_an_accountant_opens_the_queue_and_a_flag_but_finds_no_actions(accountant, firm):
    flag = _flag(firm, number="1042")
    stray = _flag(firm, bill_clio_id=None, number="77")
    client = client_for(accountant)
    queue = _page(client, reverse("flagged_bills"))
    assert f'data-testid="flag-{flag.pk}"' in queue
    assert f'data-testid="outside-clio-{stray.pk}"' not in queue
    detail = _page(client, reverse("flag_detail", args=[flag.pk]))
    assert 'data-testid="flag-read-only"' in detail and 'data-testid="flag-actions"' not in detail
    assert 'id="approve"' not in detail and 'id="dismiss"' not in detail


def test_no_badge_when_nothing_is_flagged(staff_client, firm):
    assert 'data-testid="flags-badge"' not in _page(staff_client, reverse("dashboard"))


# -- differences ---------------------------------------------------------------------------------


def test_the_differences_page_lists_open_drifts_by_kind(viewer, firm):
    lines = DriftFactory(firm=firm, kind="lines", summary="Line 1 was edited in the books.")
    paid = DriftFactory(firm=firm, kind="payment", summary="A payment is missing in the books.")
    DriftFactory(firm=firm, kind="status", status=Drift.Status.REPAIRED, summary="Was fixed.")
    client = client_for(viewer)
    html = _page(client, reverse("drifts"))
    assert "Line 1 was edited" in html and "A payment is missing" in html
    assert "Was fixed." not in html
    only = _page(client, reverse("drifts"), kind="payment")
    assert (
        f'data-testid="drift-{paid.pk}"' in only and f'data-testid="drift-{lines.pk}"' not in only
    )
    assert "Was fixed." in _page(client, reverse("drifts"), state="closed")


def test_the_differences_page_has_an_empty_state(viewer):
    assert 'data-testid="drifts-empty"' in _page(client_for(viewer), reverse("drifts"))


# -- receivables ---------------------------------------------------------------------------------


def _ar_run(firm, **kw) -> ReconcileRun:
    values = {
        "ar_clio": Decimal("1150.00"),
        "ar_books": Decimal("1000.00"),
        "ar_by_client": [
            {"contact_clio_id": 11, "name": "Ada Lovelace", "clio": "650.00", "books": "500.00"},
            {"contact_clio_id": 12, "name": "Grace Hopper", "clio": "500.00", "books": "500.00"},
        ],
    }
    return ReconcileRunFactory(firm=firm, **{**values, **kw})


def test_receivables_compare_each_client_and_link_the_drift_behind_a_difference(staff, firm):
    ada = ContactFactory(firm=firm, clio_id=11, name="Ada Lovelace")
    bill = BillFactory(firm=firm, client=ada)
    flag = _flag(firm, bill_clio_id=bill.clio_id)
    _ar_run(firm)
    html = _page(client_for(staff), reverse("receivables"))
    assert 'data-testid="ar-total-difference"' in html
    assert "-150.00" in html.split('data-testid="ar-total-difference"')[1][:40]
    rows = html.split('data-testid="ar-row"')
    assert len(rows) == 2  # only the client with a difference, by default
    assert "Ada Lovelace" in rows[1] and reverse("flag_detail", args=[flag.pk]) in rows[1]
    everyone = _page(client_for(staff), reverse("receivables"), show="all")
    assert everyone.count('data-testid="ar-row"') == 2


def test_the_comparison_reads_the_latest_successful_run(viewer, firm):
    _ar_run(firm, started_at=timezone.now() - timedelta(hours=2))
    ReconcileRunFactory(firm=firm, status=ReconcileRun.Status.FAILED, error="Xero was down.")
    html = _page(client_for(viewer), reverse("receivables"))
    assert "Xero was down." in html
    assert "Ada Lovelace" in html


def test_the_chart_has_a_point_for_each_run_of_the_last_30_days(viewer, firm):
    now = timezone.now()
    for days, books in ((40, "900.00"), (20, "1000.00"), (10, "1100.00"), (1, "1150.00")):
        ReconcileRunFactory(
            firm=firm,
            started_at=now - timedelta(days=days),
            finished_at=now - timedelta(days=days),
            ar_clio=Decimal("1150.00"),
            ar_books=Decimal(books),
        )
    html = _page(client_for(viewer), reverse("receivables"))
    data = json.loads(html.split('id="ar-chart-data" type="application/json">')[1].split("<")[0])
    assert data["difference"] == ["-150.00", "-50.00", "0.00"]
    assert 'id="ar-chart"' in html and "Show the figures as a table" in html


def test_receivables_before_any_run_say_what_will_happen(viewer, firm):
    html = _page(client_for(viewer), reverse("receivables"))
    assert 'data-testid="ar-empty"' in html and 'data-testid="reconcile-never"' in html
    assert 'id="ar-chart"' not in html


def test_a_running_reconcile_polls_and_reloads_the_page_when_it_ends(staff, firm):
    run = ReconcileRunFactory(firm=firm, status=ReconcileRun.Status.RUNNING, finished_at=None)
    client = client_for(staff)
    html = _page(client, reverse("receivables"))
    assert 'data-testid="reconcile-running"' in html
    assert f"{reverse('receivables_live')}?run={run.pk}" in html
    assert 'id="reconcile-now"' not in html
    still = client.get(reverse("receivables_live"), {"run": run.pk})
    assert "HX-Refresh" not in still
    run.status, run.finished_at = ReconcileRun.Status.SUCCEEDED, timezone.now()
    run.save()
    done = client.get(reverse("receivables_live"), {"run": run.pk})
    assert done["HX-Refresh"] == "true"
    assert 'id="reconcile-now"' in done.content.decode()


def test_reconcile_now_starts_a_run_from_the_page(staff, firm):
    books_connection(firm)
    response = client_for(staff).post(reverse("reconcile_now"), follow=True)
    run = ReconcileRun.objects.get(firm=firm)
    assert run.trigger == ReconcileRun.Trigger.PAGE and run.started_by == staff.user
    assert run.status == ReconcileRun.Status.RUNNING
    assert "Reconcile started" in response.content.decode()


def test_reconcile_now_without_books_says_what_to_connect(staff, firm):
    response = client_for(staff).post(reverse("reconcile_now"), follow=True)
    assert "Connect QuickBooks Online or Xero" in response.content.decode()
    assert not ReconcileRun.objects.filter(firm=firm).exists()


def test_viewers_read_receivables_but_cannot_reconcile(viewer, firm):
    _ar_run(firm)
    client = client_for(viewer)
    assert 'id="reconcile-now"' not in _page(client, reverse("receivables"))
    assert client.post(reverse("reconcile_now")).status_code == 403


def test_the_receivables_page_runs_the_same_queries_for_few_or_many_drifts(viewer, firm):
    _ar_run(firm)

    def queries() -> int:
        with CaptureQueriesContext(db_connection) as ctx:
            _page(client_for(viewer), reverse("receivables"))
        return len(ctx.captured_queries)

    DriftFactory(firm=firm, client_name="Ada Lovelace")
    few = queries()
    for _ in range(20):
        DriftFactory(firm=firm, client_name="Ada Lovelace")
    assert queries() == few


# -- invoices outside Clio -----------------------------------------------------------------------


def test_an_invoice_no_bill_explains_is_labelled_as_such_with_its_mark_button(staff_client, firm):
    hand = _flag(firm, kinds=("unexplained",), bill_clio_id=None, number="1040")
    bill = _flag(firm, number="1042")
    html = _page(staff_client, reverse("flagged_bills"))
    assert "Invoice 1040 in the books, no Clio bill" in html and "Bill 1040" not in html
    assert "Bill 1042" in html
    assert f'data-testid="outside-clio-{hand.pk}"' in html
    assert f'data-testid="outside-clio-{bill.pk}"' not in html
    detail = _page(staff_client, reverse("flag_detail", args=[hand.pk]))
    assert "<h1>Invoice 1040 in the books, no Clio bill" in detail
    assert 'data-testid="outside-clio-form"' in detail


def test_marking_an_invoice_made_in_the_books_closes_its_flag_and_is_audited(
    staff, staff_client, firm
):
    flag = _flag(firm, kinds=("unexplained",), bill_clio_id=None, number="1040")
    response = staff_client.post(
        reverse("flag_outside_clio", args=[flag.pk]), {"note": "Retainer billed by hand"}
    )
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == F.OUTSIDE_CLIO and flag.action_note == "Retainer billed by hand"
    assert flag.drifts.get().status == Drift.Status.OUTSIDE_CLIO
    mark = BooksOnlyInvoice.objects.get(firm=firm)
    assert (mark.remote_id, mark.number, mark.marked_by) == (flag.remote_id, "1040", staff.user)
    actions = set(AuditEvent.objects.filter(firm=firm).values_list("action", flat=True))
    assert {"flagged_bill.outside_clio", "books_only_invoice.marked"} <= actions


def test_a_flag_about_a_clio_bill_cannot_be_marked_as_made_in_the_books(staff_client, firm):
    flag = _flag(firm, number="1042")
    response = staff_client.post(reverse("flag_outside_clio", args=[flag.pk]))
    assert response.status_code == 400
    assert "Only an invoice no Clio bill explains" in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == F.OPEN and not BooksOnlyInvoice.objects.exists()


def test_receivables_show_invoices_outside_clio_apart_with_their_own_total(staff, firm):
    flag = FlaggedBillFactory(firm=firm, bill_clio_id=None, remote_id="77")
    mark = BooksOnlyInvoice.objects.create(
        firm=firm, connection=flag.connection, remote_id="77", number="R-1", note="Retainer"
    )
    _ar_run(
        firm,
        ar_clio=Decimal("1000.00"),
        ar_books=Decimal("1000.00"),
        ar_outside=Decimal("1225.00"),
        outside_count=41,
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
            {
                "remote_id": "77",
                "number": "R-1",
                "date": "2026-02-01",
                "client_name": "Ada",
                "total": "700.00",
                "balance": "700.00",
                "why": "marked",
            },
        ],
        ar_by_client=[
            {"contact_clio_id": 11, "name": "Ada Lovelace", "clio": "500.00", "books": "500.00"},
            {"contact_clio_id": 12, "name": "Grace Hopper", "clio": "500.00", "books": "500.00"},
        ],
    )
    html = _page(client_for(staff), reverse("receivables"))
    assert 'data-testid="ar-all-match"' in html and "Every client matches." in html
    assert "1,225.00" in html.split('data-testid="ar-total-outside"')[1][:40]
    assert "41 invoices dated before the sync start date" in html
    rows = html.split('data-testid="ar-outside-row"')[1:]
    assert "Before the sync start date" in rows[0] and "Made in the books on purpose" in rows[1]
    assert reverse("books_only_unmark", args=[mark.pk]) in rows[1]


def test_taking_a_mark_back_deletes_it_and_is_audited(staff, staff_client, firm):
    flag = FlaggedBillFactory(firm=firm, bill_clio_id=None)
    mark = BooksOnlyInvoice.objects.create(
        firm=firm, connection=flag.connection, remote_id=flag.remote_id, number="R-1"
    )
    response = staff_client.post(reverse("books_only_unmark", args=[mark.pk]))
    assert response.status_code == 302 and not BooksOnlyInvoice.objects.exists()
    assert AuditEvent.objects.filter(firm=firm, action="books_only_invoice.unmarked").exists()


def test_another_firms_mark_is_not_found(outsider_client, firm):
    flag = FlaggedBillFactory(firm=firm, bill_clio_id=None)
    mark = BooksOnlyInvoice.objects.create(
        firm=firm, connection=flag.connection, remote_id=flag.remote_id
    )
    assert outsider_client.post(reverse("books_only_unmark", args=[mark.pk])).status_code == 404
    assert outsider_client.post(reverse("flag_outside_clio", args=[flag.pk])).status_code == 404
    assert BooksOnlyInvoice.objects.filter(pk=mark.pk).exists()
