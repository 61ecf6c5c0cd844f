"""A matched payout's processing fees, posted to the books once, through the outbox.

Each fee is one leg in the trust writers' shape (sync.trust_books.plan): `bank_out` from the
mapped operating bank to the mapped bank charges account, dated the day the payout arrived, so
the books' operating bank falls by the fee and the bank statement (net) reconciles against the
payments (gross) the sync recorded. QuickBooks: a Purchase; Xero: a SPEND bank transaction with
Clio Payments as the contact.

Exactly once: the local id is the payout's deposit date (a payout is recreated under another
row id if all its payments are voided and one comes back), and the key has a constant version,
so the outbox's unique key refuses a second write for the same payout.

A fee posted is never edited in the books (posted entries are append-only): when the payout's
fee changes afterwards (a payment voided or added, the payout matched again to another credit),
the difference is posted as a correction beside it, through the outbox as well: a further
expense when the fee grew, money back into the operating bank from Bank charges (QuickBooks
Deposit, Xero RECEIVE) when it shrank. Worked example: 36.87 posted for a payout of 1,250.00
that arrived as 1,213.13; a 250.00 payment in it is refunded and the 1,000.00 left is matched to
a 970.50 credit (fee 29.50): a correction of 7.37 goes back to the operating bank. Corrections are
numbered per payout (`payout:<day>:correction-<n>`), each written once. A payout left unmatched
by the change keeps what was posted until it is matched again.
"""

from decimal import Decimal

from accounts.models import Firm
from sync.engine import outbox
from sync.models import ClioPayout, Connection, Side, SyncOperation, SyncSettings
from sync.providers.base import PAYOUT_FEE_ENTITY
from sync.providers.http import idempotency_key
from sync.selectors import connection_live

VERSION = "1"
PAYEE = "Clio Payments"


def fee_local_id(payout: ClioPayout) -> str:
    return f"payout:{payout.deposit_date.isoformat()}"


def fee_payload(
    payout: ClioPayout, *, amount: Decimal | None = None, was: Decimal | None = None
) -> dict:
    """The fee's leg; with `amount` and `was`, a correction of `amount` (signed: less than zero
    when the fee shrank) to a fee of which `was` had been posted."""
    amount = payout.fee if amount is None else amount
    fee = f"{abs(amount):.2f}"
    memo = (
        f"Clio Payments processing fees: payout of {payout.deposit_date:%d %b %Y} "
        f"({payout.payments} payments, {payout.gross:.2f} gross, {payout.net:.2f} received)"
    )
    if was is not None:
        memo = f"Correction: fee now {payout.fee:.2f}, {was:.2f} posted before. {memo}"
    return {
        "shape": "bank_out" if amount > 0 else "bank_in",
        "bank": "operating_bank",
        "from": "",
        "to": "",
        "lines": [{"account": "bank_charges", "amount": fee, "matter": None}],
        "amount": fee,
        "date": (payout.arrived_on or payout.deposit_date).isoformat(),
        "memo": memo,
        "payee": PAYEE,
        "reference": "",
        "deposit_date": payout.deposit_date.isoformat(),
    }


def _operation(
    books: Connection, payout: ClioPayout, local_id: str = "", payload: dict | None = None
) -> SyncOperation:
    local_id, payload = local_id or fee_local_id(payout), payload or fee_payload(payout)
    return SyncOperation(
        firm_id=books.firm_id,
        connection=books,
        entity=PAYOUT_FEE_ENTITY,
        action="create",
        local_id=local_id,
        source_version=VERSION,
        idempotency_key=idempotency_key(books.pk, PAYOUT_FEE_ENTITY, local_id, VERSION),
        payload=payload,
        fingerprint=outbox.fingerprint(payload),
    )


def payout_fees_queue(*, firm: Firm) -> int:
    """Queue the fee of every matched payout from the sync's start date that has none queued
    yet; returns how many were new. Without connected books nothing is queued: the first
    refresh after connecting does it."""
    books = connection_live(firm_id=firm.pk, side=Side.BOOKS)
    cfg = SyncSettings.objects.filter(firm=firm).first()
    if books is None or cfg is None:
        return 0
    queued = SyncOperation.objects.filter(connection=books, entity=PAYOUT_FEE_ENTITY)
    due = (
        ClioPayout.objects.filter(
            firm=firm,
            status=ClioPayout.Status.MATCHED,
            fee__gt=0,
            deposit_date__gte=cfg.start_date,
        )
        .exclude(deposit_date__in=[_day(x) for x in queued.values_list("local_id", flat=True)])
        .order_by("deposit_date")
    )
    queued_now = outbox.enqueue([_operation(books, p) for p in due])
    return queued_now + payout_fees_correct(books=books)


def payout_fees_correct(*, books: Connection) -> int:
    """Post the difference for every matched payout whose fee is not what its fee writes (the
    first and any corrections, queued or written) add up to. Returns how many were queued."""
    posted: dict[str, Decimal] = {}
    writes: dict[str, int] = {}
    ops = SyncOperation.objects.filter(connection=books, entity=PAYOUT_FEE_ENTITY).exclude(
        status=SyncOperation.Status.SKIPPED
    )
    for local_id, payload in ops.values_list("local_id", "payload"):
        day = _day(local_id)
        sign = -1 if payload.get("shape") == "bank_in" else 1
        posted[day] = posted.get(day, Decimal("0")) + sign * Decimal(payload["amount"])
        writes[day] = writes.get(day, 0) + 1
    if not posted:
        return 0
    payouts = ClioPayout.objects.filter(
        firm_id=books.firm_id, status=ClioPayout.Status.MATCHED, deposit_date__in=list(posted)
    ).order_by("deposit_date")
    fixes = []
    for payout in payouts:
        day = payout.deposit_date.isoformat()
        was = posted[day]
        if payout.fee is None or payout.fee == was:
            continue
        local_id = f"{fee_local_id(payout)}:correction-{writes[day]}"
        payload = fee_payload(payout, amount=payout.fee - was, was=was)
        fixes.append(_operation(books, payout, local_id, payload))
    return outbox.enqueue(fixes)


def _day(local_id: str) -> str:
    """The payout's day of a fee write: `payout:<day>` or `payout:<day>:correction-<n>`."""
    return local_id.removeprefix("payout:").split(":", 1)[0]
