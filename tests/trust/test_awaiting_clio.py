"""One home for every trust dollar: an entry made in FirmSync for an account Clio keeps awaits
Clio, is linked (never recorded twice) when the same money is read from Clio, and raises an
exception that says what to enter in Clio when it is not seen there in time."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django.utils import timezone

from tests.factories import ClientLedgerFactory
from trust import selectors, services
from trust.models import ClioConfirmation, EntryKind, TrustEntry, TrustException
from trust.services_awaiting import ClioRow, clio_matches, trust_awaiting_clio_flag
from trust.services_clio import ClioEntry, trust_entries_import

DAY = date(2026, 3, 4)
API_LEDGER = "api_trust_ledger"
IN, OUT = TrustEntry.Direction.IN, TrustEntry.Direction.OUT


# -- matching, worked examples ------------------------------------------------------------------


def _entry(pk, ledger_id=1, direction=IN, amount="500.00", day=DAY, reference=""):
    return TrustEntry(
        pk=pk, ledger_id=ledger_id, direction=direction, amount=D(amount), date=day,
        reference=reference,
    )  # fmt: skip


def _row(
    source_id="bank_transaction:1", ledger_id=1, direction=IN, amount="500.00", day=DAY, ref=""
):
    return ClioRow(source_id, ledger_id, direction, D(amount), day, ref)


def test_the_same_matter_direction_and_amount_within_a_week_is_the_same_money():
    entry = _entry(1)
    assert clio_matches(rows=[_row(day=DAY + timedelta(days=3))], awaiting=[entry]) == {
        "bank_transaction:1": entry
    }


@pytest.mark.parametrize(
    "row",
    [
        _row(amount="499.99"),
        _row(ledger_id=2),
        _row(direction=OUT),
        _row(day=DAY + timedelta(days=8)),
        _row(ref="CHQ-2"),
    ],
    ids=["amount", "matter", "direction", "eight days later", "another reference"],
)
def test_money_that_differs_in_any_way_is_not_linked(row):
    assert clio_matches(rows=[row], awaiting=[_entry(1, reference="CHQ-1")]) == {}


def test_of_two_candidates_the_same_reference_wins_and_each_entry_is_linked_once():
    plain, cheque = _entry(1), _entry(2, reference="CHQ-9", day=DAY + timedelta(days=2))
    rows = [_row("bank_transaction:1", ref="CHQ-9"), _row("bank_transaction:2")]
    found = clio_matches(rows=rows, awaiting=[plain, cheque])
    assert found == {"bank_transaction:1": cheque, "bank_transaction:2": plain}
    assert clio_matches(rows=rows, awaiting=[plain]) == {"bank_transaction:1": plain}


# -- posting and importing ----------------------------------------------------------------------


@pytest.fixture
def ledger(firm):
    return ClientLedgerFactory(firm=firm, account__is_primary=True)  # the account is Clio's


def test_an_entry_made_here_awaits_clio_only_when_clio_keeps_the_account(firm, ledger):
    clio_kept = services.trust_deposit_record(ledger=ledger, amount=D("500"), date=DAY)
    own = ClientLedgerFactory(firm=firm, account__clio_id=None, account__name="Own")
    ours = services.trust_deposit_record(ledger=own, amount=D("500"), date=DAY)
    assert (clio_kept.awaits_clio, ours.awaits_clio) == (True, False)


def _clio(source_id, ledger, amount="500.00", day=DAY, kind=EntryKind.DEPOSIT, direction=IN):
    return ClioEntry(source_id, kind, direction, D(amount), day, matter_id=ledger.matter_id)


def test_the_same_money_read_from_clio_is_linked_and_counted_once(ledger):
    made = services.trust_deposit_record(ledger=ledger, amount=D("500"), date=DAY)

    first = trust_entries_import(
        account=ledger.account, rows=[_clio("bank_transaction:7", ledger, day=DAY + timedelta(1))]
    )
    again = trust_entries_import(account=ledger.account, rows=[_clio("bank_transaction:7", ledger)])

    assert (first.created, again.created) == (0, 0)
    assert first.entries["bank_transaction:7"] == again.entries["bank_transaction:7"] == made
    assert ClioConfirmation.objects.get(entry=made).clio_source_id == "bank_transaction:7"
    assert selectors.ledger_balance(ledger=ledger) == D("500.00")
    assert TrustEntry.objects.filter(ledger=ledger).count() == 1


def test_other_money_from_clio_is_recorded_as_its_own_entry(ledger):
    services.trust_deposit_record(ledger=ledger, amount=D("500"), date=DAY)
    done = trust_entries_import(
        account=ledger.account, rows=[_clio("bank_transaction:8", ledger, amount="200.00")]
    )
    assert done.created == 1
    assert selectors.ledger_balance(ledger=ledger) == D("700.00")


# -- not in Clio in time ----------------------------------------------------------------------


def _age(days):
    # Entries are append-only (a trigger refuses UPDATE), so the clock is moved instead.
    return timezone.now() + timedelta(days=days)


def test_an_entry_not_in_clio_after_the_days_raises_one_exception_saying_what_to_enter(
    firm, ledger, monkeypatch
):
    made = services.trust_deposit_record(
        ledger=ledger, amount=D("1250"), date=DAY, reference="WIRE-42", payee="Ada Lovelace"
    )
    assert trust_awaiting_clio_flag(firm_id=firm.pk, days=5) == []  # made today

    later = _age(6)
    monkeypatch.setattr(timezone, "now", lambda: later)
    (raised,) = trust_awaiting_clio_flag(firm_id=firm.pk, days=5)
    assert trust_awaiting_clio_flag(firm_id=firm.pk, days=5) == []  # once

    assert raised.kind == TrustException.Kind.NOT_IN_CLIO and raised.entry == made
    assert raised.instruction == (
        f"In Clio, in the trust account {ledger.account.name}, enter the deposit of $1,250.00 "
        f"to the matter {ledger.matter}, dated 04 Mar 2026, reference WIRE-42, payee Ada "
        "Lovelace. FirmSync links it to this entry when it reads it."
    )


def test_linking_the_clio_transaction_closes_the_exception(firm, ledger, monkeypatch):
    services.trust_deposit_record(ledger=ledger, amount=D("300"), date=DAY)
    later = _age(10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    (raised,) = trust_awaiting_clio_flag(firm_id=firm.pk, days=5)

    trust_entries_import(account=ledger.account, rows=[_clio("bank_transaction:9", ledger, "300")])

    raised.refresh_from_db()
    assert raised.resolved_at is not None
    assert raised.resolution == "Entered in Clio; FirmSync linked it."
    assert mail.outbox == []  # an import that only links raises nothing new


def test_an_account_of_firmsyncs_own_never_waits_for_clio(firm, monkeypatch):
    own = ClientLedgerFactory(firm=firm, account__clio_id=None)
    services.trust_deposit_record(ledger=own, amount=D("300"), date=DAY)
    later = _age(30)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert trust_awaiting_clio_flag(firm_id=firm.pk, days=5) == []


def test_an_entry_reversed_before_clio_shows_it_raises_no_exception(firm, ledger, monkeypatch):
    # The deposit and its reversal move no money together: there is nothing to enter in Clio.
    made = services.trust_deposit_record(ledger=ledger, amount=D("300"), date=DAY)
    services.trust_entry_reverse(entry=made, date=DAY + timedelta(days=1))
    later = _age(10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert trust_awaiting_clio_flag(firm_id=firm.pk, days=5) == []
    assert not TrustException.objects.filter(firm=firm).exists()


def test_reversing_an_entry_clio_never_showed_closes_its_not_in_clio_exception(
    firm, ledger, monkeypatch
):
    made = services.trust_deposit_record(ledger=ledger, amount=D("300"), date=DAY)
    later = _age(10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    (raised,) = trust_awaiting_clio_flag(firm_id=firm.pk, days=5)

    services.trust_entry_reverse(entry=made, date=DAY + timedelta(days=10))

    raised.refresh_from_db()
    assert raised.resolved_at is not None
    assert raised.resolution == (
        "Reversed in FirmSync before it reached Clio: the entry and its reversal move no money, "
        "so there is nothing to enter in Clio."
    )
    assert trust_awaiting_clio_flag(firm_id=firm.pk, days=5) == []


def test_reversing_an_entry_clio_has_asks_for_the_reversal_in_clio(firm, ledger, monkeypatch):
    made = services.trust_deposit_record(ledger=ledger, amount=D("300"), date=DAY)
    trust_entries_import(account=ledger.account, rows=[_clio("bank_transaction:5", ledger, "300")])
    reversal = services.trust_entry_reverse(entry=made, date=DAY + timedelta(days=1))
    later = _age(10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    (raised,) = trust_awaiting_clio_flag(firm_id=firm.pk, days=5)
    assert raised.entry == reversal


def test_the_three_way_report_leaves_out_a_pair_neither_in_clio(ledger):
    from trust.selectors_reconcile import awaiting_clio

    paired = services.trust_deposit_record(ledger=ledger, amount=D("300"), date=DAY)
    alone = services.trust_deposit_record(ledger=ledger, amount=D("40"), date=DAY)
    services.trust_entry_reverse(entry=paired, date=date(2026, 4, 2))
    # At the end of March the reversal had not happened: the deposit was still Clio's to enter.
    assert awaiting_clio(account=ledger.account, period_end=date(2026, 3, 31)) == [paired, alone]
    assert awaiting_clio(account=ledger.account, period_end=date(2026, 4, 30)) == [alone]


# -- shown on the ledger and in the three-way report --------------------------------------------


def test_the_ledger_marks_an_entry_awaiting_clio_until_clio_has_it(ledger, viewer):
    from django.urls import reverse

    from tests.conftest import client_for

    services.trust_deposit_record(ledger=ledger, amount=D("300"), date=DAY)
    url, api = reverse("trust_ledger", args=[ledger.pk]), reverse(API_LEDGER, args=[ledger.pk])
    assert 'data-testid="awaiting-clio"' in client_for(viewer).get(url).content.decode()
    assert client_for(viewer).get(api).json()["entries"][0]["awaiting_clio"] is True

    trust_entries_import(account=ledger.account, rows=[_clio("bank_transaction:3", ledger, "300")])

    assert 'data-testid="awaiting-clio"' not in client_for(viewer).get(url).content.decode()
    assert client_for(viewer).get(api).json()["entries"][0]["awaiting_clio"] is False


def test_the_ledger_asks_for_neither_half_of_a_pair_clio_never_had(ledger, viewer):
    from django.urls import reverse

    from tests.conftest import client_for

    made = services.trust_deposit_record(ledger=ledger, amount=D("300"), date=DAY)
    services.trust_entry_reverse(entry=made, date=DAY + timedelta(days=1))
    services.trust_deposit_record(ledger=ledger, amount=D("40"), date=DAY)
    html = client_for(viewer).get(reverse("trust_ledger", args=[ledger.pk])).content.decode()
    assert html.count('data-testid="awaiting-clio-netted"') == 2
    assert html.count('data-testid="awaiting-clio"') == 1  # the 40.00 deposit


def test_the_three_way_report_says_which_record_the_account_keeps_and_what_clio_lacks():
    from trust.reconcile import Inputs, Item, reconcile

    base = dict(
        period_end=date(2026, 3, 31),
        statement_balance=D("500.00"),
        outstanding=[],
        bank_only=[],
        journal_balance=D("500.00"),
        client_ledgers=[],
        firm_funds_balance=D("500.00"),
        books_balance=D("500.00"),
    )
    own = reconcile(Inputs(**base, kept_in_clio=False))
    assert own.notes == ("This account is not kept in Clio: FirmSync's entries are its record.",)

    waiting = [Item(DAY, D("500.00"), "Deposit · Ada Lovelace", "")]
    clio = reconcile(Inputs(**base, kept_in_clio=True, awaiting_clio=waiting))
    assert clio.notes == (
        "Clio keeps this account and is its record; entries made here are linked to Clio's.",
        "1 entry made in FirmSync (500.00 moved) is awaiting Clio: counted here, not yet in "
        "Clio's ledgers. Enter it in Clio: 04 Mar 2026 500.00 Deposit · Ada Lovelace.",
    )
    assert clio.ties  # awaiting Clio is a state of the record, not a difference in the money
