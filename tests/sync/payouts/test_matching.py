"""Worked examples of matching Clio Payments payouts to bank credits (sync.payouts.matching)."""

from datetime import date
from decimal import Decimal as D

from sync.payouts.matching import Credit, Payout, payouts_match

MARCH_2 = Payout(deposit_date=date(2026, 3, 2), gross=D("1250.00"))  # 1,000.00 + 250.00


def _credit(key, day, amount):
    return Credit(key=key, date=date(2026, 3, day), amount=D(amount))


def test_a_credit_net_of_card_fees_carries_the_payout_and_names_the_fee():
    found = payouts_match([MARCH_2], [_credit("line:1", 4, "1213.13")])
    match = found[date(2026, 3, 2)]
    assert (match.credit_key, match.net, match.fee) == ("line:1", D("1213.13"), D("36.87"))


def test_a_credit_of_exactly_the_gross_is_a_payout_without_fees():
    match = payouts_match([MARCH_2], [_credit("line:1", 2, "1250.00")])[date(2026, 3, 2)]
    assert match.fee == D("0.00")


def test_a_credit_one_cent_over_the_gross_does_not_match():
    assert payouts_match([MARCH_2], [_credit("line:1", 3, "1250.01")]) == {}


def test_a_credit_implying_a_fee_over_five_percent_does_not_match():
    assert payouts_match([MARCH_2], [_credit("line:1", 3, "1187.49")]) == {}
    assert payouts_match([MARCH_2], [_credit("line:1", 3, "1187.50")])[date(2026, 3, 2)]


def test_a_credit_before_the_deposit_date_or_after_the_window_does_not_match():
    assert payouts_match([MARCH_2], [_credit("line:1", 1, "1213.13")]) == {}
    assert payouts_match([MARCH_2], [_credit("line:1", 8, "1213.13")]) == {}
    assert payouts_match([MARCH_2], [_credit("line:1", 7, "1213.13")])


def test_money_out_never_matches():
    assert payouts_match([MARCH_2], [_credit("line:1", 3, "-1213.13")]) == {}


def test_two_payouts_a_day_apart_each_take_the_nearest_credit():
    march_3 = Payout(deposit_date=date(2026, 3, 3), gross=D("1240.00"))
    credits = [_credit("line:b", 5, "1203.42"), _credit("line:a", 4, "1213.13")]
    found = payouts_match([march_3, MARCH_2], credits)
    assert found[date(2026, 3, 2)].credit_key == "line:a"
    assert found[date(2026, 3, 3)].credit_key == "line:b"
    assert found[date(2026, 3, 3)].fee == D("36.58")


def test_a_credit_carries_one_payout_only():
    twin = Payout(deposit_date=date(2026, 3, 3), gross=D("1250.00"))
    found = payouts_match([MARCH_2, twin], [_credit("line:1", 4, "1213.13")])
    assert list(found) == [date(2026, 3, 2)]
