"""Payments, bank transactions, bank transfers and manual journals."""

from decimal import Decimal

from sandbox.xero import store
from sandbox.xero.errors import ElementError
from sandbox.xero.lines import Books, books_for, build_lines, dec, line_amount_types
from sandbox.xero.models import Organisation, Record
from sandbox.xero.sales import contact_ref, invoice_recalc, lock_check, set_date

PAY_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}
PAYMENTS_ONLY_AUTHORISED = "Payments can only be made against Authorised documents"
OVER_OUTSTANDING = "Payment amount exceeds the amount outstanding on this document"


def _bank_account(books: Books, ref: dict | None, payments: bool = False) -> dict:
    acct = books.account(ref)
    ok = acct and (acct["Type"] == "BANK" or (payments and acct.get("EnablePaymentsToAccount")))
    if not ok:
        raise ElementError("Account could not be found.")
    return {"AccountID": acct["AccountID"], "Code": acct.get("Code", ""), "Name": acct["Name"]}


def _target(org: Organisation, payload: dict) -> Record:
    for kind, key, num in (
        ("Invoice", "InvoiceID", "InvoiceNumber"),
        ("CreditNote", "CreditNoteID", "CreditNoteNumber"),
    ):
        ref = payload.get(kind) or {}
        rec = store.record_get(org, kind, ref[key]) if ref.get(key) else None
        if rec is None and ref.get(num):
            rec = store.record_by_number(org, kind, ref[num])
        if ref and rec is None:
            raise ElementError(f"{kind} could not be found.")
        if rec:
            return rec
    raise ElementError("An Invoice or CreditNote must be specified for a payment.")


def payment_build(org: Organisation, payload: dict, existing: Record | None):
    """Create a payment, or delete one with {"Status":"DELETED"} — payments allow no other edit."""
    if existing:
        return _payment_delete(org, existing, payload)
    target = _target(org, payload)
    doc_data = target.data
    amount = store.money(dec(payload.get("Amount")))
    outstanding = dec(doc_data.get("AmountDue", doc_data.get("RemainingCredit", 0)))
    if doc_data["Status"] != "AUTHORISED":
        messages = [PAYMENTS_ONLY_AUTHORISED]
        if doc_data["Status"] == "PAID":
            messages.append(OVER_OUTSTANDING)
        raise ElementError(*messages)
    if amount <= 0:
        raise ElementError("Payment amount must be greater than zero.")
    if amount > outstanding:
        raise ElementError(OVER_OUTSTANDING)
    account = _bank_account(books_for(org), payload.get("Account"), payments=True)
    date = store.parse_date(payload.get("Date")) or store.now().date()
    lock_check(org, date)
    doc = _payment_doc(payload, doc_data, account, amount, date)
    return doc, {"doc_type": doc["PaymentType"], "status": "AUTHORISED"}


def _payment_doc(payload, target: dict, account: dict, amount, date) -> dict:
    doc = {
        "PaymentID": store.new_id(),
        "Date": store.msdate(date),
        "Amount": store.to_number(amount),
        "BankAmount": store.to_number(amount),
        "Reference": payload.get("Reference", ""),
        "CurrencyRate": 1.0,
        "PaymentType": PAY_TYPES[target["Type"]],
        "Status": "AUTHORISED",
        "IsReconciled": bool(payload.get("IsReconciled", False)),
        "HasAccount": True,
        "HasValidationErrors": False,
        "Account": account,
    }
    if "InvoiceID" in target:
        doc["Invoice"] = {
            "InvoiceID": target["InvoiceID"],
            "InvoiceNumber": target.get("InvoiceNumber", ""),
            "Type": target["Type"],
            "Contact": target["Contact"],
        }
    else:
        doc["CreditNote"] = {
            "CreditNoteID": target["CreditNoteID"],
            "CreditNoteNumber": target.get("CreditNoteNumber", ""),
            "Type": target["Type"],
            "Contact": target["Contact"],
        }
    return doc


def _payment_delete(org, existing: Record, payload: dict):
    doc = dict(existing.data)
    if str(payload.get("Status", "")).upper() != "DELETED":
        raise ElementError("Only the Status of a payment can be changed, to DELETED.")
    if doc["Status"] == "DELETED":
        raise ElementError("Payment has already been deleted.")
    if doc.get("IsReconciled"):
        raise ElementError("A reconciled payment cannot be deleted.")
    lock_check(org, store.parse_date(doc["Date"]))
    doc["Status"] = "DELETED"
    return doc, {"doc_type": doc["PaymentType"], "status": "DELETED"}


def payment_after_save(org: Organisation, rec: Record, created: bool) -> None:
    """Keep the paid document's Payments[] and amounts in step."""
    doc = rec.data
    kind, key = ("Invoice", "InvoiceID") if "Invoice" in doc else ("CreditNote", "CreditNoteID")
    target = store.record_get(org, kind, doc[kind][key])
    stub = {
        "PaymentID": doc["PaymentID"],
        "Date": doc["Date"],
        "Amount": doc["Amount"],
        "Reference": doc.get("Reference", ""),
        "CurrencyRate": 1.0,
        "HasAccount": True,
        "HasValidationErrors": False,
    }
    pays = [p for p in target.data.get("Payments", []) if p["PaymentID"] != doc["PaymentID"]]
    target.data["Payments"] = pays + ([stub] if doc["Status"] == "AUTHORISED" else [])
    if kind == "Invoice":
        invoice_recalc(target)
    else:
        from sandbox.xero.credit import credit_note_resave

        credit_note_resave(org, target)


def _bank_status(old: dict, payload: dict) -> str:
    """AUTHORISED, or DELETED by POST; deleted/voided ones are final, reconciled ones stay."""
    status = str(payload.get("Status") or old.get("Status") or "AUTHORISED").upper()
    if old.get("Status") in ("DELETED", "VOIDED") or status not in ("AUTHORISED", "DELETED"):
        raise ElementError("Bank transaction not of valid status for modification")
    if old.get("IsReconciled") and status == "DELETED":
        raise ElementError("A reconciled bank transaction cannot be deleted.")
    return status


def bank_transaction_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    bt_type = old.get("Type") or payload.get("Type")
    if bt_type not in ("RECEIVE", "SPEND") and not existing:
        raise ElementError("Type must be RECEIVE or SPEND.")
    status = _bank_status(old, payload)
    books = books_for(org)
    old_date = store.parse_date(old.get("Date")) if old else None
    date = store.parse_date(payload.get("Date")) or old_date or store.now().date()
    lock_check(org, date, old_date)
    lat = line_amount_types(payload.get("LineAmountTypes") or old.get("LineAmountTypes"))
    raw_lines = payload.get("LineItems", old.get("LineItems"))
    if not raw_lines:
        raise ElementError("One or more line items must be specified")
    lines, totals = build_lines(
        books, raw_lines, lat, bt_type.startswith("RECEIVE"), old.get("LineItems", [])
    )
    doc = dict(old)
    doc.update(
        BankTransactionID=old.get("BankTransactionID") or store.new_id(),
        Type=bt_type,
        Status=status,
        LineAmountTypes=lat,
        LineItems=lines,
        BankAccount=_bank_account(books, payload.get("BankAccount") or old.get("BankAccount")),
        Contact=contact_ref(org, payload["Contact"])
        if "Contact" in payload
        else old.get("Contact"),
        Reference=payload.get("Reference", old.get("Reference", "")),
        IsReconciled=bool(payload.get("IsReconciled", old.get("IsReconciled", False))),
        CurrencyCode="USD",
        HasAttachments=False,
    )
    if not doc["Contact"]:
        raise ElementError("A Contact must be specified for this type of transaction")
    doc.update({k: store.to_number(v) for k, v in totals.items()})
    set_date(doc, "Date", date)
    return doc, {"doc_type": bt_type, "status": status}


def bank_transfer_build(org: Organisation, payload: dict, existing: Record | None):
    """A transfer creates a SPEND-TRANSFER and a RECEIVE-TRANSFER bank transaction; POST with
    Status DELETED removes it (API_NOTES §3.8)."""
    if existing:
        return _transfer_delete(org, existing, payload)
    books = books_for(org)
    src = _bank_account(books, payload.get("FromBankAccount"))
    dst = _bank_account(books, payload.get("ToBankAccount"))
    if src["AccountID"] == dst["AccountID"]:
        raise ElementError("The From and To bank accounts must be different.")
    amount = store.money(dec(payload.get("Amount")))
    if amount <= 0:
        raise ElementError("Amount must be greater than zero.")
    date = store.parse_date(payload.get("Date")) or store.now().date()
    lock_check(org, date)
    legs = [
        _transfer_leg(org, t, acct, amount, date, payload)
        for t, acct in (("SPEND-TRANSFER", src), ("RECEIVE-TRANSFER", dst))
    ]
    doc = {
        "BankTransferID": store.new_id(),
        "FromBankAccount": src,
        "ToBankAccount": dst,
        "Amount": store.to_number(amount),
        "Date": store.msdate(date),
        "DateString": store.date_string(date),
        "CurrencyRate": 1.0,
        "FromBankTransactionID": legs[0],
        "ToBankTransactionID": legs[1],
        "FromIsReconciled": bool(payload.get("FromIsReconciled", False)),
        "ToIsReconciled": bool(payload.get("ToIsReconciled", False)),
        "Reference": payload.get("Reference", ""),
        "HasAttachments": False,
        "CreatedDateUTC": store.msdate(store.now()),
        "Status": "AUTHORISED",
    }
    return doc, {"status": "AUTHORISED"}


def _transfer_leg(org, bt_type, account, amount, date, payload) -> str:
    leg = {
        "BankTransactionID": store.new_id(),
        "Type": bt_type,
        "Status": "AUTHORISED",
        "BankAccount": account,
        "LineAmountTypes": "NoTax",
        "LineItems": [],
        "SubTotal": store.to_number(amount),
        "TotalTax": 0.0,
        "Total": store.to_number(amount),
        "Reference": payload.get("Reference", ""),
        "IsReconciled": False,
        "CurrencyCode": "USD",
        "HasAttachments": False,
    }
    set_date(leg, "Date", date)
    store.record_save(
        org, "BankTransaction", "BankTransactionID", leg, doc_type=bt_type, status="AUTHORISED"
    )
    return leg["BankTransactionID"]


def _transfer_delete(org, existing: Record, payload: dict):
    if str(payload.get("Status", "")).upper() != "DELETED":
        raise ElementError("Bank transfers cannot be edited; they can only be deleted.")
    doc = dict(existing.data)
    lock_check(org, store.parse_date(doc["Date"]))
    doc["Status"] = "DELETED"
    for key in ("FromBankTransactionID", "ToBankTransactionID"):
        leg = store.record_get(org, "BankTransaction", doc[key])
        if leg:
            leg.data["Status"] = "DELETED"
            store.record_save(
                org, "BankTransaction", "BankTransactionID", leg.data, status="DELETED"
            )
    return doc, {"status": "DELETED"}


JOURNAL_NEXT = {
    None: {"DRAFT", "POSTED"},
    "DRAFT": {"DRAFT", "POSTED", "DELETED"},
    "POSTED": {"POSTED", "VOIDED"},
}


def _balanced(lines: list[dict]) -> None:
    debits = sum((dec(ln["LineAmount"]) for ln in lines if ln["LineAmount"] > 0), Decimal("0.00"))
    credits = -sum((dec(ln["LineAmount"]) for ln in lines if ln["LineAmount"] < 0), Decimal("0.00"))
    if debits != credits:
        raise ElementError(
            f"The total debits ({debits:.2f}) must equal total credits ({credits:.2f})"
        )


def manual_journal_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    status = str(payload.get("Status") or old.get("Status") or "DRAFT").upper()
    if status not in JOURNAL_NEXT.get(old.get("Status"), set()):
        raise ElementError("Manual journal not of valid status for modification")
    narration = payload.get("Narration", old.get("Narration"))
    if not narration:
        raise ElementError("Narration must be specified.")
    books = books_for(org)
    old_date = store.parse_date(old.get("Date", ""))
    date = store.parse_date(payload.get("Date")) or old_date or store.now().date()
    lock_check(org, date, old_date)
    raw_lines = payload.get("JournalLines", old.get("JournalLines", []))
    lines = [_journal_line(books, ln) for ln in raw_lines]
    if status == "POSTED":
        _balanced(lines)
    doc = dict(old)
    doc.update(
        ManualJournalID=old.get("ManualJournalID") or store.new_id(),
        Narration=narration,
        JournalLines=lines,
        Status=status,
        LineAmountTypes=line_amount_types(
            payload.get("LineAmountTypes") or old.get("LineAmountTypes"), "NoTax"
        ),
        ShowOnCashBasisReports=payload.get(
            "ShowOnCashBasisReports", old.get("ShowOnCashBasisReports", True)
        ),
        HasAttachments=False,
    )
    set_date(doc, "Date", date)
    return doc, {"status": status}


def _journal_line(books: Books, raw: dict) -> dict:
    code = raw.get("AccountCode")
    acct = books.account({"Code": code} if code else {"AccountID": raw.get("AccountID")})
    if acct is None:
        raise ElementError(
            f"Account code '{code or raw.get('AccountID')}' is not a valid code for this document."
        )
    tax_type = raw.get("TaxType") or acct.get("TaxType") or "NONE"
    if tax_type not in books.taxes:
        raise ElementError(
            f"The TaxType code {tax_type} does not exist or cannot be used "
            "for this type of transaction."
        )
    return {
        "LineAmount": store.to_number(store.money(dec(raw.get("LineAmount")))),
        "AccountCode": acct.get("Code", ""),
        "AccountID": acct["AccountID"],
        "Description": raw.get("Description", ""),
        "TaxType": tax_type,
        "TaxAmount": 0.0,
        "IsBlank": False,
        "Tracking": raw.get("Tracking", []),
    }
