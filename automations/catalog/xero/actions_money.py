"""Xero actions that move money: spend and receive money, payments, manual journals."""

from decimal import Decimal

from automations.catalog.base import ActionError, Ctx, Field, Result
from automations.catalog.xero import common, wire
from automations.catalog.xero.common import CONTACT_IN, LAT_IN, LINE_IN, TRACKING_IN, action, text

_GUID_LEN = 36


def _account_ref(value: str) -> dict:
    """An account named by its code ("090") or its AccountID."""
    return (
        {"AccountID": value}
        if len(value) == _GUID_LEN and value.count("-") == 4
        else {"Code": value}
    )


def _bank_transaction(kind: str):
    verb = {"SPEND": "spend", "RECEIVE": "receive"}[kind]

    def run(ctx: Ctx, inputs: dict) -> Result:
        bank = common.required(inputs, "bank_account", "Bank account")
        payload = {
            "Type": kind,
            "Contact": common.contact_ref(inputs),
            "BankAccount": _account_ref(bank),
            "LineItems": common.line_items(inputs),
        }
        if common.text(inputs, "line_amount_types"):
            payload["LineAmountTypes"] = common.choice(
                inputs, "line_amount_types", "Amounts are", common.LAT_CHOICES, "Exclusive"
            )
        if when := common.day(inputs, "date", "Date"):
            payload["Date"] = when
        common.put_optional(payload, inputs, {"reference": "Reference"})
        # https://developer.xero.com/documentation/api/accounting/banktransactions#put-banktransactions
        row = common.save(ctx, "PUT", "BankTransactions", payload, f"record the {verb} money")
        if row is None:
            return common.would(f"Would {verb} money in bank account {bank}")
        record = wire.bank_transaction(row)
        where = record["bank_account"]["name"] or bank
        summary = f"{verb.capitalize()} money {record['total']} in {where}"
        return common.made(ctx, "bank_transaction", record, summary, row=row)

    return run


def payment_create(ctx: Ctx, inputs: dict) -> Result:
    if invoice_id := text(inputs, "invoice_id"):
        invoice = {"InvoiceID": invoice_id}
    else:
        invoice = {"InvoiceNumber": common.required(inputs, "invoice_number", "Invoice number")}
    amount = common.decimal(inputs, "amount", "Amount", required_=True)
    assert amount is not None
    if amount <= 0:
        raise ActionError(
            f"The amount {amount} is not above zero.", "Map the amount paid, e.g. 250.00."
        )
    account = common.required(inputs, "account", "Paid into account")
    payload = {
        "Invoice": invoice,
        "Account": _account_ref(account),
        "Amount": common.money_out(amount),
        "Date": common.day(inputs, "date", "Date") or common.today(),
    }
    common.put_optional(payload, inputs, {"reference": "Reference"})
    # https://developer.xero.com/documentation/api/accounting/payments#put-payments
    row = common.save(ctx, "PUT", "Payments", payload, "record the payment")
    on = invoice.get("InvoiceNumber") or invoice.get("InvoiceID")
    if row is None:
        return common.would(f"Would record a payment of {amount:.2f} on invoice {on}")
    record = wire.payment(row)
    paid = wire.payment_invoice(row)
    output = {**record, "invoice_id": paid["id"], "invoice_number": paid["invoice_number"]}
    summary = f"Recorded a payment of {record['amount']} on invoice {paid['invoice_number'] or on}"
    return common.made(ctx, "payment", output, summary)


def _journal_lines(inputs: dict) -> list[dict]:
    lines, total = [], Decimal("0.00")
    for n, raw in enumerate(common.lines_in(inputs), start=1):
        code = str(raw.get("account_code") or "").strip()
        if not code:
            raise ActionError(
                f"Journal line {n} has no account code.",
                "Give each line the account it posts to, e.g. 200.",
            )
        try:
            amount = wire.decimal_in(raw.get("line_amount"), "amount")
        except ValueError as exc:
            raise ActionError(
                f"Journal line {n} has no amount.", "Debits are positive, credits negative."
            ) from exc
        total += amount
        line = {"LineAmount": common.money_out(amount), "AccountCode": code}
        line.update(
            {
                w: str(raw[k])
                for k, w in (("description", "Description"), ("tax_type", "TaxType"))
                if raw.get(k)
            }
        )
        lines.append(line)
    if total != 0:
        raise ActionError(
            f"The journal's lines add up to {total:.2f}, not zero.",
            "Debits (positive) must equal credits (negative).",
        )
    return lines


def manual_journal_create(ctx: Ctx, inputs: dict) -> Result:
    narration = common.required(inputs, "narration", "Narration")
    payload = {
        "Narration": narration,
        "Status": common.choice(inputs, "status", "Status", ("POSTED", "DRAFT"), "POSTED"),
        "JournalLines": _journal_lines(inputs),
        "LineAmountTypes": common.choice(
            inputs, "line_amount_types", "Amounts are", common.LAT_CHOICES, "NoTax"
        ),
    }
    if when := common.day(inputs, "date", "Date"):
        payload["Date"] = when
    # https://developer.xero.com/documentation/api/accounting/manualjournals#put-manualjournals
    row = common.save(ctx, "PUT", "ManualJournals", payload, "post the manual journal")
    if row is None:
        return common.would(f"Would post manual journal “{narration}”")
    record = wire.manual_journal(row)
    return common.made(
        ctx, "manual_journal", record, f"Posted manual journal “{record['narration']}”"
    )


BANK_IN = (
    Field("bank_account", "Bank account", required=True, help="Its code (e.g. 090) or ID."),
    *CONTACT_IN,
    Field("date", "Date", "date", help="Defaults to today."),
    Field("reference", "Reference"),
    LAT_IN,
    LINE_IN,
    *TRACKING_IN,
)
BANK_OUT = common.doc_outputs(wire.BANK_TRANSACTION)
PAYMENT_OUT = (
    *wire.output_fields(wire.PAYMENT),
    Field("invoice_id", "Invoice ID", "id"),
    Field("invoice_number", "Invoice number"),
)
JOURNAL_OUT = wire.output_fields(
    (
        ("id", "Manual journal ID", "id"),
        ("narration", "Narration", "text"),
        ("status", "Status", "string"),
        ("date", "Date", "date"),
    )
)

ACTIONS = [
    action(
        "create_spend_money",
        "Create spend money",
        "Records money spent from a bank account (a SPEND bank transaction), with lines.",
        "create",
        BANK_IN,
        BANK_OUT,
        _bank_transaction("SPEND"),
    ),
    action(
        "create_receive_money",
        "Create receive money",
        "Records money received into a bank account (a RECEIVE bank transaction), with lines.",
        "create",
        BANK_IN,
        BANK_OUT,
        _bank_transaction("RECEIVE"),
    ),
    action(
        "create_payment",
        "Create payment",
        "Records a payment against an approved invoice or bill.",
        "create",
        (
            Field(
                "invoice_id",
                "Invoice ID",
                "id",
                help="From a find step or the trigger; or give the number.",
            ),
            Field("invoice_number", "Invoice number"),
            Field("amount", "Amount", "money", required=True),
            Field(
                "account",
                "Paid into account",
                required=True,
                help="A bank account's code (e.g. 090) or ID.",
            ),
            Field("date", "Date", "date", help="Defaults to today."),
            Field("reference", "Reference"),
        ),
        PAYMENT_OUT,
        payment_create,
    ),
    action(
        "create_manual_journal",
        "Create manual journal",
        "Posts a manual journal; its lines must balance.",
        "create",
        (
            Field("narration", "Narration", "text", required=True),
            Field("date", "Date", "date", help="Defaults to today."),
            Field(
                "status",
                "Status",
                "choice",
                choices=("POSTED", "DRAFT"),
                help="POSTED unless chosen.",
            ),
            Field(
                "line_amount_types",
                "Amounts are",
                "choice",
                choices=common.LAT_CHOICES,
                help="No tax unless chosen.",
            ),
            Field(
                "lines",
                "Journal lines",
                "lines",
                required=True,
                fields=(
                    Field("description", "Description", "text"),
                    Field("account_code", "Account code"),
                    Field(
                        "line_amount", "Amount", "money", help="Debit positive, credit negative."
                    ),
                    Field("tax_type", "Tax rate"),
                ),
            ),
        ),
        JOURNAL_OUT,
        manual_journal_create,
    ),
]
