"""Purchase-side and books actions: bills (item and account based), expenses (check, cash,
credit card), purchase orders, time activities, journal entries, products/services."""

from decimal import ROUND_HALF_UP, Decimal

from automations.catalog.base import Action, ActionError, Ctx, Field, Result
from automations.catalog.quickbooks import calls
from automations.catalog.quickbooks.build import (
    EXPENSE_LINE_INPUTS,
    JOURNAL_LINE_INPUTS,
    expense_lines,
    journal_lines,
)
from automations.catalog.quickbooks.outputs import outputs
from automations.catalog.quickbooks.wire import (
    amount,
    dec,
    iso_date,
    need,
    put,
    ref,
    text,
)
from sync.providers.amounts import wire_amount

VENDOR = Field("vendor_id", "Vendor id", "id", True, help="From a find vendor step")
LINES = Field("lines", "Lines", "lines", fields=EXPENSE_LINE_INPUTS)
TIED = Field("customer_id", "Customer id (lines billable to)", "id")
BILLABLE = Field("billable", "Billable to the customer", "boolean")
ACCOUNT_LINE = (
    Field("account_id", "Category (account) id (when no lines are mapped)", "id"),
    Field("description", "Line description (when no lines are mapped)", "text"),
    Field("amount", "Line amount (when no lines are mapped)", "money"),
)
ITEM_LINE = (
    Field("item_id", "Product/service id (when no lines are mapped)", "id"),
    Field("description", "Line description (when no lines are mapped)", "text"),
    Field("qty", "Line quantity (when no lines are mapped)", "string"),
    Field("unit_price", "Line rate (when no lines are mapped)", "money"),
    Field("amount", "Line amount (when no lines are mapped)", "money"),
)
NUMBER = Field("number", "Number (DocNumber)")
DATE = Field("date", "Date", "date", help="Empty: today")
DUE = Field("due_date", "Due date", "date")
NOTE = Field("private_note", "Memo", "text")
LABEL = {"Bill": "bill", "Purchase": "expense", "PurchaseOrder": "purchase order"}


def _dates_and_notes(inputs: dict) -> dict:
    body: dict = {}
    put(body, "DocNumber", text(inputs, "number"))
    put(body, "TxnDate", iso_date(inputs, "date", "Date"))
    put(body, "DueDate", iso_date(inputs, "due_date", "Due date"))
    put(body, "PrivateNote", text(inputs, "private_note"))
    return body


def vendor_form(entity: str, *, items: bool):
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/bill#create-a-bill
    def run(ctx: Ctx, inputs: dict) -> Result:
        vendor = need(inputs, "vendor_id", "Vendor id", "Map the id from a find vendor step.")
        body = {
            "VendorRef": ref(vendor),
            "Line": expense_lines(inputs, items=items),
            **_dates_and_notes(inputs),
        }
        if entity == "PurchaseOrder":
            put(body, "Memo", text(inputs, "vendor_message"))
        raw = calls.write(ctx, entity, body)
        return calls.made(ctx, entity, raw, LABEL[entity])

    return run


PAYMENT_TYPES = ("Cash", "Check", "CreditCard")


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/purchase#create-a-purchase
def expense_create(ctx: Ctx, inputs: dict) -> Result:
    kind = need(inputs, "payment_type", "Payment type")
    choice = {t.lower(): t for t in PAYMENT_TYPES}.get(kind.replace(" ", "").lower())
    if choice is None:
        raise ActionError(f"{kind!r} is not a payment type.", "Say Cash, Check or CreditCard.")
    paid_from = need(
        inputs, "account_id", "Paid from (account id)", "Map the bank or credit card account."
    )
    body: dict = {
        "PaymentType": choice,
        "AccountRef": ref(paid_from),
        "Line": expense_lines(_line_account(inputs), items=False),
        **_dates_and_notes(inputs),
    }
    if text(inputs, "payee_id"):
        payee = {"value": text(inputs, "payee_id")}
        put(payee, "type", text(inputs, "payee_type"))
        body["EntityRef"] = payee
    raw = calls.write(ctx, "Purchase", body)
    return calls.made(ctx, "Purchase", raw, f"{choice.lower()} expense")


def _duration(inputs: dict) -> tuple[int, int]:
    """Whole hours and minutes (QuickBooks takes no fractions): 1.5 hours is 1 h 30 min."""
    hours = dec(inputs.get("hours") or 0, "Hours")
    minutes = dec(inputs.get("minutes") or 0, "Minutes")
    total = (hours * 60 + minutes).quantize(Decimal(1), ROUND_HALF_UP)
    if total <= 0:
        raise ActionError("The time is zero.", "Map the hours (1.5) or the minutes (90).")
    return int(total // 60), int(total % 60)


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/timeactivity#create-a-timeactivity
def time_activity_create(ctx: Ctx, inputs: dict) -> Result:
    name_of = text(inputs, "name_of") or "Employee"
    if name_of not in ("Employee", "Vendor"):
        raise ActionError(f"{name_of!r} is not Employee or Vendor.", "Say Employee or Vendor.")
    worker_key = "employee_id" if name_of == "Employee" else "vendor_id"
    worker = need(inputs, worker_key, f"{name_of} id", f"Map the {name_of.lower()} who worked.")
    hours, minutes = _duration(inputs)
    body: dict = {"NameOf": name_of, f"{name_of}Ref": ref(worker), "Hours": hours}
    body["Minutes"] = minutes
    put(body, "TxnDate", iso_date(inputs, "date", "Date"))
    put(
        body,
        "CustomerRef",
        ref(text(inputs, "customer_id")) if text(inputs, "customer_id") else None,
    )
    put(body, "ItemRef", ref(text(inputs, "item_id")) if text(inputs, "item_id") else None)
    if text(inputs, "hourly_rate"):
        body["HourlyRate"] = wire_amount(amount(inputs["hourly_rate"], "Hourly rate"))
    billable = str(inputs.get("billable", "")).strip().lower() in ("true", "1", "yes")
    if billable and not text(inputs, "customer_id"):
        raise ActionError("Billable time needs a customer.", "Map the customer id.")
    body["BillableStatus"] = "Billable" if billable else "NotBillable"
    put(body, "Description", text(inputs, "description"))
    raw = calls.write(ctx, "TimeActivity", body)
    return calls.made(ctx, "TimeActivity", raw, f"time activity of {hours} h {minutes} min")


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/journalentry#create-a-journalentry
def journal_create(ctx: Ctx, inputs: dict) -> Result:
    body: dict = {"Line": journal_lines(inputs), **_dates_and_notes(inputs)}
    if str(inputs.get("adjustment", "")).strip().lower() in ("true", "1", "yes"):
        body["Adjustment"] = True
    raw = calls.write(ctx, "JournalEntry", body)
    return calls.made(ctx, "JournalEntry", raw, "journal entry")


ITEM_TYPES = ("Service", "NonInventory")


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/item#create-an-item
def item_create(ctx: Ctx, inputs: dict) -> Result:
    name = need(inputs, "name", "Name")
    kind = text(inputs, "type") or "Service"
    if kind not in ITEM_TYPES:
        raise ActionError(
            f"{kind!r} is not Service or NonInventory.", "Pick Service or NonInventory."
        )
    income = need(
        inputs, "income_account_id", "Income account id", "Map the income account (find account)."
    )
    body: dict = {"Name": name, "Type": kind, "IncomeAccountRef": ref(income)}
    put(body, "Description", text(inputs, "description"))
    put(body, "Sku", text(inputs, "sku"))
    if text(inputs, "unit_price"):
        body["UnitPrice"] = wire_amount(amount(inputs["unit_price"], "Sales price"))
    if text(inputs, "purchase_cost"):
        body["PurchaseCost"] = wire_amount(amount(inputs["purchase_cost"], "Cost"))
    put(
        body,
        "ExpenseAccountRef",
        ref(text(inputs, "expense_account_id")) if text(inputs, "expense_account_id") else None,
    )
    raw = calls.write(ctx, "Item", body)
    return calls.made(ctx, "Item", raw, f"product/service {name}")


def _bill(key: str, name: str, description: str, *, items: bool) -> Action:
    return Action(
        app="quickbooks",
        key=key,
        name=name,
        description=description,
        kind="create",
        fields=(
            VENDOR,
            LINES,
            *(ITEM_LINE if items else ACCOUNT_LINE),
            TIED,
            BILLABLE,
            NUMBER,
            DATE,
            DUE,
            NOTE,
        ),
        outputs=outputs("Bill"),
        run=vendor_form("Bill", items=items),
    )


ACTIONS: list[Action] = [
    _bill(
        "create_bill_item_based",
        "Create bill (item based)",
        "Create a new bill of products/services, optionally tied to a customer (with line "
        "item support).",
        items=True,
    ),
    _bill(
        "create_bill_account_based",
        "Create bill (account based)",
        "Create a new bill by category (account), optionally tied to a customer (with line "
        "item support).",
        items=False,
    ),
    Action(
        app="quickbooks",
        key="create_expense",
        name="Create expense",
        description="Creates a new expense paid by check, cash or credit card.",
        kind="create",
        fields=(
            Field("payment_type", "Payment type", "choice", True, choices=PAYMENT_TYPES),
            Field("account_id", "Paid from (bank or credit card account id)", "id", True),
            Field("payee_id", "Payee id", "id"),
            Field("payee_type", "Payee kind", "choice", choices=("Vendor", "Customer", "Employee")),
            LINES,
            *ACCOUNT_LINE[1:],
            Field("line_account_id", "Category (account) id (when no lines are mapped)", "id"),
            TIED,
            BILLABLE,
            Field("number", "Check or reference no."),
            DATE,
            NOTE,
        ),
        outputs=outputs("Purchase"),
        run=expense_create,
    ),
    Action(
        app="quickbooks",
        key="create_purchase_order",
        name="Create purchase order",
        description="Creates a new purchase order; lines with a product/service are item "
        "based, the others by category (account).",
        kind="create",
        fields=(
            VENDOR,
            LINES,
            *ITEM_LINE,
            Field("account_id", "Category (account) id (when no lines are mapped)", "id"),
            TIED,
            NUMBER,
            DATE,
            DUE,
            Field("vendor_message", "Message to vendor", "text"),
            NOTE,
        ),
        outputs=outputs("PurchaseOrder"),
        run=vendor_form("PurchaseOrder", items=False),
    ),
    Action(
        app="quickbooks",
        key="create_time_activity",
        name="Create time activity",
        description="Creates a new single time activity.",
        kind="create",
        fields=(
            Field("name_of", "Worker kind", "choice", choices=("Employee", "Vendor")),
            Field("employee_id", "Employee id", "id"),
            Field("vendor_id", "Vendor id", "id"),
            Field("customer_id", "Customer id", "id"),
            Field("item_id", "Service id", "id"),
            Field("hours", "Hours", "string", help="1.5 is 1 h 30 min"),
            Field("minutes", "Minutes", "number"),
            DATE,
            Field("hourly_rate", "Hourly rate", "money"),
            BILLABLE,
            Field("description", "Description", "text"),
        ),
        outputs=outputs("TimeActivity"),
        run=time_activity_create,
    ),
    Action(
        app="quickbooks",
        key="create_journal_entry",
        name="Create journal entry",
        description="Creates a new journal entry: its lines, or one amount debited to one "
        "account and credited to another.",
        kind="create",
        fields=(
            Field("lines", "Lines", "lines", fields=JOURNAL_LINE_INPUTS),
            Field("debit_account_id", "Debit account id (when no lines are mapped)", "id"),
            Field("credit_account_id", "Credit account id (when no lines are mapped)", "id"),
            Field("amount", "Amount (when no lines are mapped)", "money"),
            Field("description", "Description (when no lines are mapped)", "text"),
            NUMBER,
            DATE,
            Field("adjustment", "Adjusting entry", "boolean"),
            NOTE,
        ),
        outputs=outputs("JournalEntry"),
        run=journal_create,
    ),
    Action(
        app="quickbooks",
        key="create_product_service",
        name="Create product/service",
        description="Creates a new product or service.",
        kind="create",
        fields=(
            Field("name", "Name", required=True),
            Field("type", "Type", "choice", choices=ITEM_TYPES, help="Empty: Service"),
            Field("income_account_id", "Income account id", "id", True),
            Field("expense_account_id", "Expense account id", "id"),
            Field("unit_price", "Sales price", "money"),
            Field("purchase_cost", "Cost", "money"),
            Field("description", "Description", "text"),
            Field("sku", "SKU"),
        ),
        outputs=outputs("Item"),
        run=item_create,
    ),
]


def _line_account(inputs: dict) -> dict:
    """The expense's `account_id` is what pays; the lines' categories are their own
    `account_id`, or `line_account_id` for the one line made from the action's fields."""
    if inputs.get("lines"):
        return inputs
    if not text(inputs, "line_account_id"):
        raise ActionError(
            "The expense has no category.", "Map the lines, or a category (account) id."
        )
    line = {"account_id": inputs["line_account_id"]}
    for key in ("description", "amount"):
        line[key] = inputs.get(key, "")
    return {
        "customer_id": inputs.get("customer_id"),
        "billable": inputs.get("billable"),
        "lines": [line],
    }
