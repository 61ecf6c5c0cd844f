"""Which entities the API serves, under which URL segment, and what each may do.

The URL segment is the entity name in lower case (developer.intuit.com "REST API features":
`POST /v3/company/{realmId}/invoice`, `GET .../invoice/{id}`); JSON keys are the XSD names.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Spec:
    name: str
    kind: str  # "name" (name list), "txn", "ro" (read-only), "single" (Preferences, CompanyInfo)
    label: str = ""  # TxnType as Intuit names it in 6140 details
    sales: bool = False  # sales forms: DocNumber auto-numbering and duplicate checks
    void: bool = False  # operation=void (Invoice, SalesReceipt ...) / include=void (Payment)


SPECS = [
    Spec("Customer", "name"),
    Spec("Vendor", "name"),
    Spec("Employee", "name"),
    Spec("Account", "name"),
    Spec("Item", "name"),
    Spec("Class", "name"),
    Spec("TaxCode", "ro"),
    Spec("TaxRate", "ro"),
    Spec("Invoice", "txn", "Invoice", sales=True, void=True),
    Spec("CreditMemo", "txn", "Credit Memo", sales=True, void=True),
    Spec("SalesReceipt", "txn", "Sales Receipt", sales=True, void=True),
    Spec("RefundReceipt", "txn", "Refund Receipt", sales=True, void=True),
    Spec("Estimate", "txn", "Estimate", sales=True),
    Spec("Payment", "txn", "Payment", void=True),
    Spec("Deposit", "txn", "Deposit"),
    Spec("Transfer", "txn", "Transfer"),
    Spec("JournalEntry", "txn", "Journal Entry"),
    Spec("Bill", "txn", "Bill"),
    Spec("Purchase", "txn", "Expense"),
    Spec("PurchaseOrder", "txn", "Purchase Order"),
    Spec("TimeActivity", "txn", "Time Activity"),
    Spec("Preferences", "single"),
    Spec("CompanyInfo", "single"),
]
BY_NAME = {s.name: s for s in SPECS}
BY_SEGMENT = {s.name.lower(): s for s in SPECS}
BY_LOWER = BY_SEGMENT

# Reference fields and the list they point into (Finance.xsd ReferenceType usages).
REF_TARGETS = {
    "CustomerRef": "Customer",
    "VendorRef": "Vendor",
    "EmployeeRef": "Employee",
    "ItemRef": "Item",
    "ClassRef": "Class",
    "AccountRef": "Account",
    "DepositToAccountRef": "Account",
    "FromAccountRef": "Account",
    "ToAccountRef": "Account",
    "IncomeAccountRef": "Account",
    "ExpenseAccountRef": "Account",
    "APAccountRef": "Account",
    "ARAccountRef": "Account",
    "AssetAccountRef": "Account",
}

ACCOUNT_CLASSIFICATION = {
    "Bank": ("Asset", "Checking"),
    "Accounts Receivable": ("Asset", "AccountsReceivable"),
    "Other Current Asset": ("Asset", "OtherCurrentAssets"),
    "Fixed Asset": ("Asset", "OtherFixedAssets"),
    "Other Asset": ("Asset", "OtherLongTermAssets"),
    "Accounts Payable": ("Liability", "AccountsPayable"),
    "Credit Card": ("Liability", "CreditCard"),
    "Other Current Liability": ("Liability", "OtherCurrentLiabilities"),
    "Long Term Liability": ("Liability", "OtherLongTermLiabilities"),
    "Equity": ("Equity", "OpeningBalanceEquity"),
    "Income": ("Revenue", "ServiceFeeIncome"),
    "Other Income": ("Revenue", "OtherMiscellaneousIncome"),
    "Cost of Goods Sold": ("Expense", "SuppliesMaterialsCogs"),
    "Expense": ("Expense", "OfficeGeneralAdministrativeExpenses"),
    "Other Expense": ("Expense", "OtherMiscellaneousExpense"),
}
