"""What QuickBooks checks and fills in on the purchase side and the forms automations write:
Bill, Purchase (expense: check, cash, credit card), PurchaseOrder, TimeActivity, Item, and the
account a SalesReceipt or RefundReceipt moves money through.

Required fields follow Intuit's entity pages and the XSD notes (Finance.xsd): a missing one is
2020 "Required param missing"; a value outside an XSD enumeration is the binding's 2010 fault;
an account of the wrong kind is 6000 (business validation).
"""

from sandbox.quickbooks import clock, compute, faults, schema
from sandbox.quickbooks.models import Company
from sandbox.quickbooks.store import find_by_subtype, record_get, ref

EXPENSE_DETAILS = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
LINE_REF = {"AccountBasedExpenseLineDetail": "AccountRef", "ItemBasedExpenseLineDetail": "ItemRef"}
# Purchase.AccountRef (Finance.xsd): "Check should have bank account, CreditCard should specify
# credit card account".
PAYMENT_ACCOUNT = {"Check": ("Bank", "bank"), "CreditCard": ("Credit Card", "credit card")}


def enum_check(data: dict, field: str, enum_type: str, entity: str) -> None:
    value = data.get(field)
    if value is None:
        return
    if value not in schema.enum_values(enum_type):
        raise faults.request_invalid(
            f"Property Name:Can not construct instance of com.intuit.schema.finance.v3."
            f"{enum_type} from String value '{str(value)[:40]}': value not one of declared Enum "
            f"instance names at {entity}.{field} specified is unsupported or invalid"
        )


def expense_form(company: Company, entity: str, data: dict) -> dict:
    """Bill, Purchase, PurchaseOrder: account- or item-based expense lines."""
    need = {"Bill": "VendorRef", "PurchaseOrder": "VendorRef", "Purchase": "AccountRef"}[entity]
    if not data.get(need):
        raise faults.required(need)
    if entity == "Purchase":
        _purchase_payment(company, data)
        _payee(company, data)
    if not data.get("Line"):
        raise faults.required("Line")
    for line in data["Line"]:
        kind = line.get("DetailType")
        if kind is not None and kind not in (*EXPENSE_DETAILS, "DescriptionOnly"):
            raise faults.request_invalid(f"Invalid DetailType {str(kind)[:40]} for {entity}")
        detail = line.get(kind or EXPENSE_DETAILS[0]) or {}
        enum_check(detail, "BillableStatus", "BillableStatusEnum", entity)
        if kind != "DescriptionOnly" and not detail.get(LINE_REF[kind or EXPENSE_DETAILS[0]]):
            raise faults.required(LINE_REF[kind or EXPENSE_DETAILS[0]])
    compute.txn_defaults(data)
    data["TotalAmt"] = compute.money(compute.item_lines(data, EXPENSE_DETAILS, subtotal=False))
    if entity in ("Bill", "PurchaseOrder") and not data.get("APAccountRef"):
        payable = find_by_subtype(company, "AccountsPayable")
        if payable is not None:
            data["APAccountRef"] = ref(payable)
    if entity == "Bill":
        data.setdefault("DueDate", data["TxnDate"])
    if entity == "PurchaseOrder":
        enum_check(data, "POStatus", "PurchaseOrderStatusEnum", entity)
        data.setdefault("POStatus", "Open")
        data.setdefault("EmailStatus", "NotSet")
    if entity == "Purchase" and data["PaymentType"] == "CreditCard":
        data.setdefault("Credit", False)
    return data


def _purchase_payment(company: Company, data: dict) -> None:
    if not data.get("PaymentType"):
        raise faults.required("PaymentType")
    enum_check(data, "PaymentType", "PaymentTypeEnum", "Purchase")
    wanted = PAYMENT_ACCOUNT.get(data["PaymentType"])
    if wanted is None:
        return
    account = record_get(company, "Account", data["AccountRef"].get("value"))
    if account is not None and account.data.get("AccountType") != wanted[0]:
        raise faults.business(
            f"A {data['PaymentType']} expense must be paid from a {wanted[1]} account (AccountRef)."
        )


def _payee(company: Company, data: dict) -> None:
    """EntityRef names the payee by id and `type` (Vendor, Customer or Employee)."""
    payee = data.get("EntityRef")
    if not payee:
        return
    kinds = ("Vendor", "Customer", "Employee")
    if payee.get("type"):  # without one, whichever name list holds the id
        kinds = tuple(k for k in kinds if k.lower() == str(payee["type"]).lower())
    for kind in kinds:
        found = record_get(company, kind, payee.get("value"))
        if found is not None and not found.deleted:
            payee["name"] = found.data.get("DisplayName", "")
            return
    raise faults.invalid_reference("EntityRef", payee.get("value"))


def time_activity(data: dict) -> dict:
    """TimeActivity: NameOf, the worker (EmployeeRef or VendorRef, by NameOf) and how long
    (Hours/Minutes, or StartTime and EndTime) are required for the create (Finance.xsd)."""
    if not data.get("NameOf"):
        raise faults.required("NameOf")
    enum_check(data, "NameOf", "TimeActivityTypeEnum", "TimeActivity")
    enum_check(data, "BillableStatus", "BillableStatusEnum", "TimeActivity")
    worker = {"Employee": "EmployeeRef", "Vendor": "VendorRef"}.get(data["NameOf"])
    if worker and not data.get(worker):
        raise faults.required(worker)
    timed = data.get("StartTime") and data.get("EndTime")
    if not timed and data.get("Hours") is None and data.get("Minutes") is None:
        raise faults.required("Hours")
    for unit in ("Hours", "Minutes"):
        if data.get(unit) is not None:
            amount = compute.dec(data[unit], unit)
            if amount < 0 or amount != amount.to_integral():
                raise faults.business(f"{unit} must be a whole number, zero or more.")
            data[unit] = int(amount)
    if data.get("Minutes") is not None and data["Minutes"] > 59:
        raise faults.business("Minutes must be between 0 and 59.")
    if data.get("HourlyRate") is not None:
        data["HourlyRate"] = compute.money(compute.dec(data["HourlyRate"], "HourlyRate"))
    data.setdefault("TxnDate", clock.today().isoformat())
    data.setdefault("BillableStatus", "NotBillable")
    data.setdefault("Taxable", False)
    return data


def item_rules(data: dict) -> None:
    """Item.Type is an ItemTypeEnum; an Inventory item needs its three accounts, a start date
    and a quantity on hand (Item page: "Create an inventory item")."""
    enum_check(data, "Type", "ItemTypeEnum", "Item")
    if data.get("Type") == "Inventory":
        for need in ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef", "InvStartDate"):
            if not data.get(need):
                raise faults.required(need)
        if data.get("QtyOnHand") is None:
            raise faults.required("QtyOnHand")
        data.setdefault("TrackQtyOnHand", True)


def receipt_account(company: Company, name: str, data: dict) -> None:
    """A SalesReceipt without DepositToAccountRef lands in Undeposited Funds; a RefundReceipt
    must say which account the refund is paid from (RefundReceipt page: required)."""
    if data.get("DepositToAccountRef"):
        return
    if name == "RefundReceipt":
        raise faults.required("DepositToAccountRef")
    account = find_by_subtype(company, "UndepositedFunds")
    if account is not None:
        data["DepositToAccountRef"] = ref(account)
