"""Trust amounts: whole cents, more than zero, inside the one money range (accounts.limits)."""

from decimal import Decimal, InvalidOperation

from accounts.limits import CENT, MONEY_MAX, usd
from trust.errors import TrustError


def amount_valid(amount, most: Decimal = MONEY_MAX) -> Decimal:
    """Whole cents, more than zero and at most `most` (the one money range, accounts.limits)."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise TrustError(f"{str(amount)[:40]!r} is not an amount of money.") from None
    if not value.is_finite() or value <= 0:
        raise TrustError("The amount must be more than $0.00.")
    if value > most:
        raise TrustError(
            f"{str(amount)[:40]} is more than FirmSync accepts for one entry ({usd(most)}); "
            "check the number of digits."
        )
    if value != value.quantize(CENT):
        raise TrustError(f"{value} has fractions of a cent; trust amounts are whole cents.")
    return value.quantize(CENT)
