"""Contacts, Accounts, Items, TaxRates, TrackingCategories: the builders behind the collections."""

import re

from sandbox.xero import store
from sandbox.xero.errors import ElementError
from sandbox.xero.lines import dec
from sandbox.xero.models import Organisation, Record

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ACCOUNT_CLASS = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYGLIABILITY": "LIABILITY",
    "SUPERANNUATIONLIABILITY": "LIABILITY",
    "WAGESPAYABLELIABILITY": "LIABILITY",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "SUPERANNUATIONEXPENSE": "EXPENSE",
    "WAGESEXPENSE": "EXPENSE",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}


def contact_summary(data: dict) -> dict:
    """How a contact is embedded in a document."""
    out = {"ContactID": data["ContactID"], "Name": data["Name"]}
    for key in ("ContactNumber", "EmailAddress", "FirstName", "LastName"):
        if data.get(key):
            out[key] = data[key]
    out["HasValidationErrors"] = False
    return out


def contact_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    doc = dict(old) if old else {"ContactStatus": "ACTIVE", "Addresses": [], "Phones": []}
    for key, value in payload.items():
        if key not in ("ContactID", "UpdatedDateUTC", "IsCustomer", "IsSupplier"):
            doc[key] = value
    doc["ContactID"] = old.get("ContactID") or store.new_id()
    name = str(doc.get("Name") or "")
    if not name.strip():
        raise ElementError("The contact name must be specified.")
    if doc.get("EmailAddress") and not EMAIL.match(doc["EmailAddress"]):
        raise ElementError("Email address must be valid.")
    status = str(doc.get("ContactStatus") or "ACTIVE").upper()
    doc["ContactStatus"] = status
    _contact_unique(org, doc, name, status)
    doc.setdefault("IsCustomer", False)
    doc.setdefault("IsSupplier", False)
    doc.setdefault("HasAttachments", False)
    doc["HasValidationErrors"] = False
    cols = {"number": doc.get("ContactNumber") or "", "status": status}
    return doc, cols


def _contact_unique(org, doc, name, status) -> None:
    """Name unique among active contacts; ContactNumber unique (API_NOTES §3.8)."""
    others = Record.objects.filter(organisation=org, kind="Contact").exclude(
        remote_id=doc["ContactID"]
    )
    if status == "ACTIVE" and others.filter(status="ACTIVE", label=name).exists():
        raise ElementError(
            f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        )
    number = doc.get("ContactNumber")
    if number and others.filter(number=number).exists():
        raise ElementError(f"The contact number {number} is already assigned to another contact.")


def contact_create_by_name(org: Organisation, name: str) -> Record:
    from sandbox.xero.webhooks import event_record

    doc, cols = contact_build(org, {"Name": name}, None)
    rec = store.record_save(org, "Contact", "ContactID", doc, **cols)
    event_record(org, "CONTACT", "Contacts", rec, True)
    return rec


def contact_mark_role(org: Organisation, contact_id: str, inv_type: str) -> None:
    """IsCustomer/IsSupplier are read-only and follow the documents raised for the contact."""
    flag = "IsCustomer" if inv_type.startswith("ACCREC") else "IsSupplier"
    known = store.memo_get(("contact", contact_id))
    if known is not None and known.organisation_id == org.pk and known.remote_id == contact_id:
        rec = None if known.data.get(flag) is True else known  # read by this call
    else:
        unmarked = Record.objects.filter(organisation=org, kind="Contact", remote_id=contact_id)
        rec = unmarked.exclude(**{f"data__{flag}": True}).first()
    if rec:
        rec.data[flag] = True
        store.record_save(org, "Contact", "ContactID", rec.data, status=rec.status)


def account_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    doc = dict(old) or {"Status": "ACTIVE", "EnablePaymentsToAccount": False}
    doc.update({k: v for k, v in payload.items() if k not in ("AccountID", "Class")})
    doc["AccountID"] = old.get("AccountID") or store.new_id()
    acct_type = str(doc.get("Type") or "").upper()
    if acct_type not in ACCOUNT_CLASS:
        raise ElementError("Account type is not valid.")
    if not doc.get("Name"):
        raise ElementError("Please enter a Name.")
    if acct_type != "BANK" and not doc.get("Code"):
        raise ElementError("Please enter a Code.")
    others = Record.objects.filter(organisation=org, kind="Account").exclude(
        remote_id=doc["AccountID"]
    )
    if doc.get("Code") and others.filter(number=doc["Code"]).exists():
        raise ElementError("Please enter a unique Code.")
    if others.filter(label=doc["Name"]).exists():
        raise ElementError("Please enter a unique Name.")
    doc.update(Type=acct_type, Class=ACCOUNT_CLASS[acct_type])
    doc.setdefault("TaxType", "NONE")
    doc.setdefault("HasAttachments", False)
    if acct_type == "BANK":
        doc.setdefault("BankAccountType", "BANK")
        doc.setdefault("CurrencyCode", "USD")
    return doc, {"number": doc.get("Code") or "", "doc_type": acct_type, "status": doc["Status"]}


def item_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    doc = dict(old) or {"IsSold": True, "IsPurchased": False, "IsTrackedAsInventory": False}
    doc.update({k: v for k, v in payload.items() if k != "ItemID"})
    doc["ItemID"] = old.get("ItemID") or store.new_id()
    code = str(doc.get("Code") or "")
    if not code:
        raise ElementError("Item Code must be specified.")
    if len(code) > 30:
        raise ElementError("Item Code cannot be longer than 30 characters.")
    clash = Record.objects.filter(organisation=org, kind="Item", number=code).exclude(
        remote_id=doc["ItemID"]
    )
    if clash.exists():
        raise ElementError(f"Item code '{code}' already exists.")
    for side in ("SalesDetails", "PurchaseDetails"):
        if doc.get(side) and doc[side].get("UnitPrice") is not None:
            doc[side]["UnitPrice"] = float(dec(doc[side]["UnitPrice"]))
    return doc, {"number": code}


def tax_rate_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    doc = dict(old) or {"Status": "ACTIVE", "ReportTaxType": "OUTPUT", "CanApplyToRevenue": True}
    doc.update({k: v for k, v in payload.items() if k not in ("EffectiveRate", "DisplayTaxRate")})
    if not doc.get("Name"):
        raise ElementError("Tax rate name must be specified.")
    comps = doc.get("TaxComponents") or []
    rate = sum((dec(c.get("Rate", 0)) for c in comps), dec(0))
    doc["TaxType"] = old.get("TaxType") or doc.get("TaxType") or _next_tax_type(org)
    doc["EffectiveRate"] = float(rate)
    doc["DisplayTaxRate"] = float(rate)
    return doc, {"number": doc["TaxType"], "status": doc["Status"]}


def _next_tax_type(org: Organisation) -> str:
    count = Record.objects.filter(
        organisation=org, kind="TaxRate", number__startswith="TAX"
    ).count()
    return f"TAX{count + 1:03d}"


def tracking_build(org: Organisation, payload: dict, existing: Record | None):
    old = existing.data if existing else {}
    doc = dict(old) or {"Status": "ACTIVE", "Options": []}
    if payload.get("Name"):
        doc["Name"] = payload["Name"]
    doc["TrackingCategoryID"] = old.get("TrackingCategoryID") or store.new_id()
    if not doc.get("Name"):
        raise ElementError("Tracking category name must be specified.")
    others = Record.objects.filter(organisation=org, kind="TrackingCategory").exclude(
        remote_id=doc["TrackingCategoryID"]
    )
    if others.filter(label=doc["Name"]).exists():
        raise ElementError("The tracking category name must be unique.")
    if not existing and others.filter(status="ACTIVE").count() >= 2:
        raise ElementError("You can only have 2 active tracking categories.")
    return doc, {"number": doc["Name"], "status": doc.get("Status", "ACTIVE")}


def tracking_option(category: dict, name: str) -> dict:
    if not name:
        raise ElementError("Tracking option name must be specified.")
    if any(o["Name"].lower() == name.lower() for o in category["Options"]):
        raise ElementError(f"The tracking option {name} already exists.")
    option = {
        "TrackingOptionID": store.new_id(),
        "Name": name,
        "Status": "ACTIVE",
        "TrackingCategoryID": category["TrackingCategoryID"],
    }
    category["Options"].append(option)
    return option
