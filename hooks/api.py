"""REST API for outbound webhooks: subscriptions, their deliveries, and redelivery.

Admins alone see and manage them (MANAGE_FIRM): a subscription's URL may carry the receiver's
own credentials, and its events describe the whole firm."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination
from accounts.roles import MANAGE_FIRM
from hooks import selectors, services
from hooks.models import Delivery
from hooks.serializers import (
    DeliveryDetailOutput,
    DeliveryOutput,
    EventTypeOutput,
    SubscriptionCreateInput,
    SubscriptionOutput,
    SubscriptionSecretOutput,
    SubscriptionUpdateInput,
    event_type_rows,
)
from trust.serializers import ErrorOutput

INVALID = OpenApiResponse(ErrorOutput, description="invalid: a value is not allowed")
TAGS = ["webhooks"]


class AdminApi(APIView):
    read_roles = MANAGE_FIRM
    write_roles = MANAGE_FIRM


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class EventTypeListApi(AdminApi):
    @extend_schema(
        responses=EventTypeOutput(many=True), summary="The event types to subscribe to", tags=TAGS
    )
    def get(self, request):
        return Response(EventTypeOutput(event_type_rows(), many=True).data)


class SubscriptionListApi(AdminApi):
    @extend_schema(responses=SubscriptionOutput(many=True), summary="Subscriptions", tags=TAGS)
    def get(self, request):
        paginator = Pagination()
        qs = selectors.subscription_list(member=request.membership)
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(SubscriptionOutput(page, many=True).data)

    @extend_schema(
        request=SubscriptionCreateInput,
        responses={201: SubscriptionSecretOutput, 400: INVALID},
        summary="Subscribe a URL to events (the secret is shown once)",
        tags=TAGS,
    )
    def post(self, request):
        data = SubscriptionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        sub, secret = services.subscription_create(
            member=request.membership, ip=_ip(request), **data.validated_data
        )
        sub.secret = secret
        return Response(SubscriptionSecretOutput(sub).data, status=201)


class SubscriptionDetailApi(AdminApi):
    def _get(self, request, subscription_id):
        return selectors.subscription_get_for_member(
            member=request.membership, subscription_id=subscription_id
        )

    @extend_schema(responses=SubscriptionOutput, summary="One subscription", tags=TAGS)
    def get(self, request, subscription_id: int):
        return Response(SubscriptionOutput(self._get(request, subscription_id)).data)

    @extend_schema(
        request=SubscriptionUpdateInput,
        responses={200: SubscriptionOutput, 400: INVALID},
        summary="Change a subscription's URL, events, description, or turn it on or off",
        tags=TAGS,
    )
    def patch(self, request, subscription_id: int):
        sub = self._get(request, subscription_id)
        data = SubscriptionUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        sub = services.subscription_update(
            member=request.membership, subscription=sub, ip=_ip(request), **data.validated_data
        )
        return Response(SubscriptionOutput(sub).data)

    @extend_schema(responses={204: None}, summary="Delete a subscription and its log", tags=TAGS)
    def delete(self, request, subscription_id: int):
        sub = self._get(request, subscription_id)
        services.subscription_delete(member=request.membership, subscription=sub, ip=_ip(request))
        return Response(status=204)


class SubscriptionRollSecretApi(AdminApi):
    @extend_schema(
        request=None,
        responses=SubscriptionSecretOutput,
        summary="Replace the signing secret (the new one is shown once)",
        tags=TAGS,
    )
    def post(self, request, subscription_id: int):
        sub = selectors.subscription_get_for_member(
            member=request.membership, subscription_id=subscription_id
        )
        sub, secret = services.subscription_secret_roll(
            member=request.membership, subscription=sub, ip=_ip(request)
        )
        sub.secret = secret
        return Response(SubscriptionSecretOutput(sub).data)


class SubscriptionTestApi(AdminApi):
    @extend_schema(
        request=None,
        responses={202: DeliveryOutput, 400: INVALID},
        summary="Send a `ping` event to this subscription now",
        tags=TAGS,
    )
    def post(self, request, subscription_id: int):
        sub = selectors.subscription_get_for_member(
            member=request.membership, subscription_id=subscription_id
        )
        delivery = services.subscription_ping(member=request.membership, subscription=sub)
        return Response(DeliveryOutput(delivery).data, status=202)


class DeliveryListApi(AdminApi):
    @extend_schema(
        parameters=[
            OpenApiParameter("subscription", int, description="Only this subscription's."),
            OpenApiParameter("status", str, enum=Delivery.Status.values),
        ],
        responses=DeliveryOutput(many=True),
        summary="The delivery log, newest first",
        tags=TAGS,
    )
    def get(self, request):
        subscription, status = _delivery_filters(request.query_params)
        qs = selectors.delivery_list(
            member=request.membership, subscription_id=subscription, status=status
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DeliveryOutput(page, many=True).data)


def _delivery_filters(params) -> tuple[int | None, str | None]:
    subscription = params.get("subscription") or None
    status = params.get("status") or None
    if subscription is not None and not subscription.isdigit():
        raise ValidationError({"subscription": "Give a subscription's id."})
    if status is not None and status not in Delivery.Status.values:
        raise ValidationError({"status": f"One of: {', '.join(Delivery.Status.values)}."})
    return (int(subscription) if subscription else None), status


class DeliveryDetailApi(AdminApi):
    @extend_schema(responses=DeliveryDetailOutput, summary="One delivery", tags=TAGS)
    def get(self, request, delivery_id: int):
        d = selectors.delivery_get_for_member(member=request.membership, delivery_id=delivery_id)
        return Response(DeliveryDetailOutput(d).data)


class DeliveryRedeliverApi(AdminApi):
    @extend_schema(
        request=None,
        responses={202: DeliveryDetailOutput, 400: INVALID},
        summary="Send the same event (same id) again now",
        tags=TAGS,
    )
    def post(self, request, delivery_id: int):
        d = selectors.delivery_get_for_member(member=request.membership, delivery_id=delivery_id)
        d = services.delivery_redeliver(member=request.membership, delivery=d)
        return Response(DeliveryDetailOutput(d).data, status=202)
