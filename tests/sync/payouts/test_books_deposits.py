"""Deposits already in the books, read from sandbox QuickBooks and Xero over HTTP, carry a
Clio Payments payout net of fees; the fees are written to the books once, through the outbox."""

from datetime import date
from decimal import Decimal as D

import pytest

from practice.models import ClioPaymentsPayment
from sync.engine.push import push_pending
from sync.engine.registry import bank_deposits_read, client_for
from sync.models import ClioPayout, SyncOperation, SyncSettings
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


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_the_fee_of_a_matched_payout_is_written_to_the_books_once(clio_account, settings, provider):
    admin = clio_account.admin
    conn = connect_books(clio_account.base, settings, admin, provider)
    accounts = SyncSettings.objects.get(firm=admin.firm).accounts
    assert accounts.get("bank_charges") and accounts.get("operating_bank")
    _deposit(conn, accounts, "1213.13", "2026-03-04")
    for n, amount in enumerate(("1000.00", "250.00"), start=1):
        ClioPaymentsPayment.objects.create(
            firm=admin.firm,
            clio_id=n,
            amount=D(amount),
            state="completed",
            deposit_date=date(2026, 3, 2),
        )
    payouts_refresh(firm=admin.firm)
    [op] = SyncOperation.objects.filter(connection=conn, entity="payout_fee")
    assert (op.local_id, op.payload["amount"], op.payload["date"]) == (
        "payout:2026-03-02",
        "36.87",
        "2026-03-04",
    )
    totals = push_pending(connection=conn)
    op.refresh_from_db()
    assert (op.status, totals["done"]) == ("done", 1), op.error_message
    written = client_for(conn).get(
        "Purchase" if provider == "quickbooks" else "BankTransactions", op.remote_id
    )
    raw = written.raw if hasattr(written, "raw") else written
    if provider == "quickbooks":
        assert raw["AccountRef"]["value"] == str(accounts["operating_bank"]["id"])
        line = raw["Line"][0]
        assert D(str(line["Amount"])) == D("36.87")
        detail = line["AccountBasedExpenseLineDetail"]["AccountRef"]["value"]
        assert detail == str(accounts["bank_charges"]["id"])
    else:
        assert raw["Type"] == "SPEND" and D(str(raw["Total"])) == D("36.87")
        assert raw["Contact"]["Name"] == "Clio Payments"
    payouts_refresh(firm=admin.firm)  # again: nothing new is queued
    assert SyncOperation.objects.filter(connection=conn, entity="payout_fee").count() == 1


@pytest.mark.parametrize("provider", ["quickbooks", "xero"])
def test_a_fee_corrected_after_it_was_written_is_put_right_beside_it(
    clio_account, settings, provider
):
    admin = clio_account.admin
    conn = connect_books(clio_account.base, settings, admin, provider)
    accounts = SyncSettings.objects.get(firm=admin.firm).accounts
    _deposit(conn, accounts, "1213.13", "2026-03-04")
    for n, amount in enumerate(("1000.00", "250.00"), start=1):
        ClioPaymentsPayment.objects.create(
            firm=admin.firm,
            clio_id=n,
            amount=D(amount),
            state="completed",
            deposit_date=date(2026, 3, 2),
        )
    payouts_refresh(firm=admin.firm)
    push_pending(connection=conn)
    # The 250.00 is refunded; the books' deposit is corrected to the 970.50 that arrived.
    ClioPaymentsPayment.objects.filter(firm=admin.firm, clio_id=2).update(state="voided")
    _deposit(conn, accounts, "970.50", "2026-03-04")
    payouts_refresh(firm=admin.firm)
    fix = SyncOperation.objects.get(connection=conn, local_id="payout:2026-03-02:correction-1")
    totals = push_pending(connection=conn)
    fix.refresh_from_db()
    assert (fix.status, totals["done"]) == ("done", 1), fix.error_message
    written = client_for(conn).get(
        "Deposit" if provider == "quickbooks" else "BankTransactions", fix.remote_id
    )
    raw = written.raw if hasattr(written, "raw") else written
    if provider == "quickbooks":
        assert raw["DepositToAccountRef"]["value"] == str(accounts["operating_bank"]["id"])
        line = raw["Line"][0]
        assert D(str(line["Amount"])) == D("7.37")
        assert line["DepositLineDetail"]["AccountRef"]["value"] == str(
            accounts["bank_charges"]["id"]
        )
    else:
        assert raw["Type"] == "RECEIVE" and D(str(raw["Total"])) == D("7.37")
        assert raw["Contact"]["Name"] == "Clio Payments"
    assert SyncOperation.objects.filter(connection=conn, entity="payout_fee").count() == 2
