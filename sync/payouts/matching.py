"""Pure: which bank credit carries which Clio Payments payout.

A payout is the Clio Payments payments deposited on one day (Clio's API has no payout id and
no fee: sync.payouts.pull). Its gross is their sum; the bank receives the gross less the
processor's fees, one to a few business days later. Since the fee is not in the API, it is read
from the bank: a credit carries a payout when it arrives within `window_days` after the
deposit date and is at most the gross and at least the gross less `max_fee_rate` of it. The fee
is then gross - credit, exact to the cent.

Worked example (tests/sync/payouts/test_matching.py): payments of 1,000.00 and 250.00 deposited
on 2 March make a payout of 1,250.00; a bank credit of 1,213.13 on 4 March carries it, with
fees of 36.87 (2.95 %). A credit of 1,250.01 cannot (more than was paid), nor one of 1,100.00
(a 12 % fee is no card fee), nor one on 1 March (before the money was taken).

Each credit carries at most one payout. Payouts are matched oldest first, each to the credit
nearest its date (then the smallest fee), so two payouts a day apart each take their own.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

WINDOW_DAYS = 5
MAX_FEE_RATE = Decimal("0.05")  # card fees run 2.5-3.5 %, bank (ACH/eCheck) fees below 1 %


@dataclass(frozen=True)
class Payout:
    deposit_date: date
    gross: Decimal


@dataclass(frozen=True)
class Credit:
    key: str  # what the caller uses to find it again: "line:12", "qbo:Deposit:55"
    date: date
    amount: Decimal


@dataclass(frozen=True)
class PayoutMatch:
    deposit_date: date
    credit_key: str
    net: Decimal
    fee: Decimal


def credit_fits(
    payout: Payout,
    credit: Credit,
    *,
    window_days: int = WINDOW_DAYS,
    max_fee_rate: Decimal = MAX_FEE_RATE,
) -> bool:
    days = (credit.date - payout.deposit_date).days
    floor = payout.gross - (payout.gross * max_fee_rate).quantize(Decimal("0.01"))
    return 0 <= days <= window_days and floor <= credit.amount <= payout.gross


def payouts_match(
    payouts: Iterable[Payout],
    credits: Iterable[Credit],
    *,
    window_days: int = WINDOW_DAYS,
    max_fee_rate: Decimal = MAX_FEE_RATE,
) -> dict[date, PayoutMatch]:
    """The payouts that a credit carries, by deposit date; the others are unmatched."""
    free = [c for c in credits if c.amount > 0]
    out: dict[date, PayoutMatch] = {}
    for payout in sorted(payouts, key=lambda p: p.deposit_date):
        fits = [
            c
            for c in free
            if credit_fits(payout, c, window_days=window_days, max_fee_rate=max_fee_rate)
        ]
        if not fits:
            continue
        best = min(
            fits, key=lambda c: (c.date - payout.deposit_date, payout.gross - c.amount, c.key)
        )
        free.remove(best)
        out[payout.deposit_date] = PayoutMatch(
            deposit_date=payout.deposit_date,
            credit_key=best.key,
            net=best.amount,
            fee=payout.gross - best.amount,
        )
    return out
