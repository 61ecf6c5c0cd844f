"""The Sync status page, its live panel, the retry and start buttons, and each bill's page."""

import json
import re
import secrets
from datetime import date, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice.models import Bill, BillLine, Contact, Matter
from sync.models import (
    Connection,
    ExternalLink,
    Provider,
    Side,
    SyncOperation,
    SyncRun,
    WebhookEvent,
    WebhookSubscription,
)
from sync.preflight import Check
from tests.conftest import client_for

S = SyncOperation.Status


@pytest.fixture
def clio(firm):
    return Connection.objects.create(
        firm=firm,
        provider=Provider.CLIO,
        side=Side.PRACTICE,
        external_id="us:1",
        external_name="HV",
    )


@pytest.fixture
def books(firm):
    return Connection.objects.create(
        firm=firm,
        provider=Provider.QUICKBOOKS,
        side=Side.BOOKS,
        external_id="realm-1",
        external_name="Harbor Books",
    )


@pytest.fixture
def queued():
    """Tasks the views queue, without running the engine (the push is not part of these pages)."""
    with mock.patch("sync.engine.run.async_task", autospec=True) as fake:
        yield fake


def _op(conn, *, entity="bill", local_id="10", status=S.DONE, **kw) -> SyncOperation:
    return SyncOperation.objects.create(
        firm=conn.firm,
        connection=conn,
        entity=entity,
        action=kw.pop("action", "create"),
        local_id=local_id,
        source_version="e1",
        idempotency_key=secrets.token_hex(16),
        payload={},
        fingerprint="f",
        status=status,
        **kw,
    )


def _failed(conn, *, code="6140", message="Duplicate Document Number Error", **kw):
    kw.setdefault("failed_at", timezone.now())
    return _op(conn, status=S.FAILED, error_code=code, error_message=message, attempts=1, **kw)


def _bill(firm, *, clio_id=10, number="1001", lines=1) -> Bill:
    client = Contact.objects.get_or_create(firm=firm, clio_id=1, defaults={"name": "Ada Lovelace"})[
        0
    ]
    bill = Bill.objects.create(
        firm=firm,
        clio_id=clio_id,
        number=number,
        state="awaiting_payment",
        client=client,
        issued_at=date(2026, 2, 1),
        due_at=date(2026, 3, 3),
        total=Decimal("1500.00"),
        balance=Decimal("1250.50"),
    )
    matter = Matter.objects.get_or_create(
        firm=firm, clio_id=5, defaults={"display_number": "00005-Lovelace", "client": client}
    )[0]
    bill.matters.add(matter)
    for i in range(lines):
        BillLine.objects.create(
            firm=firm,
            bill=bill,
            clio_id=clio_id * 1000 + i,
            description=f"Advice {i}",
            date=date(2026, 1, 15),
            quantity=Decimal("1.5"),
            price=Decimal("1000.00"),
            total=Decimal("1500.00"),
        )
    return bill


def _chart(body: str) -> dict:
    found = re.search(r'<script id="sync-chart-data" type="application/json">(.*?)</script>', body)
    return json.loads(found.group(1))


# -- the page ------------------------------------------------------------------------------------


def test_it_shows_a_clear_empty_state_before_anything_synced(admin_client, staff_client):
    body = admin_client.get("/sync/").content.decode()
    assert "Nothing has synced yet" in body
    assert "Connect Clio and your books on the" in body and 'href="/settings/bill-syncing/"' in body
    staff_body = staff_client.get("/sync/").content.decode()
    assert "Nothing has synced yet" in staff_body
    assert 'href="/settings/bill-syncing/"' not in staff_body


def test_a_running_run_shows_its_phase_progress_and_time_left(admin_client, firm, clio, books):
    SyncRun.objects.create(
        firm=firm,
        kind="full",
        status=SyncRun.Status.RUNNING,
        phase=SyncRun.Phase.PUSHING,
        started_at=timezone.now() - timedelta(minutes=4),
        progress_at=timezone.now(),
        planned=100,
        done=40,
    )
    body = admin_client.get("/sync/").content.decode()
    assert "Writing to the books" in body
    assert '<progress value="46" max="100"' in body
    # 40 records in 4 minutes, 60 to go: six more minutes.
    assert "about 6 minutes left" in body
    assert 'hx-trigger="every 2s"' in body


def test_the_live_panel_polls_slowly_once_the_run_finished(admin_client, firm, books):
    SyncRun.objects.create(
        firm=firm,
        status=SyncRun.Status.SUCCEEDED,
        phase=SyncRun.Phase.FINISHED,
        finished_at=timezone.now(),
        done=12,
    )
    body = admin_client.get("/sync/live/").content.decode()
    assert 'hx-trigger="every 30s"' in body
    assert "Succeeded" in body and "12 written" in body
    assert "<html" not in body  # a fragment, swapped into the page


def test_counts_per_entity_with_the_reasons_records_were_skipped(admin_client, books):
    _op(books, entity="contact", local_id="1")
    _op(books, entity="bill", local_id="10")
    _op(books, entity="bill", local_id="11", status=S.PENDING)
    _op(books, entity="bill", local_id="12", status=S.SKIPPED, error_message="Bill is a draft")
    _op(books, entity="bill", local_id="13", status=S.SKIPPED, error_message="Bill is a draft")
    _failed(books, entity="payment", local_id="70")
    response = admin_client.get("/sync/")
    counts = {c.entity: c for c in response.context["status"].counts}
    assert (counts["bill"].synced, counts["bill"].pending, counts["bill"].skipped) == (1, 1, 2)
    assert counts["bill"].skip_reasons == [("Bill is a draft", 2)]
    assert (counts["contact"].synced, counts["payment"].failed) == (1, 1)
    assert "Bill is a draft (2)" in response.content.decode()


def test_failures_are_explained_with_the_place_to_fix_them(admin_client, firm, books):
    bill = _bill(firm, clio_id=10, number="1001")
    _failed(books, local_id="10", code="6240", message="Duplicate Name Exists Error")
    _failed(books, local_id="99", code="6140")
    _failed(books, entity="contact", local_id="1", code="auth", message="Token expired")
    body = admin_client.get("/sync/").content.decode()
    assert "Failed records (3)" in body
    assert "Another customer, vendor or employee in QuickBooks already uses this name" in body
    assert f'<a href="/bills/{bill.pk}/" data-fix="contact">Open the contact</a>' in body
    assert "Clio contact: Ada Lovelace" in body
    assert 'href="/settings/bill-syncing/#sync-settings" data-fix="settings"' in body
    assert "QuickBooks already has an invoice or credit memo with this number" in body
    assert 'href="/settings/bill-syncing/" data-fix="reconnect"' in body
    assert "QuickBooks Online said: “Duplicate Name Exists Error” (6240)" in body
    assert f'<a href="/bills/{bill.pk}/">Bill 1001</a>' in body
    assert body.count(">Retry<span") == 3 and "Retry all 3" in body


def test_failed_records_are_paged_newest_first(admin_client, books):
    now = timezone.now()
    ops = [
        _failed(books, local_id=str(100 + i), failed_at=now - timedelta(minutes=i))
        for i in range(30)
    ]
    first = admin_client.get("/sync/").context["status"]
    assert [r.op.pk for r in first.failed_rows] == [op.pk for op in ops[:25]]
    second = admin_client.get("/sync/?page=2")
    assert [r.op.pk for r in second.context["status"].failed_rows] == [op.pk for op in ops[25:]]
    assert 'hx-get="/sync/live/?page=2"' in second.content.decode()


def test_the_chart_counts_records_synced_and_errors_per_day(admin_client, books):
    now = timezone.now()
    _op(books, local_id="1", done_at=now)
    _op(books, local_id="2", done_at=now)
    _op(books, local_id="3", done_at=now - timedelta(days=2))
    _op(books, local_id="4", done_at=now - timedelta(days=45))  # outside the 30 days
    _failed(books, local_id="5", failed_at=now - timedelta(days=1))
    chart = _chart(admin_client.get("/sync/").content.decode())
    assert len(chart["labels"]) == 30 and chart["labels"][-1] == timezone.localdate().isoformat()
    assert chart["synced"][-1] == 2 and chart["synced"][-3] == 1 and sum(chart["synced"]) == 3
    assert chart["errors"][-2] == 1 and sum(chart["errors"]) == 1


def test_webhook_health_and_the_api_budget_show_per_connection(admin_client, firm, clio, books):
    Connection.objects.filter(pk=books.pk).update(calls_day=timezone.localdate(), calls_today=321)
    Connection.objects.filter(pk=clio.pk).update(calls_day=timezone.localdate(), calls_today=42)
    WebhookSubscription.objects.create(
        firm=firm,
        connection=clio,
        model="bill",
        token="t1",
        status="enabled",
        expires_at=timezone.now() + timedelta(days=20),
    )
    WebhookSubscription.objects.create(
        firm=firm, connection=clio, model="contact", token="t2", status="failed"
    )
    WebhookEvent.objects.create(
        firm=firm,
        provider="clio",
        dedupe_key="k1",
        event="updated",
        model="bill",
        record_id="10",
        payload={},
        received_at=timezone.now() - timedelta(minutes=10),
    )
    body = admin_client.get("/sync/").content.decode()
    assert "The contact webhook: failed." in body
    assert "1 delivery have waited" not in body and "1 deliveries have waited" in body
    assert re.search(r'data-testid="inbox-backlog">1<', body)
    assert re.search(r'data-testid="budget-quickbooks">321<', body)
    assert "QuickBooks has no daily cap; it allows 500 calls a minute." in body
    assert re.search(r'data-testid="budget-clio">42<', body)


def test_xero_shows_calls_used_against_its_daily_cap(admin_client, firm):
    Connection.objects.create(
        firm=firm,
        provider=Provider.XERO,
        side=Side.BOOKS,
        external_id="tenant-1",
        calls_day=timezone.localdate(),
        calls_today=1200,
    )
    body = admin_client.get("/sync/").content.decode()
    assert "1,200 of 5,000 <small>(3,800 left)</small>" in body


def test_the_menu_and_the_dashboard_link_to_the_sync_page(staff_client):
    body = staff_client.get("/").content.decode()
    assert body.count('href="/sync/"') == 2


# -- starting and retrying -----------------------------------------------------------------------


def test_retrying_one_record_sets_it_pending_and_queues_a_retry_run(
    firm, accountant, books, queued, django_capture_on_commit_callbacks
):
    op = _failed(books)
    other = _failed(books, local_id="11")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(accountant).post(f"/sync/failed/{op.pk}/retry/")
    assert response.status_code == 302 and response["Location"] == "/sync/"
    op.refresh_from_db()
    other.refresh_from_db()
    assert (op.status, op.error_code, op.failed_at) == (S.PENDING, "", None)
    assert other.status == S.FAILED
    run = SyncRun.objects.get(firm=firm)
    assert (run.kind, run.status) == ("retry", SyncRun.Status.QUEUED)
    queued.assert_called_once_with("sync.tasks.sync_run", run.pk)


def test_retrying_from_the_bill_page_comes_back_to_it(admin_client, firm, books, queued):
    bill = _bill(firm)
    op = _failed(books, local_id=str(bill.clio_id))
    response = admin_client.post(f"/sync/failed/{op.pk}/retry/", {"next": f"/bills/{bill.pk}/"})
    assert response["Location"] == f"/bills/{bill.pk}/"
    evil = admin_client.post(f"/sync/failed/{op.pk}/retry/", {"next": "https://evil.test/"})
    assert evil["Location"] == "/sync/"


def test_retry_all_sets_every_failed_record_pending(
    admin_client, firm, books, queued, django_capture_on_commit_callbacks
):
    for i in range(3):
        _failed(books, local_id=str(i))
    done = _op(books, local_id="9")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/sync/failed/retry/")
    assert SyncOperation.objects.filter(status=S.PENDING).count() == 3
    assert SyncOperation.objects.get(pk=done.pk).status == S.DONE
    run = SyncRun.objects.get(firm=firm, kind="retry")
    queued.assert_called_once_with("sync.tasks.sync_run", run.pk)


def test_staff_see_no_buttons_and_may_not_start_or_retry(staff_client, firm, books):
    op = _failed(books)
    body = staff_client.get("/sync/").content.decode()
    assert "Sync now" not in body and "Retry all" not in body and ">Retry<span" not in body
    assert staff_client.post("/sync/start/").status_code == 403
    assert staff_client.post("/sync/failed/retry/").status_code == 403
    assert staff_client.post(f"/sync/failed/{op.pk}/retry/").status_code == 403
    op.refresh_from_db()
    assert op.status == S.FAILED and not SyncRun.objects.exists()


def test_an_outsider_gets_404_for_another_firms_record_and_bill(outsider_client, firm, books):
    op = _failed(books)
    bill = _bill(firm)
    assert outsider_client.post(f"/sync/failed/{op.pk}/retry/").status_code == 404
    assert outsider_client.get(f"/bills/{bill.pk}/").status_code == 404
    op.refresh_from_db()
    assert op.status == S.FAILED


def test_sync_now_with_a_failing_preflight_lists_what_blocks_it_and_starts_nothing(
    admin_client, queued
):
    checks = [
        Check("clio_connected", "Clio is connected", False, fix="Connect Clio above."),
        Check("qbo_custom_numbers", "Custom transaction numbers are on", False, fix="Turn on."),
        Check("clio_webhooks", "Webhooks", False, blocking=False),
    ]
    with mock.patch("sync.engine.run.preflight_run", autospec=True, return_value=(checks, None)):
        response = admin_client.post("/sync/start/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Syncing cannot start yet: 2 items to fix" in body
    assert "How to fix: Connect Clio above." in body and "Custom transaction numbers" in body
    assert "Webhooks" not in body.split('data-testid="sync-blocked"')[1].split("</section>")[0]
    assert 'href="/settings/bill-syncing/">Fix them on the Bill Syncing page' in body
    assert not SyncRun.objects.exists()
    queued.assert_not_called()


def test_sync_now_queues_a_run_that_reads_everything_again_when_asked(
    admin_client, firm, queued, django_capture_on_commit_callbacks
):
    SyncRun.objects.create(firm=firm, status=SyncRun.Status.SUCCEEDED, phase=SyncRun.Phase.FINISHED)
    with (
        mock.patch("sync.engine.run.preflight_run", autospec=True, return_value=([], None)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post("/sync/start/", {"full": "1"}, follow=True)
    run = SyncRun.objects.get(status=SyncRun.Status.QUEUED)
    assert run.kind == "full"
    queued.assert_called_once_with("sync.tasks.sync_run", run.pk)
    assert "Reading everything from Clio again" in response.content.decode()


# -- the bill page -------------------------------------------------------------------------------


def test_the_bill_page_shows_the_bill_its_invoice_and_its_history(staff_client, firm, books):
    bill = _bill(firm, clio_id=10, number="1001")
    ExternalLink.objects.create(
        firm=firm,
        connection=books,
        entity="bill",
        local_id="10",
        remote_type="Invoice",
        remote_id="146",
        remote_number="1001",
        remote_status="Open",
    )
    now = timezone.now()
    first = _op(books, local_id="10", done_at=now, created_at=now - timedelta(days=1))
    failed = _failed(books, local_id="10", code="6210", message="Account Period Closed")
    _op(books, local_id="11")  # another bill's
    body = staff_client.get(f"/bills/{bill.pk}/").content.decode()
    assert "Bill 1001" in body and "Ada Lovelace" in body and "00005-Lovelace" in body
    assert "1,500.00" in body and "1,250.50" in body and ">1.50<" in body
    assert 'href="https://app.qbo.intuit.com/app/invoice?txnId=146"' in body
    assert "Open" in body
    assert body.index(f'data-testid="history-{failed.pk}"') < body.index(
        f'data-testid="history-{first.pk}"'
    )
    assert "The books are closed for this date" in body
    assert body.count('data-testid="history-') == 2


def test_a_xero_invoice_links_to_xero(admin_client, firm):
    xero = Connection.objects.create(
        firm=firm, provider=Provider.XERO, side=Side.BOOKS, external_id="tenant-1"
    )
    bill = _bill(firm)
    ExternalLink.objects.create(
        firm=firm,
        connection=xero,
        entity="bill",
        local_id="10",
        remote_type="Invoices",
        remote_id="8f1c-22",
    )
    body = admin_client.get(f"/bills/{bill.pk}/").content.decode()
    assert 'href="https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=8f1c-22"' in body


def test_a_bill_not_written_yet_says_so(admin_client, firm, books):
    bill = _bill(firm)
    body = admin_client.get(f"/bills/{bill.pk}/").content.decode()
    assert "Not in QuickBooks Online yet" in body
    assert "FirmSync has not written this bill to the books." in body


# -- query counts --------------------------------------------------------------------------------


def _records(firm, books, n: int, start: int) -> None:
    for i in range(start, start + n):
        _bill(firm, clio_id=i, number=str(i))
        _failed(books, local_id=str(i))
        _failed(books, entity="contact", local_id=str(i), code="auth")
        _op(books, local_id=str(i), done_at=timezone.now())
        _op(books, entity="payment", local_id=str(i), status=S.SKIPPED, error_message="Voided")


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(db_connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/sync/", "/sync/live/"])
def test_the_status_pages_run_the_same_queries_for_2_or_30_records(
    admin_client, firm, clio, books, url
):
    SyncRun.objects.create(firm=firm, status=SyncRun.Status.PARTIAL, phase=SyncRun.Phase.FINISHED)
    _records(firm, books, 2, start=1000)
    few = _queries(admin_client, url)
    _records(firm, books, 28, start=2000)
    assert _queries(admin_client, url) == few


def test_the_bill_page_runs_the_same_queries_for_2_or_30_lines_and_writes(
    admin_client, firm, books
):
    small = _bill(firm, clio_id=10, number="1", lines=2)
    big = _bill(firm, clio_id=20, number="2", lines=30)
    for bill, n in ((small, 2), (big, 30)):
        for _ in range(n):
            _failed(books, local_id=str(bill.clio_id))
    assert _queries(admin_client, f"/bills/{small.pk}/") == _queries(
        admin_client, f"/bills/{big.pk}/"
    )


def test_sync_now_during_a_run_starts_no_second_one(admin_client, firm, queued):
    SyncRun.objects.create(
        firm=firm, status=SyncRun.Status.RUNNING, phase="pulling", progress_at=timezone.now()
    )
    with mock.patch("sync.engine.run.preflight_run", autospec=True, return_value=([], None)):
        response = admin_client.post("/sync/start/", follow=True)
    assert SyncRun.objects.count() == 1
    assert "A sync is already under way" in response.content.decode()
    queued.assert_not_called()


# -- the bills list ------------------------------------------------------------------------------


def test_the_bills_list_shows_each_bill_and_the_invoice_it_became(staff_client, firm, books):
    written = _bill(firm, clio_id=10, number="1001")
    _bill(firm, clio_id=11, number="1002")
    failing = _bill(firm, clio_id=12, number="1003")
    ExternalLink.objects.create(
        firm=firm,
        connection=books,
        entity="bill",
        local_id="10",
        remote_type="Invoice",
        remote_id="146",
        remote_number="1001",
        remote_status="Open",
    )
    _failed(books, local_id="12")
    body = staff_client.get("/bills/").content.decode()
    rows = {
        n: body[body.index(f'data-testid="bill-{n}"') :].split("</tr>")[0] for n in (10, 11, 12)
    }
    assert f'href="/bills/{written.pk}/"' in rows[10] and "Invoice 1001" in rows[10]
    assert "(open)" in rows[10] and "Awaiting payment" in rows[10]
    assert "Not yet" in rows[11]
    assert "Failed" in rows[12] and f'href="/bills/{failing.pk}/"' in rows[12]
    assert "3 bills" in body


def test_the_bills_list_searches_and_filters_by_state(admin_client, firm, books):
    _bill(firm, clio_id=10, number="1001")
    other = _bill(firm, clio_id=11, number="2002")
    Bill.objects.filter(pk=other.pk).update(state="paid")
    assert 'data-testid="bill-11"' not in admin_client.get("/bills/?q=1001").content.decode()
    paid = admin_client.get("/bills/?state=paid").content.decode()
    assert 'data-testid="bill-11"' in paid and 'data-testid="bill-10"' not in paid
    assert "No bill matches" in admin_client.get("/bills/?q=nothing-like-it").content.decode()


def test_the_bills_list_is_empty_until_clio_is_read(admin_client):
    assert "No bills yet" in admin_client.get("/bills/").content.decode()


def test_an_outsider_sees_none_of_another_firms_bills(outsider_client, firm, books):
    _bill(firm, clio_id=10, number="1001")
    body = outsider_client.get("/bills/").content.decode()
    assert 'data-testid="bill-10"' not in body and "No bills yet" in body


def test_the_bills_list_runs_the_same_queries_for_2_or_30_bills(admin_client, firm, books):
    _records(firm, books, 2, start=1000)
    few = _queries(admin_client, "/bills/")
    _records(firm, books, 28, start=2000)
    assert _queries(admin_client, "/bills/") == few
