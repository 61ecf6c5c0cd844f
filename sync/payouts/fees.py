"""A matched payout's processing fees, posted to the books once, through the outbox.

Each fee is one leg in the trust writers' shape (sync.trust_books.plan): `bank_out` from the
mapped operating bank to the mapped bank charges account, dated the day the payout arrived, so
the books' operating bank falls by the fee and the bank statement (net) reconciles against the
payments (gross) the sync recorded. QuickBooks: a Purchase; Xero: a SPEND bank transaction with
Clio Payments as the contact.

Exactly once: the local id is the payout's deposit date (a payout is recreated under another
row id if all its payments are voided and one comes back), and the key has a constant version,
so the outbox's unique key refuses a second write for the same payout. A fee already posted is
not corrected if the payout's payments change afterwards: the page says so.
"""

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


def fee_payload(payout: ClioPayout) -> dict:
    fee = f"{payout.fee:.2f}"
    memo = (
        f"Clio Payments processing fees: payout of {payout.deposit_date:%d %b %Y} "
        f"({payout.payments} payments, {payout.gross:.2f} gross, {payout.net:.2f} received)"
    )
    return {
        "shape": "bank_out",
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


def _operation(books: Connection, payout: ClioPayout) -> SyncOperation:
    local_id, payload = fee_local_id(payout), fee_payload(payout)
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
    return outbox.enqueue([_operation(books, p) for p in due])


def _day(local_id: str) -> str:
    return local_id.removeprefix("payout:")
