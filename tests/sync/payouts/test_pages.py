"""The payouts page and API: every member reads, writers import, the firm's own payouts only."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice.models import ClioPaymentsPayment
from sync.models import (
    ClioPayout,
    Connection,
    OperatingBankLine,
    Provider,
    Side,
    SyncOperation,
    SyncSettings,
)
from sync.payouts import services
from sync.payouts.services import payouts_refresh
from sync.providers.base import BankDeposit
from sync.providers.errors import ProviderError
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

STATEMENT = b"Date,Amount,Description\n2026-03-04,1213.13,CLIO PAYMENTS PAYOUT\n"


def _payment(firm, clio_id, amount, day=date(2026, 3, 2)):
    return ClioPaymentsPayment.objects.create(
        firm=firm, clio_id=clio_id, amount=D(amount), state="completed", deposit_date=day
    )


@pytest.fixture
def payouts(firm):
    _payment(firm, 1, "1000.00")
    _payment(firm, 2, "250.00")
    _payment(firm, 3, "400.00", date(2026, 3, 3))
    payouts_refresh(firm=firm)
    return {p.deposit_date.day: p for p in ClioPayout.objects.filter(firm=firm)}


def test_the_page_lists_payouts_and_says_how_to_fix_an_unmatched_one(viewer, payouts):
    response = client_for(viewer).get(reverse("payouts"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "1250.00" in text and "Import the bank statement" in text
    assert "Import and match" not in text  # viewers read only


def test_staff_import_the_statement_and_the_payout_is_matched(staff, payouts):
    client = client_for(staff)
    upload = {"file": _file(STATEMENT)}
    response = client.post(reverse("payouts_statement_import"), upload)
    assert response.status_code == 302
    payout = ClioPayout.objects.get(pk=payouts[2].pk)
    assert (payout.status, payout.fee) == ("matched", D("36.87"))
    page = client.get(reverse("payouts")).content.decode()
    assert "CLIO PAYMENTS PAYOUT" in page and "36.87" in page


def test_a_viewer_cannot_import(viewer, payouts):
    response = client_for(viewer).post(
        reverse("payouts_statement_import"), {"file": _file(STATEMENT)}
    )
    assert response.status_code == 403
    assert not OperatingBankLine.objects.exists()


def test_a_bad_statement_imports_nothing_and_says_why(accountant, payouts):
    bad = b"Date,Amount,Description\nnot a date,12.00,x\n"
    response = client_for(accountant).post(
        reverse("payouts_statement_import"), {"file": _file(bad)}, follow=True
    )
    assert "Nothing was imported" in response.content.decode()
    assert not OperatingBankLine.objects.exists()


def test_the_api_lists_payouts_with_money_as_strings(viewer, payouts):
    client = client_for(viewer)
    body = client.get(reverse("api_payouts")).json()
    rows = {r["deposit_date"]: r for r in body["results"]}
    assert rows["2026-03-02"]["gross"] == "1250.00" and rows["2026-03-02"]["net"] is None
    assert rows["2026-03-02"]["how_to_fix"].startswith("No credit")
    assert client.get(reverse("api_payouts"), {"status": "nope"}).status_code == 400
    only = client.get(reverse("api_payouts"), {"status": "matched"}).json()
    assert only["count"] == 0


def test_one_payout_lists_the_payments_it_carries(admin, payouts):
    body = client_for(admin).get(reverse("api_payout", args=[payouts[2].pk])).json()
    assert [(p["clio_id"], p["amount"]) for p in body["carried"]] == [(1, "1000.00"), (2, "250.00")]


def test_another_firms_payout_is_404(outsider, payouts):
    client = client_for(outsider)
    assert client.get(reverse("api_payout", args=[payouts[2].pk])).status_code == 404
    assert client.get(reverse("api_payouts")).json()["count"] == 0


def test_the_list_api_runs_a_fixed_number_of_queries(viewer, firm, payouts):
    OperatingBankLine.objects.create(
        firm=firm, date=date(2026, 3, 4), amount=D("1213.13"), bank_id="x", file_sha256="s"
    )
    payouts_refresh(firm=firm)
    client = client_for(viewer)
    client.get(reverse("api_payouts"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("api_payouts"))
    assert len(ctx.captured_queries) <= 8


def _file(content: bytes):
    return SimpleUploadedFile("statement.csv", content, content_type="text/csv")


def test_a_deposit_already_in_the_books_carries_a_payout(firm, payouts, monkeypatch):
    Connection.objects.create(
        firm=firm, provider=Provider.QUICKBOOKS, side=Side.BOOKS, external_id="r1"
    )
    SyncSettings.objects.update_or_create(
        firm=firm,
        defaults={"start_date": date(2026, 1, 1), "accounts": {"operating_bank": {"id": "35"}}},
    )
    asked = []

    def read(connection, account, start, end):
        asked.append((account, start, end))
        return [
            BankDeposit("Deposit", "77", date(2026, 3, 5), D("388.10")),
            BankDeposit("Deposit", "78", date(2026, 3, 4), D("1213.13")),
        ]

    monkeypatch.setattr(services, "bank_deposits_read", read)
    services.payouts_refresh(firm=firm)
    assert asked == [("35", date(2026, 3, 2), date(2026, 3, 8))]
    march_2, march_3 = (ClioPayout.objects.get(pk=payouts[d].pk) for d in (2, 3))
    assert (march_2.books_deposit_id, march_2.fee) == ("78", D("36.87"))
    assert (march_3.books_deposit_id, march_3.fee) == ("77", D("11.90"))
    assert services.payouts_refresh(firm=firm) == []  # nothing open: no books read
    assert len(asked) == 1


def test_books_that_cannot_be_read_leave_the_bank_lines_to_match(firm, payouts, monkeypatch):
    Connection.objects.create(firm=firm, provider=Provider.XERO, side=Side.BOOKS, external_id="t1")
    SyncSettings.objects.update_or_create(
        firm=firm,
        defaults={"start_date": date(2026, 1, 1), "accounts": {"operating_bank": {"id": "090"}}},
    )

    def read(connection, account, start, end):
        raise ProviderError("xero", "Service unavailable", status=503)

    monkeypatch.setattr(services, "bank_deposits_read", read)
    OperatingBankLine.objects.create(
        firm=firm, date=date(2026, 3, 3), amount=D("1250.00"), bank_id="b1", file_sha256="s"
    )
    [matched] = services.payouts_refresh(firm=firm)
    assert (matched.deposit_date, matched.fee, matched.bank_line.bank_id) == (
        date(2026, 3, 2),
        D("0.00"),
        "b1",
    )


def test_fees_are_queued_once_from_the_start_date_and_only_with_books(admin, firm, payouts):
    OperatingBankLine.objects.create(
        firm=firm, date=date(2026, 3, 4), amount=D("1213.13"), bank_id="b1", file_sha256="s"
    )
    payouts_refresh(firm=firm)
    assert not SyncOperation.objects.exists()  # no books yet
    Connection.objects.create(
        firm=firm, provider=Provider.QUICKBOOKS, side=Side.BOOKS, external_id="r1"
    )
    SyncSettings.objects.update_or_create(firm=firm, defaults={"start_date": date(2026, 3, 3)})
    payouts_refresh(firm=firm)
    assert not SyncOperation.objects.exists()  # the payout is before the start date
    SyncSettings.objects.filter(firm=firm).update(start_date=date(2026, 1, 1))
    payouts_refresh(firm=firm)
    payouts_refresh(firm=firm)
    [op] = SyncOperation.objects.all()
    assert (op.entity, op.local_id, op.payload["lines"]) == (
        "payout_fee",
        "payout:2026-03-02",
        [{"account": "bank_charges", "amount": "36.87", "matter": None}],
    )
    assert (op.payload["bank"], op.payload["date"], op.payload["payee"]) == (
        "operating_bank",
        "2026-03-04",
        "Clio Payments",
    )
    body = client_for(admin).get(reverse("api_payouts")).json()
    march_2 = next(r for r in body["results"] if r["deposit_date"] == "2026-03-02")
    assert march_2["fee_posting"]["status"] == "pending"
