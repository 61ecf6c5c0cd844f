"""Xero validation errors in words a bookkeeper can act on: they carry only a message, so they
are matched on it."""

import re

from sync.providers.base import Explanation

# Xero validation messages: https://developer.xero.com/documentation/api/accounting/responsecodes
MESSAGES = [
    (
        re.compile(r"must be unique", re.I),
        Explanation(
            "Xero already has an invoice with this number that FirmSync did not write, so the "
            "bill waits on the Flagged bills page. What fixes it: set Clio's next bill number "
            "above Xero's numbers (Clio: Settings → Billing) and renumber the bill, renumber the "
            "old invoice in Xero, or set an invoice number prefix in the bill syncing settings "
            "(C- writes bill 1042 as C-1042). Raising the starting invoice number does not "
            "renumber anything; it only holds back Clio bills below it. Once the number is free, "
            "the next sync sends the bill by itself: no Retry is needed.",
            "Invoice number prefix",
            "settings",
        ),
    ),
    (
        re.compile(r"TaxType", re.I),
        Explanation(
            "Xero needs a tax rate on every line, and the one mapped is missing or not allowed "
            "for this account. Choose a tax rate in the tax mapping.",
            "Tax mapping",
            "tax",
        ),
    ),
    (
        re.compile(r"lock date|period.*closed|locked", re.I),
        Explanation(
            "The document's date is before the lock date in Xero (Settings → Advanced → Lock "
            "dates). Move the lock date or the sync start date.",
            "Sync start date",
            "closing_date",
        ),
    ),
    (
        re.compile(r"Account code .* not a valid|Account could not be found", re.I),
        Explanation(
            "An account in the mapping is not in Xero's chart any more or cannot be used here. "
            "Choose another in the sync settings.",
            "Account mapping",
            "accounts",
        ),
    ),
    (
        re.compile(r"contact name|already assigned to another contact|unique Name", re.I),
        Explanation(
            "Xero already has a contact with this name or number. Rename one of them so they "
            "differ, then retry.",
            "Open the contact",
            "contact",
        ),
    ),
    (
        re.compile(r"only be made against Authorised|exceeds the amount outstanding", re.I),
        Explanation(
            "Xero refused the payment: the invoice is not approved in Xero or the payment is "
            "larger than what is still owed there. Check the invoice in Xero, then retry.",
            "Retry",
            "retry",
        ),
    ),
    (
        re.compile(r"cannot be edited as it has a payment|allocated", re.I),
        Explanation(
            "The invoice has a payment or credit in Xero, and Xero locks its lines. Remove the "
            "payment in Xero, retry, and FirmSync puts it back.",
            "Retry",
            "retry",
        ),
    ),
]


def explain(code: str, message: str) -> Explanation | None:
    for pattern, explanation in MESSAGES:
        if pattern.search(message or ""):
            return explanation
    return None
