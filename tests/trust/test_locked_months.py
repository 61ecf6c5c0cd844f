"""An approved reconciliation month is locked for every kind of trust write: the services refuse
it with the month's name and what to do, the form and the API show it, and an entry from Clio
(the record) dated inside it is kept and raises a compliance exception."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.conftest import client_for
from tests.factories import BillFactory
from tests.trust.reconcile_builders import entry, ledger, trust_account
from trust import services, services_clio, statement_files, statements
from trust.errors import TrustPeriodLocked
from trust.models import EntryKind, Reconciliation, TrustEntry, TrustException

MARCH = date(2026, 3, 15)
APRIL = date(2026, 4, 2)
LOCKED = r"March 2026 was approved by .* and is locked, so .* dated 15 Mar 2026 is not allowed"


@pytest.fixture
def books(firm, accountant, admin):
    """An account whose March 2026 is approved; Smith holds 1,000.00 and Jones 5.00 from
    February."""
    account = trust_account(firm)
    smith = ledger(account, "2026-001", "Smith")
    jones = ledger(account, "2026-002", "Jones")
    entry(account, smith, EntryKind.DEPOSIT, "1000.00", date(2026, 2, 2))
    entry(account, jones, EntryKind.DEPOSIT, "5.00", date(2026, 2, 3))
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
    return account, smith, jones


def _writes(account, smith, jones, day):
    """Every kind of trust write FirmSync makes, each dated `day`."""
    bill = BillFactory(firm=account.firm, balance=D("50.00"), matters=[smith.matter])
    earlier = TrustEntry.objects.get(ledger=jones, date=date(2026, 2, 3))
    return {
        "deposit": lambda: services.trust_deposit_record(ledger=smith, amount=D("5"), date=day),
        "disbursement": lambda: services.trust_disbursement_record(
            ledger=smith, amount=D("5"), date=day
        ),
        "refund": lambda: services.trust_refund_record(ledger=smith, amount=D("5"), date=day),
        "earned fee": lambda: services.trust_earned_fee_transfer(
            ledger=smith, amount=D("5"), date=day
        ),
        "bill paid from trust": lambda: services.trust_bill_payment_record(
            ledger=smith, bill=bill, amount=D("5"), date=day
        ),
        "transfer": lambda: services.trust_transfer_record(
            from_ledger=smith, to_ledger=jones, amount=D("5"), date=day
        ),
        "bank fee": lambda: services.trust_bank_fee_record(
            account=account, amount=D("5"), date=day
        ),
        "reversal": lambda: services.trust_entry_reverse(entry=earlier, date=day),
    }


def test_every_kind_of_write_dated_in_a_locked_month_is_refused(books):
    account, smith, jones = books
    before = TrustEntry.objects.count()
    for kind, write in _writes(account, smith, jones, MARCH).items():
        with pytest.raises(TrustPeriodLocked, match=LOCKED) as refused:
            write()
        assert "reversing entry dated today" in str(refused.value) or "reverse it" in str(
            refused.value
        ), kind
    assert TrustEntry.objects.count() == before


def test_every_kind_of_write_dated_in_an_open_month_is_posted(books):
    account, smith, jones = books
    for write in _writes(account, smith, jones, APRIL).values():
        write()
    assert not TrustEntry.objects.filter(date__month=3).exists()


def test_an_entry_of_a_locked_month_is_corrected_by_a_reversal_dated_today(books):
    _, smith, _ = books
    february = TrustEntry.objects.get(ledger=smith)
    reversal = services.trust_entry_reverse(entry=february, date=APRIL)
    assert (reversal.reverses, reversal.date) == (february, APRIL)


def test_the_api_refuses_a_deposit_in_a_locked_month_with_409(books, accountant):
    _, smith, _ = books
    body = {"kind": "deposit", "ledger_id": smith.pk, "amount": "10.00", "date": "2026-03-15"}
    response = client_for(accountant).post(
        reverse("api_trust_entries"), body, content_type="application/json"
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "period_locked"
    assert "March 2026" in error["message"] and "is locked" in error["message"]
    assert not TrustEntry.objects.filter(date=MARCH).exists()


def test_the_form_shows_why_a_disbursement_in_a_locked_month_is_refused(books, accountant):
    _, smith, _ = books
    response = client_for(accountant).post(
        reverse("trust_entry_new", args=[smith.pk]),
        {
            "kind": "disbursement",
            "disbursement-amount": "10.00",
            "disbursement-date": "2026-03-15",
            "disbursement-payee": "Court",
            "disbursement-token": "3f2a3c3e-1111-4b7b-9c1e-7f1a2b3c4d5e",
        },
    )
    assert response.status_code == 200
    assert "March 2026 was approved by" in response.content.decode()
    assert not TrustEntry.objects.filter(date=MARCH).exists()


def test_a_statement_into_a_locked_month_is_refused(books, accountant):
    account, _, _ = books
    upload = statements.statement_upload_create(
        member=accountant,
        account=account,
        filename="march.csv",
        content=b"Date,Amount\n2026-03-05,10.00\n",
    )
    with pytest.raises(TrustPeriodLocked, match=r"March 2026 .* importing a statement"):
        statements.statement_import_csv(
            member=accountant,
            upload=upload,
            columns=statement_files.CsvColumns(date="Date", amount="Amount"),
            bank_name="",
            closing_balance=D("10.00"),
        )


def test_a_statement_reaching_into_a_locked_month_is_refused(books, accountant):
    account, _, _ = books
    upload = statements.statement_upload_create(
        member=accountant,
        account=account,
        filename="feb-apr.csv",
        content=b"Date,Amount\n2026-02-05,10.00\n2026-04-05,10.00\n",
    )
    with pytest.raises(TrustPeriodLocked, match="March 2026"):
        statements.statement_import_csv(
            member=accountant,
            upload=upload,
            columns=statement_files.CsvColumns(date="Date", amount="Amount"),
            bank_name="",
            closing_balance=D("20.00"),
        )


def test_a_clio_entry_in_a_locked_month_is_kept_and_raises_an_exception(books, accountant):
    account, smith, _ = books
    row = services_clio.ClioEntry(
        source_id="bank_transaction:77",
        kind=EntryKind.DEPOSIT,
        direction="in",
        amount=D("25.00"),
        date=MARCH,
        matter_id=smith.matter_id,
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda f, *a, **k: f())
        result = services_clio.trust_entries_import(account=account, rows=[row])
    made = result.entries["bank_transaction:77"]
    assert made.date == MARCH
    (raised,) = result.exceptions
    assert (raised.kind, raised.entry, raised.ledger_id) == ("locked_month", made, smith.pk)
    assert TrustException.objects.filter(kind="locked_month", resolved_at=None).count() == 1
    assert "locked month March 2026" in mail.outbox[0].subject
    assert mail.outbox[0].to == [accountant.user.email]


def test_a_clio_entry_in_an_open_month_raises_nothing(books):
    account, smith, _ = books
    row = services_clio.ClioEntry(
        source_id="bank_transaction:78",
        kind=EntryKind.DEPOSIT,
        direction="in",
        amount=D("25.00"),
        date=APRIL,
        matter_id=smith.matter_id,
    )
    assert services_clio.trust_entries_import(account=account, rows=[row]).exceptions == []


def test_the_overview_and_api_list_a_locked_month_exception(books, accountant):
    account, _, _ = books
    row = services_clio.ClioEntry(
        source_id="bank_transaction:79",
        kind=EntryKind.BANK_FEE,
        direction="out",
        amount=D("3.00"),
        date=MARCH,
    )
    services_clio.trust_entries_import(account=account, rows=[row])
    client = client_for(accountant)
    page = client.get(reverse("trust_overview"))
    assert page.status_code == 200
    assert "approved, locked month March 2026" in page.content.decode()
    (listed,) = client.get(reverse("api_trust_exceptions")).json()["results"]
    assert (listed["kind"], listed["ledger"], listed["balance_after"]) == (
        "locked_month",
        None,
        None,
    )


def test_a_locked_month_exception_is_acknowledged_with_a_note(books, accountant):
    account, smith, _ = books
    row = services_clio.ClioEntry(
        source_id="bank_transaction:80",
        kind=EntryKind.DEPOSIT,
        direction="in",
        amount=D("25.00"),
        date=MARCH,
        matter_id=smith.matter_id,
    )
    (raised,) = services_clio.trust_entries_import(account=account, rows=[row]).exceptions
    response = client_for(accountant).post(
        reverse("trust_exception_resolve", args=[raised.pk]),
        {"note": "Reversed in Clio on 2 Apr; the deposit is dated April."},
    )
    assert response.status_code == 302
    raised.refresh_from_db()
    assert raised.resolved_by == accountant.user and not raised.is_open
