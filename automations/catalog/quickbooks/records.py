"""QuickBooks records in the catalog's words: one flat dict per record, money as Decimal strings,
dates ISO, references as ids and names. Pure functions, no Django; the `*_FIELDS` describe them.
"""

from automations.catalog.base import Field
from automations.catalog.quickbooks.wire import iso, money_text, ref_of

SALES_LINE_FIELDS = (
    Field("id", "Line id", "id"),
    Field("description", "Description", "text"),
    Field("amount", "Amount", "money"),
    Field("qty", "Quantity", "string"),
    Field("unit_price", "Rate", "money"),
    Field("item_id", "Product/service id", "id"),
    Field("item_name", "Product/service"),
    Field("service_date", "Service date", "date"),
)
EXPENSE_LINE_FIELDS = (
    Field("id", "Line id", "id"),
    Field("description", "Description", "text"),
    Field("amount", "Amount", "money"),
    Field("account_id", "Category (account) id", "id"),
    Field("account_name", "Category (account)"),
    Field("item_id", "Product/service id", "id"),
    Field("item_name", "Product/service"),
    Field("qty", "Quantity", "string"),
    Field("unit_price", "Rate", "money"),
    Field("customer_id", "Customer id", "id"),
    Field("billable", "Billable status"),
)
PAYMENT_LINE_FIELDS = (
    Field("amount", "Amount applied", "money"),
    Field("txn_id", "Applied to (id)", "id"),
    Field("txn_type", "Applied to (type)"),
)

_META = (
    Field("created_at", "Created", "datetime"),
    Field("updated_at", "Last updated", "datetime"),
)


def _common(raw: dict) -> dict:
    meta = raw.get("MetaData") or {}
    return {
        "id": str(raw.get("Id", "")),
        "created_at": iso(meta.get("CreateTime")),
        "updated_at": iso(meta.get("LastUpdatedTime")),
    }


def _money(raw: dict, key: str) -> str:
    return money_text(raw.get(key)) if raw.get(key) is not None else ""


def _email(raw: dict, key: str = "PrimaryEmailAddr") -> str:
    return str((raw.get(key) or {}).get("Address") or "")


def _phone(raw: dict) -> str:
    return str((raw.get("PrimaryPhone") or {}).get("FreeFormNumber") or "")


def _num(value) -> str:
    return "" if value is None else str(value)


# ---- names ----------------------------------------------------------------------------------

PERSON_FIELDS = (
    Field("id", "Id", "id"),
    Field("name", "Display name"),
    Field("given_name", "First name"),
    Field("family_name", "Last name"),
    Field("company_name", "Company name"),
    Field("email", "Email", "email"),
    Field("phone", "Phone"),
    Field("balance", "Open balance", "money"),
    Field("active", "Active", "boolean"),
    Field("notes", "Notes", "text"),
    Field("address.line1", "Street"),
    Field("address.city", "City"),
    Field("address.region", "State/region"),
    Field("address.postal_code", "Postal code"),
    Field("address.country", "Country"),
    Field("sync_token", "Version (SyncToken)"),
    *_META,
)
CUSTOMER_FIELDS = (
    *PERSON_FIELDS,
    Field("is_sub_customer", "Sub-customer", "boolean"),
    Field("parent_id", "Parent customer id", "id"),
    Field("parent_name", "Parent customer"),
)
VENDOR_FIELDS = (*PERSON_FIELDS, Field("account_number", "Account number"))


def person(raw: dict, address_key: str = "BillAddr") -> dict:
    address = raw.get(address_key) or {}
    return {
        **_common(raw),
        "name": str(raw.get("DisplayName") or ""),
        "given_name": str(raw.get("GivenName") or ""),
        "family_name": str(raw.get("FamilyName") or ""),
        "company_name": str(raw.get("CompanyName") or ""),
        "email": _email(raw),
        "phone": _phone(raw),
        "balance": money_text(raw.get("Balance")),
        "active": bool(raw.get("Active", True)),
        "notes": str(raw.get("Notes") or ""),
        "address": {
            "line1": str(address.get("Line1") or ""),
            "city": str(address.get("City") or ""),
            "region": str(address.get("CountrySubDivisionCode") or ""),
            "postal_code": str(address.get("PostalCode") or ""),
            "country": str(address.get("Country") or ""),
        },
        "sync_token": str(raw.get("SyncToken", "")),
    }


def customer(raw: dict) -> dict:
    parent = ref_of(raw, "ParentRef")
    return {
        **person(raw),
        "is_sub_customer": bool(raw.get("Job", False)),
        "parent_id": parent["id"],
        "parent_name": parent["name"],
    }


def vendor(raw: dict) -> dict:
    return {**person(raw, "BillAddr"), "account_number": str(raw.get("AcctNum") or "")}


ACCOUNT_FIELDS = (
    Field("id", "Id", "id"),
    Field("name", "Name"),
    Field("full_name", "Full name"),
    Field("type", "Account type"),
    Field("subtype", "Detail type"),
    Field("number", "Account number"),
    Field("classification", "Classification"),
    Field("current_balance", "Balance", "money"),
    Field("active", "Active", "boolean"),
    Field("description", "Description", "text"),
    *_META,
)


def account(raw: dict) -> dict:
    return {
        **_common(raw),
        "name": str(raw.get("Name") or ""),
        "full_name": str(raw.get("FullyQualifiedName") or raw.get("Name") or ""),
        "type": str(raw.get("AccountType") or ""),
        "subtype": str(raw.get("AccountSubType") or ""),
        "number": str(raw.get("AcctNum") or ""),
        "classification": str(raw.get("Classification") or ""),
        "current_balance": money_text(raw.get("CurrentBalance")),
        "active": bool(raw.get("Active", True)),
        "description": str(raw.get("Description") or ""),
    }


ITEM_FIELDS = (
    Field("id", "Id", "id"),
    Field("name", "Name"),
    Field("type", "Type"),
    Field("description", "Description", "text"),
    Field("unit_price", "Sales price", "money"),
    Field("purchase_cost", "Cost", "money"),
    Field("income_account_id", "Income account id", "id"),
    Field("expense_account_id", "Expense account id", "id"),
    Field("sku", "SKU"),
    Field("active", "Active", "boolean"),
    *_META,
)


def item(raw: dict) -> dict:
    return {
        **_common(raw),
        "name": str(raw.get("Name") or ""),
        "type": str(raw.get("Type") or ""),
        "description": str(raw.get("Description") or ""),
        "unit_price": money_text(raw.get("UnitPrice")),
        "purchase_cost": money_text(raw.get("PurchaseCost")),
        "income_account_id": ref_of(raw, "IncomeAccountRef")["id"],
        "expense_account_id": ref_of(raw, "ExpenseAccountRef")["id"],
        "sku": str(raw.get("Sku") or ""),
        "active": bool(raw.get("Active", True)),
    }


# ---- transactions ---------------------------------------------------------------------------

_TXN = (
    Field("id", "Id", "id"),
    Field("number", "Number"),
    Field("date", "Date", "date"),
    Field("total", "Total", "money"),
    Field("currency", "Currency"),
    Field("private_note", "Memo (internal)", "text"),
    Field("sync_token", "Version (SyncToken)"),
    *_META,
)
SALES_FIELDS = (
    *_TXN,
    Field("due_date", "Due date", "date"),
    Field("expiration_date", "Expiration date", "date"),
    Field("balance", "Balance due", "money"),
    Field("status", "Status"),
    Field("email_status", "Email status"),
    Field("bill_email", "Billing email", "email"),
    Field("customer_memo", "Message to customer", "text"),
    Field("customer_id", "Customer id", "id"),
    Field("customer_name", "Customer"),
    Field("deposit_account_id", "Deposit to (account id)", "id"),
    Field("lines", "Lines", "lines", fields=SALES_LINE_FIELDS),
)
PURCHASE_FIELDS = (
    *_TXN,
    Field("due_date", "Due date", "date"),
    Field("balance", "Balance due", "money"),
    Field("status", "Status"),
    Field("payment_type", "Payment type"),
    Field("account_id", "Paid from (account id)", "id"),
    Field("account_name", "Paid from (account)"),
    Field("vendor_id", "Vendor id", "id"),
    Field("vendor_name", "Vendor"),
    Field("payee_id", "Payee id", "id"),
    Field("payee_name", "Payee"),
    Field("payee_type", "Payee type"),
    Field("lines", "Lines", "lines", fields=EXPENSE_LINE_FIELDS),
)
PAYMENT_FIELDS = (
    *_TXN,
    Field("unapplied", "Unapplied amount", "money"),
    Field("reference", "Reference no."),
    Field("customer_id", "Customer id", "id"),
    Field("customer_name", "Customer"),
    Field("deposit_account_id", "Deposit to (account id)", "id"),
    Field("deposit_account_name", "Deposit to"),
    Field("invoice_ids", "Invoices paid (ids, comma separated)"),
    Field("lines", "Lines", "lines", fields=PAYMENT_LINE_FIELDS),
)


def _txn(raw: dict) -> dict:
    return {
        **_common(raw),
        "number": str(raw.get("DocNumber") or ""),
        "date": str(raw.get("TxnDate") or ""),
        "total": money_text(raw.get("TotalAmt")),
        "currency": ref_of(raw, "CurrencyRef")["id"],
        "private_note": str(raw.get("PrivateNote") or ""),
        "sync_token": str(raw.get("SyncToken", "")),
    }


def _sales_line(line: dict) -> dict:
    detail = line.get("SalesItemLineDetail") or {}
    item_ref = ref_of(detail, "ItemRef")
    return {
        "id": str(line.get("Id") or ""),
        "description": str(line.get("Description") or ""),
        "amount": money_text(line.get("Amount")),
        "qty": _num(detail.get("Qty")),
        "unit_price": _money(detail, "UnitPrice"),
        "item_id": item_ref["id"],
        "item_name": item_ref["name"],
        "service_date": str(detail.get("ServiceDate") or ""),
    }


def sales(raw: dict) -> dict:
    """Invoice, Estimate, SalesReceipt, CreditMemo, RefundReceipt."""
    who = ref_of(raw, "CustomerRef")
    lines = raw.get("Line") or []
    return {
        **_txn(raw),
        "due_date": str(raw.get("DueDate") or ""),
        "expiration_date": str(raw.get("ExpirationDate") or ""),
        "balance": _money(raw, "Balance") or _money(raw, "RemainingCredit"),
        "status": str(raw.get("TxnStatus") or ""),
        "email_status": str(raw.get("EmailStatus") or ""),
        "bill_email": _email(raw, "BillEmail"),
        "customer_memo": str((raw.get("CustomerMemo") or {}).get("value") or ""),
        "customer_id": who["id"],
        "customer_name": who["name"],
        "deposit_account_id": ref_of(raw, "DepositToAccountRef")["id"],
        "lines": [_sales_line(ln) for ln in lines if ln.get("DetailType") != "SubTotalLineDetail"],
    }


def _expense_line(line: dict) -> dict:
    kind = line.get("DetailType") or "AccountBasedExpenseLineDetail"
    detail = line.get(kind) or {}
    acct, it = ref_of(detail, "AccountRef"), ref_of(detail, "ItemRef")
    return {
        "id": str(line.get("Id") or ""),
        "description": str(line.get("Description") or ""),
        "amount": money_text(line.get("Amount")),
        "account_id": acct["id"],
        "account_name": acct["name"],
        "item_id": it["id"],
        "item_name": it["name"],
        "qty": _num(detail.get("Qty")),
        "unit_price": _money(detail, "UnitPrice"),
        "customer_id": ref_of(detail, "CustomerRef")["id"],
        "billable": str(detail.get("BillableStatus") or ""),
    }


def purchase(raw: dict) -> dict:
    """Bill, Purchase (an expense: check, cash or credit card), PurchaseOrder."""
    who, paid = ref_of(raw, "VendorRef"), ref_of(raw, "AccountRef")
    payee = raw.get("EntityRef") or {}
    if not who["id"] and str(payee.get("type") or "") == "Vendor":
        who = ref_of(raw, "EntityRef")
    return {
        **_txn(raw),
        "due_date": str(raw.get("DueDate") or ""),
        "balance": _money(raw, "Balance"),
        "status": str(raw.get("POStatus") or ""),
        "payment_type": str(raw.get("PaymentType") or ""),
        "account_id": paid["id"],
        "account_name": paid["name"],
        "vendor_id": who["id"],
        "vendor_name": who["name"],
        "payee_id": str(payee.get("value") or ""),
        "payee_name": str(payee.get("name") or ""),
        "payee_type": str(payee.get("type") or ""),
        "lines": [_expense_line(ln) for ln in raw.get("Line") or []],
    }


def payment(raw: dict) -> dict:
    who, deposit = ref_of(raw, "CustomerRef"), ref_of(raw, "DepositToAccountRef")
    lines = [
        {
            "amount": money_text(ln.get("Amount")),
            "txn_id": str(t.get("TxnId") or ""),
            "txn_type": str(t.get("TxnType") or ""),
        }
        for ln in raw.get("Line") or []
        for t in (ln.get("LinkedTxn") or [{}])[:1]
    ]
    invoices = [ln["txn_id"] for ln in lines if ln["txn_type"] == "Invoice"]
    return {
        **_txn(raw),
        "unapplied": money_text(raw.get("UnappliedAmt")),
        "reference": str(raw.get("PaymentRefNum") or ""),
        "customer_id": who["id"],
        "customer_name": who["name"],
        "deposit_account_id": deposit["id"],
        "deposit_account_name": deposit["name"],
        "invoice_ids": ",".join(invoices),
        "lines": lines,
    }


JOURNAL_FIELDS = (*_TXN, Field("adjustment", "Adjusting entry", "boolean"))


def journal(raw: dict) -> dict:
    return {**_txn(raw), "adjustment": bool(raw.get("Adjustment", False))}


TIME_FIELDS = (
    Field("id", "Id", "id"),
    Field("date", "Date", "date"),
    Field("name_of", "Worker kind"),
    Field("employee_id", "Employee id", "id"),
    Field("vendor_id", "Vendor id", "id"),
    Field("customer_id", "Customer id", "id"),
    Field("item_id", "Service id", "id"),
    Field("hours", "Hours", "number"),
    Field("minutes", "Minutes", "number"),
    Field("hourly_rate", "Hourly rate", "money"),
    Field("billable", "Billable status"),
    Field("description", "Description", "text"),
    *_META,
)


def time_activity(raw: dict) -> dict:
    return {
        **_common(raw),
        "date": str(raw.get("TxnDate") or ""),
        "name_of": str(raw.get("NameOf") or ""),
        "employee_id": ref_of(raw, "EmployeeRef")["id"],
        "vendor_id": ref_of(raw, "VendorRef")["id"],
        "customer_id": ref_of(raw, "CustomerRef")["id"],
        "item_id": ref_of(raw, "ItemRef")["id"],
        "hours": int(raw.get("Hours") or 0),
        "minutes": int(raw.get("Minutes") or 0),
        "hourly_rate": _money(raw, "HourlyRate"),
        "billable": str(raw.get("BillableStatus") or ""),
        "description": str(raw.get("Description") or ""),
    }


# What each entity is, in the catalog's words: (data key, normalizer, fields).
SHAPES = {
    "Customer": ("customer", customer, CUSTOMER_FIELDS),
    "Vendor": ("vendor", vendor, VENDOR_FIELDS),
    "Account": ("account", account, ACCOUNT_FIELDS),
    "Item": ("item", item, ITEM_FIELDS),
    "Invoice": ("invoice", sales, SALES_FIELDS),
    "Estimate": ("estimate", sales, SALES_FIELDS),
    "SalesReceipt": ("sales_receipt", sales, SALES_FIELDS),
    "CreditMemo": ("credit_memo", sales, SALES_FIELDS),
    "RefundReceipt": ("refund_receipt", sales, SALES_FIELDS),
    "Bill": ("bill", purchase, PURCHASE_FIELDS),
    "Purchase": ("expense", purchase, PURCHASE_FIELDS),
    "PurchaseOrder": ("purchase_order", purchase, PURCHASE_FIELDS),
    "Payment": ("payment", payment, PAYMENT_FIELDS),
    "JournalEntry": ("journal_entry", journal, JOURNAL_FIELDS),
    "TimeActivity": ("time_activity", time_activity, TIME_FIELDS),
}


def flat(entity: str, raw: dict) -> dict:
    return SHAPES[entity][1](raw)
