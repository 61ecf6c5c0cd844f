"""`_control/actions`: what a bookkeeper does in Xero by hand. Each action goes through the
same rules as the API (status rules, lock date, amounts) and queues the same webhook events."""

import datetime as dt

from django.db import transaction

from sandbox.xero import store
from sandbox.xero.errors import ElementError
from sandbox.xero.models import Organisation


class ActionError(Exception):
    pass


def _org(body: dict) -> Organisation:
    key = str(body.get("tenant_id") or body.get("account") or "")
    org = Organisation.objects.filter(tenant_id=key.lower()).first()
    org = org or Organisation.objects.filter(name=key).first()
    if org is None and not key and Organisation.objects.count() == 1:
        org = Organisation.objects.first()
    if org is None:
        raise ActionError("Name the organisation with tenant_id (or account = its name).")
    return org


org_for = _org  # for the control views that name an organisation the same way


def _spec(plural: str):
    from sandbox.xero.api_views import SPECS

    return SPECS[plural][0]


def _find(org, plural: str, body: dict, id_key: str, number_key: str | None = None):
    spec = _spec(plural)
    rec = store.record_get(org, spec.kind, body.get(id_key, "")) if body.get(id_key) else None
    if rec is None and number_key and body.get(number_key):
        rec = store.record_by_number(org, spec.kind, body[number_key])
    if rec is None:
        raise ActionError(f"No such {spec.kind}.")
    return rec


def _save(org, plural: str, payload: dict, existing=None) -> dict:
    from sandbox.xero.collection import save_record

    try:
        with transaction.atomic():
            return save_record(org, _spec(plural), payload, existing)
    except ElementError as err:
        raise ActionError("; ".join(err.messages)) from err


def _invoice(body):
    org = _org(body)
    return org, _find(org, "Invoices", body, "invoice_id", "invoice_number")


def pay_invoice(body):
    org, inv = _invoice(body)
    payload = {
        "Invoice": {"InvoiceID": inv.remote_id},
        "Account": {"Code": body.get("account_code", "090")},
        "Amount": body.get("amount", inv.data["AmountDue"]),
        "Date": body.get("date") or store.now().date().isoformat(),
        "Reference": body.get("reference", ""),
    }
    return {"Payment": _save(org, "Payments", payload)}


def edit_invoice(body):
    org, inv = _invoice(body)
    return {"Invoice": _save(org, "Invoices", body.get("changes") or {}, inv)}


def approve_invoice(body):
    org, inv = _invoice(body)
    return {"Invoice": _save(org, "Invoices", {"Status": "AUTHORISED"}, inv)}


def void_invoice(body):
    org, inv = _invoice(body)
    return {"Invoice": _save(org, "Invoices", {"Status": "VOIDED"}, inv)}


def create_invoice(body):
    org = _org(body)
    return {"Invoice": _save(org, "Invoices", body.get("invoice") or {})}


def create_contact(body):
    org = _org(body)
    return {"Contact": _save(org, "Contacts", body.get("contact") or {})}


def delete_payment(body):
    org = _org(body)
    pay = _find(org, "Payments", body, "payment_id")
    return {"Payment": _save(org, "Payments", {"Status": "DELETED"}, pay)}


def reconcile_payment(body):
    """Deposit/reconcile against the bank statement: IsReconciled, after which the API refuses
    to delete the payment."""
    org = _org(body)
    pay = _find(org, "Payments", body, "payment_id")
    pay.data["IsReconciled"] = bool(body.get("reconciled", True))
    saved = store.record_save(org, "Payment", "PaymentID", pay.data, status=pay.status)
    return {"Payment": saved.data}


def set_period_lock_date(body):
    org = _org(body)
    raw = body.get("date")
    day = dt.date.fromisoformat(raw) if raw else None
    Organisation.objects.filter(pk=org.pk).update(period_lock_date=day)
    return {"tenant_id": org.tenant_id, "PeriodLockDate": raw}


def create_supplier(body):
    """A contact added under Contacts > Suppliers: IsSupplier from the start (through the API it
    turns true with the contact's first bill)."""
    from sandbox.xero.settings_api import contact_mark_role

    org = _org(body)
    contact = _save(org, "Contacts", body.get("contact") or {})
    contact_mark_role(org, contact["ContactID"], "ACCPAY")
    return {"Contact": store.record_get(org, "Contact", contact["ContactID"]).data}


def create_bill(body):
    org = _org(body)
    return {"Invoice": _save(org, "Invoices", {**(body.get("bill") or {}), "Type": "ACCPAY"})}


def email_invoice(body):
    """What the Approve & email button does: the API's rules, then the email is kept."""
    from sandbox.xero import doc_views
    from sandbox.xero.errors import XeroError

    org, inv = _invoice(body)
    try:
        with transaction.atomic(), store.call_memo():
            doc_views.invoice_email_check(org, inv)
            return {"Email": doc_views.invoice_email_send(org, inv, doc_views.address_of(org, inv))}
    except XeroError as err:
        raise ActionError(err.body["Elements"][0]["ValidationErrors"][0]["Message"]) from err


def _creator(plural: str, kind: str, key: str, fixed: dict | None = None):
    def create(body):
        org = _org(body)
        return {kind: _save(org, plural, {**(body.get(key) or {}), **(fixed or {})})}

    return create


def _editor(plural: str, kind: str, id_key: str, number_key: str | None):
    def edit(body):
        org = _org(body)
        rec = _find(org, plural, body, id_key, number_key)
        return {kind: _save(org, plural, body.get("changes") or {}, rec)}

    return edit


ACTIONS = {
    "create_supplier": create_supplier,
    "create_bill": create_bill,
    "email_invoice": email_invoice,
    "create_quote": _creator("Quotes", "Quote", "quote"),
    "edit_quote": _editor("Quotes", "Quote", "quote_id", "quote_number"),
    "create_purchase_order": _creator("PurchaseOrders", "PurchaseOrder", "purchase_order"),
    "edit_purchase_order": _editor(
        "PurchaseOrders", "PurchaseOrder", "purchase_order_id", "purchase_order_number"
    ),
    "spend_money": _creator("BankTransactions", "BankTransaction", "spend", {"Type": "SPEND"}),
    "receive_money": _creator(
        "BankTransactions", "BankTransaction", "receive", {"Type": "RECEIVE"}
    ),
    "create_credit_note": _creator("CreditNotes", "CreditNote", "credit_note"),
    "create_account": _creator("Accounts", "Account", "account"),
    "create_item": _creator("Items", "Item", "item"),
    "create_manual_journal": _creator("ManualJournals", "ManualJournal", "manual_journal"),
    "pay_invoice": pay_invoice,
    "edit_invoice": edit_invoice,
    "approve_invoice": approve_invoice,
    "void_invoice": void_invoice,
    "create_invoice": create_invoice,
    "create_contact": create_contact,
    "delete_payment": delete_payment,
    "reconcile_payment": reconcile_payment,
    "set_period_lock_date": set_period_lock_date,
}
