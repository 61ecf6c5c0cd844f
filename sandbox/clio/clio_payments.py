"""Clio Payments payments: card and bank payments a client makes through Clio Payments.

`GET /api/v4/clio_payments/payments.json` (spec: ClioPaymentsPayment; filters `bill_id`,
`contact_id`, `ids[]`, `state`; `limit` and `page_token` paging). The API is read-only: a payment
is taken in Clio's web app (here: the `record_clio_payment` control action), which also applies
it to the bill (an allocation) and records the deposit in the operating account, flagged
`clio_payments_transaction`.

What the spec does NOT have, and the sandbox therefore does not serve: the processor's fee and a
payout id. Clio Payments pays out the day's completed payments together, net of fees, a few days
later; a consumer groups payments into payouts by their deposit date (the nested
`bank_transaction.date`) and learns the fee from the bank line (gross - net). The spec lists no
`updated_since` for this index either, so consumers re-read it (it is small) and compare
`updated_at`.
"""

from datetime import UTC, date, datetime, time

from sandbox.clio import ledger, store
from sandbox.clio.models import Account, Record
from sandbox.clio.store import ApiError, money, num

STATES = (
    "pending|authorized|completed|voided|failed|canceled|requires_confirmation|"
    "completed_requiring_allocation"
)


def record_clio_payment(
    account: Account, bill: Record, amount, *, day: str | None = None
) -> Record:
    """A completed Clio Payments payment applied to an unpaid bill."""
    day = day or date.today().isoformat()
    bill, allocation = ledger.record_payment(
        account, bill, amount, source="operating", day=day, reference="Clio Payments"
    )
    deposit = Record.objects.get(
        account=account, type="bank_transaction", data__allocation__id=allocation.id
    )
    store.update(deposit, {"clio_payments_transaction": True, "source": "Clio Payments"})
    matter_id = bill.data["matters"][0]["id"]
    client = store.get(account, "contact", bill.data["client"]["id"])
    seq = Record.objects.filter(account=account, type="clio_payments_payment").count() + 1
    data = {
        "amount": num(money(amount)),
        "confirmation_number": f"CP-{account.id}-{seq:06d}",
        "currency": "USD",
        "deposit_as_revenue": True,
        "description": f"Payment for bill #{bill.data['number']}",
        "email_address": client.data.get("primary_email_address"),
        "state": "completed",
        "contact": {"id": client.id},
        "bills": [{"id": bill.id}],
        "matters": [{"id": matter_id}],
        "allocations": [{"id": allocation.id}],
        "destination_account": {"id": deposit.data["bank_account_id"]},
        "bank_transaction": {"id": deposit.id},
        "clio_payments_link": None,
        "user": None,
    }
    at = datetime.combine(date.fromisoformat(day), time(12), tzinfo=UTC)
    return store.create(account, "clio_payments_payment", data, at=at)


def void_clio_payment(account: Account, payment: Record) -> Record:
    """A refunded/voided payment: its state changes, so `updated_at` moves."""
    if payment.data["state"] == "voided":
        raise ApiError(422, "ValidationError", "The payment is already voided.")
    return store.update(payment, {"state": "voided"})
