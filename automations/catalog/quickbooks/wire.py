"""QuickBooks Online wire details the catalog needs: pure functions, no Django, no HTTP.

The product's own client (sync.providers.quickbooks.client) is reached only through the engine's
registry, so the few facts copied here are kept to what a trigger or an action sends: the minor
version, query literals and times, references, amounts and the web links of a record.
"""

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from automations.catalog.base import ActionError
from sync.providers.amounts import CENT, money

MINOR_VERSION = "75"  # anything older or absent is served as 75 (API_NOTES 2.2)
WEB_HOST = "https://app.qbo.intuit.com"
QUERY_MAX = 1000  # MAXRESULTS at most 1000 (data queries page)

# The record's page in QuickBooks' web app, by entity: transactions by txnId, names by nameId.
WEB_PATHS = {
    "Invoice": "app/invoice?txnId=",
    "Bill": "app/bill?txnId=",
    "Estimate": "app/estimate?txnId=",
    "Purchase": "app/expense?txnId=",
    "SalesReceipt": "app/salesreceipt?txnId=",
    "Payment": "app/recvpayment?txnId=",
    "PurchaseOrder": "app/purchaseorder?txnId=",
    "CreditMemo": "app/creditmemo?txnId=",
    "RefundReceipt": "app/refundreceipt?txnId=",
    "JournalEntry": "app/journal?txnId=",
    "TimeActivity": "app/timeactivity?txnId=",
    "Customer": "app/customerdetail?nameId=",
    "Vendor": "app/vendordetail?nameId=",
    "Account": "app/register?accountId=",
    "Item": "app/items?itemId=",
}


def web_url(web_base: str, entity: str, record_id: str) -> str:
    if not record_id:
        return ""
    return f"{(web_base or WEB_HOST).rstrip('/')}/{WEB_PATHS[entity]}{record_id}"


def quote(value: str) -> str:
    """A string literal for Intuit's query language (apostrophes escaped with a backslash)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def query_time(at: datetime) -> str:
    """A query literal for MetaData times: UTC, to the second (the precision QuickBooks keeps).
    Cut down, not rounded, so a record made in the same second as `at` is not missed."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).replace(microsecond=0).isoformat()


def parse_time(text: str) -> datetime:
    """A MetaData time as Intuit writes it ("2026-12-05T02:31:05-08:00") as an aware datetime."""
    value = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(text) -> str:
    """A MetaData time in UTC ISO 8601, or "" when missing."""
    return parse_time(text).astimezone(UTC).isoformat() if text else ""


def money_text(value) -> str:
    """A QuickBooks amount (a JSON number) as a Decimal string: "1250.00"."""
    return str(money(value))


def ref(value) -> dict:
    return {"value": str(value)}


def ref_of(data: dict, key: str) -> dict:
    """{"id", "name"} of a reference such as CustomerRef (empty strings when absent)."""
    found = data.get(key) or {}
    return {"id": str(found.get("value") or ""), "name": str(found.get("name") or "")}


# ---- inputs ---------------------------------------------------------------------------------


def dec(value, label: str) -> Decimal:
    """An input number as Decimal (never through a float)."""
    try:
        result = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise ActionError(
            f"{label} is not a number: {value!r}.", f"Give {label} as 1250.00."
        ) from exc
    if not result.is_finite():
        raise ActionError(f"{label} is not a number: {value!r}.", f"Give {label} as 1250.00.")
    return result


def amount(value, label: str = "Amount") -> Decimal:
    return dec(value, label).quantize(CENT, ROUND_HALF_UP)


def number(value: Decimal) -> int | float:
    """A quantity or rate as a JSON number: exact for the few places such values have."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def text(inputs: dict, key: str) -> str:
    value = inputs.get(key)
    return "" if value is None else str(value).strip()


def need(inputs: dict, key: str, label: str, fix: str = "") -> str:
    value = text(inputs, key)
    if not value:
        raise ActionError(f"{label} is empty.", fix or f"Map {label} to a value.")
    return value


def put(body: dict, key: str, value) -> None:
    """Set `key` only when there is a value: an absent field is left to QuickBooks' default."""
    if value not in (None, "", [], {}):
        body[key] = value


def iso_date(inputs: dict, key: str, label: str) -> str:
    value = text(inputs, key)
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value[:10]).date().isoformat()
    except ValueError as exc:
        raise ActionError(f"{label} is not a date: {value!r}.", "Give it as YYYY-MM-DD.") from exc
