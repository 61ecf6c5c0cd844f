"""Invoices (ACCREC/ACCPAY) and their status rules.

Statuses DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED. DRAFT/SUBMITTED may change freely,
move to AUTHORISED or be DELETED; AUTHORISED may be edited only while nothing is paid or credited,
cannot go back, and may be VOIDED only with no payments; PAID, VOIDED and DELETED are final.
[help.xero.com Payments_EditDeleteInvoice; API_NOTES §3.8; messages as Xero returns them]
"""

import datetime as dt
from decimal import Decimal

from django.db.models import F

from sandbox.xero import store
from sandbox.xero.errors import ElementError
from sandbox.xero.lines import books_for, build_lines, dec, line_amount_types, same_lines
from sandbox.xero.models import Organisation, Record

LOCKED = "Invoice not of valid status for modification"
HAS_PAYMENTS = "This document cannot be edited as it has a payment or credit note allocated to it."
EDITABLE = {"DRAFT", "SUBMITTED", "AUTHORISED"}
NEXT = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
MONEY_FIELDS = ("SubTotal", "TotalTax", "Total")


def contact_ref(org: Organisation, raw) -> dict:
    """The contact a document names by ContactID, ContactNumber or Name; Xero creates a contact
    when only an unknown Name is given (developer.xero.com .../invoices, "Contact")."""
    from sandbox.xero.settings_api import contact_create_by_name, contact_summary

    raw = raw or {}
    rec = None
    if raw.get("ContactID"):
        rec = store.memo_get(("contact", raw["ContactID"])) or store.record_get(
            org, "Contact", raw["ContactID"]
        )
        if rec is not None:
            store.memo_put(("contact", rec.remote_id), rec)
        if rec is None:
            raise ElementError("The contact with the specified ContactID could not be found.")
    elif raw.get("ContactNumber"):
        rec = store.record_by_number(org, "Contact", raw["ContactNumber"])
    if rec is None and raw.get("Name"):
        rec = Record.objects.filter(
            organisation=org, kind="Contact", label=raw["Name"], status="ACTIVE"
        ).first() or contact_create_by_name(org, raw["Name"])
    if rec is None:
        raise ElementError("A Contact must be specified for this type of transaction")
    return contact_summary(rec.data)


def lock_check(org: Organisation, *dates) -> None:
    """Org `PeriodLockDate`: nothing dated on or before it may change. Wording follows Xero's
    end-of-year lock message (xeroizer issue 92)."""
    lock = org.period_lock_date
    for day in dates:
        if lock and day and day <= lock:
            raise ElementError(
                "The document date cannot be before the period lock date, currently set at "
                f"{lock.strftime('%d-%b-%Y')}"
            )


def set_date(doc: dict, name: str, value: dt.date | None) -> None:
    if value is None:
        doc.pop(name, None)
        doc.pop(f"{name}String", None)
        return
    doc[name] = store.msdate(value)
    doc[f"{name}String"] = store.date_string(value)


def doc_date(payload: dict, old: dict, name: str, default=None) -> dt.date | None:
    if name in payload:
        parsed = store.parse_date(payload[name])
        if payload[name] and parsed is None:
            raise ElementError(f"{name} must be a valid date.")
        return parsed
    return store.parse_date(old.get(name)) if old.get(name) else default


def transition(old_status: str | None, new_status: str, has_alloc: bool, noun="invoice") -> None:
    if old_status is None:
        if new_status not in ("DRAFT", "SUBMITTED", "AUTHORISED"):
            raise ElementError(f"Cannot create a document with a status of {new_status}.")
        return
    if old_status not in EDITABLE or (old_status == "AUTHORISED" and has_alloc):
        if new_status == "VOIDED" and old_status in ("AUTHORISED", "PAID"):
            raise ElementError(
                f"The status VOIDED cannot be applied to the {noun} because it has payments or "
                "credit notes allocated to it."
            )
        if new_status != old_status or old_status in ("VOIDED", "DELETED"):
            raise ElementError(LOCKED)
        return
    if new_status not in NEXT[old_status]:
        raise ElementError(LOCKED)


def invoice_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    inv_type = old.get("Type") or payload.get("Type")
    if inv_type not in ("ACCREC", "ACCPAY"):
        raise ElementError("Invoice Type must be specified.")
    status = str(payload.get("Status") or old.get("Status") or "DRAFT").upper()
    allocated = dec(old.get("AmountPaid", 0)) + dec(old.get("AmountCredited", 0)) > 0
    transition(old.get("Status"), status, allocated)
    if status != old.get("Status") and old.get("Status") == "PAID":
        raise ElementError(LOCKED)
    doc = _document_core(org, payload, old, inv_type == "ACCREC", allocated, status)
    doc.update(Type=inv_type, InvoiceID=old.get("InvoiceID") or store.new_id())
    _invoice_number(org, doc, payload, old, inv_type)
    for key in ("Reference", "Url", "SentToContact", "BrandingThemeID"):
        if key in payload:
            doc[key] = payload[key]
    _amounts(doc, old)
    if old.get("Status") in ("VOIDED", "DELETED", "PAID") and doc["Status"] == old.get("Status"):
        raise ElementError(LOCKED)
    cols = {"number": doc.get("InvoiceNumber", ""), "doc_type": inv_type, "status": doc["Status"]}
    return doc, cols


def _document_core(org, payload, old, sales, allocated, status) -> dict:
    """Contact, dates, lines and totals, shared by invoices and credit notes."""
    books = books_for(org)
    old_date = store.parse_date(old.get("Date")) if old else None
    today = store.now().date()
    date = doc_date(payload, old, "Date", today) or today
    lock_check(org, date, old_date)
    lat = line_amount_types(payload.get("LineAmountTypes") or old.get("LineAmountTypes"))
    raw_lines = payload.get("LineItems") if "LineItems" in payload else None
    if raw_lines is None:
        lines, totals = old.get("LineItems", []), {k: dec(old.get(k, 0)) for k in MONEY_FIELDS}
        if "LineAmountTypes" in payload and lat != old.get("LineAmountTypes"):
            lines, totals = build_lines(books, lines, lat, sales, lines)
    else:
        lines, totals = build_lines(books, raw_lines, lat, sales, old.get("LineItems", []))
    if allocated and (not same_lines(lines, old.get("LineItems", [])) or date != old_date):
        raise ElementError(LOCKED, HAS_PAYMENTS)
    if status in ("SUBMITTED", "AUTHORISED") and not lines:
        raise ElementError("One or more line items must be specified")
    if status == "AUTHORISED" and any(not ln.get("AccountCode") for ln in lines):
        raise ElementError("Account code must be specified")
    contact = (
        contact_ref(org, payload.get("Contact")) if "Contact" in payload else old.get("Contact")
    )
    if not contact:
        raise ElementError("A Contact must be specified for this type of transaction")
    doc = {k: v for k, v in old.items()}
    doc.update(Contact=contact, Status=status, LineAmountTypes=lat, LineItems=lines)
    doc.update({k: store.to_number(v) for k, v in totals.items()})
    doc.setdefault("CurrencyCode", payload.get("CurrencyCode") or "USD")
    doc.setdefault("CurrencyRate", 1.0)
    set_date(doc, "Date", date)
    set_date(doc, "DueDate", doc_date(payload, old, "DueDate"))
    doc.setdefault("HasAttachments", False)
    return doc


def _invoice_number(org, doc, payload, old, inv_type) -> None:
    number = payload.get("InvoiceNumber", old.get("InvoiceNumber"))
    if inv_type == "ACCREC" and not number:
        # The sequence is read under a lock: two saves at once take two numbers.
        Organisation.objects.filter(pk=org.pk).update(invoice_seq=F("invoice_seq") + 1)
        org.invoice_seq = Organisation.objects.values_list("invoice_seq", flat=True).get(pk=org.pk)
        number = f"INV-{org.invoice_seq:04d}"
    if inv_type == "ACCREC":
        clash = (
            Record.objects.filter(
                organisation=org, kind="Invoice", doc_type="ACCREC", number=number
            )
            .exclude(remote_id=doc["InvoiceID"])
            .exclude(status="DELETED")
        )
        if clash.exists():
            raise ElementError("Invoice # must be unique.")
    doc["InvoiceNumber"] = number or ""


def _amounts(doc: dict, old: dict) -> None:
    paid = dec(old.get("AmountPaid", 0))
    credited = dec(old.get("AmountCredited", 0))
    total = dec(doc["Total"])
    doc["AmountPaid"] = store.to_number(paid)
    doc["AmountCredited"] = store.to_number(credited)
    due = total - paid - credited if doc["Status"] not in ("VOIDED", "DELETED") else Decimal(0)
    doc["AmountDue"] = store.to_number(store.money(due))
    for key in ("Payments", "CreditNotes", "Prepayments", "Overpayments"):
        doc.setdefault(key, [])
    doc.setdefault("IsDiscounted", any(ln.get("DiscountRate") for ln in doc["LineItems"]))
    doc["HasErrors"] = False


def invoice_recalc(rec: Record) -> None:
    """After a payment or allocation changed: AmountPaid/Credited/Due, PAID when fully paid."""
    doc = rec.data
    live = [p for p in doc.get("Payments", [])]
    paid = sum((dec(p["Amount"]) for p in live), Decimal("0.00"))
    credited = sum((dec(c.get("AppliedAmount", 0)) for c in doc.get("CreditNotes", [])), Decimal(0))
    doc["AmountPaid"] = store.to_number(paid)
    doc["AmountCredited"] = store.to_number(store.money(credited))
    due = store.money(dec(doc["Total"]) - paid - credited)
    doc["AmountDue"] = store.to_number(due)
    if due <= 0 and doc["Status"] == "AUTHORISED":
        doc["Status"] = "PAID"
        doc["FullyPaidOnDate"] = store.msdate(store.now().date())
    elif due > 0 and doc["Status"] == "PAID":
        doc["Status"] = "AUTHORISED"
        doc.pop("FullyPaidOnDate", None)
    saved = store.record_save(rec.organisation, rec.kind, "InvoiceID", doc, status=doc["Status"])
    from sandbox.xero.webhooks import event_record

    event_record(rec.organisation, "INVOICE", "Invoices", saved, False)


def invoice_after_save(org: Organisation, rec: Record, created: bool) -> None:
    from sandbox.xero.settings_api import contact_mark_role

    contact_mark_role(org, rec.data["Contact"]["ContactID"], rec.data["Type"])
