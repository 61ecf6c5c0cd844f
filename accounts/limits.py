"""The one window of dates and the one range of money a person or a file may give FirmSync.

Every form, API serializer, statement parser (CSV, OFX) and settings field checks its dates and
amounts here, so what comes in always fits what the database and the serializers hold and what
the month lists can walk. A date outside the window is a typo (0001-01-01, 9999-12-31), not a
transaction; an amount past the range is a slip of the keyboard, not a deposit.

Why these bounds:
- Dates: 1970-01-01 (older than any electronic bank record a firm reconciles) up to the end of
  the year five years from today (a post-dated cheque, a due date, a statement period).
- Money: one amount is at most 999,999,999.99 (nine digits before the cents). The columns hold
  14 digits (999,999,999,999.99), so a balance summed from amounts keeps a thousand-fold
  headroom before the column's limit, and output serializers allow SUM_DIGITS so every sum
  the database can return serializes.
- Counts: a positive integer stored in a PositiveIntegerField is at most 2,147,483,647.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone

DATE_MIN = date(1970, 1, 1)
YEARS_AHEAD = 5
MONEY_MAX = Decimal("999999999.99")
CENT = Decimal("0.01")
# Digits an output serializer allows for a balance or a total: beyond what the 14-digit columns
# can sum to over any realistic number of rows.
SUM_DIGITS = 20
OUTPUT_MONEY = {"max_digits": SUM_DIGITS, "decimal_places": 2}
# The input side: what one amount may be (the forms and serializers add MONEY_VALIDATORS).
INPUT_MONEY = {"max_digits": 14, "decimal_places": 2}
INT_MAX = 2_147_483_647  # PostgreSQL integer, and Django's PositiveIntegerField
# The words a form or serializer field shows for an amount past the range, whichever check
# (value or digits) notices first.
_TOO_MUCH = f"FirmSync accepts at most ${MONEY_MAX:,} for one amount; check the number of digits."
MONEY_ERRORS = dict.fromkeys(("max_value", "max_digits", "max_whole_digits"), _TOO_MUCH)


def date_max(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return date(today.year + YEARS_AHEAD, 12, 31)


def date_in_window(value: date, *, what: str = "The date") -> date:
    """`value`, or a ValidationError that says which dates are accepted."""
    if value is None:
        return value
    if not DATE_MIN <= value <= date_max():
        raise ValidationError(
            f"{what} {value:%Y-%m-%d} is outside the dates FirmSync accepts "
            f"({DATE_MIN:%d %b %Y} to {date_max():%d %b %Y}); check the year.",
            code="date_out_of_range",
        )
    return value


def validate_date(value: date) -> None:
    """A validator for Django form fields and DRF serializer fields alike."""
    date_in_window(value)


def usd(value: Decimal) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def money_in_range(value, *, what: str = "The amount", signed: bool = False) -> Decimal:
    """`value` as whole cents within the range, or a ValidationError saying why not. `signed`
    allows negative amounts (a bank line or a balance) of the same size."""
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(f"{what} “{str(value)[:40]}” is not an amount of money.") from None
    if not amount.is_finite():
        raise ValidationError(f"{what} “{str(value)[:40]}” is not an amount of money.")
    if abs(amount) > MONEY_MAX or (not signed and amount < 0):
        low = usd(-MONEY_MAX) if signed else "$0.00"
        raise ValidationError(
            f"{what} {usd(amount) if abs(amount) < 10**15 else str(value)[:40]} is outside the "
            f"amounts FirmSync accepts ({low} to {usd(MONEY_MAX)}); check the number of digits.",
            code="money_out_of_range",
        )
    if amount != amount.quantize(CENT):
        raise ValidationError(
            f"{what} {amount} has fractions of a cent; amounts are whole cents.",
            code="fraction_of_a_cent",
        )
    return amount.quantize(CENT)


def validate_money(value) -> None:
    money_in_range(value, signed=True)


MONEY_VALIDATORS = [validate_money]
DATE_VALIDATORS = [validate_date]
