"""`_control/actions`: a bookkeeper working in the QuickBooks website.

Changes go through the same rules as the API (so SyncTokens move and webhooks fire), except that
the closing date only warns in the website, so actions may change closed periods.
"""

from decimal import Decimal

from sandbox.quickbooks import actions_books, faults
from sandbox.quickbooks.entities import BY_NAME
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.services import (
    WriteOptions,
    entity_create,
    entity_update,
    entity_void,
)
from sandbox.quickbooks.store import find_by_subtype, record_get

BOOKKEEPER = WriteOptions(bookkeeper=True)


def _record(company: Company, entity: str, rid) -> Record:
    rec = record_get(company, entity, rid)
    if rec is None or rec.deleted:
        raise ValueError(f"No {entity} with Id {rid} in realm {company.realm_id}.")
    return rec


def _ref(value) -> dict:
    return {"value": str(value)}


def pay_invoice(company: Company, p: dict) -> dict:
    """Record a payment for an invoice: its whole balance, or `amount` (part-payment)."""
    inv = _record(company, "Invoice", p["invoice_id"])
    amount = Decimal(str(p.get("amount", inv.data["Balance"])))
    line = {"Amount": float(amount), "LinkedTxn": [{"TxnId": str(inv.remote_id)}]}
    line["LinkedTxn"][0]["TxnType"] = "Invoice"
    body = {"CustomerRef": inv.data["CustomerRef"], "TotalAmt": float(amount), "Line": [line]}
    if p.get("date"):
        body["TxnDate"] = p["date"]
    if p.get("reference"):
        body["PaymentRefNum"] = p["reference"]
    return {"Payment": entity_create(company, BY_NAME["Payment"], body, BOOKKEEPER)}


def edit_invoice_line(company: Company, p: dict) -> dict:
    """Change one line's Qty, UnitPrice, Amount or Description (the invoice's SyncToken moves)."""
    inv = _record(company, "Invoice", p["invoice_id"])
    lines = [dict(ln) for ln in inv.data["Line"] if ln.get("DetailType") != "SubTotalLineDetail"]
    target = next((ln for ln in lines if ln.get("Id") == str(p["line_id"])), None)
    if target is None:
        raise ValueError(f"Invoice {inv.remote_id} has no line {p['line_id']}.")
    detail = dict(target.get("SalesItemLineDetail") or {})
    for key, field in (("qty", "Qty"), ("unit_price", "UnitPrice")):
        if key in p:
            detail[field] = p[key]
    target["SalesItemLineDetail"] = detail
    target.pop("Amount", None) if ("qty" in p or "unit_price" in p) else None
    if "amount" in p:
        target["Amount"] = p["amount"]
    if "description" in p:
        target["Description"] = p["description"]
    body = {"Id": str(inv.remote_id), "SyncToken": inv.data["SyncToken"], "sparse": True}
    body["Line"] = lines
    return {"Invoice": entity_update(company, BY_NAME["Invoice"], body, BOOKKEEPER)}


def void_invoice(company: Company, p: dict) -> dict:
    inv = _record(company, "Invoice", p["invoice_id"])
    body = {"Id": str(inv.remote_id), "SyncToken": inv.data["SyncToken"]}
    return {"Invoice": entity_void(company, BY_NAME["Invoice"], body, BOOKKEEPER)}


def set_preferences(company: Company, p: dict) -> dict:
    prefs = _record(company, "Preferences", 1)
    body = {"Id": "1", "SyncToken": prefs.data["SyncToken"], **p["preferences"]}
    return {"Preferences": entity_update(company, BY_NAME["Preferences"], body, BOOKKEEPER)}


def set_closing_date(company: Company, p: dict) -> dict:
    """`date` null reopens the books."""
    return set_preferences(
        company, {"preferences": {"AccountingInfoPrefs": {"BookCloseDate": p.get("date")}}}
    )


def deposit_payment(company: Company, p: dict) -> dict:
    """Deposit payments from Undeposited Funds into a bank account (default: operating bank)."""
    account = p.get("account_id") or find_by_subtype(company, "Checking").remote_id
    lines = []
    for pid in p["payment_ids"]:
        pay = _record(company, "Payment", pid)
        link = {"TxnId": str(pay.remote_id), "TxnType": "Payment", "TxnLineId": "0"}
        lines.append({"Amount": pay.data["TotalAmt"], "LinkedTxn": [link]})
    body = {"DepositToAccountRef": _ref(account), "Line": lines}
    if p.get("date"):
        body["TxnDate"] = p["date"]
    return {"Deposit": entity_create(company, BY_NAME["Deposit"], body, BOOKKEEPER)}


def create_invoice(company: Company, p: dict) -> dict:
    """An invoice typed by hand: `customer_id` or `customer_name`, `lines` of
    {description, qty, unit_price, item_id?}; optional doc_number, date, due_date."""
    customer = _customer(company, p)
    item = Record.objects.filter(company=company, type="Item", deleted=False).order_by("remote_id")
    default_item = item.first()
    lines = []
    for spec in p.get("lines") or []:
        detail = {"ItemRef": _ref(spec.get("item_id") or default_item.remote_id)}
        detail.update(Qty=spec.get("qty", 1), UnitPrice=spec.get("unit_price", 0))
        lines.append({"Description": spec.get("description", ""), "SalesItemLineDetail": detail})
    body = {"CustomerRef": _ref(customer.remote_id), "Line": lines}
    for key, field in (("doc_number", "DocNumber"), ("date", "TxnDate"), ("due_date", "DueDate")):
        if p.get(key):
            body[field] = p[key]
    opts = WriteOptions(include={"allowduplicatedocnum"}, bookkeeper=True)
    return {"Invoice": entity_create(company, BY_NAME["Invoice"], body, opts)}


def _customer(company: Company, p: dict) -> Record:
    if p.get("customer_id"):
        return _record(company, "Customer", p["customer_id"])
    key = str(p.get("customer_name", "")).strip().lower()
    rec = Record.objects.filter(company=company, type="Customer", key=key, deleted=False).first()
    if rec is None:
        raise ValueError(f"No customer named {p.get('customer_name')!r}.")
    return rec


def create_customer(company: Company, p: dict) -> dict:
    body = {"DisplayName": p["display_name"]}
    if p.get("email"):
        body["PrimaryEmailAddr"] = {"Address": p["email"]}
    return {"Customer": entity_create(company, BY_NAME["Customer"], body, BOOKKEEPER)}


ACTIONS = {
    "pay_invoice": pay_invoice,
    "edit_invoice_line": edit_invoice_line,
    "void_invoice": void_invoice,
    "set_closing_date": set_closing_date,
    "set_preferences": set_preferences,
    "deposit_payment": deposit_payment,
    "create_invoice": create_invoice,
    "create_customer": create_customer,
    **actions_books.ACTIONS,
}


def run_action(company: Company, name: str, params: dict) -> dict:
    if name not in ACTIONS:
        raise ValueError(f"Unknown action {name!r}; known: {', '.join(sorted(ACTIONS))}.")
    try:
        return ACTIONS[name](company, params)
    except KeyError as exc:
        raise ValueError(f"Action {name} needs {exc.args[0]!r}.") from exc
    except faults.QBOFault as exc:
        raise ValueError(f"QuickBooks refused: {exc.code} {exc.message}: {exc.detail}") from exc
