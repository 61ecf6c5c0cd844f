"""QuickBooks Online's triggers and actions (see automations.catalog.base)."""

from automations.catalog.base import Action, Trigger
from automations.catalog.quickbooks import actions_names, actions_purchases, actions_sales
from automations.catalog.quickbooks.triggers import TRIGGERS as _TRIGGERS

# The order the page lists them in: the seed's.
ORDER = (
    "create_bill_item_based",
    "create_bill_account_based",
    "create_credit_memo",
    "create_customer",
    "create_estimate",
    "create_expense",
    "create_product_service",
    "create_journal_entry",
    "create_invoice",
    "create_sales_receipt",
    "create_payment",
    "create_purchase_order",
    "create_refund_receipt",
    "send_invoice",
    "send_sales_receipt",
    "create_time_activity",
    "update_customer",
    "update_invoice",
    "create_vendor",
    "find_account",
    "find_customer",
    "find_invoice",
    "find_products",
    "find_vendor",
    "find_or_create_customer",
    "find_or_create_vendor",
)
_ALL = {a.key: a for m in (actions_sales, actions_purchases, actions_names) for a in m.ACTIONS}

TRIGGERS: list[Trigger] = list(_TRIGGERS)
ACTIONS: list[Action] = [_ALL[key] for key in ORDER]
