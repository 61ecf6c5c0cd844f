"""How transactions touch each other: payments and credits against invoices, deposits of payments.

Applying a payment lowers the invoice's Balance (a CreditMemo's RemainingCredit) and adds a
LinkedTxn on the invoice, which is a change to the invoice: its SyncToken moves too.
"""

from decimal import Decimal

from sandbox.quickbooks import faults, unit
from sandbox.quickbooks.compute import dec, money
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.store import record_get, record_save, record_touch_meta


def _links(data: dict, txn_type: str):
    for line in data.get("Line") or []:
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == txn_type:
                yield line, link


def payment_validate(company: Company, data: dict) -> None:
    """UnappliedAmt = TotalAmt - (applied to invoices - credits used)."""
    if data.get("TotalAmt") is None:
        raise faults.required("TotalAmt")
    if not data.get("CustomerRef"):
        raise faults.required("CustomerRef")
    applied = Decimal(0)
    for line in data.get("Line") or []:
        if line.get("Amount") is None:
            raise faults.required("Amount")
        line["Amount"] = money(dec(line["Amount"]))
        for link in line.get("LinkedTxn") or []:
            sign = -1 if link.get("TxnType") == "CreditMemo" else 1
            applied += sign * dec(line["Amount"])
    total = dec(data["TotalAmt"])
    if applied > total:
        raise faults.business(
            "The payment amount must be greater than or equal to the sum of the amounts applied."
        )
    data["TotalAmt"], data["UnappliedAmt"] = money(total), money(total - applied)


def payment_apply(company: Company, data: dict, pid: int, sign: int) -> None:
    """Apply (sign=1) or take back (sign=-1) a payment's lines on its invoices and credit memos."""
    for txn_type, field in (("Invoice", "Balance"), ("CreditMemo", "RemainingCredit")):
        for line, link in _links(data, txn_type):
            target = record_get(company, txn_type, link.get("TxnId"), lock=True)
            if target is None or target.deleted:
                raise faults.invalid_reference("LinkedTxn", link.get("TxnId"))
            _apply_one(target, field, dec(line["Amount"]), pid, sign, data)


def _apply_one(target: Record, field: str, amount: Decimal, pid: int, sign: int, pay) -> None:
    body = dict(target.data)
    if sign > 0 and body.get("CustomerRef", {}).get("value") != pay["CustomerRef"].get("value"):
        raise faults.QBOFault(
            620,
            "Transaction ID sent in the request can't be supported",
            f"Transaction {target.remote_id} belongs to a different customer.",
        )
    open_amount = dec(body.get(field, body.get("Balance", 0)))
    if sign > 0 and amount > open_amount:
        raise faults.business(
            f"The amount applied to {target.type} {target.remote_id} is more than its open balance."
        )
    new_open = open_amount - sign * amount
    body[field] = money(new_open)
    if field == "RemainingCredit":
        body["Balance"] = money(new_open)
    link = {"TxnId": str(pid), "TxnType": "Payment"}
    others = [lk for lk in body.get("LinkedTxn") or [] if lk != link]
    body["LinkedTxn"] = [*others, link] if sign > 0 else others
    record_save(target, body)


def payment_unlink_invoice(company: Company, invoice: Record) -> None:
    """Voiding or deleting an invoice disconnects its payments (they become unapplied)."""
    for link in invoice.data.get("LinkedTxn") or []:
        if link.get("TxnType") != "Payment":
            continue
        pay = record_get(company, "Payment", link["TxnId"], lock=True)
        if pay is None or pay.deleted:
            continue
        body = dict(pay.data)
        keep = []
        for line in body.get("Line") or []:
            if any(
                lk.get("TxnId") == str(invoice.remote_id) and lk.get("TxnType") == invoice.type
                for lk in line.get("LinkedTxn") or []
            ):
                continue
            keep.append(line)
        body["Line"] = keep
        payment_validate(company, body)
        record_save(pay, body)


def deposit_link(company: Company, data: dict, did: int, sign: int) -> None:
    """Mark (or unmark) the payments a deposit moves out of Undeposited Funds."""
    for line, link in _links(data, "Payment"):
        pay = record_get(company, "Payment", link.get("TxnId"), lock=True)
        if pay is None or pay.deleted:
            raise faults.invalid_reference("LinkedTxn", link.get("TxnId"))
        held = pay.meta.get("deposited_in")
        if sign > 0 and held and held != did:
            raise faults.business(f"Payment {pay.remote_id} has already been deposited.")
        if line.get("Amount") is None:
            line["Amount"] = pay.data.get("TotalAmt", 0)
        pay.meta = {**pay.meta, "deposited_in": did if sign > 0 else None}
        record_touch_meta(pay)


def deposit_total(data: dict) -> None:
    if not data.get("DepositToAccountRef"):
        raise faults.required("DepositToAccountRef")
    lines = data.get("Line") or []
    if not lines:
        raise faults.required("Line")
    total = Decimal(0)
    for number, line in enumerate(lines, start=1):
        if line.get("LinkedTxn"):
            total += dec(line.get("Amount") or 0)
            continue
        line.setdefault("DetailType", "DepositLineDetail")
        if line.get("Amount") is None:
            raise faults.required("Amount")
        line["Amount"] = money(dec(line["Amount"]))
        line.setdefault("Id", str(number))
        line["LineNum"] = number
        total += dec(line["Amount"])
    data["TotalAmt"] = money(total)


SIGN = {"Invoice": 1, "CreditMemo": -1, "Payment": -1}


def customer_balance_shift(company: Company, entity: str, old: dict | None, new: dict | None):
    """Customer.Balance (read-only) = open invoices - unused credits - unapplied payments, which
    always equals sum(Invoice.TotalAmt) - sum(CreditMemo.TotalAmt) - sum(Payment.TotalAmt):
    applying a payment or credit moves amounts between those three, never changes the sum. So a
    write shifts the balance by its own change of TotalAmt. Kept in place: the customer's
    SyncToken and LastUpdatedTime do not move for it. The call's unit writes each customer's
    shifts once, at its end (sandbox.quickbooks.unit)."""
    with unit.scope(company) as work:
        for version, sign in ((old, -1), (new, 1)):
            if not version:
                continue
            cid = (version.get("CustomerRef") or {}).get("value")
            try:
                customer_id = int(str(cid))
            except ValueError:
                continue  # no such customer: nothing to shift
            if 0 < customer_id < 2**63:
                work.shift_balance(
                    customer_id, sign * SIGN[entity] * dec(version.get("TotalAmt", 0))
                )
