"""Trust services and selectors: every movement of client money, the overdraft guard, reversals,
and reads scoped to the member's firm."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core import mail
from django.http import Http404

from tests.factories import BillFactory, ClientLedgerFactory, MatterFactory
from trust import selectors, services, services_clio
from trust.errors import TrustAlreadyReversed, TrustError, TrustOverdraft
from trust.models import EntryKind, EntrySource, TrustEntry, TrustException

DAY = date(2026, 3, 2)


@pytest.fixture
def ledger(firm):
    return ClientLedgerFactory(
        firm=firm, matter=MatterFactory(firm=firm, display_number="00012-Lovelace")
    )


@pytest.fixture
def other(firm, ledger):
    return ClientLedgerFactory(firm=firm, account=ledger.account)


def _deposit(ledger, amount, day=DAY):
    return services.trust_deposit_record(
        ledger=ledger, amount=D(amount), date=day, description="Retainer", payee="Ada"
    )


def _balance(ledger):
    return selectors.ledger_balance(ledger=ledger)


def test_it_records_a_deposit_on_the_ledger(ledger, admin):
    entry = services.trust_deposit_record(
        ledger=ledger,
        amount=D("1500.00"),
        date=DAY,
        description="Retainer",
        payee="Ada Lovelace",
        reference="W-1",
        created_by=admin.user,
    )
    assert (entry.kind, entry.direction, entry.amount) == ("deposit", "in", D("1500.00"))
    assert entry.source == EntrySource.FIRMSYNC and entry.source_id.startswith("firmsync:")
    assert (entry.account_id, entry.created_by) == (ledger.account_id, admin.user)
    assert _balance(ledger) == D("1500.00")


def test_a_disbursement_takes_money_off_the_ledger(ledger):
    _deposit(ledger, "1000")
    entry = services.trust_disbursement_record(
        ledger=ledger, amount=D("250.50"), date=DAY, payee="Court clerk", reference="CHK 101"
    )
    assert (entry.kind, entry.direction) == ("disbursement", "out")
    assert _balance(ledger) == D("749.50")


def test_disbursement_over_client_balance_is_rejected_naming_matter_and_balance(ledger):
    _deposit(ledger, "150")
    with pytest.raises(TrustOverdraft) as caught:
        services.trust_disbursement_record(ledger=ledger, amount=D("200"), date=DAY)
    assert caught.value.message == (
        "00012-Lovelace Estate planning has $150.00 available in trust; this disbursement of "
        "$200.00 would overdraw it."
    )
    assert _balance(ledger) == D("150.00") and TrustEntry.objects.count() == 1


def test_a_withdrawal_of_exactly_the_balance_leaves_zero(ledger):
    _deposit(ledger, "150")
    services.trust_refund_record(ledger=ledger, amount=D("150.00"), date=DAY, payee="Ada")
    assert _balance(ledger) == D("0.00")


@pytest.mark.parametrize("amount", [D("0"), D("-5"), D("0.001"), "abc"])
def test_an_amount_that_is_not_positive_whole_cents_is_refused(ledger, amount):
    with pytest.raises(TrustError, match=r"amount|cent|not an amount"):
        services.trust_deposit_record(ledger=ledger, amount=amount, date=DAY)
    assert not TrustEntry.objects.exists()


def test_refund_and_earned_fee_are_withdrawals_guarded_like_disbursements(ledger):
    _deposit(ledger, "500")
    fee = services.trust_earned_fee_transfer(ledger=ledger, amount=D("300"), date=DAY)
    refund = services.trust_refund_record(ledger=ledger, amount=D("150"), date=DAY)
    assert (fee.kind, refund.kind) == ("earned_fee", "refund")
    with pytest.raises(TrustOverdraft, match=r"\$50.00 available.*earned fees"):
        services.trust_earned_fee_transfer(ledger=ledger, amount=D("60"), date=DAY)
    assert _balance(ledger) == D("50.00")


def test_a_bill_paid_from_trust_links_the_bill(ledger):
    bill = BillFactory(firm=ledger.firm, matters=[ledger.matter], balance=D("400"))
    _deposit(ledger, "1000")
    entry = services.trust_bill_payment_record(ledger=ledger, bill=bill, amount=D("400"), date=DAY)
    assert (entry.kind, entry.bill, entry.direction) == ("bill_payment", bill, "out")
    assert _balance(ledger) == D("600.00")


def test_trust_pays_only_a_bill_of_the_same_matter(ledger, other):
    bill = BillFactory(firm=ledger.firm, matters=[other.matter], balance=D("400"))
    _deposit(ledger, "1000")
    with pytest.raises(TrustError, match="same matter"):
        services.trust_bill_payment_record(ledger=ledger, bill=bill, amount=D("400"), date=DAY)


def test_a_transfer_posts_two_legs_sharing_a_group(ledger, other):
    _deposit(ledger, "1000")
    out, into = services.trust_transfer_record(
        from_ledger=ledger, to_ledger=other, amount=D("400"), date=DAY, source_id="req:7"
    )
    assert (out.kind, out.direction, out.ledger) == ("transfer_out", "out", ledger)
    assert (into.kind, into.direction, into.ledger) == ("transfer_in", "in", other)
    assert out.transfer_group == into.transfer_group is not None
    assert (out.source_id, into.source_id) == ("req:7:out", "req:7:in")
    assert (_balance(ledger), _balance(other)) == (D("600.00"), D("400.00"))


def test_a_transfer_beyond_the_source_balance_is_refused(ledger, other):
    _deposit(ledger, "100")
    with pytest.raises(TrustOverdraft, match=r"\$100.00 available.*transfer of \$100.01"):
        services.trust_transfer_record(
            from_ledger=ledger, to_ledger=other, amount=D("100.01"), date=DAY
        )
    assert _balance(other) == D("0.00")


def test_a_bank_fee_is_covered_by_firm_funds_on_no_ledger(ledger):
    fee, cover = services.trust_bank_fee_record(account=ledger.account, amount=D("15"), date=DAY)
    assert (fee.kind, fee.direction, fee.ledger) == ("bank_fee", "out", None)
    assert (cover.kind, cover.direction, cover.ledger) == ("firm_funds", "in", None)
    totals = selectors.account_totals(account=ledger.account)
    assert (totals.journal, totals.client_ledgers, totals.firm_funds) == (0, 0, 0)


def test_the_consoles_journal_balances_are_the_totals_journals(ledger, other):
    from tests.factories import TrustAccountFactory
    from trust.selectors_ledger import account_journals_many, account_totals_many

    _deposit(ledger, "100.00")
    _deposit(other, "40.50")
    services.trust_bank_fee_record(account=ledger.account, amount=D("15"), date=DAY)
    services.trust_disbursement_record(
        ledger=ledger, amount=D("30.25"), date=DAY, description="Filing fee", payee="Court"
    )
    empty = TrustAccountFactory(firm=ledger.firm)
    ids = [ledger.account_id, empty.pk]
    totals = account_totals_many(account_ids=ids)
    assert account_journals_many(account_ids=ids) == {
        ledger.account_id: totals[ledger.account_id].journal,
        empty.pk: 0,
    }
    assert totals[ledger.account_id].journal == D("110.25")


def test_a_reversal_names_its_entry_and_moves_the_money_back(ledger, admin):
    _deposit(ledger, "1000")
    paid = services.trust_disbursement_record(ledger=ledger, amount=D("300"), date=DAY)
    undo = services.trust_entry_reverse(entry=paid, date=DAY, created_by=admin.user)
    assert (undo.kind, undo.direction, undo.amount) == ("reversal", "in", D("300.00"))
    assert (undo.reverses, undo.ledger) == (paid, ledger)
    assert _balance(ledger) == D("1000.00")


def test_an_entry_is_reversed_only_once(ledger):
    deposit = _deposit(ledger, "1000")
    services.trust_entry_reverse(entry=deposit, date=DAY)
    with pytest.raises(TrustAlreadyReversed):
        services.trust_entry_reverse(entry=deposit, date=DAY)
    assert _balance(ledger) == D("0.00")


def test_reversing_a_deposit_already_spent_is_refused_as_an_overdraft(ledger):
    deposit = _deposit(ledger, "1000")
    services.trust_disbursement_record(ledger=ledger, amount=D("700"), date=DAY)
    with pytest.raises(TrustOverdraft, match=r"\$300.00 available.*reversal of \$1,000.00"):
        services.trust_entry_reverse(entry=deposit, date=DAY)


def test_reversing_a_transfer_leg_reverses_both_legs(ledger, other):
    _deposit(ledger, "1000")
    out, into = services.trust_transfer_record(
        from_ledger=ledger, to_ledger=other, amount=D("400"), date=DAY
    )
    undo = services.trust_entry_reverse(entry=out, date=DAY)
    assert undo.reverses == out and into.reversed_by.direction == "out"
    assert (_balance(ledger), _balance(other)) == (D("1000.00"), D("0.00"))


def test_a_replayed_source_id_returns_the_same_entry(ledger):
    _deposit(ledger, "1000")
    first = services.trust_disbursement_record(
        ledger=ledger, amount=D("100"), date=DAY, source=EntrySource.API, source_id="key-1"
    )
    again = services.trust_disbursement_record(
        ledger=ledger, amount=D("100"), date=DAY, source=EntrySource.API, source_id="key-1"
    )
    assert again == first and _balance(ledger) == D("900.00")


def test_client_ledger_open_is_get_or_create(ledger):
    same = services.client_ledger_open(account=ledger.account, matter=ledger.matter)
    assert same == ledger


# -- Clio imports ---------------------------------------------------------------------------


def _clio(ledger, n, kind, direction, amount):
    return services_clio.ClioEntry(
        source_id=f"bank_transaction:{n}",
        kind=kind,
        direction=direction,
        amount=D(amount),
        date=DAY,
        matter_id=ledger.matter_id,
    )


def test_a_clio_transaction_seen_ten_times_is_one_entry(ledger):
    row = _clio(ledger, 1, EntryKind.DEPOSIT, "in", "500")
    entries = {services_clio.trust_entry_import(account=ledger.account, row=row) for _ in range(10)}
    assert len(entries) == 1 and TrustEntry.objects.get().source == EntrySource.CLIO


def test_a_clio_withdrawal_that_overdraws_is_kept_and_raises_an_exception(
    ledger, accountant, admin, django_capture_on_commit_callbacks
):
    rows = [
        _clio(ledger, 1, EntryKind.DEPOSIT, "in", "100"),
        _clio(ledger, 2, EntryKind.DISBURSEMENT, "out", "250"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        result = services_clio.trust_entries_import(account=ledger.account, rows=rows)
    assert result.created == 2 and _balance(ledger) == D("-150.00")
    raised = TrustException.objects.get()
    assert (raised.entry.source_id, raised.balance_after) == ("bank_transaction:2", D("-150.00"))
    [email] = mail.outbox
    assert email.to == [accountant.user.email]
    assert "00012-Lovelace Estate planning" in email.body and "-$150.00" in email.body
    assert "$250.00" in email.body and f"/trust/ledgers/{ledger.pk}/" in email.body


def test_without_an_accountant_the_admins_hear_of_an_overdraft(
    ledger, admin, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services_clio.trust_entry_import(
            account=ledger.account, row=_clio(ledger, 3, EntryKind.DISBURSEMENT, "out", "1")
        )
    assert [m.to for m in mail.outbox] == [[admin.user.email]]


def test_bulk_import_query_count_does_not_grow_with_rows(ledger, django_assert_max_num_queries):
    rows = [_clio(ledger, n, EntryKind.DEPOSIT, "in", "10") for n in range(200)]
    with django_assert_max_num_queries(12):
        result = services_clio.trust_entries_import(account=ledger.account, rows=rows)
    assert result.created == 200 and _balance(ledger) == D("2000.00")


# -- selectors ------------------------------------------------------------------------------


def test_an_outsider_gets_404_from_the_accessors(ledger, outsider, admin):
    assert selectors.client_ledger_get_for_member(member=admin, ledger_id=ledger.pk) == ledger
    with pytest.raises(Http404):
        selectors.client_ledger_get_for_member(member=outsider, ledger_id=ledger.pk)
    with pytest.raises(Http404):
        selectors.trust_account_get_for_member(member=outsider, account_id=ledger.account_id)
    with pytest.raises(Http404):
        selectors.client_ledger_get_for_member(member=admin, ledger_id=ledger.pk + 999)


def test_ledgers_list_carries_each_balance(ledger, other, admin, django_assert_num_queries):
    _deposit(ledger, "300")
    _deposit(other, "50")
    with django_assert_num_queries(1):
        balances = {
            x.pk: x.balance
            for x in selectors.client_ledgers_list(member=admin, account=ledger.account)
        }
    assert balances == {ledger.pk: D("300.00"), other.pk: D("50.00")}


def test_entries_carry_a_running_balance_that_filters_do_not_restart(ledger):
    _deposit(ledger, "1000", date(2026, 1, 5))
    services.trust_disbursement_record(ledger=ledger, amount=D("200"), date=date(2026, 2, 1))
    _deposit(ledger, "50", date(2026, 3, 1))
    rows = selectors.ledger_entries(ledger=ledger).object_list
    assert [r.running_balance for r in rows] == [D("1000"), D("800"), D("850")]
    later = selectors.ledger_entries(ledger=ledger, date_from=date(2026, 2, 1))
    assert [r.running_balance for r in later] == [D("800"), D("850")]
    deposits = selectors.ledger_entries(ledger=ledger, kinds=["deposit"])
    assert [r.running_balance for r in deposits] == [D("1000"), D("850")]
    assert deposits.paginator.count == 2


@pytest.mark.parametrize("count", [5, 50])
def test_ledger_entries_query_count_is_constant(ledger, count, django_assert_num_queries):
    for n in range(count):
        _deposit(ledger, "1", date(2026, 1, 1 + n % 28))
    # The count, the page, the balance before it.
    with django_assert_num_queries(3):
        page = selectors.ledger_entries(ledger=ledger, per_page=100, date_to=date(2026, 12, 31))
        rows = [(r.running_balance, r.created_by) for r in page]
    assert len(rows) == count and rows[-1][0] == D(count)


def test_account_totals_split_client_money_and_firm_funds(ledger, other):
    _deposit(ledger, "300")
    _deposit(other, "200")
    services.trust_bank_fee_record(account=ledger.account, amount=D("12"), date=DAY)
    totals = selectors.account_totals(account=ledger.account)
    assert (totals.journal, totals.client_ledgers, totals.firm_funds) == (500, 500, 0)
    assert totals.balanced


def test_open_exceptions_are_counted_for_the_firm_only(ledger, admin, outsider):
    services_clio.trust_entry_import(
        account=ledger.account, row=_clio(ledger, 9, EntryKind.DISBURSEMENT, "out", "5")
    )
    assert selectors.trust_exceptions_open_count(member=admin) == 1
    assert selectors.trust_exceptions_open_count(member=outsider) == 0


def test_month_end_series_is_one_query(ledger, django_assert_num_queries):
    _deposit(ledger, "100", date(2025, 12, 15))
    _deposit(ledger, "50", date(2026, 2, 28))
    with django_assert_num_queries(1):
        series = selectors.balance_month_ends(
            account=ledger.account, today=date(2026, 3, 10), months=4
        )
    assert series == [
        (date(2025, 12, 31), D("100")),
        (date(2026, 1, 31), D("100")),
        (date(2026, 2, 28), D("150")),
        (date(2026, 3, 10), D("150")),
    ]
