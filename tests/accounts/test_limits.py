"""The one window of dates and the one range of money (accounts.limits)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from accounts import limits


@pytest.mark.parametrize("value", ["0.01", "999999999.99", "-999999999.99", "12"])
def test_amounts_inside_the_range_are_whole_cents(value):
    assert limits.money_in_range(value, signed=True) == D(value).quantize(D("0.01"))


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("1000000000.00", "outside the amounts"),
        ("1e20", "outside the amounts"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("12,50", "not an amount"),
        ("1.005", "fractions of a cent"),
        ("-1.00", "outside the amounts"),
    ],
)
def test_amounts_outside_the_range_say_why(value, why):
    with pytest.raises(ValidationError, match=why):
        limits.money_in_range(value)


def test_the_window_of_dates_refuses_the_far_past_and_future():
    assert limits.date_in_window(date(2026, 3, 2)) == date(2026, 3, 2)
    for day in (date(1, 1, 1), date(1969, 12, 31), date(9999, 12, 31)):
        with pytest.raises(ValidationError, match="outside the dates FirmSync accepts"):
            limits.date_in_window(day)
    assert limits.date_max(date(2026, 6, 1)) == date(2031, 12, 31)
