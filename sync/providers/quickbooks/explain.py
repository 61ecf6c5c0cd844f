"""QuickBooks Online faults in words a bookkeeper can act on: they carry a numeric code."""

from sync.providers.base import Explanation

# QuickBooks Online: https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
CODES = {
    "6140": Explanation(
        "QuickBooks already has an invoice or credit memo with this number that FirmSync did not "
        "write, so the bill waits on the Flagged bills page. What fixes it: set Clio's next bill "
        "number above the books' numbers (Clio: Settings → Billing) and renumber the bill, "
        "renumber the old document in QuickBooks, or set an invoice number prefix in the bill "
        "syncing settings (C- writes bill 1042 as C-1042). Raising the starting invoice number "
        "does not renumber anything; it only holds back Clio bills below it. Once the number is "
        "free, the next sync sends the bill by itself: no Retry is needed.",
        "Invoice number prefix",
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


def explain(code: str, message: str) -> Explanation | None:
    return CODES.get(code)
