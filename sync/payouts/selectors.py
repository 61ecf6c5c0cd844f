"""Reads of Clio Payments payouts: the list page, the API, and one payout by id."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Membership
from practice.models import ClioPaymentsPayment
from sync.models import ClioPayout, SyncOperation
from sync.payouts.matching import MAX_FEE_RATE, WINDOW_DAYS
from sync.payouts.services import PAID_OUT
from sync.providers.base import PAYOUT_FEE_ENTITY

UNMATCHED_HELP = (
    "No credit in the imported operating-account statements, and no deposit into the mapped "
    "operating bank in the books, is this payout net of fees: an amount at most the gross and "
    f"at least {MAX_FEE_RATE:.0%} below it, dated on the deposit day or up to {WINDOW_DAYS} "
    "days after. Import the bank statement that covers those days (CSV or OFX) below, or "
    "record the deposit in the books. If the bank shows the payout under another amount, the "
    "payments in Clio and the bank disagree: check the payout report in Clio Payments."
)


def payouts_list(*, member: Membership, status: str = "") -> QuerySet[ClioPayout]:
    """The member's firm's payouts, newest first, with the bank line each is matched to."""
    rows = ClioPayout.objects.filter(firm_id=member.firm_id).select_related("bank_line")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-deposit_date", "-pk")


def payout_get_for_member(*, member: Membership, payout_id: int) -> ClioPayout:
    """One payout of the member's firm; missing and another firm's give the same 404."""
    found = ClioPayout.objects.filter(firm_id=member.firm_id, pk=payout_id).first()
    if found is None:
        raise Http404("No such payout.")
    return found


def payout_payments(*, payout: ClioPayout) -> QuerySet[ClioPaymentsPayment]:
    """The Clio Payments payments the payout carries."""
    return ClioPaymentsPayment.objects.filter(
        firm_id=payout.firm_id, deposit_date=payout.deposit_date, state__in=PAID_OUT
    ).order_by("clio_id")


@dataclass(frozen=True)
class PayoutCounts:
    matched: int
    unmatched: int


def payout_counts(*, member: Membership) -> PayoutCounts:
    rows = ClioPayout.objects.filter(firm_id=member.firm_id)
    matched = rows.filter(status=ClioPayout.Status.MATCHED).count()
    return PayoutCounts(matched=matched, unmatched=rows.count() - matched)


@dataclass(frozen=True)
class FeePosting:
    status: str  # pending, in_flight, done, failed, skipped
    label: str
    remote_id: str
    error: str


def fee_postings(*, member: Membership, payouts) -> dict[int, FeePosting]:
    """Each payout's fee write to the books, by payout id, in one query: the newest write of the
    payout's day (a correction, once the fee changed after it was posted; or the write of books
    connected again)."""
    by_day = {p.deposit_date.isoformat(): p.pk for p in payouts}
    ops = SyncOperation.objects.filter(
        firm_id=member.firm_id, entity=PAYOUT_FEE_ENTITY, payload__deposit_date__in=list(by_day)
    ).order_by("created_at", "pk")
    found = {}
    for op in ops:
        correction = ":correction-" in op.local_id
        found[by_day[op.payload["deposit_date"]]] = FeePosting(
            status=op.status,
            label=f"{op.get_status_display()} (corrected)"
            if correction
            else op.get_status_display(),
            remote_id=op.remote_id,
            error=op.error_message,
        )
    return found
