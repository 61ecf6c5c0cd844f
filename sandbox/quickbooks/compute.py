"""What QuickBooks fills in and checks on every write: line amounts, totals, names, references.

Amounts are Decimal throughout and leave as JSON numbers (Intuit serialises xs:decimal as numbers).
"""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sandbox.quickbooks import clock, faults, unit
from sandbox.quickbooks.entities import ACCOUNT_CLASSIFICATION, REF_TARGETS
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.store import NAME_LISTS, key_for, record_get

CENT = Decimal("0.01")
USD = {"value": "USD", "name": "United States Dollar"}


def dec(value, element: str = "Amount") -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation as exc:
        raise faults.QBOFault(
            2090, "Invalid Number", f"Invalid Number : {element}", element=element
        ) from exc


def money(value: Decimal):
    """A Decimal as the JSON number Intuit sends (integers without a fraction)."""
    value = value.quantize(CENT, ROUND_HALF_UP)
    return int(value) if value == value.to_integral() else float(value)


def num(value: Decimal):
    return int(value) if value == value.to_integral() else float(value)


def check_refs(company: Company, data, path: str = "", seen: dict | None = None) -> None:
    """Every known *Ref must point at a live, active record; fill in its display name. One
    document's lines mostly name the same item and tax code: each is read once per document."""
    seen = {} if seen is None else seen
    if isinstance(data, list):
        for item in data:
            check_refs(company, item, path, seen)
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        target = REF_TARGETS.get(key)
        if target and isinstance(value, dict) and value.get("value") not in (None, ""):
            _check_ref(company, key, target, value, seen)
        elif isinstance(value, dict | list):
            check_refs(company, value, key, seen)


def _check_ref(company: Company, key: str, target: str, value: dict, seen: dict) -> None:
    ident = (target, str(value["value"]))
    if ident not in seen:
        seen[ident] = record_get(company, target, value["value"])
    rec = seen[ident]
    if rec is None or rec.deleted:
        raise faults.invalid_reference(key, value["value"])
    if rec.data.get("Active") is False:
        raise faults.inactive_reference(key)
    name = rec.data.get("FullyQualifiedName") or rec.data.get("DisplayName") or rec.data.get("Name")
    if name:
        value["name"] = name


# ---- name lists -------------------------------------------------------------------------


def name_unique(company: Company, entity: str, data: dict, own_id=None) -> None:
    """DisplayName is unique across Customer, Vendor and Employee (Customer doc; 6240)."""
    key = key_for(entity, data)
    lists = list(NAME_LISTS) if entity in NAME_LISTS else [entity]
    unit.key_lock(company, "name" if entity in NAME_LISTS else entity, key)
    clash = Record.objects.filter(company=company, type__in=lists, key=key, deleted=False)
    if own_id is not None:
        clash = clash.exclude(type=entity, remote_id=int(own_id))
    other = clash.first() or unit.pending_clash(company, lists, key)
    if other is not None:
        raise faults.duplicate_name(NAME_LISTS.get(other.type, other.type.lower()))


def person(company: Company, entity: str, data: dict, own_id=None) -> dict:
    parts = [data.get(k) for k in ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
    if not data.get("DisplayName"):
        built = " ".join(p for p in parts if p) or data.get("CompanyName", "")
        if not built:
            raise faults.no_name()
        data["DisplayName"] = built
    if len(data["DisplayName"]) > 500:
        raise faults.too_long("DisplayName", 500)
    name_unique(company, entity, data, own_id)
    data.setdefault("Active", True)
    data.setdefault("PrintOnCheckName", data["DisplayName"])
    if entity == "Employee":
        return data  # Employee has no CurrencyRef or Balance (Finance.xsd)
    data.setdefault("CurrencyRef", dict(USD))
    if entity == "Customer":
        _customer_defaults(company, data)
    else:
        data.setdefault("Balance", 0)
    return data


def _customer_defaults(company: Company, data: dict) -> None:
    data.setdefault("Balance", 0)
    data.setdefault("BalanceWithJobs", data["Balance"])
    data.setdefault("Taxable", False)
    data.setdefault("PreferredDeliveryMethod", "Print")
    parent = data.get("ParentRef")
    data["Job"] = bool(parent)
    data.setdefault("BillWithParent", False)
    full = data["DisplayName"]
    if parent:
        rec = record_get(company, "Customer", parent.get("value"))
        if rec is None or rec.deleted:
            raise faults.invalid_reference("ParentRef", parent.get("value"))
        full = f"{rec.data['FullyQualifiedName']}:{full}"
        data["Level"] = rec.data.get("Level", 0) + 1
    data["FullyQualifiedName"] = full


def account(company: Company, data: dict, own_id=None) -> dict:
    if not data.get("Name"):
        raise faults.required("Name")
    kind = data.get("AccountType")
    if not kind and not data.get("AccountSubType"):
        raise faults.QBOFault(
            6010,
            "Invalid Account.AccountType && Account.SubType",
            "Either an Account.AccountType or an Account.AccountSubType must be specified",
        )
    classification, default_sub = ACCOUNT_CLASSIFICATION.get(kind, ("Asset", "Checking"))
    data.setdefault("AccountSubType", default_sub)
    data["Classification"] = classification
    data["FullyQualifiedName"] = data["Name"]
    name_unique(company, "Account", data, own_id)
    for key, default in (("Active", True), ("SubAccount", False), ("CurrentBalance", 0)):
        data.setdefault(key, default)
    data.setdefault("CurrentBalanceWithSubAccounts", data["CurrentBalance"])
    data.setdefault("CurrencyRef", dict(USD))
    return data


def named(company: Company, entity: str, data: dict, own_id=None) -> dict:
    """Item and Class: Name required and unique within the list."""
    if not data.get("Name"):
        raise faults.required("Name")
    data["FullyQualifiedName"] = data["Name"]
    name_unique(company, entity, data, own_id)
    data.setdefault("Active", True)
    if entity == "Item":
        data.setdefault("Type", "Service")
        data.setdefault("Taxable", False)
        data.setdefault("UnitPrice", 0)
        data.setdefault("TrackQtyOnHand", False)
        if data["Type"] == "Service" and not data.get("IncomeAccountRef"):
            raise faults.required("IncomeAccountRef")
    else:
        data.setdefault("SubClass", False)
    return data


# ---- transactions -----------------------------------------------------------------------


def line_amount(line: dict, detail_key: str) -> Decimal:
    """Amount = Qty x UnitPrice when both are given (6070 when a supplied Amount disagrees)."""
    detail = line.get(detail_key) or {}
    qty, price = detail.get("Qty"), detail.get("UnitPrice")
    if qty is not None and price is not None:
        product = (dec(qty, "Qty") * dec(price, "UnitPrice")).quantize(CENT, ROUND_HALF_UP)
        if line.get("Amount") is not None and dec(line["Amount"]).quantize(CENT) != product:
            raise faults.amount_mismatch(line["Amount"])
        for key, value in (("Qty", qty), ("UnitPrice", price)):
            if isinstance(value, str):  # "99.99" is read as the number it names, and served so
                detail[key] = num(dec(value, key))
        return product
    if line.get("Amount") is None:
        raise faults.required("Amount")
    return dec(line["Amount"])


def item_lines(data: dict, details: tuple[str, ...], *, subtotal: bool) -> Decimal:
    """Number the lines, compute amounts, and (sales forms) add the SubTotalLineDetail line."""
    lines = [ln for ln in data.get("Line") or [] if ln.get("DetailType") != "SubTotalLineDetail"]
    if not lines:
        raise faults.required("Line")
    total, used = Decimal(0), {int(ln["Id"]) for ln in lines if str(ln.get("Id", "")).isdigit()}
    next_id, seen = max(used, default=0) + 1, set()
    for number, line in enumerate(lines, start=1):
        line.setdefault("DetailType", details[0])
        kind = line["DetailType"]
        amount = line_amount(line, kind) if kind in details else dec(line.get("Amount", 0))
        line["Amount"] = money(amount)
        if not str(line.get("Id", "")).isdigit() or line["Id"] in seen:
            line["Id"], next_id = str(next_id), next_id + 1
        seen.add(line["Id"])
        line["LineNum"] = number
        total += amount if kind != "DescriptionOnly" else 0
    data["Line"] = lines
    if subtotal:
        lines.append({"Amount": money(total), "DetailType": "SubTotalLineDetail"})
        lines[-1]["SubTotalLineDetail"] = {}
    return total


def txn_defaults(data: dict) -> None:
    data.setdefault("TxnDate", clock.today().isoformat())
    data.setdefault("CurrencyRef", dict(USD))
    data.setdefault("LinkedTxn", [])


def sales_form(entity: str, data: dict) -> dict:
    """Invoice, CreditMemo, SalesReceipt, RefundReceipt, Estimate (Invoice doc page)."""
    if not data.get("CustomerRef"):
        raise faults.required("CustomerRef")
    txn_defaults(data)
    total = item_lines(data, ("SalesItemLineDetail", "GroupLineDetail"), subtotal=True)
    for line in data["Line"]:
        detail = line.get("SalesItemLineDetail")
        if detail is not None:
            # US companies without sales tax answer every line with TaxCodeRef NON.
            detail.setdefault("TaxCodeRef", {"value": "NON"})
    data["TotalAmt"] = money(total)
    data.setdefault("TxnTaxDetail", {"TotalTax": 0})
    data.setdefault("ApplyTaxAfterDiscount", False)
    data.setdefault("PrintStatus", "NotSet")
    data.setdefault("EmailStatus", "NotSet")
    if entity == "Invoice":
        txn = clock.parse_time(data["TxnDate"]).date()
        data.setdefault("DueDate", (txn + timedelta(days=30)).isoformat())
        data.setdefault("Deposit", 0)
        data.setdefault("AllowOnlineCreditCardPayment", False)
        data.setdefault("AllowOnlineACHPayment", False)
    if entity == "Estimate":
        data.setdefault("TxnStatus", "Pending")
    return data


def journal(data: dict) -> dict:
    txn_defaults(data)
    item_lines(data, ("JournalEntryLineDetail",), subtotal=False)
    debit = credit = Decimal(0)
    for line in data["Line"]:
        detail = line.get("JournalEntryLineDetail") or {}
        posting = detail.get("PostingType")
        if posting is None:
            raise faults.required("PostingType")
        if posting not in ("Debit", "Credit"):
            raise faults.request_invalid(
                f"Property Name:Can not construct instance of com.intuit.schema.finance.v3."
                f"PostingTypeEnum from String value '{str(posting)[:40]}' specified is "
                "unsupported or invalid"
            )
        if not detail.get("AccountRef"):
            raise faults.required("AccountRef")
        if posting == "Debit":
            debit += dec(line["Amount"])
        else:
            credit += dec(line["Amount"])
    if debit != credit:
        raise faults.business("Transaction must be balanced.")
    data["TotalAmt"] = money(debit)
    data.setdefault("Adjustment", False)
    return data


def transfer(data: dict) -> dict:
    for need in ("FromAccountRef", "ToAccountRef", "Amount"):
        if data.get(need) in (None, {}):
            raise faults.required(need)
    if data["FromAccountRef"].get("value") == data["ToAccountRef"].get("value"):
        raise faults.business("The transfer must be between two different accounts.")
    txn_defaults(data)
    data.pop("LinkedTxn", None)
    data["Amount"] = money(dec(data["Amount"]))
    return data
