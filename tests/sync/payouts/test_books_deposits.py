"""Deposits already in the books, read from sandbox QuickBooks and Xero over HTTP, carry a
Clio Payments payout net of fees."""

from datetime import date
from decimal import Decimal as D

import pytest

from practice.models import ClioPaymentsPayment
from sync.engine.registry import bank_deposits_read, client_for
from sync.models import ClioPayout, SyncSettings
from sync.payouts.services import payouts_refresh
from tests.sync.engine.conftest import connect_books

pytestmark = pytest.mark.django_db(transaction=True)


def _deposit(conn, accounts: dict, amount: str, day: str) -> str:
    client = client_for(conn)
    bank, income = accounts["operating_bank"]["id"], accounts["fee_income"]["id"]
    if conn.provider == "quickbooks":
        line = {
            "Amount": float(amount),
            "DetailType": "DepositLineDetail",
            "DepositLineDetail": {"AccountRef": {"value": income}},
        }
        body = {"DepositToAccountRef": {"value": bank}, "TxnDate": day, "Line": [line]}
        return _id(client.create("Deposit", body, key=f"dep-{day}-{amount}"), "Id")
    contact, _ = client.contact_find_or_create(name="Clio Payments", key="cp-contact")
    body = {
        "Type": "RECEIVE",
        "Contact": {"ContactID": contact.id},
        "BankAccount": {"Code": bank} if not bank.count("-") else {"AccountID": bank},
        "Date": day,
        "LineItems": [
            {"Description": "Payout", "Quantity": 1, "UnitAmount": amount, "AccountCode": income}
        ],
    }
    return _id(
        client.create("BankTransactions", body, key=f"dep-{day}-{amount}"), "BankTransactionID"
    )


def _id(made, key: str) -> str:
    # Entities the clients have no dataclass for come back as the provider's dict.
    return str(made[key] if isinstance(made, dict) else made.id)


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_a_books_deposit_into_the_operating_bank_carries_the_payout(
    clio_account, settings, provider
):
    admin = clio_account.admin
    conn = connect_books(clio_account.base, settings, admin, provider)
    accounts = SyncSettings.objects.get(firm=admin.firm).accounts
    remote_id = _deposit(conn, accounts, "1213.13", "2026-03-04")
    _deposit(conn, accounts, "50.00", "2026-04-20")  # outside the window: not read
    bank = str(accounts["operating_bank"]["id"])
    read = bank_deposits_read(conn, bank, date(2026, 3, 2), date(2026, 3, 7))
    assert [(d.remote_id, d.date, d.amount) for d in read] == [
        (str(remote_id), date(2026, 3, 4), D("1213.13"))
    ]
    for n, amount in enumerate(("1000.00", "250.00"), start=1):
        ClioPaymentsPayment.objects.create(
            firm=admin.firm,
            clio_id=n,
            amount=D(amount),
            state="completed",
            deposit_date=date(2026, 3, 2),
        )
    payouts_refresh(firm=admin.firm)
    payout = ClioPayout.objects.get(firm=admin.firm)
    assert (payout.status, payout.books_deposit_id, payout.fee) == (
        "matched",
        str(remote_id),
        D("36.87"),
    )
