"""Money movements a firm records in Clio: payments, credit memos, trust deposits and transfers.

None of these have write endpoints in the API (allocations, credit memos, bank transactions and
bank transfers are read-only in the spec), so only the control API's actions call this module.
There are no webhooks for them either: clients poll with `updated_since` (spec, Webhooks tag).
Bank balances are summed from transactions; overdraft checks run under `select_for_update`.
"""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from sandbox.clio import billing, store
from sandbox.clio.models import Account, Record
from sandbox.clio.store import ApiError, money, num


def bank_account(account: Account, kind: str) -> Record:
    """The default (else first) Operating or Trust account, locked for the balance update."""
    qs = Record.objects.select_for_update().filter(
        account=account, type="bank_account", deleted=False, data__type=kind
    )
    found = qs.filter(data__default_account=True).first() or qs.order_by("pk").first()
    if found is None:
        raise ApiError(422, "ValidationError", f"The account has no {kind} bank account.")
    return found


def matter_trust_balance(account: Account, matter_id: int) -> Decimal:
    rows = Record.objects.filter(
        account=account, type="bank_transaction", data__type="liability", parent_id=matter_id
    ).values_list("data", flat=True)
    return sum((money(r["funds_in"]) - money(r["funds_out"]) for r in rows), Decimal(0))


def _transaction(account, bank, amount: Decimal, day: str, *, matter, description, extra=None):
    """One bank transaction; positive amount is money in. Updates the account's balance."""
    balance = money(bank.data.get("balance")) + amount
    store.update(bank, {"balance": num(balance)})
    data = {
        "type": "liability" if bank.data["type"] == "Trust" else "asset",
        "bank_account_id": bank.id,
        "bank_account": {"id": bank.id},
        "source": "Manual",
        "confirmation": None,
        "date": day,
        "amount": num(amount),
        "currency": "USD",
        "exchange_rate": 1.0,
        "transaction_type": "Deposit" if amount > 0 else "Withdrawal",
        "description": description,
        "funds_in": num(max(amount, Decimal(0))),
        "funds_out": num(max(-amount, Decimal(0))),
        "current_account_balance": num(balance),
        "clio_payments_transaction": False,
        "read_only_confirmation": False,
        "matter": {"id": matter.id} if matter else None,
        "client": matter.data["client"] if matter else None,
    }
    return store.create(account, "bank_transaction", data | (extra or {}))


def _positive(amount) -> Decimal:
    value = money(amount)
    if value <= 0:
        raise ApiError(422, "ValidationError", "Amount must be greater than 0.")
    return value


def record_payment(account, bill: Record, amount, *, source="operating", day=None, reference=""):
    """A payment applied to an unpaid bill, from the client (operating) or from trust."""
    amount, day = _positive(amount), day or date.today().isoformat()
    if bill.data["state"] != "awaiting_payment":
        raise ApiError(422, "ValidationError", "Payments can only be applied to unpaid bills.")
    if amount > money(bill.data["balance"]):
        raise ApiError(422, "ValidationError", "Payment exceeds the bill's balance.")
    matter = store.get(account, "matter", bill.data["matters"][0]["id"])
    operating = bank_account(account, "Operating")
    source_bank = operating
    if source == "trust":
        source_bank = bank_account(account, "Trust")
        if matter_trust_balance(account, matter.id) < amount:
            raise ApiError(422, "ValidationError", "Insufficient trust funds for this matter.")
    payment = store.create(account, "payment", _payment_data(amount, day, reference, source))
    data = _allocation(bill, matter, payment, "Payment", amount, day)
    data["source_bank_account"] = {"id": source_bank.id}
    data["destination_bank_account"] = {"id": operating.id}
    allocation = store.create(account, "allocation", data)
    links = {"bill": {"id": bill.id}, "allocation": {"id": allocation.id}}
    text = f"Payment for bill #{bill.data['number']}"
    if source == "trust":
        _transaction(
            account, source_bank, -amount, day, matter=matter, description=text, extra=links
        )
    _transaction(account, operating, amount, day, matter=matter, description=text, extra=links)
    return billing.refresh(bill), allocation


def _payment_data(amount, day, reference, source) -> dict:
    return {
        "description": "Trust payment" if source == "trust" else "Payment",
        "reference": reference,
        "amount": num(amount),
        "date": day,
        "source_fund_type": "Matter",
        "voided_at": None,
    }


def _allocation(bill, matter, parent, parent_type, amount, day) -> dict:
    return {
        "date": day,
        "amount": num(amount),
        "interest": False,
        "voided_at": None,
        "description": parent.data.get("description"),
        "has_online_payment": False,
        "destroyable": True,
        "payment_type": None,
        "bill": {"id": bill.id},
        "matter": {"id": matter.id},
        "contact": bill.data["client"],
        "parent": {"id": parent.id, "type": parent_type, "identifier": parent.data.get("date")},
        "source_bank_account": None,
        "destination_bank_account": None,
    }


def issue_credit_memo(account, bill: Record, amount, *, day=None, description="Credit", user_id):
    amount, day = _positive(amount), day or date.today().isoformat()
    if bill.data["state"] != "awaiting_payment" or amount > money(bill.data["balance"]):
        raise ApiError(422, "ValidationError", "Credit must fit the balance of an unpaid bill.")
    matter = store.get(account, "matter", bill.data["matters"][0]["id"])
    memo = store.create(
        account,
        "credit_memo",
        {
            "date": day,
            "amount": num(amount),
            "description": description,
            "discount": False,
            "voided_at": None,
            "contact": bill.data["client"],
            "user": {"id": user_id},
            "allocations": [],
        },
    )
    allocation = store.create(
        account, "allocation", _allocation(bill, matter, memo, "CreditMemo", amount, day)
    )
    memo = store.update(memo, {"allocations": [{"id": allocation.id}]})
    return billing.refresh(bill), memo, allocation


def trust_deposit(account, matter: Record, amount, *, day=None, description="Trust deposit"):
    amount, day = _positive(amount), day or date.today().isoformat()
    trust = bank_account(account, "Trust")
    return _transaction(account, trust, amount, day, matter=matter, description=description)


def trust_disbursement(account, matter: Record, amount, *, day=None, description="Disbursement"):
    amount, day = _positive(amount), day or date.today().isoformat()
    trust = bank_account(account, "Trust")
    if matter_trust_balance(account, matter.id) < amount:
        raise ApiError(422, "ValidationError", "Insufficient trust funds for this matter.")
    return _transaction(account, trust, -amount, day, matter=matter, description=description)


def trust_transfer(account, source: Record, target: Record, amount, *, day=None, description=""):
    """Move trust money from one matter's ledger to another's; a BankTransfer records it."""
    amount, day = _positive(amount), day or date.today().isoformat()
    trust = bank_account(account, "Trust")
    if matter_trust_balance(account, source.id) < amount:
        raise ApiError(422, "ValidationError", "Insufficient trust funds for this matter.")
    text = description or f"Transfer to matter {target.data['display_number']}"
    transfer = store.create(
        account,
        "bank_transfer",
        {
            "amount": num(amount),
            "date": day,
            "description": text,
            "primary_authorizer": None,
            "secondary_authorizer": None,
            "source_account": {"id": trust.id},
            "destination_account": {"id": trust.id},
            "client": source.data["client"],
            "matter": {"id": source.id},
        },
    )
    _transaction(account, trust, -amount, day, matter=source, description=text)
    _transaction(account, trust, amount, day, matter=target, description=text)
    return transfer


def void_allocation(account, allocation: Record, *, day=None):
    """Void a payment's or credit's allocation: it stays, with `voided_at` (listed by
    `allocations?status=invalid`); money moved is reversed by new transactions, never edited."""
    if allocation.data.get("voided_at"):
        raise ApiError(422, "ValidationError", "This allocation is already voided.")
    now = store.stamp(timezone.now())
    store.update(allocation, {"voided_at": now, "destroyable": False})
    parent = allocation.data["parent"]
    parent_record = Record.objects.filter(account=account, pk=parent["id"]).first()
    if parent_record is not None:
        store.update(parent_record, {"voided_at": now})
    day = day or date.today().isoformat()
    moved = Record.objects.filter(
        account=account, type="bank_transaction", data__allocation__id=allocation.id
    )
    for txn in moved:
        bank = Record.objects.select_for_update().get(pk=txn.data["bank_account_id"])
        matter = Record.objects.filter(pk=(txn.data.get("matter") or {}).get("id")).first()
        text = f"Reversal: {txn.data['description']}"
        _transaction(
            account, bank, -money(txn.data["amount"]), day, matter=matter, description=text
        )
    bill = store.get(account, "bill", allocation.data["bill"]["id"], lock=True)
    if bill.data["state"] == "paid":
        bill = store.update(bill, {"state": "awaiting_payment", "paid_at": None})
    return billing.refresh(bill)
