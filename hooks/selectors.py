"""Reads scoped to the member's firm. 'Missing' and 'another firm's' give the same 404."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from accounts.models import Membership
from hooks.models import Delivery, Subscription


def subscription_list(*, member: Membership) -> QuerySet[Subscription]:
    return Subscription.objects.filter(firm_id=member.firm_id).annotate(
        failing=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        waiting=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.PENDING)),
    )


def subscription_get_for_member(*, member: Membership, subscription_id: int) -> Subscription:
    found = Subscription.objects.filter(firm_id=member.firm_id, pk=subscription_id).first()
    if found is None:
        raise Http404("No such webhook subscription.")
    return found


def delivery_list(
    *, member: Membership, subscription_id: int | None = None, status: str | None = None
) -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(firm_id=member.firm_id).select_related("subscription")
    if subscription_id is not None:
        qs = qs.filter(subscription_id=subscription_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def delivery_get_for_member(*, member: Membership, delivery_id: int) -> Delivery:
    found = delivery_list(member=member).filter(pk=delivery_id).first()
    if found is None:
        raise Http404("No such delivery.")
    return found
