"""The books' trust liability, read through their API as of a day and recorded for the
reconciliation; against both sandboxes over HTTP."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sync.providers.quickbooks.readback import credit_balance as quickbooks_credit_balance
from sync.providers.xero.readback import credit_balance as xero_credit_balance
from sync.trust_books.services import books_trust_balance_read
from tests.conftest import client_for
from tests.factories import TrustAccountFactory
from tests.sync.engine.conftest import synced  # noqa: F401 (the fixture)
from tests.sync.engine.test_push_scenarios import sync_now
from tests.sync.engine.test_trust_push import (
    Journal,
    _a_month_of_trust,
    _map_trust_accounts,
    _matters,
)
from trust.models import BankStatement, BooksTrustBalance


def test_the_balance_read_from_the_books_is_the_synced_ledgers_on_each_day(synced):  # noqa: F811
    matters = _matters(synced)
    _map_trust_accounts(synced)
    journal = Journal(synced.firm, matters)
    _a_month_of_trust(journal)  # the first deposit (1,000) is dated 2 March
    sync_now(synced.firm)

    end = books_trust_balance_read(firm=synced.firm, as_of=date(2026, 3, 31))
    first = books_trust_balance_read(firm=synced.firm, as_of=date(2026, 3, 2))
    before = books_trust_balance_read(firm=synced.firm, as_of=date(2026, 2, 28))

    assert (end.amount, first.amount, before.amount) == (
        Decimal("1350.00"),
        Decimal("1000.00"),
        Decimal("0.00"),
    )
    assert end.amount == journal.ledger_total()
    row = BooksTrustBalance.objects.get(pk=end.pk)
    assert row.provider == synced.books.provider
    assert row.account == journal.account and row.as_of == date(2026, 3, 31)
    assert row.books_account


def test_reading_without_a_trust_account_says_what_is_missing(synced):  # noqa: F811
    with pytest.raises(ValidationError, match="no primary trust account"):
        books_trust_balance_read(firm=synced.firm, as_of=date(2026, 3, 31))


def _march(account) -> dict:
    return {"account_id": account.pk, "year": 2026, "month": 3}


def _statement(account, user, closing: Decimal) -> BankStatement:
    return BankStatement.objects.create(
        firm=account.firm,
        account=account,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        opening_balance=Decimal("0.00"),
        closing_balance=closing,
        source=BankStatement.Source.CSV,
        bank_name="First Bank",
        filename="march.csv",
        sha256="0" * 64,
        imported_by=user,
    )


def test_the_months_reconciliation_reads_the_books_liability_and_shows_it(synced):  # noqa: F811
    matters = _matters(synced)
    _map_trust_accounts(synced)
    journal = Journal(synced.firm, matters)
    _a_month_of_trust(journal)
    sync_now(synced.firm)
    _statement(journal.account, synced.clio.admin.user, Decimal("1350.00"))
    client = client_for(synced.clio.admin)
    month = reverse("trust_reconcile_month", kwargs=_march(journal.account))
    assert 'data-testid="books-read"' in client.get(month).content.decode()

    response = client.post(reverse("trust_reconcile_books_read", kwargs=_march(journal.account)))

    assert response.status_code == 302 and response["Location"] == month
    read = BooksTrustBalance.objects.get(account=journal.account)
    assert (read.as_of, read.amount) == (date(2026, 3, 31), Decimal("1350.00"))
    page = client.get(month)
    (said,) = [str(m) for m in page.context["messages"]]
    assert said.startswith("Read 1,350.00 from ") and said.endswith(" as of 31 Mar 2026.")
    assert page.context["figures"]["books_balance"] == "1350.00"
    # The books agree with the journal; only the bank side waits for the statement's matching.
    assert "books_journal" not in {d["kind"] for d in page.context["figures"]["differences"]}


def test_reading_the_books_before_they_are_connected_says_what_to_do(admin):
    account = TrustAccountFactory(firm=admin.firm, is_primary=True)
    url = reverse("trust_reconcile_books_read", kwargs=_march(account))
    page = client_for(admin).post(url, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        "Connect QuickBooks Online or Xero first."
    ]
    assert not BooksTrustBalance.objects.exists()


def test_a_quickbooks_trial_balance_row_is_read_as_a_credit_balance():
    report = {
        "Rows": {
            "Row": [
                {
                    "ColData": [
                        {"value": "Client Trust Liability", "id": "7"},
                        {"value": ""},
                        {"value": "1,350.00"},
                    ]
                },
                {"ColData": [{"value": "IOLTA", "id": "5"}, {"value": "1350.00"}, {"value": ""}]},
            ]
        }
    }
    assert quickbooks_credit_balance(report, "7") == Decimal("1350.00")
    assert quickbooks_credit_balance(report, "5") == Decimal("-1350.00")
    assert quickbooks_credit_balance(report, "99") == Decimal("0.00")


def test_a_xero_trial_balance_row_is_read_from_its_year_to_date_columns():
    attrs = [{"Value": "abc", "Id": "account"}]
    cells = [{"Value": v, "Attributes": attrs} for v in ("Trust (850)", "", "50.00", "", "1350.00")]
    report = {"Rows": [{"RowType": "Section", "Rows": [{"RowType": "Row", "Cells": cells}]}]}
    assert xero_credit_balance(report, "abc") == Decimal("1350.00")
