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


ACTIONS = {
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
