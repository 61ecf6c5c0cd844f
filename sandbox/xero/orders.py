"""Quotes and purchase orders: documents with lines that post nothing to the ledger.

Quote statuses move DRAFT → SENT → ACCEPTED or DECLINED → INVOICED; an accepted or declined quote
may go back to SENT (the "undo" in Xero's quote screen), DRAFT/SENT/DECLINED ones may be DELETED,
INVOICED and DELETED are final. Purchase orders move DRAFT → SUBMITTED → AUTHORISED → BILLED;
anything not yet billed may be DELETED, BILLED and DELETED are final. Only DRAFT/SENT quotes and
unbilled purchase orders may have their contact, dates or lines changed.
[XERO-SPEC QuoteStatusCodes, PurchaseOrder.Status;
developer.xero.com/documentation/api/accounting/quotes and /purchaseorders;
help.xero.com "Quotes" and "Purchase orders"]
"""

from sandbox.xero import store
from sandbox.xero.errors import ElementError
from sandbox.xero.lines import same_lines
from sandbox.xero.models import Organisation, Record
from sandbox.xero.sales import _document_core, doc_date, set_date

QUOTE_NEXT = {
    None: {"DRAFT", "SENT"},
    "DRAFT": {"DRAFT", "SENT", "DELETED"},
    "SENT": {"SENT", "DRAFT", "ACCEPTED", "DECLINED", "DELETED"},
    "ACCEPTED": {"ACCEPTED", "SENT", "INVOICED"},
    "DECLINED": {"DECLINED", "SENT", "DELETED"},
    "INVOICED": set(),
    "DELETED": set(),
}
QUOTE_EDITABLE = {"DRAFT", "SENT"}
PO_NEXT = {
    None: {"DRAFT", "SUBMITTED", "AUTHORISED"},
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "DRAFT", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "BILLED", "DELETED"},
    "BILLED": set(),
    "DELETED": set(),
}
PO_EDITABLE = {"DRAFT", "SUBMITTED", "AUTHORISED"}


def _status(payload: dict, old: dict, rules: dict, noun: str) -> str:
    status = str(payload.get("Status") or old.get("Status") or "DRAFT").upper()
    if status not in rules:
        raise ElementError(f"Status {status} is not valid for a {noun}.")
    if status not in rules[old.get("Status")]:
        if old.get("Status") is None:
            raise ElementError(f"Cannot create a {noun} with a status of {status}.")
        raise ElementError(f"{noun.title()} not of valid status for modification")
    return status


def _content_check(doc: dict, old: dict, editable: set, noun: str) -> None:
    """Closed documents keep their contact, date and lines. Re-sending them unchanged (as SDKs do
    when they post the whole object back with a new Status) is fine."""
    if not old or old.get("Status") in editable:
        return
    same = (
        same_lines(doc["LineItems"], old.get("LineItems", []))
        and doc["Contact"].get("ContactID") == (old.get("Contact") or {}).get("ContactID")
        and doc.get("Date") == old.get("Date")
        and doc["LineAmountTypes"].upper() == str(old.get("LineAmountTypes", "")).upper()
    )
    if not same:
        raise ElementError(f"{noun.title()} not of valid status for modification")


def _number(org: Organisation, payload: dict, old: dict, field: str, prefix: str, seq: str):
    number = payload.get(field, old.get(field))
    if not number:
        # The sequence is read back after an UPDATE so two saves at once take two numbers.
        from django.db.models import F

        Organisation.objects.filter(pk=org.pk).update(**{seq: F(seq) + 1})
        value = Organisation.objects.values_list(seq, flat=True).get(pk=org.pk)
        setattr(org, seq, value)
        number = f"{prefix}-{value:04d}"
    return number


def _order_doc(org, payload: dict, old: dict, status: str, sales: bool) -> dict:
    doc = _document_core(org, payload, old, sales, False, "DRAFT")
    if status not in ("DRAFT", "DELETED") and not doc["LineItems"]:
        raise ElementError("One or more line items must be specified")
    doc["Status"] = status
    return doc


def _dates(doc: dict, payload: dict, old: dict, names: tuple[str, ...]) -> None:
    for name in names:
        if name in payload:
            set_date(doc, name, doc_date(payload, old, name))


def quote_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    if not existing and not payload.get("Date"):
        raise ElementError("Date must be specified.")
    if not existing and not payload.get("Contact"):
        raise ElementError("A Contact must be specified for this type of transaction")
    status = _status(payload, old, QUOTE_NEXT, "quote")
    doc = _order_doc(org, payload, old, status, True)
    _content_check(doc, old, QUOTE_EDITABLE, "quote")
    doc["QuoteID"] = old.get("QuoteID") or store.new_id()
    doc["QuoteNumber"] = _number(org, payload, old, "QuoteNumber", "QU", "quote_seq")
    for key in ("Reference", "Title", "Summary", "Terms", "BrandingThemeID"):
        if key in payload:
            doc[key] = payload[key]
    _dates(doc, payload, old, ("ExpiryDate",))
    # Quotes spell their LineAmountTypes in capitals [XERO-SPEC QuoteLineAmountTypes]
    doc["LineAmountTypes"] = doc["LineAmountTypes"].upper()
    doc.pop("DueDate", None)
    doc.pop("DueDateString", None)
    return doc, {"number": doc["QuoteNumber"], "status": status}


PO_FIELDS = ("Reference", "AttentionTo", "Telephone", "DeliveryAddress", "DeliveryInstructions",
             "BrandingThemeID", "SentToContact")  # fmt: skip


def purchase_order_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    if not existing and not payload.get("Contact"):
        raise ElementError("A Contact must be specified for this type of transaction")
    status = _status(payload, old, PO_NEXT, "purchase order")
    doc = _order_doc(org, payload, old, status, False)
    _content_check(doc, old, PO_EDITABLE, "purchase order")
    doc["PurchaseOrderID"] = old.get("PurchaseOrderID") or store.new_id()
    number = _number(org, payload, old, "PurchaseOrderNumber", "PO", "po_seq")
    doc["PurchaseOrderNumber"] = number
    for key in PO_FIELDS:
        if key in payload:
            doc[key] = payload[key]
    _dates(doc, payload, old, ("DeliveryDate", "ExpectedArrivalDate"))
    doc.pop("DueDate", None)
    doc.pop("DueDateString", None)
    return doc, {"number": number, "status": status}
