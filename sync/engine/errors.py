"""Provider errors in words a bookkeeper can act on, each with the place to fix it.

QuickBooks faults carry a numeric code; Xero validation errors carry only a message, so those are
matched on the message. Anything unknown still says what the provider said and where to look.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Explanation:
    text: str
    fix_label: str
    fix: str  # "settings", "closing_date", "contact", "tax", "accounts", "reconnect", "retry", ""


# QuickBooks Online: https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
QUICKBOOKS = {
    "6140": Explanation(
        "The books already have a document with this number. Invoices take the Clio bill number; "
        "raise the starting invoice number above the numbers in use, or renumber the old document.",
        "Starting invoice number",
        "settings",
    ),
    "6240": Explanation(
        "Another customer, vendor or employee in QuickBooks already uses this name. Rename one "
        "of them (in Clio or QuickBooks) so the names differ, then retry.",
        "Open the contact",
        "contact",
    ),
    "6210": Explanation(
        "The books are closed for this date. Move the closing date in QuickBooks (Settings → "
        "Advanced → Close the books) or start the sync after it.",
        "Sync start date",
        "closing_date",
    ),
    "6540": Explanation(
        "The payment is already on a bank deposit in QuickBooks, so it cannot change. Remove it "
        "from the deposit in QuickBooks, then retry.",
        "Retry",
        "retry",
    ),
    "5010": Explanation(
        "Someone changed this record in QuickBooks while FirmSync was writing it. FirmSync "
        "re-reads and retries on its own; if it keeps failing, retry it.",
        "Retry",
        "retry",
    ),
    "610": Explanation(
        "Something this record points to (a customer, an item, an account or the invoice) was "
        "deleted or made inactive in QuickBooks. Make it active again, or check the account "
        "mapping.",
        "Account mapping",
        "accounts",
    ),
    "6000": Explanation(
        "QuickBooks refused the record as it stands; its words are below.",
        "Retry",
        "retry",
    ),
    "6070": Explanation(
        "A line's amount does not equal quantity times rate in QuickBooks' arithmetic. Check the "
        "bill's lines in Clio.",
        "Retry",
        "retry",
    ),
    "2500": Explanation(
        "An account, item or tax code in the mapping is not in QuickBooks any more. Choose "
        "another in the sync settings.",
        "Account mapping",
        "accounts",
    ),
    "6430": Explanation(
        "The tax code mapped for these lines is not valid in QuickBooks. Choose another in the "
        "tax mapping.",
        "Tax mapping",
        "tax",
    ),
}

# Xero validation messages: https://developer.xero.com/documentation/api/accounting/responsecodes
XERO = [
    (
        re.compile(r"must be unique", re.I),
        Explanation(
            "Xero already has an invoice with this number. Invoices take the Clio bill number; "
            "raise the starting invoice number above the numbers in use.",
            "Starting invoice number",
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

AUTH = Explanation(
    "The connection's authorisation was refused. Reconnect it on the Bill Syncing page.",
    "Reconnect",
    "reconnect",
)
UNAVAILABLE = Explanation(
    "The provider did not answer in time or was busy. FirmSync retries on its own; retry now if "
    "it has been a while.",
    "Retry",
    "retry",
)
UNKNOWN = Explanation(
    "The provider refused the record; its words are below.",
    "Retry",
    "retry",
)


def explain(provider: str, code: str, message: str) -> Explanation:
    if code in {"auth", "401", "AuthenticationFailed", "invalid_grant"}:
        return AUTH
    if code in {"unavailable", "rate_limited", "429", "500", "503"}:
        return UNAVAILABLE
    if provider == "quickbooks" and code in QUICKBOOKS:
        return QUICKBOOKS[code]
    if provider == "xero":
        for pattern, explanation in XERO:
            if pattern.search(message or ""):
                return explanation
    return UNKNOWN
