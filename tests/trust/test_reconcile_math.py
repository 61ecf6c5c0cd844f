"""Three-way reconciliation, worked the way an accountant would on paper.

Each example is one trust account at the end of March 2026. The docstring spells out the numbers;
the test asserts the same numbers to the cent.
"""

from datetime import date
from decimal import Decimal as D

from trust.reconcile import (
    Candidate,
    Inputs,
    Item,
    LedgerBalance,
    Proposal,
    propose_matches,
    reconcile,
)

END = date(2026, 3, 31)


def test_a_deposit_in_transit_is_added_to_the_bank_balance():
    """Smith deposited 2,500.00 on 31 March; the bank credits it on 1 April.

    Bank statement balance, 31 March          10,000.00
    + deposit in transit (Smith, 31 March)     2,500.00
    = adjusted bank balance                   12,500.00
    Trust journal                             12,500.00
    Client ledgers: Smith 7,500.00 + Jones 5,000.00 = 12,500.00
    Books' trust liability                    12,500.00     → all four agree.
    """
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("10000.00"),
            outstanding=[Item(date(2026, 3, 31), D("2500.00"), "Smith retainer")],
            bank_only=[],
            journal_balance=D("12500.00"),
            client_ledgers=[
                LedgerBalance("2026-001 Smith", D("7500.00")),
                LedgerBalance("2026-002 Jones", D("5000.00")),
            ],
            books_balance=D("12500.00"),
        )
    )
    assert result.deposits_in_transit_total == D("2500.00")
    assert result.outstanding_withdrawals_total == D("0.00")
    assert result.adjusted_bank_balance == D("12500.00")
    assert result.journal_balance == D("12500.00")
    assert result.client_ledger_total == D("12500.00")
    assert result.books_balance == D("12500.00")
    assert result.ties
    assert result.notes == ()


def test_an_uncleared_cheque_is_subtracted_from_the_bank_balance():
    """Cheque 1042 for 1,200.00 to Acme Court Reporting, written 28 March, not yet presented.

    Bank statement balance                    13,700.00
    - outstanding cheque 1042                  1,200.00
    = adjusted bank balance                   12,500.00
    Trust journal                             12,500.00
    Client ledgers: Smith 12,500.00
    """
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("13700.00"),
            outstanding=[Item(date(2026, 3, 28), D("-1200.00"), "Acme Court Reporting", "1042")],
            bank_only=[],
            journal_balance=D("12500.00"),
            client_ledgers=[LedgerBalance("2026-001 Smith", D("12500.00"))],
            books_balance=D("12500.00"),
        )
    )
    assert result.outstanding_withdrawals_total == D("1200.00")
    assert [i.reference for i in result.outstanding_withdrawals] == ["1042"]
    assert result.adjusted_bank_balance == D("12500.00")
    assert result.ties


def test_a_bank_fee_not_yet_journalled_is_the_itemised_difference():
    """The bank charged a 15.00 wire fee on 30 March; nobody has recorded it yet.

    Bank statement balance                    12,485.00
    Adjusted bank balance                     12,485.00
    Trust journal                             12,500.00
    Difference                                   -15.00  = the wire fee, itemised
    """
    fee = Item(date(2026, 3, 30), D("-15.00"), "WIRE FEE")
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("12485.00"),
            outstanding=[],
            bank_only=[fee],
            journal_balance=D("12500.00"),
            client_ledgers=[LedgerBalance("2026-001 Smith", D("12500.00"))],
            books_balance=D("12500.00"),
        )
    )
    assert result.adjusted_bank_balance == D("12485.00")
    assert not result.ties
    [diff] = result.differences
    assert diff.kind == "bank_only"
    assert diff.amount == D("-15.00")
    assert "30 Mar 2026" in diff.explanation and "15.00" in diff.explanation
    assert "bank fee" in diff.explanation


def test_a_bank_fee_journalled_and_covered_by_firm_funds_ties():
    """The 15.00 fee is recorded (bank fee, out) and the firm covered it with 15.00 of its own
    money (firm funds, in): the firm's bank-fee ledger nets to 0.00.

        Bank: 12,500.00 + firm's 15.00 - fee 15.00 = 12,500.00
        Journal 12,500.00 = clients 12,500.00 + firm's money 0.00
    """
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("12500.00"),
            outstanding=[],
            bank_only=[],
            journal_balance=D("12500.00"),
            client_ledgers=[LedgerBalance("2026-001 Smith", D("12500.00"))],
            firm_funds_balance=D("0.00"),
            books_balance=D("12500.00"),
        )
    )
    assert result.ledger_total == D("12500.00")
    assert result.ties


def test_a_mistaken_disbursement_and_its_reversal_cancel_out():
    """Cheque 1043 for 800.00 was recorded on Jones's matter by mistake on 20 March and reversed
    on 21 March; it was never presented. Cheque 1044 for 300.00 (the right one) is outstanding.

        Outstanding: 1043 -800.00 and its reversal +800.00 → cancel, neither is listed
        Bank statement balance                     5,000.00
        - outstanding cheque 1044                    300.00
        = adjusted bank balance                    4,700.00
        Trust journal: 5,000.00 - 800.00 + 800.00 - 300.00 = 4,700.00
        Jones's ledger                             4,700.00
    """
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("5000.00"),
            outstanding=[
                Item(date(2026, 3, 20), D("-800.00"), "Cheque in error", "1043", key="e1"),
                Item(date(2026, 3, 21), D("800.00"), "Reversal of 1043", key="e2", reverses="e1"),
                Item(date(2026, 3, 25), D("-300.00"), "Expert fee", "1044", key="e3"),
            ],
            bank_only=[],
            journal_balance=D("4700.00"),
            client_ledgers=[LedgerBalance("2026-002 Jones", D("4700.00"))],
            books_balance=D("4700.00"),
        )
    )
    assert result.deposits_in_transit == ()
    assert [i.reference for i in result.outstanding_withdrawals] == ["1044"]
    assert result.adjusted_bank_balance == D("4700.00")
    assert result.ties


def test_all_items_together_tie_to_the_cent():
    """A deposit in transit, an uncleared cheque, a journalled and covered bank fee, and a
    reversed mistake, across three clients.

        Bank statement balance                     9,876.54
        + deposit in transit (Lee)                 1,000.01
        - outstanding cheque 2001                    123.45
        = adjusted bank balance                   10,753.10
        Journal = Smith 4,000.00 + Jones 6,000.10 + Lee 753.00 + firm 0.00 = 10,753.10
        Books                                     10,753.10
    """
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("9876.54"),
            outstanding=[
                Item(date(2026, 3, 31), D("1000.01"), "Lee deposit"),
                Item(date(2026, 3, 29), D("-123.45"), "Filing fee", "2001"),
                Item(date(2026, 3, 10), D("-50.00"), "Mistake", key="m"),
                Item(date(2026, 3, 11), D("50.00"), "Reversal", key="r", reverses="m"),
            ],
            bank_only=[],
            journal_balance=D("10753.10"),
            client_ledgers=[
                LedgerBalance("Smith", D("4000.00")),
                LedgerBalance("Jones", D("6000.10")),
                LedgerBalance("Lee", D("753.00")),
            ],
            firm_funds_balance=D("0.00"),
            books_balance=D("10753.10"),
        )
    )
    assert result.adjusted_bank_balance == D("10753.10")
    assert result.journal_balance == result.ledger_total == result.books_balance
    assert result.ties


def test_a_reconciliation_that_does_not_tie_explains_each_difference():
    """Nothing lines up, and every gap is named.

    Bank statement balance                     3,000.00
    - outstanding cheque 3001                    500.00
    = adjusted bank balance                    2,500.00
    Trust journal                              2,600.00
    Bank shows a 25.00 service charge not journalled         -25.00
    Still unexplained: 2,500.00 - 2,600.00 + 25.00 =         -75.00
    Client ledgers: Park 2,700.00 + Quinn -100.00 = 2,600.00 (Quinn overdrawn by 100.00)
    Books' trust liability 2,650.00: 50.00 more than the journal
    """
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("3000.00"),
            outstanding=[Item(date(2026, 3, 30), D("-500.00"), "Settlement", "3001")],
            bank_only=[Item(date(2026, 3, 31), D("-25.00"), "SERVICE CHARGE")],
            journal_balance=D("2600.00"),
            client_ledgers=[LedgerBalance("Park", D("2700.00")), LedgerBalance("Quinn", D("-100"))],
            books_balance=D("2650.00"),
        )
    )
    assert result.adjusted_bank_balance == D("2500.00")
    assert not result.ties
    found = {d.kind: d.amount for d in result.differences}
    assert found == {
        "bank_only": D("-25.00"),
        "bank_unexplained": D("-75.00"),
        "client_overdrawn": D("-100.00"),
        "books_journal": D("50.00"),
    }
    explained = {d.kind: d.explanation for d in result.differences}
    assert "75.00 lower than the trust journal" in explained["bank_unexplained"]
    assert "Quinn is overdrawn by 100.00" in explained["client_overdrawn"]
    assert "50.00 more trust liability" in explained["books_journal"]


def test_books_not_read_is_said_so_and_is_no_difference():
    """No books balance was read for 31 March: the other three still tie; a note says the books
    are not part of this reconciliation."""
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("100.00"),
            outstanding=[],
            bank_only=[],
            journal_balance=D("100.00"),
            client_ledgers=[LedgerBalance("Smith", D("100.00"))],
            books_balance=None,
        )
    )
    assert result.ties
    assert result.books_balance is None
    assert "not read for 31 March 2026" in result.notes[0]


def test_firm_funds_short_of_bank_fees_is_flagged():
    """A 15.00 fee recorded but not covered: the firm's bank-fee ledger is -15.00, so client money
    paid the fee."""
    result = reconcile(
        Inputs(
            period_end=END,
            statement_balance=D("985.00"),
            outstanding=[],
            bank_only=[],
            journal_balance=D("985.00"),
            client_ledgers=[LedgerBalance("Smith", D("1000.00"))],
            firm_funds_balance=D("-15.00"),
            books_balance=D("985.00"),
        )
    )
    assert [(d.kind, d.amount) for d in result.differences] == [("firm_funds_short", D("-15.00"))]


# Matching


def _c(id, day, amount, ref="", payee="", desc=""):
    return Candidate(id, date(2026, 3, day), D(amount), ref, payee, desc)


def test_matching_pairs_same_amount_within_the_window_and_prefers_the_cheque_number():
    lines = [_c(1, 10, "-500.00", ref="1042")]
    entries = [_c(10, 8, "-500.00", ref="1041"), _c(11, 3, "-500.00", ref="1042")]
    assert propose_matches(lines, entries) == [Proposal(1, (11,))]


def test_matching_uses_the_payee_then_the_nearest_date_to_break_ties():
    lines = [_c(1, 10, "250.00", desc="DEPOSIT HARRIS LLC")]
    entries = [_c(10, 9, "250.00", payee="Jones"), _c(11, 6, "250.00", payee="Harris LLC")]
    assert propose_matches(lines, entries) == [Proposal(1, (11,))]
    entries = [_c(10, 6, "250.00"), _c(11, 9, "250.00")]
    assert propose_matches(lines, entries) == [Proposal(1, (11,))]


def test_matching_leaves_amounts_outside_the_window_alone():
    lines = [_c(1, 20, "250.00")]
    assert propose_matches(lines, [_c(10, 1, "250.00")]) == []


def test_a_deposit_batch_matches_several_same_day_entries():
    """One bank credit of 1,750.00 on 12 March = three deposits made that day (1,000 + 500 + 250);
    a 99.00 deposit that day is left for another line."""
    lines = [_c(1, 12, "1750.00")]
    entries = [
        _c(10, 12, "1000.00"),
        _c(11, 12, "99.00"),
        _c(12, 12, "500.00"),
        _c(13, 12, "250.00"),
    ]
    assert propose_matches(lines, entries) == [Proposal(1, (10, 12, 13))]


def test_one_to_one_matches_come_before_batches():
    lines = [_c(1, 12, "500.00"), _c(2, 12, "1250.00")]
    entries = [_c(10, 12, "500.00"), _c(11, 12, "750.00"), _c(12, 12, "500.00")]
    assert propose_matches(lines, entries) == [Proposal(1, (10,)), Proposal(2, (11, 12))]
