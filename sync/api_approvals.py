"""REST API for bills held for approval (sync.engine.approval): the queue, one held bill, and
approve or reject, one bill or many in one call. Staff, accountants and admins; viewers no."""

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination, json_error_response
from accounts.roles import APPROVE_BILLS, MANAGE_FIRM
from sync import approval_selectors as sel
from sync import approval_services as services
from sync.engine.approval import RULE_LABELS
from sync.models import BillApproval, SyncSettings
from sync.serializers import SyncSettingsOutput
from trust.serializers import ErrorOutput

MONEY = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class RuleOutput(serializers.Serializer):
    rule = serializers.ChoiceField(choices=list(RULE_LABELS))
    why = serializers.CharField()


class ApprovalOutput(serializers.ModelSerializer):
    amount = serializers.DecimalField(**MONEY)
    rules = RuleOutput(many=True, read_only=True)
    age_seconds = serializers.SerializerMethodField(help_text="How long it has waited.")
    decided_by = serializers.EmailField(source="decided_by.email", default=None, read_only=True)

    class Meta:
        model = BillApproval
        fields = [
            "id",
            "bill_clio_id",
            "number",
            "client_name",
            "matter_names",
            "amount",
            "rules",
            "status",
            "held_at",
            "age_seconds",
            "decided_by",
            "decided_at",
            "reason",
            "approved_in_clio",
        ]

    def get_age_seconds(self, row) -> int:
        return int((self.context["now"] - row.held_at).total_seconds())


class DecideInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500)
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class DecisionOutput(serializers.Serializer):
    id = serializers.IntegerField(source="approval.pk")
    status = serializers.CharField(source="approval.status")
    error = serializers.CharField(help_text="Why this bill was not decided; empty when it was.")


class ApprovalListApi(APIView):
    read_roles = APPROVE_BILLS

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=list(sel.STATES)),
            OpenApiParameter("rule", str, enum=list(RULE_LABELS)),
            OpenApiParameter("client", str, description="Part of the client's name."),
            OpenApiParameter("amount_min", str, description="Amount from, e.g. 1000.00."),
            OpenApiParameter("sort", str, enum=list(sel.SORTS)),
        ],
        responses=ApprovalOutput(many=True),
        summary="Bills held for approval, oldest first, with the rules that held them",
    )
    def get(self, request):
        filters, errors = sel.approval_filters_parse(request.query_params)
        if errors:
            raise ApiValidationError(errors)
        rows = sel.bill_approvals_list(member=request.membership, filters=filters)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        data = ApprovalOutput(page, many=True, context={"now": timezone.now()}).data
        return paginator.get_paginated_response(data)


class ApprovalDetailApi(APIView):
    read_roles = APPROVE_BILLS

    @extend_schema(responses=ApprovalOutput, summary="One bill held for approval")
    def get(self, request, approval_id: int):
        row = sel.bill_approval_get_for_member(member=request.membership, approval_id=approval_id)
        return Response(ApprovalOutput(row, context={"now": timezone.now()}).data)


class ApprovalDecideApi(APIView):
    read_roles = APPROVE_BILLS
    write_roles = APPROVE_BILLS

    @extend_schema(
        request=DecideInput,
        responses={
            200: DecisionOutput(many=True),
            404: OpenApiResponse(ErrorOutput, description="not_found: an id is not the firm's"),
        },
        summary="Approve, or reject with a reason, one or many held bills",
        description="Each bill is decided on its own: one Clio refused (it changed in Clio, "
        "412) or already decided is answered with its error, and the others go ahead. A bill "
        "still in draft in Clio is approved in Clio too. Approving queues a sync.",
    )
    def post(self, request):
        data = DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        ids = sorted(set(data.validated_data["ids"]))
        rows = sel.bill_approvals_for_member(member=request.membership, ids=ids)
        if len(rows) != len(ids):
            return json_error_response(404, "not_found", "No such bill awaiting approval.")
        decision = data.validated_data["decision"]
        reason = data.validated_data["reason"]
        if decision == "reject" and not reason.strip():
            raise ApiValidationError({"reason": ["Say why the bills are rejected."]})
        done = services.bill_approvals_decide(
            approvals=rows, member=request.membership, decision=decision, reason=reason
        )
        return Response(DecisionOutput(done, many=True).data)


class ApproveInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


def _one(request, approval_id: int, decision: str, reason: str) -> Response:
    row = sel.bill_approval_get_for_member(member=request.membership, approval_id=approval_id)
    (done,) = services.bill_approvals_decide(
        approvals=[row], member=request.membership, decision=decision, reason=reason
    )
    if done.error:
        return json_error_response(409, "not_decided", done.error)
    return Response(ApprovalOutput(done.approval, context={"now": timezone.now()}).data)


ONE_RESPONSES = {
    200: ApprovalOutput,
    409: OpenApiResponse(
        ErrorOutput,
        description="not_decided: already decided, or Clio refused (the bill changed in Clio "
        "since FirmSync read it: reload and decide again)",
    ),
}


class ApprovalApproveApi(APIView):
    read_roles = APPROVE_BILLS
    write_roles = APPROVE_BILLS

    @extend_schema(request=ApproveInput, responses=ONE_RESPONSES, summary="Approve one held bill")
    def post(self, request, approval_id: int):
        data = ApproveInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _one(request, approval_id, "approve", data.validated_data["note"])


class ApprovalRejectApi(APIView):
    read_roles = APPROVE_BILLS
    write_roles = APPROVE_BILLS

    @extend_schema(
        request=RejectInput, responses=ONE_RESPONSES, summary="Reject one held bill, with a reason"
    )
    def post(self, request, approval_id: int):
        data = RejectInput(data=request.data)
        data.is_valid(raise_exception=True)
        return _one(request, approval_id, "reject", data.validated_data["reason"])


class ApprovalRulesInput(serializers.Serializer):
    """Every rule at once (PUT): blank amounts, empty lists and false switch a rule off."""

    approval_amount_over = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), allow_null=True
    )
    approval_discount_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        allow_null=True,
    )
    approval_watch_clients = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=2000
    )
    approval_watch_matters = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=2000
    )
    approval_first_bill = serializers.BooleanField()

    def validate(self, attrs):
        clients, matters = sel.approval_watch_choices(member=self.context["member"])
        for name, known in (
            ("approval_watch_clients", {c for c, _ in clients}),
            ("approval_watch_matters", {m for m, _ in matters}),
        ):
            unknown = sorted(set(attrs[name]) - known)
            if unknown:
                raise ApiValidationError({name: [f"Not in the Clio mirror: {unknown[:10]}."]})
            attrs[name] = sorted(set(attrs[name]))
        return attrs


class ApprovalRulesApi(APIView):
    read_roles = MANAGE_FIRM
    write_roles = MANAGE_FIRM

    @extend_schema(
        request=ApprovalRulesInput,
        responses={200: SyncSettingsOutput, 404: ErrorOutput},
        summary="Set the approval rules that hold bills before the books",
        description="Watch lists name Clio ids of clients and matters in FirmSync's mirror.",
    )
    def put(self, request):
        member = request.membership
        if not SyncSettings.objects.filter(firm_id=member.firm_id).exists():
            return json_error_response(404, "not_found", "No sync settings saved yet.")
        data = ApprovalRulesInput(data=request.data, context={"member": member})
        data.is_valid(raise_exception=True)
        cfg = services.sync_settings_approval_update(member=member, data=data.validated_data)
        return Response(SyncSettingsOutput(cfg).data)
