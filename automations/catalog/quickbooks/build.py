"""Request bodies from an action's inputs: lines, references, a person's fields. Pure functions.

Field names are Intuit's (QBO-XSD, JSON keys = element names); amounts are sent as JSON numbers
computed from Decimals, and a line's Amount is Qty x UnitPrice rounded to the cent, as QuickBooks
checks it (6070 otherwise).
"""

import json
from decimal import ROUND_HALF_UP, Decimal

from automations.catalog.base import ActionError, Field
from automations.catalog.quickbooks.wire import (
    amount,
    dec,
    iso_date,
    number,
    put,
    ref,
    text,
)
from sync.providers.amounts import CENT, wire_amount

SALES_LINE_INPUTS = (
    Field("description", "Description", "text"),
    Field("item_id", "Product/service id", "id", help="Empty: QuickBooks' default service"),
    Field("qty", "Quantity", "string"),
    Field("unit_price", "Rate", "money"),
    Field("amount", "Amount", "money", help="Quantity x rate when both are given"),
    Field("service_date", "Service date", "date"),
)
EXPENSE_LINE_INPUTS = (
    Field("description", "Description", "text"),
    Field("account_id", "Category (account) id", "id"),
    Field("item_id", "Product/service id", "id"),
    Field("qty", "Quantity", "string"),
    Field("unit_price", "Rate", "money"),
    Field("amount", "Amount", "money"),
    Field("customer_id", "Customer id (billable to)", "id"),
    Field("billable", "Billable", "boolean"),
)
JOURNAL_LINE_INPUTS = (
    Field("posting_type", "Debit or credit", "choice", True, choices=("Debit", "Credit")),
    Field("account_id", "Account id", "id", True),
    Field("amount", "Amount", "money", True),
    Field("description", "Description", "text"),
    Field("entity_type", "Name kind", "choice", choices=("Customer", "Vendor", "Employee")),
    Field("entity_id", "Customer, vendor or employee id", "id"),
)


def lines_of(inputs: dict, single: tuple[str, ...]) -> list[dict]:
    """The `lines` input, or one line from the action's own line fields when it is empty."""
    lines = inputs.get("lines") or []
    if isinstance(lines, str):  # a list mapped as its JSON text
        try:
            lines = json.loads(lines)
        except ValueError as exc:
            raise ActionError("Lines are not a list of lines.", "Map a list field.") from exc
    if not isinstance(lines, list) or not all(isinstance(ln, dict) for ln in lines):
        raise ActionError("Lines are not a list of lines.", "Map the lines from a list field.")
    if lines:
        return lines
    one = {k: inputs[k] for k in single if inputs.get(k) not in (None, "")}
    if not one:
        raise ActionError("There are no lines.", "Map the lines, or fill in one line's fields.")
    return [one]


def _qty_price_amount(line: dict, n: int) -> tuple[Decimal | None, Decimal | None, Decimal]:
    qty = dec(line["qty"], f"Line {n} quantity") if text(line, "qty") else None
    price = dec(line["unit_price"], f"Line {n} rate") if text(line, "unit_price") else None
    given = amount(line["amount"], f"Line {n} amount") if text(line, "amount") else None
    if qty is not None and price is not None:
        product = (qty * price).quantize(CENT, ROUND_HALF_UP)
        if given is not None and given != product:
            raise ActionError(
                f"Line {n}: amount {given} is not quantity {qty} x rate {price} ({product}).",
                "Leave the amount empty, or make it quantity x rate.",
            )
        return qty, price, product
    if given is None:
        raise ActionError(f"Line {n} has no amount.", "Map an amount, or a quantity and a rate.")
    return qty, price, given


def sales_lines(inputs: dict, default_item: str = "") -> list[dict]:
    """SalesItemLineDetail lines (Invoice, Estimate, SalesReceipt, CreditMemo, RefundReceipt)."""
    out = []
    lines = lines_of(inputs, ("description", "qty", "unit_price", "amount"))
    for n, line in enumerate(lines, start=1):
        qty, price, total = _qty_price_amount(line, n)
        detail: dict = {}
        put(detail, "ItemRef", ref(text(line, "item_id")) if text(line, "item_id") else None)
        if "ItemRef" not in detail and default_item:
            detail["ItemRef"] = ref(default_item)
        put(detail, "Qty", number(qty) if qty is not None else None)
        put(detail, "UnitPrice", number(price) if price is not None else None)
        put(detail, "ServiceDate", iso_date(line, "service_date", f"Line {n} service date"))
        body = {"Amount": wire_amount(total), "DetailType": "SalesItemLineDetail"}
        put(body, "Description", text(line, "description"))
        body["SalesItemLineDetail"] = detail
        out.append(body)
    return out


def expense_lines(inputs: dict, *, items: bool) -> list[dict]:
    """Bill, Purchase and PurchaseOrder lines: item based (ItemRef, Qty, UnitPrice) or account
    based (AccountRef). A line's customer makes it billable to them when asked."""
    out = []
    single = ("description", "account_id", "item_id", "qty", "unit_price", "amount")
    for n, line in enumerate(lines_of(inputs, single), start=1):
        line = {
            "customer_id": inputs.get("customer_id"),
            "billable": inputs.get("billable"),
            **line,
        }
        by_item = items or bool(text(line, "item_id"))
        need = "item_id" if by_item else "account_id"
        if not text(line, need):
            what = "product/service" if by_item else "category (account)"
            raise ActionError(f"Line {n} has no {what}.", f"Map the line's {need}.")
        qty, price, total = _qty_price_amount(line, n)
        kind = "ItemBasedExpenseLineDetail" if by_item else "AccountBasedExpenseLineDetail"
        detail: dict = {("ItemRef" if by_item else "AccountRef"): ref(text(line, need))}
        if by_item:
            put(detail, "Qty", number(qty) if qty is not None else None)
            put(detail, "UnitPrice", number(price) if price is not None else None)
        if text(line, "customer_id"):
            detail["CustomerRef"] = ref(text(line, "customer_id"))
            billable = line.get("billable")
            detail["BillableStatus"] = "Billable" if _truthy(billable) else "NotBillable"
        body = {"Amount": wire_amount(total), "DetailType": kind}
        put(body, "Description", text(line, "description"))
        body[kind] = detail
        out.append(body)
    return out


def journal_lines(inputs: dict) -> list[dict]:
    """JournalEntryLineDetail lines; debits must equal credits (QuickBooks: 6000)."""
    lines = lines_of(inputs, ()) if inputs.get("lines") else _two_sided(inputs)
    out, totals = [], {"Debit": Decimal(0), "Credit": Decimal(0)}
    for n, line in enumerate(lines, start=1):
        side = text(line, "posting_type").capitalize()
        if side not in totals:
            raise ActionError(f"Line {n} is neither Debit nor Credit.", "Say Debit or Credit.")
        if not text(line, "account_id"):
            raise ActionError(f"Line {n} has no account.", "Map the line's account_id.")
        value = amount(line.get("amount"), f"Line {n} amount")
        totals[side] += value
        detail: dict = {"PostingType": side, "AccountRef": ref(text(line, "account_id"))}
        if text(line, "entity_id"):
            kind = text(line, "entity_type") or "Customer"
            detail["Entity"] = {"Type": kind, "EntityRef": ref(text(line, "entity_id"))}
        body = {"Amount": wire_amount(value), "DetailType": "JournalEntryLineDetail"}
        put(body, "Description", text(line, "description"))
        body["JournalEntryLineDetail"] = detail
        out.append(body)
    if totals["Debit"] != totals["Credit"]:
        raise ActionError(
            f"Debits ({totals['Debit']}) do not equal credits ({totals['Credit']}).",
            "Make the debit lines and the credit lines add up to the same amount.",
        )
    return out


def _two_sided(inputs: dict) -> list[dict]:
    """The simple form: one amount from one account to another."""
    if not (text(inputs, "debit_account_id") and text(inputs, "credit_account_id")):
        raise ActionError(
            "There are no journal lines.",
            "Map the lines, or a debit account, a credit account and an amount.",
        )
    common = {"amount": inputs.get("amount"), "description": text(inputs, "description")}
    return [
        {**common, "posting_type": "Debit", "account_id": text(inputs, "debit_account_id")},
        {**common, "posting_type": "Credit", "account_id": text(inputs, "credit_account_id")},
    ]


def _truthy(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes", "billable")


PERSON_INPUTS = (
    Field("given_name", "First name"),
    Field("family_name", "Last name"),
    Field("company_name", "Company name"),
    Field("email", "Email", "email"),
    Field("phone", "Phone"),
    Field("line1", "Street"),
    Field("city", "City"),
    Field("region", "State/region"),
    Field("postal_code", "Postal code"),
    Field("country", "Country"),
)


def person_body(inputs: dict) -> dict:
    """Customer and Vendor fields (Customer page: DisplayName, GivenName, PrimaryEmailAddr …)."""
    body: dict = {}
    put(body, "DisplayName", text(inputs, "display_name"))
    put(body, "GivenName", text(inputs, "given_name"))
    put(body, "FamilyName", text(inputs, "family_name"))
    put(body, "CompanyName", text(inputs, "company_name"))
    email = text(inputs, "email")
    if email and "@" not in email:
        raise ActionError(f"{email!r} is not an email address.", "Map an address like a@b.com.")
    put(body, "PrimaryEmailAddr", {"Address": email} if email else None)
    put(
        body,
        "PrimaryPhone",
        {"FreeFormNumber": text(inputs, "phone")} if text(inputs, "phone") else None,
    )
    address: dict = {}
    for key, name in (
        ("line1", "Line1"),
        ("city", "City"),
        ("region", "CountrySubDivisionCode"),
        ("postal_code", "PostalCode"),
        ("country", "Country"),
    ):
        put(address, name, text(inputs, key))
    put(body, "BillAddr", address)
    return body
