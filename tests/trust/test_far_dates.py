"""Dates far outside any real statement or entry: refused on the way in (one window of dates for
forms, API, CSV and OFX), and harmless when already in the database (the month lists are
bounded, the pages answer, and a statement can be removed from the UI)."""

import secrets
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import limits
from tests.conftest import client_for
from tests.trust.reconcile_builders import entry, ledger, ofx_file, trust_account
from trust import selectors_reconcile as sel
from trust import statement_files
from trust.models import BankStatement, EntryKind, Reconciliation, StatementLine, TrustEntry


def _statement(account, start, end, line_day=None):
    statement = BankStatement.objects.create(
        firm=account.firm,
        account=account,
        period_start=start,
        period_end=end,
        opening_balance=D("0.00"),
        closing_balance=D("10.00"),
        source="csv",
        filename="odd.csv",
        sha256=secrets.token_hex(32),
    )
    StatementLine.objects.create(
        firm=account.firm, statement=statement, date=line_day or end, amount=D("10.00"), bank_id="x"
    )
    return statement


@pytest.fixture
def odd_books(firm):
    """What the database may already hold: a statement line of 9999-12-31, an entry of
    0001-01-01."""
    account = trust_account(firm)
    smith = ledger(account, "2026-001", "Smith")
    entry(account, smith, EntryKind.DEPOSIT, "10.00", date(1, 1, 1))
    entry(account, smith, EntryKind.DEPOSIT, "10.00", date(2026, 1, 5))
    _statement(account, date(9999, 12, 1), date(9999, 12, 31))
    # The import made the month's draft reconciliation too.
    Reconciliation.objects.create(firm=account.firm, account=account, period_end=date(9999, 12, 31))
    return account


def test_pages_answer_with_far_dates_in_the_database(odd_books, accountant):
    client = client_for(accountant)
    for url in (
        reverse("trust_overview"),
        reverse("trust_reconciliations"),
        reverse("trust_reconcile_account", args=[odd_books.pk]),
        reverse("trust_reconcile_month", args=[odd_books.pk, 2026, 3]),
        reverse("api_trust_accounts"),
        reverse("api_trust_statements", args=[odd_books.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_the_month_list_is_bounded_whatever_the_database_holds(odd_books):
    today = date(2026, 6, 15)
    months = sel.month_list(account=odd_books, today=today)
    assert len(months) <= sel.MONTHS_LISTED
    assert [m.period_end for m in months] == [
        date(2026, 5, 31),
        date(2026, 4, 30),
        date(2026, 3, 31),
        date(2026, 2, 28),
        date(2026, 1, 31),
    ]


def test_a_statement_out_of_the_window_is_listed_for_removal(odd_books, accountant):
    page = client_for(accountant).get(reverse("trust_reconcile_account", args=[odd_books.pk]))
    assert "31 Dec 9999" in page.content.decode()


def test_a_statement_of_a_month_not_approved_is_removed_from_the_ui(odd_books, accountant):
    statement = BankStatement.objects.get(account=odd_books)
    response = client_for(accountant).post(
        reverse("trust_statement_remove", args=[statement.pk]), follow=True
    )
    assert response.status_code == 200
    assert not BankStatement.objects.filter(pk=statement.pk).exists()
    assert not StatementLine.objects.filter(statement_id=statement.pk).exists()
    assert "Removed the statement" in response.content.decode()


def test_a_statement_of_an_approved_month_is_not_removed(firm, accountant, admin):
    account = trust_account(firm)
    statement = _statement(account, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 5))
    Reconciliation.objects.create(
        firm=firm,
        account=account,
        period_end=date(2026, 3, 31),
        status="approved",
        prepared_by=accountant.user,
        prepared_at=timezone.now(),
        approved_by=admin.user,
        approved_at=timezone.now(),
    )
    response = client_for(accountant).post(
        reverse("trust_statement_remove", args=[statement.pk]), follow=True
    )
    assert "is locked, so removing a statement is not allowed" in response.content.decode()
    assert BankStatement.objects.filter(pk=statement.pk).exists()


def test_removing_a_statement_unmatches_its_lines_and_keeps_the_entries(firm, accountant):
    account = trust_account(firm)
    smith = ledger(account, "2026-001", "Smith")
    made = entry(account, smith, EntryKind.DEPOSIT, "10.00", date(2026, 3, 5))
    statement = _statement(account, date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 5))
    line = statement.lines.get()
    line.matches.create(firm=firm, entry=made, method="manual")
    client_for(accountant).post(reverse("trust_statement_remove", args=[statement.pk]))
    assert not BankStatement.objects.filter(pk=statement.pk).exists()
    assert TrustEntry.objects.filter(pk=made.pk).exists()


def test_an_outsider_cannot_remove_a_statement(odd_books, outsider):
    statement = BankStatement.objects.get(account=odd_books)
    response = client_for(outsider).post(reverse("trust_statement_remove", args=[statement.pk]))
    assert response.status_code == 404
    assert BankStatement.objects.filter(pk=statement.pk).exists()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "1969-12-31"])
def test_an_entry_dated_out_of_the_window_is_refused_by_the_api(firm, accountant, day):
    smith = ledger(trust_account(firm), "2026-001", "Smith")
    body = {"kind": "deposit", "ledger_id": smith.pk, "amount": "10.00", "date": day}
    response = client_for(accountant).post(
        reverse("api_trust_entries"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "outside the dates FirmSync accepts" in str(response.json()["error"]["details"])
    assert not TrustEntry.objects.exists()


def test_an_entry_dated_out_of_the_window_is_refused_by_the_form(firm, accountant):
    smith = ledger(trust_account(firm), "2026-001", "Smith")
    response = client_for(accountant).post(
        reverse("trust_entry_new", args=[smith.pk]),
        {
            "kind": "deposit",
            "deposit-amount": "10.00",
            "deposit-date": "0001-01-01",
            "deposit-token": "3f2a3c3e-1111-4b7b-9c1e-7f1a2b3c4d5e",
        },
    )
    assert response.status_code == 200
    assert "outside the dates FirmSync accepts" in response.content.decode()
    assert not TrustEntry.objects.exists()


def test_a_csv_line_dated_out_of_the_window_is_refused_with_its_row(firm, accountant):
    account = trust_account(firm)
    with pytest.raises(ValidationError, match=r"Row 3: the date 9999-12-31 is outside"):
        statement_files.parse_csv(
            b"Date,Amount\n2026-03-05,10.00\n9999-12-31,1.00\n",
            statement_files.CsvColumns(date="Date", amount="Amount"),
        )
    assert not BankStatement.objects.filter(account=account).exists()


def test_an_ofx_line_dated_out_of_the_window_is_refused(firm, accountant):
    ofx = ofx_file(trnamt="10.00", dtposted="99991231")
    with pytest.raises(ValidationError, match="outside the dates FirmSync accepts"):
        statement_files.parse_ofx(ofx)


def test_the_window_runs_from_1970_to_five_years_ahead():
    today = timezone.localdate()
    assert limits.date_in_window(date(1970, 1, 1)) == date(1970, 1, 1)
    assert limits.date_in_window(limits.date_max()) == limits.date_max()
    assert limits.date_max() >= today + timedelta(days=4 * 365)
    with pytest.raises(ValidationError, match="check the year"):
        limits.date_in_window(limits.date_max() + timedelta(days=1))
