"""Money on the wire. Provider amounts become Decimal here, once, and never pass through a float."""

from decimal import Decimal

CENT = Decimal("0.01")


def money(value) -> Decimal:
    """A provider amount (JSON number or string) as Decimal: through str(), so 0.1 stays 0.1."""
    if value is None or value == "":
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT)


def wire_amount(value: Decimal) -> float:
    # The providers want JSON numbers; a 2-place Decimal survives float's shortest repr unchanged.
    return float(Decimal(value).quantize(CENT))
