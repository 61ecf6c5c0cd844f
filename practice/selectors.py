"""Reads of the Clio mirror, scoped to the member's firm."""

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import Membership
from practice.models import Bill, Contact, Matter


def matters_list(*, member: Membership, search: str = "") -> QuerySet[Matter]:
    qs = (
        Matter.objects.filter(firm_id=member.firm_id)
        .select_related("client")
        .annotate(
            bill_count=Count("bills", distinct=True),
            outstanding=Sum("bills__balance", filter=Q(bills__state="awaiting_payment")),
        )
        .order_by("display_number", "clio_id")
    )
    if search:
        qs = qs.filter(
            Q(display_number__icontains=search)
            | Q(description__icontains=search)
            | Q(client__name__icontains=search)
        )
    return qs


def bill_get_for_member(*, member: Membership, bill_id: int) -> Bill:
    """One bill of the member's firm, with its client, matters and lines; 404 when missing or
    another firm's (the same answer, so ids reveal nothing)."""
    found = (
        Bill.objects.filter(firm_id=member.firm_id, pk=bill_id)
        .select_related("client")
        .prefetch_related("matters", "lines")
        .first()
    )
    if found is None:
        raise Http404("No such bill.")
    return found


def matter_get_for_member(*, member: Membership, matter_id: int) -> Matter:
    """One matter of the member's firm with its bill count and what is owed on it; missing and
    another firm's give the same 404."""
    found = matters_list(member=member).filter(pk=matter_id).first()
    if found is None:
        raise Http404("No such matter.")
    return found


def contacts_list(*, member: Membership, search: str = "") -> QuerySet[Contact]:
    """The firm's mirrored Clio contacts by name, each with its matter count."""
    qs = (
        Contact.objects.filter(firm_id=member.firm_id)
        .annotate(matter_count=Count("matters", distinct=True))
        .order_by("name", "clio_id")
    )
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(email__icontains=search))
    return qs


def contact_get_for_member(*, member: Membership, contact_id: int) -> Contact:
    """One contact of the member's firm; missing and another firm's give the same 404."""
    found = contacts_list(member=member).filter(pk=contact_id).first()
    if found is None:
        raise Http404("No such contact.")
    return found
