"""Reads for trust requests: the member's matters and the firm's requests."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.models import Membership
from practice.models import Matter
from trust.models import TrustRequest
from trust.selectors_ledger import trust_requests_with_owed


def trust_matter_get_for_member(*, member: Membership, matter_id: int) -> Matter:
    """The member's firm's matter; another firm's and a missing one are the same 404."""
    matter = (
        Matter.objects.filter(firm_id=member.firm_id, pk=matter_id).select_related("client").first()
    )
    if matter is None:
        raise Http404("No such matter.")
    return matter


def trust_requests_for_member(*, member: Membership) -> QuerySet[TrustRequest]:
    """The firm's requests, newest first, each with `paid_so_far` and `owed`, in one query."""
    # Ordered here: a query that sums (GROUP BY) does not take the model's default ordering.
    return (
        trust_requests_with_owed(TrustRequest.objects.filter(firm_id=member.firm_id))
        .select_related("matter__client", "paid_by", "created_by", "cancelled_by")
        .order_by("-created_at", "-id")
    )
