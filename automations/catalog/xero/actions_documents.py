"""Xero actions on documents with lines: invoices, bills, credit notes, quotes, purchase orders;
emailing an invoice; finding one by number."""

from collections.abc import Callable

from automations.catalog.base import ActionError, Ctx, Field, Result
from automations.catalog.xero import common, wire
from automations.catalog.xero.common import CONTACT_IN, LAT_IN, LINE_IN, TRACKING_IN, action, text
from sync.providers.errors import ProviderError, ProviderNotFound

INVOICE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")


def _document(inputs: dict, *, statuses: tuple[str, ...], default_date: bool = False) -> dict:
    """What every document shares: contact, status, amounts-are, lines, date and due date."""
    payload: dict = {
        "Contact": common.contact_ref(inputs),
        "Status": common.choice(inputs, "status", "Status", statuses, statuses[0]),
        "LineItems": common.line_items(inputs),
    }
    if text(inputs, "line_amount_types"):
        payload["LineAmountTypes"] = common.choice(
            inputs, "line_amount_types", "Amounts are", common.LAT_CHOICES, "Exclusive"
        )
    when = common.day(inputs, "date", "Date") or (common.today() if default_date else "")
    if when:
        payload["Date"] = when
    return payload


def _dated(payload: dict, inputs: dict, fields: dict[str, str]) -> dict:
    for key, wire_key in fields.items():
        if value := common.day(inputs, key, wire_key):
            payload[wire_key] = value
    return payload


def _creator(
    resource: str,
    noun: str,
    normalise: Callable[[dict], dict],
    web: Callable[[dict], str],
    build: Callable[[dict], dict],
    number_key: str,
):
    def run(ctx: Ctx, inputs: dict) -> Result:
        payload = build(inputs)
        who = (payload.get("Contact") or {}).get("Name") or (payload.get("Contact") or {}).get(
            "ContactID", ""
        )
        row = common.save(ctx, "PUT", resource, payload, f"add the {noun}")
        if row is None:
            return common.would(f"Would add a {noun} for {who}")
        record = normalise(row)
        number = record.get(number_key) or record["id"]
        contact = (row.get("Contact") or {}).get("Name", who)
        summary = f"Added {noun} {number} for {contact}: {record['total']}"
        return common.made(ctx, web(row), record, summary, row=row)

    return run


def _invoice_payload(inputs: dict, kind: str) -> dict:
    payload = {"Type": kind, **_document(inputs, statuses=INVOICE_STATUSES)}
    fields = {"invoice_number": "InvoiceNumber", "url": "Url"}
    if kind == "ACCREC":
        fields["reference"] = "Reference"  # bills carry their reference in InvoiceNumber
    common.put_optional(payload, inputs, fields)
    return _dated(payload, inputs, {"due_date": "DueDate"})


def _credit_note_payload(inputs: dict) -> dict:
    kind = common.choice(inputs, "type", "Type", ("ACCRECCREDIT", "ACCPAYCREDIT"), "ACCRECCREDIT")
    payload = {"Type": kind, **_document(inputs, statuses=INVOICE_STATUSES)}
    return common.put_optional(
        payload, inputs, {"credit_note_number": "CreditNoteNumber", "reference": "Reference"}
    )


def _quote_payload(inputs: dict) -> dict:
    payload = _document(inputs, statuses=("DRAFT", "SENT"), default_date=True)
    if "LineAmountTypes" in payload:  # quotes spell it in capitals [XERO-SPEC QuoteLineAmountTypes]
        payload["LineAmountTypes"] = payload["LineAmountTypes"].upper()
    fields = {
        "quote_number": "QuoteNumber",
        "reference": "Reference",
        "title": "Title",
        "summary": "Summary",
        "terms": "Terms",
    }
    common.put_optional(payload, inputs, fields)
    return _dated(payload, inputs, {"expiry_date": "ExpiryDate"})


def _order_payload(inputs: dict) -> dict:
    payload = _document(inputs, statuses=("DRAFT", "SUBMITTED", "AUTHORISED"), default_date=True)
    fields = {
        "purchase_order_number": "PurchaseOrderNumber",
        "reference": "Reference",
        "attention_to": "AttentionTo",
        "delivery_address": "DeliveryAddress",
        "delivery_instructions": "DeliveryInstructions",
    }
    common.put_optional(payload, inputs, fields)
    return _dated(payload, inputs, {"delivery_date": "DeliveryDate"})


# -- update, find and email an invoice ---------------------------------------------------------


def invoice_update(ctx: Ctx, inputs: dict) -> Result:
    invoice_id = common.required(inputs, "invoice_id", "Invoice ID")
    changes: dict = {}
    if contact := common.contact_ref(inputs, needed=False):
        changes["Contact"] = contact
    if text(inputs, "status"):
        changes["Status"] = common.choice(
            inputs, "status", "Status", (*INVOICE_STATUSES, "VOIDED", "DELETED"), "DRAFT"
        )
    if text(inputs, "line_amount_types"):
        changes["LineAmountTypes"] = common.choice(
            inputs, "line_amount_types", "Amounts are", common.LAT_CHOICES, "Exclusive"
        )
    if inputs.get("lines"):
        changes["LineItems"] = common.line_items(inputs)  # Xero replaces every line
    common.put_optional(
        changes, inputs, {"invoice_number": "InvoiceNumber", "reference": "Reference"}
    )
    _dated(changes, inputs, {"date": "Date", "due_date": "DueDate"})
    if not changes:
        raise ActionError("Nothing to change was given.", "Map at least one field to update.")
    # https://developer.xero.com/documentation/api/accounting/invoices#post-invoices
    row = common.save(
        ctx, "POST", "Invoices", {"InvoiceID": invoice_id, **changes}, "update the invoice"
    )
    if row is None:
        return common.would(f"Would update invoice {invoice_id}")
    record = wire.invoice(row)
    return common.made(
        ctx,
        record["type"],
        record,
        f"Updated invoice {record['invoice_number'] or record['id']}",
        row=row,
    )


def _invoice_by_number(ctx: Ctx, number: str) -> dict | None:
    # https://developer.xero.com/documentation/api/accounting/invoices#get-invoices
    # (InvoiceNumbers; page=1 brings the line items)
    rows = common.read(ctx, "Invoices", {"InvoiceNumbers": number, "page": 1}).get("Invoices") or []
    live = [r for r in rows if r.get("Status") != "DELETED"]
    live.sort(key=lambda r: r.get("Type") != "ACCREC")  # a sales invoice before a bill
    return live[0] if live else None


def invoice_find(ctx: Ctx, inputs: dict) -> Result:
    number = common.required(inputs, "invoice_number", "Invoice number")
    row = _invoice_by_number(ctx, number)
    if row is None:
        return Result(output={}, summary=f"No invoice numbered {number}", found=False)
    record = wire.invoice(row)
    return common.made(
        ctx,
        record["type"],
        record,
        f"Found invoice {record['invoice_number']}",
        row=row,
        found=True,
    )


def _invoice_named(ctx: Ctx, inputs: dict) -> dict:
    if invoice_id := text(inputs, "invoice_id"):
        try:
            rows = common.read(ctx, f"Invoices/{invoice_id}").get("Invoices") or []
        except ProviderNotFound:
            rows = []
        row = rows[0] if rows else None
        wanted = f"with ID {invoice_id}"
    else:
        number = common.required(inputs, "invoice_number", "Invoice number")
        row, wanted = _invoice_by_number(ctx, number), f"numbered {number}"
    if row is None:
        raise ActionError(
            f"Xero has no invoice {wanted}.",
            "Map the invoice ID or number from a find step or the trigger.",
        )
    return row


EMAILABLE = ("SUBMITTED", "AUTHORISED", "PAID")


def invoice_email(ctx: Ctx, inputs: dict) -> Result:
    row = _invoice_named(ctx, inputs)
    record = wire.invoice(row)
    number = record["invoice_number"] or record["id"]
    if record["type"] != "ACCREC" or record["status"] not in EMAILABLE:
        raise ActionError(
            f"Invoice {number} is {record['status'].lower()}: "
            "Xero emails only approved sales invoices.",
            "Approve the invoice in Xero (or in an earlier step) before emailing it.",
        )
    try:
        # https://developer.xero.com/documentation/api/accounting/invoices#emailing-an-invoice
        sent = ctx.write("POST", f"Invoices/{record['id']}/Email", json={})
    except ProviderError as exc:
        if exc.status == 400:
            raise ActionError(
                f"Xero would not email invoice {number}: {exc.message}",
                "Give the contact an email address in Xero, then retry.",
            ) from exc
        raise
    if sent is None:
        return common.would(f"Would email invoice {number}")
    record["sent_to_contact"] = True
    return common.made(ctx, "ACCREC", record, f"Emailed invoice {number}", row=row)


# -- the actions -------------------------------------------------------------------------------

DATE_IN = Field("date", "Date", "date", help="Defaults to today.")
INVOICE_OUT = common.doc_outputs(wire.INVOICE)
STATUS_IN = Field(
    "status", "Status", "choice", choices=INVOICE_STATUSES, help="DRAFT unless chosen."
)
INVOICE_IN = (
    *CONTACT_IN,
    DATE_IN,
    Field("due_date", "Due date", "date"),
    Field("invoice_number", "Invoice number", help="Left empty, Xero numbers it."),
    Field("reference", "Reference"),
    STATUS_IN,
    LAT_IN,
    LINE_IN,
    *TRACKING_IN,
)
BILL_IN = (
    *CONTACT_IN,
    DATE_IN,
    Field("due_date", "Due date", "date"),
    Field("invoice_number", "Reference", help="The supplier's bill number."),
    STATUS_IN,
    LAT_IN,
    LINE_IN,
    *TRACKING_IN,
)
INVOICE_ID_IN = (
    Field(
        "invoice_id",
        "Invoice ID",
        "id",
        help="From a find step or the trigger; or give the number.",
    ),
    Field("invoice_number", "Invoice number"),
)

ACTIONS = [
    action(
        "create_invoice",
        "Create invoice",
        "Adds a sales invoice (ACCREC) with line items.",
        "create",
        INVOICE_IN,
        INVOICE_OUT,
        _creator(
            "Invoices",
            "invoice",
            wire.invoice,
            lambda r: "ACCREC",
            lambda i: _invoice_payload(i, "ACCREC"),
            "invoice_number",
        ),
    ),
    action(
        "update_invoice",
        "Update invoice",
        "Changes an invoice or a bill; lines given replace all its lines. "
        "Xero allows changes only until something is paid.",
        "update",
        (
            Field("invoice_id", "Invoice ID", "id", required=True),
            *CONTACT_IN,
            Field("date", "Date", "date"),
            *INVOICE_IN[3:6],
            Field("status", "Status", "choice", choices=(*INVOICE_STATUSES, "VOIDED", "DELETED")),
            LAT_IN,
            Field(
                "lines", "Line items", "lines", fields=LINE_IN.fields, help="Replace every line."
            ),
            *TRACKING_IN,
        ),
        INVOICE_OUT,
        invoice_update,
    ),
    action(
        "create_bill",
        "Create bill",
        "Adds a bill (ACCPAY invoice) from a supplier, with line items.",
        "create",
        BILL_IN,
        INVOICE_OUT,
        _creator(
            "Invoices",
            "bill",
            wire.invoice,
            lambda r: "ACCPAY",
            lambda i: _invoice_payload(i, "ACCPAY"),
            "invoice_number",
        ),
    ),
    action(
        "create_credit_note",
        "Create credit note",
        "Adds a credit note for a customer (ACCRECCREDIT) or from a supplier (ACCPAYCREDIT).",
        "create",
        (
            Field(
                "type",
                "Type",
                "choice",
                choices=("ACCRECCREDIT", "ACCPAYCREDIT"),
                help="ACCRECCREDIT (sales) unless chosen.",
            ),
            *CONTACT_IN,
            DATE_IN,
            Field("credit_note_number", "Credit note number"),
            Field("reference", "Reference"),
            STATUS_IN,
            LAT_IN,
            LINE_IN,
            *TRACKING_IN,
        ),
        common.doc_outputs(wire.CREDIT_NOTE),
        _creator(
            "CreditNotes",
            "credit note",
            wire.credit_note,
            lambda r: r.get("Type") or "ACCRECCREDIT",
            _credit_note_payload,
            "credit_note_number",
        ),
    ),
    action(
        "create_quote",
        "Create quote",
        "Adds a quote with line items.",
        "create",
        (
            *CONTACT_IN,
            DATE_IN,
            Field("expiry_date", "Expiry date", "date"),
            Field("quote_number", "Quote number"),
            Field("reference", "Reference"),
            Field("title", "Title"),
            Field("summary", "Summary", "text"),
            Field("terms", "Terms", "text"),
            Field("status", "Status", "choice", choices=("DRAFT", "SENT")),
            LAT_IN,
            LINE_IN,
            *TRACKING_IN,
        ),
        common.doc_outputs(wire.QUOTE),
        _creator("Quotes", "quote", wire.quote, lambda r: "quote", _quote_payload, "quote_number"),
    ),
    action(
        "create_purchase_order",
        "Create purchase order",
        "Adds a purchase order to a supplier, with line items.",
        "create",
        (
            *CONTACT_IN,
            DATE_IN,
            Field("delivery_date", "Delivery date", "date"),
            Field("purchase_order_number", "Purchase order number"),
            Field("reference", "Reference"),
            Field("attention_to", "Attention"),
            Field("delivery_address", "Delivery address", "text"),
            Field("delivery_instructions", "Delivery instructions", "text"),
            Field("status", "Status", "choice", choices=("DRAFT", "SUBMITTED", "AUTHORISED")),
            LAT_IN,
            LINE_IN,
            *TRACKING_IN,
        ),
        common.doc_outputs(wire.PURCHASE_ORDER),
        _creator(
            "PurchaseOrders",
            "purchase order",
            wire.purchase_order,
            lambda r: "purchase_order",
            _order_payload,
            "purchase_order_number",
        ),
    ),
    action(
        "email_invoice",
        "Email invoice",
        "Emails an approved sales invoice to its contact, from Xero.",
        "send",
        INVOICE_ID_IN,
        INVOICE_OUT,
        invoice_email,
    ),
    action(
        "find_invoice",
        "Find invoice",
        "Finds an invoice (or a bill) by its number.",
        "find",
        (Field("invoice_number", "Invoice number", required=True),),
        INVOICE_OUT,
        invoice_find,
    ),
]
