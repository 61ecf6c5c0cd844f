"""REST API for trust requests: list them (any member), send one through Clio or cancel one
(trust writers)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination, json_error_response
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from sync.trust_books import selectors
from sync.trust_books import services as services_trust
from trust.models import TrustRequest


class TrustRequestOutput(serializers.ModelSerializer):
    matter_id = serializers.IntegerField(source="matter.pk")
    matter = serializers.CharField(source="matter.display_number")
    client = serializers.CharField(source="matter.client.name", default="")
    paid_by_entry_id = serializers.IntegerField(
        source="paid_by.pk", default=None, help_text="The deposit that paid the last of it."
    )
    paid_by_date = serializers.DateField(source="paid_by.date", default=None)
    paid_by_amount = serializers.DecimalField(
        source="paid_by.amount", max_digits=14, decimal_places=2, default=None
    )
    is_paid = serializers.BooleanField()
    status = serializers.SerializerMethodField()
    paid_so_far = serializers.DecimalField(max_digits=16, decimal_places=2)
    owed = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Still owed; 0.00 once paid or cancelled."
    )

    class Meta:
        model = TrustRequest
        fields = [
            "id",
            "clio_id",
            "matter_id",
            "matter",
            "client",
            "kind",
            "amount",
            "due_date",
            "memo",
            "status",
            "is_paid",
            "paid_so_far",
            "owed",
            "paid_at",
            "paid_by_entry_id",
            "paid_by_date",
            "paid_by_amount",
            "cancelled_at",
            "cancel_reason",
            "created_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=["open", "paid", "cancelled"]))
    def get_status(self, obj: TrustRequest) -> str:
        return "paid" if obj.is_paid else "cancelled" if obj.is_cancelled else "open"


class TrustRequestInput(serializers.Serializer):
    matter_id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TrustRequest.Kind.choices, default="retainer")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    due_date = serializers.DateField()
    memo = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    key = serializers.UUIDField(
        required=False, help_text="Send the same key again and the first request comes back."
    )


class TrustRequestListApi(APIView):
    read_roles = ANY_MEMBER
    write_roles = TRUST_WRITE

    @extend_schema(responses=TrustRequestOutput(many=True), summary="Trust requests, newest first")
    def get(self, request):
        rows = selectors.trust_requests_for_member(member=request.membership)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(TrustRequestOutput(page, many=True).data)

    @extend_schema(
        request=TrustRequestInput,
        responses={201: TrustRequestOutput},
        summary="Ask a client for trust funds; Clio sends the request",
    )
    def post(self, request):
        data = TrustRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        matter = selectors.trust_matter_get_for_member(
            member=request.membership, matter_id=d["matter_id"]
        )
        req = services_trust.trust_request_create(
            member=request.membership,
            matter=matter,
            kind=d["kind"],
            amount=d["amount"],
            due_date=d["due_date"],
            memo=d["memo"],
            key=d.get("key"),
        )
        return Response(_one(request, req.pk), status=status.HTTP_201_CREATED)


def _one(request, request_id: int) -> dict:
    """The request as the list shows it (with what is paid and owed), read back in one query."""
    rows = selectors.trust_requests_for_member(member=request.membership).filter(pk=request_id)
    return TrustRequestOutput(rows.get()).data


class TrustRequestCancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=255, help_text="Why the request is cancelled.")


class TrustRequestCancelApi(APIView):
    read_roles = TRUST_WRITE
    write_roles = TRUST_WRITE

    @extend_schema(
        request=TrustRequestCancelInput,
        responses={200: TrustRequestOutput},
        summary="Cancel an open request, with a reason; a later deposit is not applied to it",
        description="409 `not_open` when the request is already paid or cancelled.",
    )
    def post(self, request, request_id: int):
        data = TrustRequestCancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            services_trust.trust_request_cancel(
                member=request.membership,
                request_id=request_id,
                reason=data.validated_data["reason"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            return json_error_response(status.HTTP_409_CONFLICT, "not_open", " ".join(exc.messages))
        return Response(_one(request, request_id))
