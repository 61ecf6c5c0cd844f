"""The issue's worked examples of payout matching, through the mirror, the payouts and the
imported bank lines (sync.payouts.services): one payout carrying several payments less fees, a
refund inside a payout, and a payout nothing matches."""

from datetime import date
from decimal import Decimal as D

import pytest

from practice.models import ClioPaymentsPayment
from sync.models import ClioPayout, OperatingBankLine
from sync.payouts.services import payouts_refresh

pytestmark = pytest.mark.django_db


def _payments(firm, *rows):
    for clio_id, (amount, state) in enumerate(rows, start=1):
        ClioPaymentsPayment.objects.create(
            firm=firm,
            clio_id=clio_id,
            amount=D(amount),
            state=state,
            deposit_date=date(2026, 3, 2),
        )


def _bank(firm, amount, day=4, bank_id="b1"):
    return OperatingBankLine.objects.create(
        firm=firm, date=date(2026, 3, day), amount=D(amount), bank_id=bank_id, file_sha256="s"
    )


def test_one_payout_carries_three_payments_less_the_card_fees(firm):
    # 1,000.00 + 250.00 + 400.00 taken on 2 March; 1,601.25 reaches the bank on 4 March.
    _payments(firm, ("1000.00", "completed"), ("250.00", "completed"), ("400.00", "completed"))
    line = _bank(firm, "1601.25")
    payouts_refresh(firm=firm)
    payout = ClioPayout.objects.get(firm=firm)
    assert (payout.payments, payout.gross, payout.net, payout.fee) == (
        3,
        D("1650.00"),
        D("1601.25"),
        D("48.75"),
    )
    assert payout.bank_line == line and payout.arrived_on == date(2026, 3, 4)


def test_a_refund_inside_a_payout_leaves_the_refunded_payment_out_of_it(firm):
    # The 400.00 is refunded before the payout: 1,250.00 is paid out, as 1,213.13.
    _payments(firm, ("1000.00", "completed"), ("250.00", "completed"), ("400.00", "voided"))
    _bank(firm, "1213.13")
    payouts_refresh(firm=firm)
    payout = ClioPayout.objects.get(firm=firm)
    assert (payout.payments, payout.gross, payout.fee) == (2, D("1250.00"), D("36.87"))
    # Counted in, the refund would have made a "fee" of 436.87 (26 %): no card fee, no match.


def test_a_payout_nothing_carries_stays_unmatched_and_leaves_the_credits_free(firm):
    _payments(firm, ("1000.00", "completed"), ("250.00", "completed"))
    early = _bank(firm, "1213.13", day=1, bank_id="b1")  # before the money was taken
    steep = _bank(firm, "1100.00", day=3, bank_id="b2")  # a 12 % "fee"
    late = _bank(firm, "1213.13", day=9, bank_id="b3")  # after the 5-day window
    payouts_refresh(firm=firm)
    payout = ClioPayout.objects.get(firm=firm)
    assert (payout.status, payout.net, payout.fee, payout.bank_line) == (
        "unmatched",
        None,
        None,
        None,
    )
    assert not ClioPayout.objects.filter(bank_line__in=[early, steep, late]).exists()
