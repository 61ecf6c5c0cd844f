"""REST API for Clio Payments payouts: list them, and read one with the payments it carries."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination
from accounts.roles import ANY_MEMBER
from practice.models import ClioPaymentsPayment
from sync.models import ClioPayout, OperatingBankLine
from sync.payouts import selectors as sel

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True, "read_only": True}


class BankLineOutput(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = OperatingBankLine
        fields = ["id", "date", "amount", "description", "reference"]


class FeePostingOutput(serializers.Serializer):
    status = serializers.CharField()
    remote_id = serializers.CharField()
    error = serializers.CharField()


class PayoutOutput(serializers.ModelSerializer):
    gross = serializers.DecimalField(**MONEY)
    net = serializers.DecimalField(**MONEY, allow_null=True)
    fee = serializers.DecimalField(**MONEY, allow_null=True)
    bank_line = BankLineOutput(read_only=True, allow_null=True)
    how_to_fix = serializers.SerializerMethodField()
    fee_posting = serializers.SerializerMethodField()

    class Meta:
        model = ClioPayout
        fields = [
            "id",
            "deposit_date",
            "payments",
            "gross",
            "status",
            "net",
            "fee",
            "bank_line",
            "arrived_on",
            "books_deposit_type",
            "books_deposit_id",
            "matched_at",
            "how_to_fix",
            "fee_posting",
        ]

    @extend_schema_field(FeePostingOutput(allow_null=True))
    def get_fee_posting(self, payout: ClioPayout) -> dict | None:
        found = self.context.get("fees", {}).get(payout.pk)
        return FeePostingOutput(found).data if found else None

    def get_how_to_fix(self, payout: ClioPayout) -> str | None:
        return sel.UNMATCHED_HELP if payout.status == ClioPayout.Status.UNMATCHED else None


class PayoutPaymentOutput(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)

    class Meta:
        model = ClioPaymentsPayment
        fields = ["clio_id", "amount", "state", "confirmation_number", "bill_clio_ids"]


class PayoutDetailOutput(PayoutOutput):
    carried = serializers.SerializerMethodField()

    class Meta(PayoutOutput.Meta):
        fields = [*PayoutOutput.Meta.fields, "carried"]

    def get_carried(self, payout: ClioPayout) -> list[dict]:
        rows = sel.payout_payments(payout=payout)
        return PayoutPaymentOutput(rows, many=True).data


class PayoutListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=list(ClioPayout.Status.values))],
        responses=PayoutOutput(many=True),
        summary="Clio Payments payouts, newest first: matched (to what, with fees) or not",
    )
    def get(self, request):
        status = request.query_params.get("status", "").strip()
        if status and status not in ClioPayout.Status.values:
            choices = ", ".join(ClioPayout.Status.values)
            raise ValidationError({"status": f"Choose one of: {choices}."})
        rows = sel.payouts_list(member=request.membership, status=status)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        fees = sel.fee_postings(member=request.membership, payouts=page)
        data = PayoutOutput(page, many=True, context={"fees": fees}).data
        return paginator.get_paginated_response(data)


class PayoutDetailApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(responses=PayoutDetailOutput, summary="One payout and the payments it carries")
    def get(self, request, payout_id: int):
        payout = sel.payout_get_for_member(member=request.membership, payout_id=payout_id)
        fees = sel.fee_postings(member=request.membership, payouts=[payout])
        return Response(PayoutDetailOutput(payout, context={"fees": fees}).data)
