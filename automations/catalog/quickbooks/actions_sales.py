"""Sales-side actions: invoices, estimates, sales receipts, credit memos, refund receipts,
payments; sending a form; updating an invoice; finding one by number."""

from automations.catalog.base import Action, ActionError, Ctx, Field, Result
from automations.catalog.quickbooks import calls
from automations.catalog.quickbooks.build import SALES_LINE_INPUTS, sales_lines
from automations.catalog.quickbooks.outputs import outputs
from automations.catalog.quickbooks.wire import (
    amount,
    iso_date,
    need,
    put,
    quote,
    ref,
    text,
)
from sync.providers.amounts import wire_amount

CUSTOMER = Field("customer_id", "Customer id", "id", True, help="From a find customer step")
LINES = Field("lines", "Lines", "lines", fields=SALES_LINE_INPUTS)
ONE_LINE = (
    Field("description", "Line description (when no lines are mapped)", "text"),
    Field("item_id", "Product/service id (every line without one)", "id"),
    Field("qty", "Line quantity (when no lines are mapped)", "string"),
    Field("unit_price", "Line rate (when no lines are mapped)", "money"),
    Field("amount", "Line amount (when no lines are mapped)", "money"),
)
NUMBER = Field("number", "Number (DocNumber)", help="Empty: QuickBooks numbers it")
DATE = Field("date", "Date", "date", help="Empty: today")
MEMO = Field("customer_memo", "Message to customer", "text")
NOTE = Field("private_note", "Memo (internal)", "text")
EMAIL = Field("bill_email", "Billing email", "email")
DEPOSIT = Field("deposit_account_id", "Deposit to (account id)", "id")
LABEL = {
    "Invoice": "invoice",
    "Estimate": "estimate",
    "SalesReceipt": "sales receipt",
    "CreditMemo": "credit memo",
    "RefundReceipt": "refund receipt",
}


def _form_body(inputs: dict) -> dict:
    body: dict = {}
    put(body, "DocNumber", text(inputs, "number"))
    put(body, "TxnDate", iso_date(inputs, "date", "Date"))
    put(body, "DueDate", iso_date(inputs, "due_date", "Due date"))
    put(body, "ExpirationDate", iso_date(inputs, "expiration_date", "Expiration date"))
    put(
        body,
        "CustomerMemo",
        {"value": text(inputs, "customer_memo")} if text(inputs, "customer_memo") else None,
    )
    put(body, "PrivateNote", text(inputs, "private_note"))
    email = text(inputs, "bill_email")
    put(body, "BillEmail", {"Address": email} if email else None)
    put(
        body,
        "DepositToAccountRef",
        ref(text(inputs, "deposit_account_id")) if text(inputs, "deposit_account_id") else None,
    )
    return body


def sales_create(entity: str):
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#create-an-invoice
    def run(ctx: Ctx, inputs: dict) -> Result:
        customer = need(
            inputs, "customer_id", "Customer id", "Map the id from a find customer step."
        )
        if entity == "RefundReceipt":
            need(
                inputs,
                "deposit_account_id",
                "Refund from (account id)",
                "Map the bank account the refund is paid from.",
            )
        body = {
            "CustomerRef": ref(customer),
            "Line": sales_lines(inputs, text(inputs, "item_id")),
            **_form_body(inputs),
        }
        raw = calls.write(ctx, entity, body)
        return calls.made(ctx, entity, raw, LABEL[entity])

    return run


def _sales_action(key: str, entity: str, name: str, description: str, *extra: Field) -> Action:
    return Action(
        app="quickbooks",
        key=key,
        name=name,
        description=description,
        kind="create",
        fields=(CUSTOMER, LINES, *ONE_LINE, NUMBER, DATE, *extra, NOTE),
        outputs=outputs(entity),
        run=sales_create(entity),
    )


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment#create-a-payment
def payment_create(ctx: Ctx, inputs: dict) -> Result:
    customer = need(inputs, "customer_id", "Customer id", "Map the id from a find customer step.")
    total = amount(need(inputs, "amount", "Amount"))
    if total <= 0:
        raise ActionError(f"The amount {total} is not above zero.", "Map a positive amount.")
    body: dict = {"CustomerRef": ref(customer), "TotalAmt": wire_amount(total)}
    invoice = text(inputs, "invoice_id")
    if invoice:
        # Linked to the invoice: the payment's line applies it (Payment page, LinkedTxn).
        body["Line"] = [
            {"Amount": wire_amount(total), "LinkedTxn": [{"TxnId": invoice, "TxnType": "Invoice"}]}
        ]
    put(body, "TxnDate", iso_date(inputs, "date", "Date"))
    put(body, "PaymentRefNum", text(inputs, "reference"))
    put(body, "PrivateNote", text(inputs, "private_note"))
    put(
        body,
        "DepositToAccountRef",
        ref(text(inputs, "deposit_account_id")) if text(inputs, "deposit_account_id") else None,
    )
    raw = calls.write(ctx, "Payment", body)
    return calls.made(ctx, "Payment", raw, f"payment of {total}")


def send_form(entity: str):
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#send-an-invoice
    def run(ctx: Ctx, inputs: dict) -> Result:
        label = LABEL[entity]
        form_id = need(
            inputs, "id", f"The {label}'s id", f"Map the {label} id from a trigger or a find step."
        )
        form = calls.read(ctx, entity, form_id, label)
        to = text(inputs, "email")
        if not to and not (form.get("BillEmail") or {}).get("Address"):
            raise ActionError(
                f"The {label} has no billing email and none was given.",
                "Map the email to send it to.",
            )
        params = {"sendTo": to} if to else {}
        answer = calls.send(ctx, f"{entity.lower()}/{form['Id']}/send", params)
        raw = None if answer is None else answer[entity]
        return calls.made(ctx, entity, raw, label, verb="send")

    return run


def invoice_update(ctx: Ctx, inputs: dict) -> Result:
    """A sparse update: only what is mapped changes; mapped lines replace every line."""
    invoice_id = need(inputs, "invoice_id", "Invoice id", "Map the id from a find invoice step.")
    changes = _form_body(inputs)
    if text(inputs, "customer_id"):
        changes["CustomerRef"] = ref(text(inputs, "customer_id"))
    if inputs.get("lines") or any(text(inputs, k) for k in ("amount", "unit_price")):
        changes["Line"] = sales_lines(inputs, text(inputs, "item_id"))
    if not changes:
        raise ActionError("Nothing to change was mapped.", "Map at least one field to change.")
    current = calls.read(ctx, "Invoice", invoice_id, "invoice")
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#sparse-update-an-invoice
    body = {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True, **changes}
    raw = calls.write(ctx, "Invoice", body)
    return calls.made(
        ctx, "Invoice", raw, f"invoice {current.get('DocNumber') or current['Id']}", verb="update"
    )


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#query-an-invoice
def invoice_find(ctx: Ctx, inputs: dict) -> Result:
    wanted = need(inputs, "number", "Invoice number")
    rows = calls.query(ctx, "Invoice", f"DocNumber = {quote(wanted)}", limit=1)
    return calls.found(
        ctx, "Invoice", rows[0] if rows else None, "invoice", f"No invoice numbered {wanted}"
    )


FORM_ID = Field("id", "Id", "id", True)
SEND_TO = Field("email", "Send to (email)", "email", help="Empty: the form's billing email")

ACTIONS: list[Action] = [
    _sales_action(
        "create_invoice",
        "Invoice",
        "Create invoice",
        "Adds a new invoice (with line item support).",
        Field("due_date", "Due date", "date"),
        EMAIL,
        MEMO,
    ),
    _sales_action(
        "create_estimate",
        "Estimate",
        "Create estimate",
        "Create a new estimate (with line item support).",
        Field("expiration_date", "Expiration date", "date"),
        EMAIL,
        MEMO,
    ),
    _sales_action(
        "create_sales_receipt",
        "SalesReceipt",
        "Create sales receipt",
        "Adds a new sales receipt (with line item support).",
        DEPOSIT,
        EMAIL,
        MEMO,
    ),
    _sales_action(
        "create_credit_memo",
        "CreditMemo",
        "Create credit memo",
        "Creates a new credit memo.",
        EMAIL,
        MEMO,
    ),
    _sales_action(
        "create_refund_receipt",
        "RefundReceipt",
        "Create refund receipt",
        "Creates a new refund receipt.",
        Field("deposit_account_id", "Refund from (account id)", "id", True),
        EMAIL,
        MEMO,
    ),
    Action(
        app="quickbooks",
        key="create_payment",
        name="Create payment",
        description="Creates a new payment, optionally linked to an invoice.",
        kind="create",
        fields=(
            CUSTOMER,
            Field("amount", "Amount", "money", True),
            Field("invoice_id", "Apply to invoice (id)", "id"),
            DATE,
            Field("reference", "Reference no."),
            DEPOSIT,
            NOTE,
        ),
        outputs=outputs("Payment"),
        run=payment_create,
    ),
    Action(
        app="quickbooks",
        key="send_invoice",
        name="Send invoice",
        description="Send an existing invoice by email.",
        kind="send",
        fields=(Field("id", "Invoice id", "id", True), SEND_TO),
        outputs=outputs("Invoice"),
        run=send_form("Invoice"),
    ),
    Action(
        app="quickbooks",
        key="send_sales_receipt",
        name="Send sales receipt",
        description="Send an existing sales receipt by email.",
        kind="send",
        fields=(Field("id", "Sales receipt id", "id", True), SEND_TO),
        outputs=outputs("SalesReceipt"),
        run=send_form("SalesReceipt"),
    ),
    Action(
        app="quickbooks",
        key="update_invoice",
        name="Update invoice",
        description="Updates an existing invoice (with line item support); only mapped fields "
        "change, and mapped lines replace the invoice's lines.",
        kind="update",
        fields=(
            Field("invoice_id", "Invoice id", "id", True),
            Field("customer_id", "Customer id", "id"),
            LINES,
            *ONE_LINE,
            NUMBER,
            Field("date", "Date", "date"),
            Field("due_date", "Due date", "date"),
            EMAIL,
            MEMO,
            NOTE,
        ),
        outputs=outputs("Invoice"),
        run=invoice_update,
    ),
    Action(
        app="quickbooks",
        key="find_invoice",
        name="Find invoice",
        description="Find an invoice by number.",
        kind="find",
        fields=(Field("number", "Invoice number", required=True),),
        outputs=outputs("Invoice"),
        run=invoice_find,
    ),
]
