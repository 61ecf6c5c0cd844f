"""Credit notes and their allocations to invoices (quotes and purchase orders: orders.py)."""

from decimal import Decimal

from sandbox.xero import store
from sandbox.xero.errors import ElementError
from sandbox.xero.lines import dec
from sandbox.xero.models import Organisation, Record
from sandbox.xero.sales import _document_core, invoice_recalc, transition

CN_TYPES = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}


def credit_note_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    cn_type = old.get("Type") or payload.get("Type")
    if cn_type not in CN_TYPES:
        raise ElementError("Credit Note Type must be specified.")
    status = str(payload.get("Status") or old.get("Status") or "DRAFT").upper()
    used = dec(old.get("Total", 0)) - dec(old.get("RemainingCredit", old.get("Total", 0))) > 0
    transition(old.get("Status"), status, used, noun="credit note")
    doc = _document_core(org, payload, old, cn_type == "ACCRECCREDIT", used, status)
    doc.update(Type=cn_type, CreditNoteID=old.get("CreditNoteID") or store.new_id())
    number = payload.get("CreditNoteNumber", old.get("CreditNoteNumber"))
    if cn_type == "ACCRECCREDIT" and not number:
        org.credit_note_seq += 1
        org.save(update_fields=["credit_note_seq"])
        number = f"CN-{org.credit_note_seq:04d}"
    doc["CreditNoteNumber"] = number or ""
    if "Reference" in payload:
        doc["Reference"] = payload["Reference"]
    doc.setdefault("Allocations", [])
    doc.setdefault("Payments", [])
    _remaining(doc)
    doc["HasErrors"] = False
    cols = {"number": doc["CreditNoteNumber"], "doc_type": cn_type, "status": doc["Status"]}
    return doc, cols


def _remaining(doc: dict) -> None:
    allocated = sum((dec(a["Amount"]) for a in doc.get("Allocations", [])), Decimal(0))
    refunded = sum((dec(p["Amount"]) for p in doc.get("Payments", [])), Decimal(0))
    live = doc["Status"] not in ("VOIDED", "DELETED")
    remaining = dec(doc["Total"]) - allocated - refunded if live else Decimal(0)
    doc["RemainingCredit"] = store.to_number(store.money(remaining))
    doc["AppliedAmount"] = store.to_number(store.money(allocated + refunded))
    if live and remaining <= 0 and doc["Status"] == "AUTHORISED" and dec(doc["Total"]) > 0:
        doc["Status"] = "PAID"
    elif remaining > 0 and doc["Status"] == "PAID":
        doc["Status"] = "AUTHORISED"


def credit_note_resave(org: Organisation, rec: Record) -> Record:
    _remaining(rec.data)
    saved = store.record_save(
        org, "CreditNote", "CreditNoteID", rec.data, status=rec.data["Status"]
    )
    from sandbox.xero.webhooks import event_record

    event_record(org, "CREDITNOTE", "CreditNotes", saved, False)
    return saved


def allocation_create(org: Organisation, cn_rec: Record, raw: dict) -> dict:
    """PUT /CreditNotes/{id}/Allocations: Invoice, Amount and Date are required
    [XERO-SPEC Allocation]."""
    cn = cn_rec.data
    if cn["Status"] != "AUTHORISED":
        raise ElementError("Credit notes can only be allocated when they are Authorised.")
    ref = raw.get("Invoice") or {}
    inv = (
        store.record_get(org, "Invoice", ref.get("InvoiceID", "")) if ref.get("InvoiceID") else None
    )
    if inv is None and ref.get("InvoiceNumber"):
        inv = store.record_by_number(org, "Invoice", ref["InvoiceNumber"])
    if inv is None:
        raise ElementError("Invoice could not be found.")
    if raw.get("Amount") in (None, ""):
        raise ElementError("Amount must be specified.")
    amount = store.money(dec(raw["Amount"]))
    date = store.parse_date(raw.get("Date")) or store.now().date()
    _allocation_checks(org, cn, inv.data, amount, date)
    alloc_id = store.new_id()
    alloc = {
        "AllocationID": alloc_id,
        "Amount": store.to_number(amount),
        "Date": store.msdate(date),
    }
    cn["Allocations"].append({**alloc, "Invoice": _invoice_stub(inv.data)})
    inv.data.setdefault("CreditNotes", []).append(
        {
            "CreditNoteID": cn["CreditNoteID"],
            "CreditNoteNumber": cn.get("CreditNoteNumber", ""),
            "AppliedAmount": store.to_number(amount),
            "AllocationID": alloc_id,
            "Date": store.msdate(date),
            "Total": cn["Total"],
        }
    )
    invoice_recalc(inv)
    credit_note_resave(org, cn_rec)
    stub = {"CreditNoteID": cn["CreditNoteID"], "CreditNoteNumber": cn.get("CreditNoteNumber", "")}
    return {**alloc, "Invoice": _invoice_stub(inv.data), "CreditNote": stub, "IsDeleted": False}


def _allocation_checks(org, cn: dict, inv: dict, amount, date) -> None:
    from sandbox.xero.sales import lock_check

    if CN_TYPES[cn["Type"]] != inv["Type"]:
        raise ElementError("The credit note and the invoice must be of matching types.")
    if inv["Status"] != "AUTHORISED":
        raise ElementError("Payments can only be made against Authorised documents")
    if amount <= 0:
        raise ElementError("Amount must be greater than zero.")
    if amount > dec(cn["RemainingCredit"]):
        raise ElementError("The amount allocated cannot exceed the remaining credit.")
    if amount > dec(inv["AmountDue"]):
        raise ElementError("Payment amount exceeds the amount outstanding on this document")
    lock_check(org, date)


def _invoice_stub(inv: dict) -> dict:
    return {
        "InvoiceID": inv["InvoiceID"],
        "InvoiceNumber": inv.get("InvoiceNumber", ""),
        "Type": inv["Type"],
        "HasErrors": False,
        "IsDiscounted": False,
        "Payments": [],
        "CreditNotes": [],
        "Prepayments": [],
        "Overpayments": [],
    }


def allocation_delete(org: Organisation, cn_rec: Record, allocation_id: str) -> dict:
    cn = cn_rec.data
    alloc = next((a for a in cn["Allocations"] if a["AllocationID"] == allocation_id), None)
    if alloc is None:
        raise ElementError("Allocation could not be found.")
    cn["Allocations"].remove(alloc)
    inv = store.record_get(org, "Invoice", alloc["Invoice"]["InvoiceID"])
    if inv:
        inv.data["CreditNotes"] = [
            c for c in inv.data.get("CreditNotes", []) if c.get("AllocationID") != allocation_id
        ]
        invoice_recalc(inv)
    credit_note_resave(org, cn_rec)
    return {**alloc, "IsDeleted": True}
