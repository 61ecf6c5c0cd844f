"""REST API for drift: flagged bills and what to do about them, and the differences found
(reconcile runs and the receivables comparison: sync.drift.api_receivables).

The same selectors and services as the pages; flags are read by admins, accountants and staff
(SEE_FLAGS) and acted on by admins and staff (REVIEW_BILLS), the rest for any member, and
starting a reconcile for those who may write."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination, json_error_response
from accounts.roles import ANY_MEMBER, REVIEW_BILLS, SEE_FLAGS
from sync.drift import flags, repair
from sync.drift import selectors as sel
from sync.drift.sides import SideBySide, side_by_side
from sync.models import Drift, FlaggedBill
from trust.serializers import ErrorOutput

# -- output --------------------------------------------------------------------------------------


class DriftOutput(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")
    run = serializers.IntegerField(source="run_id", allow_null=True)
    flag = serializers.IntegerField(source="flag_id", allow_null=True)

    class Meta:
        model = Drift
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "key",
            "bill_clio_id",
            "remote_id",
            "number",
            "client_name",
            "summary",
            "differences",
            "amount",
            "repair",
            "run",
            "flag",
            "first_seen_at",
            "last_seen_at",
            "closed_at",
        ]


class FlagOutput(serializers.ModelSerializer):
    kinds = serializers.SerializerMethodField(help_text="The kinds of difference on this bill.")
    label = serializers.CharField(
        read_only=True,
        help_text='What the flag is about: "Bill 1040" or "Invoice 1040 in the '
        'books, no Clio bill".',
    )
    acted_by = serializers.EmailField(source="acted_by.email", default=None)

    class Meta:
        model = FlaggedBill
        fields = [
            "id",
            "label",
            "status",
            "bill_clio_id",
            "remote_id",
            "number",
            "client_name",
            "amount",
            "reason",
            "kinds",
            "flagged_at",
            "acted_by",
            "acted_at",
            "action_note",
            "closed_at",
        ]

    def get_kinds(self, flag) -> list[str]:
        return sorted({d.kind for d in flag.drifts.all()})


class CellOutput(serializers.Serializer):
    section = serializers.ChoiceField(choices=["header", "line", "total"])
    line = serializers.IntegerField(allow_null=True, help_text="1-based, for lines.")
    field = serializers.CharField()
    clio = serializers.CharField()
    books = serializers.CharField()


class FlagDetailOutput(FlagOutput):
    planned_repair = serializers.JSONField()
    clio_side = serializers.JSONField()
    books_side = serializers.JSONField()
    differences = serializers.SerializerMethodField()
    drifts = DriftOutput(many=True, read_only=True)

    class Meta(FlagOutput.Meta):
        fields = [
            *FlagOutput.Meta.fields,
            "planned_repair",
            "clio_side",
            "books_side",
            "differences",
            "drifts",
        ]

    @extend_schema_field(CellOutput(many=True))
    def get_differences(self, flag) -> list[dict]:
        return _differences(side_by_side(flag=flag))


def _differences(sides: SideBySide) -> list[dict]:
    """Every cell that differs, as the page marks them."""
    found: list[dict] = [
        {"section": "header", "line": None, "field": c.field, "clio": c.clio, "books": c.books}
        for c in sides.header
        if c.differs
    ]
    for pair in sides.lines:
        for c in pair.cells:
            if c.differs or pair.only_in:
                found.append(
                    {
                        "section": "line",
                        "line": pair.position,
                        "field": c.field,
                        "clio": c.clio,
                        "books": c.books,
                    }
                )
    found += [
        {"section": "total", "line": None, "field": c.field, "clio": c.clio, "books": c.books}
        for c in sides.totals
        if c.differs
    ]
    return found


# -- input ---------------------------------------------------------------------------------------


class DismissInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the difference can stay.")


class ResolveInput(serializers.Serializer):
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, help_text="What was changed, where."
    )


# Listed in words, not as an enum: a "kind" enum here would collide with Drift.Kind's component.
KINDS = ", ".join(Drift.Kind.values)
FLAG_FILTERS = [
    OpenApiParameter("kind", str, description=f"Has a drift of this kind: {KINDS}."),
    OpenApiParameter("client", str, description="Part of the client's name."),
    OpenApiParameter("age", str, enum=list(sel.AGE_BUCKETS), description="Flagged how long ago."),
    OpenApiParameter("amount_min", str, description="At least this much at stake."),
    OpenApiParameter("amount_max", str, description="At most this much at stake."),
    OpenApiParameter("state", str, enum=list(sel.FLAG_STATES), description="Default: open."),
    OpenApiParameter("sort", str, enum=list(sel.FLAG_SORTS), description="Default: newest."),
]
DRIFT_FILTERS = [
    OpenApiParameter("kind", str, description=f"Only this kind: {KINDS}."),
    OpenApiParameter("state", str, enum=list(sel.DRIFT_STATES), description="Default: open."),
]
ACTED = {
    200: FlagDetailOutput,
    400: OpenApiResponse(ErrorOutput, description="invalid: a required value is missing"),
    409: OpenApiResponse(ErrorOutput, description="flag_closed: the flag is no longer open"),
}


def _not_open(exc: flags.FlagNotOpen) -> Response:
    return json_error_response(409, "flag_closed", " ".join(exc.messages))


def _detail(flag: FlaggedBill, member) -> Response:
    """The flag as it stands after an action, read again through the firm's accessor."""
    fresh = sel.flag_get_for_member(member=member, flag_id=flag.pk)
    return Response(FlagDetailOutput(fresh).data)


# -- flagged bills -------------------------------------------------------------------------------


class FlagListApi(APIView):
    read_roles = SEE_FLAGS

    @extend_schema(
        parameters=FLAG_FILTERS,
        responses=FlagOutput(many=True),
        summary="Flagged bills waiting for a person (or closed ones), filtered and sorted",
    )
    def get(self, request):
        filters, errors = sel.flag_filters_parse(request.query_params)
        if errors:
            raise ValidationError(errors)
        rows = sel.flags_list(member=request.membership, filters=filters)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(FlagOutput(page, many=True).data)


class FlagDetailApi(APIView):
    read_roles = SEE_FLAGS

    @extend_schema(
        responses=FlagDetailOutput,
        summary="One flagged bill: both sides, each difference, its drifts and the planned repair",
    )
    def get(self, request, flag_id: int):
        flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
        return Response(FlagDetailOutput(flag).data)


class FlagApproveApi(APIView):
    read_roles = REVIEW_BILLS
    write_roles = REVIEW_BILLS

    @extend_schema(
        request=None,
        responses={
            200: FlagDetailOutput,
            409: OpenApiResponse(
                ErrorOutput, description="flag_closed: dismissed or resolved, or a repair running"
            ),
            422: OpenApiResponse(
                ErrorOutput,
                description="repair_failed: the books refused or the repair is done by hand; "
                "the flag stays open",
            ),
        },
        summary="Approve the planned repair: FirmSync runs it in the books and closes the flag",
        description="Approving a flag already repaired answers 200 with it, so a retry after a "
        "lost answer is safe.",
    )
    def post(self, request, flag_id: int):
        flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
        if flag.status == FlaggedBill.Status.OPEN:
            flag = repair.flag_approve(flag=flag, actor=request.user)
            if flag.status == FlaggedBill.Status.OPEN:
                message = flag.action_note or "The repair did not run."
                return json_error_response(422, "repair_failed", message)
        if flag.status != FlaggedBill.Status.REPAIRED:
            return _not_open(flags.FlagNotOpen(_closed(flag)))
        return _detail(flag, request.membership)


def _closed(flag: FlaggedBill) -> str:
    if flag.status == FlaggedBill.Status.REPAIRING:
        return "The repair of this bill is already running."
    return f"This flag is closed ({flag.get_status_display().lower()}); nothing was run."


class FlagDismissApi(APIView):
    read_roles = REVIEW_BILLS
    write_roles = REVIEW_BILLS

    @extend_schema(
        request=DismissInput,
        responses=ACTED,
        summary="Dismiss the flag with a reason: the books are left as they are",
    )
    def post(self, request, flag_id: int):
        flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
        data = DismissInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            flags.flag_dismiss(flag=flag, actor=request.user, reason=data.validated_data["reason"])
        except flags.FlagNotOpen as exc:
            return _not_open(exc)
        return _detail(flag, request.membership)


class FlagResolveApi(APIView):
    read_roles = REVIEW_BILLS
    write_roles = REVIEW_BILLS

    @extend_schema(
        request=ResolveInput,
        responses=ACTED,
        summary="Record that the difference was put right by hand",
    )
    def post(self, request, flag_id: int):
        flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
        data = ResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            flags.flag_resolve_by_hand(
                flag=flag, actor=request.user, note=data.validated_data.get("note", "")
            )
        except flags.FlagNotOpen as exc:
            return _not_open(exc)
        return _detail(flag, request.membership)


class FlagOutsideClioApi(APIView):
    read_roles = REVIEW_BILLS
    write_roles = REVIEW_BILLS

    @extend_schema(
        request=ResolveInput,
        responses=ACTED,
        summary="Mark the invoice of a flag no Clio bill explains as made in the books on purpose",
    )
    def post(self, request, flag_id: int):
        flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
        data = ResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            flags.books_only_invoice_mark(
                flag=flag, actor=request.user, note=data.validated_data.get("note", "")
            )
        except flags.FlagNotOpen as exc:
            return _not_open(exc)
        except ValidationError as exc:
            return json_error_response(400, "not_books_only", " ".join(exc.messages))
        return _detail(flag, request.membership)


# -- drifts --------------------------------------------------------------------------------------


class DriftListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        parameters=DRIFT_FILTERS,
        responses=DriftOutput(many=True),
        summary="Differences between Clio and the books, newest first",
    )
    def get(self, request):
        params = request.query_params
        state, kind = params.get("state", "open"), params.get("kind", "")
        errors = {}
        if state not in sel.DRIFT_STATES:
            errors["state"] = f"Choose one of: {', '.join(sel.DRIFT_STATES)}."
        if kind and kind not in Drift.Kind.values:
            errors["kind"] = f"Choose one of: {', '.join(Drift.Kind.values)}."
        if errors:
            raise ValidationError(errors)
        rows = sel.drifts_list(member=request.membership, state=state, kind=kind)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(DriftOutput(page, many=True).data)


class DriftDetailApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(responses=DriftOutput, summary="One difference with each field that differs")
    def get(self, request, drift_id: int):
        drift = sel.drift_get_for_member(member=request.membership, drift_id=drift_id)
        return Response(DriftOutput(drift).data)
