"""More of the bookkeeper's work in the QuickBooks website, for `POST _control/actions`: vendors,
accounts and customer edits, estimates, sales receipts, payments, bills, expenses (checks, cash,
credit card), purchase orders, voiding an expense and merging two names.

Each goes through the API's own rules (so SyncTokens move and webhooks fire), except the closing
date, which the website only warns about. Lines are `{description, qty, unit_price, item_id?}`
on sales forms; on purchase forms `{description, amount, account_id?}` (account based, default
the first expense account) or `{item_id, qty, unit_price}` (item based).
"""

from dataclasses import replace

from sandbox.quickbooks import clock, compute
from sandbox.quickbooks.entities import BY_NAME
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.services import WriteOptions, entity_create, entity_update, entity_void
from sandbox.quickbooks.store import find_by_subtype, record_get, record_save, ref

BOOKKEEPER = WriteOptions(bookkeeper=True)
HAND_NUMBERED = WriteOptions(include={"allowduplicatedocnum"}, bookkeeper=True)
MERGEABLE = ("Customer", "Vendor", "Employee", "Account", "Item", "Class")
PAYMENT_TYPES = ("Check", "Cash", "CreditCard")


def _record(company: Company, entity: str, rid) -> Record:
    rec = record_get(company, entity, rid)
    if rec is None or rec.deleted:
        raise ValueError(f"No {entity} with Id {rid} in realm {company.realm_id}.")
    return rec


def _ref(value) -> dict:
    return {"value": str(value)}


def _named(company: Company, entity: str, p: dict, key: str) -> Record:
    """`<key>_id`, or `<key>_name` (the display name, any case)."""
    if p.get(f"{key}_id"):
        return _record(company, entity, p[f"{key}_id"])
    wanted = p.get(f"{key}_name")
    if wanted is None:
        raise KeyError(f"{key}_id")
    name = str(wanted).strip().lower()
    rec = Record.objects.filter(company=company, type=entity, key=name, deleted=False).first()
    if rec is None:
        raise ValueError(f"No {entity.lower()} named {wanted!r}.")
    return rec


def _first(company: Company, entity: str, **where) -> Record | None:
    rows = Record.objects.filter(company=company, type=entity, deleted=False).order_by("remote_id")
    for rec in rows:
        if all(rec.data.get(k) == v for k, v in where.items()):
            return rec
    return None


def _dated(body: dict, p: dict, **fields: str) -> dict:
    for key, field in {"doc_number": "DocNumber", "date": "TxnDate", **fields}.items():
        if p.get(key):
            body[field] = p[key]
    return body


def _sales_lines(company: Company, p: dict) -> list[dict]:
    default_item = _first(company, "Item")
    lines = []
    for spec in p.get("lines") or []:
        item = spec.get("item_id") or (default_item.remote_id if default_item else None)
        detail = {"ItemRef": _ref(item), "Qty": spec.get("qty", 1)}
        detail["UnitPrice"] = spec.get("unit_price", 0)
        lines.append({"Description": spec.get("description", ""), "SalesItemLineDetail": detail})
    return lines


def _expense_lines(company: Company, p: dict) -> list[dict]:
    expense = _first(company, "Account", AccountType="Expense")
    lines = []
    for spec in p.get("lines") or []:
        line = {"Description": spec.get("description", "")}
        if spec.get("item_id"):
            detail = {"ItemRef": _ref(spec["item_id"]), "Qty": spec.get("qty", 1)}
            detail["UnitPrice"] = spec.get("unit_price", 0)
            line.update(DetailType="ItemBasedExpenseLineDetail", ItemBasedExpenseLineDetail=detail)
        else:
            account = spec.get("account_id") or (expense.remote_id if expense else None)
            line["Amount"] = spec["amount"]
            line["DetailType"] = "AccountBasedExpenseLineDetail"
            line["AccountBasedExpenseLineDetail"] = {"AccountRef": _ref(account)}
        lines.append(line)
    return lines


def create_vendor(company: Company, p: dict) -> dict:
    body = {"DisplayName": p["display_name"]}
    if p.get("company_name"):
        body["CompanyName"] = p["company_name"]
    if p.get("email"):
        body["PrimaryEmailAddr"] = {"Address": p["email"]}
    return {"Vendor": entity_create(company, BY_NAME["Vendor"], body, BOOKKEEPER)}


def update_customer(company: Company, p: dict) -> dict:
    """Edit a customer: display_name, email, phone, notes, active (others kept)."""
    rec = _named(company, "Customer", p, "customer")
    body = {"Id": str(rec.remote_id), "SyncToken": rec.data["SyncToken"], "sparse": True}
    if "display_name" in p:
        body["DisplayName"] = p["display_name"]
    if "email" in p:
        body["PrimaryEmailAddr"] = {"Address": p["email"]}
    if "phone" in p:
        body["PrimaryPhone"] = {"FreeFormNumber": p["phone"]}
    if "notes" in p:
        body["Notes"] = p["notes"]
    if "active" in p:
        body["Active"] = bool(p["active"])
    return {"Customer": entity_update(company, BY_NAME["Customer"], body, BOOKKEEPER)}


def create_account(company: Company, p: dict) -> dict:
    body = {"Name": p["name"], "AccountType": p.get("account_type", "Expense")}
    if p.get("account_subtype"):
        body["AccountSubType"] = p["account_subtype"]
    if p.get("number"):
        body["AcctNum"] = p["number"]
    return {"Account": entity_create(company, BY_NAME["Account"], body, BOOKKEEPER)}


def create_estimate(company: Company, p: dict) -> dict:
    customer = _named(company, "Customer", p, "customer")
    body = {"CustomerRef": _ref(customer.remote_id), "Line": _sales_lines(company, p)}
    _dated(body, p, expiration_date="ExpirationDate")
    return {"Estimate": entity_create(company, BY_NAME["Estimate"], body, HAND_NUMBERED)}


def create_sales_receipt(company: Company, p: dict) -> dict:
    customer = _named(company, "Customer", p, "customer")
    body = {"CustomerRef": _ref(customer.remote_id), "Line": _sales_lines(company, p)}
    _dated(body, p)
    return {"SalesReceipt": entity_create(company, BY_NAME["SalesReceipt"], body, HAND_NUMBERED)}


def receive_payment(company: Company, p: dict) -> dict:
    """A payment from a customer: `amount`, optionally applied to `invoice_id`."""
    customer = _named(company, "Customer", p, "customer")
    body: dict = {"CustomerRef": _ref(customer.remote_id), "TotalAmt": p["amount"], "Line": []}
    if p.get("invoice_id"):
        link = {"TxnId": str(_record(company, "Invoice", p["invoice_id"]).remote_id)}
        body["Line"] = [{"Amount": p["amount"], "LinkedTxn": [link | {"TxnType": "Invoice"}]}]
    if p.get("reference"):
        body["PaymentRefNum"] = p["reference"]
    _dated(body, p)
    return {"Payment": entity_create(company, BY_NAME["Payment"], body, BOOKKEEPER)}


def create_bill(company: Company, p: dict) -> dict:
    vendor = _named(company, "Vendor", p, "vendor")
    body = {"VendorRef": _ref(vendor.remote_id), "Line": _expense_lines(company, p)}
    _dated(body, p, due_date="DueDate")
    return {"Bill": entity_create(company, BY_NAME["Bill"], body, HAND_NUMBERED)}


def create_purchase_order(company: Company, p: dict) -> dict:
    vendor = _named(company, "Vendor", p, "vendor")
    body = {"VendorRef": _ref(vendor.remote_id), "Line": _expense_lines(company, p)}
    _dated(body, p)
    return {"PurchaseOrder": entity_create(company, BY_NAME["PurchaseOrder"], body, HAND_NUMBERED)}


def create_expense(company: Company, p: dict) -> dict:
    """An expense paid by `payment_type` Check, Cash or CreditCard from `account_id` (default:
    the operating bank; for CreditCard the first credit card account), to an optional vendor."""
    kind = p.get("payment_type", "Cash")
    if kind not in PAYMENT_TYPES:
        raise ValueError(f"payment_type is one of {', '.join(PAYMENT_TYPES)}.")
    account = p.get("account_id")
    if not account:
        found = (
            _first(company, "Account", AccountType="Credit Card")
            if kind == "CreditCard"
            else find_by_subtype(company, "Checking")
        )
        if found is None:
            raise ValueError("No account to pay from; create one or pass account_id.")
        account = found.remote_id
    body = {"PaymentType": kind, "AccountRef": _ref(account), "Line": _expense_lines(company, p)}
    if p.get("vendor_id") or p.get("vendor_name"):
        vendor = _named(company, "Vendor", p, "vendor")
        body["EntityRef"] = {"value": str(vendor.remote_id), "type": "Vendor"}
    _dated(body, p)
    return {"Purchase": entity_create(company, BY_NAME["Purchase"], body, HAND_NUMBERED)}


def void_expense(company: Company, p: dict) -> dict:
    """Void an expense (the website's More > Void); the API itself has no void for Purchase."""
    rec = _record(company, "Purchase", p["expense_id"])
    body = {"Id": str(rec.remote_id), "SyncToken": rec.data["SyncToken"]}
    voidable = replace(BY_NAME["Purchase"], void=True)
    return {"Purchase": entity_void(company, voidable, body, BOOKKEEPER)}


def merge(company: Company, p: dict) -> dict:
    """Merge `from_id` into `into_id` (the website: rename one to the other's name). The merged
    record is gone; a customer's or vendor's transactions move to the one kept, a customer's
    balance with them. Notified as one Merge of the kept record with `deletedId`."""
    entity = p["entity"]
    if entity not in MERGEABLE:
        raise ValueError(f"entity is one of {', '.join(MERGEABLE)}.")
    source, target = _record(company, entity, p["from_id"]), _record(company, entity, p["into_id"])
    if source.pk == target.pk:
        raise ValueError("A record cannot be merged into itself.")
    field = {"Customer": "CustomerRef", "Vendor": "VendorRef"}.get(entity)
    if field:
        moved = Record.objects.filter(company=company, party=str(source.remote_id), deleted=False)
        for rec in moved.exclude(type__in=MERGEABLE).order_by("remote_id"):
            if (rec.data.get(field) or {}).get("value") == str(source.remote_id):
                data = {k: v for k, v in rec.data.items() if k not in ("Id", "SyncToken")}
                record_save(rec, data | {field: ref(target)})
    data = {k: v for k, v in target.data.items() if k not in ("Id", "SyncToken")}
    if entity == "Customer":
        for key in ("Balance", "BalanceWithJobs"):
            total = compute.dec(target.data.get(key)) + compute.dec(source.data.get(key))
            data[key] = compute.money(total)
    saved = record_save(target, data, "Merge", str(source.remote_id))
    source.deleted, source.updated_at = True, clock.now()
    source.save(update_fields=["deleted", "updated_at"])
    return {entity: saved.data}


ACTIONS = {
    "create_vendor": create_vendor,
    "update_customer": update_customer,
    "create_account": create_account,
    "create_estimate": create_estimate,
    "create_sales_receipt": create_sales_receipt,
    "receive_payment": receive_payment,
    "create_bill": create_bill,
    "create_purchase_order": create_purchase_order,
    "create_expense": create_expense,
    "void_expense": void_expense,
    "merge": merge,
}
