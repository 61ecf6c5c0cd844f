"""REST API for reconcile runs (start one, follow it) and the receivables comparison: Clio's AR
against the books' on the same invoices, and the invoices outside Clio as a line of their own.

Any member reads; starting a reconcile is for those who may write."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination, json_error_response
from accounts.roles import ANY_MEMBER, WRITE
from sync.drift import selectors as sel
from sync.drift import services
from sync.models import ReconcileRun
from trust.serializers import ErrorOutput


class ReconcileRunOutput(serializers.ModelSerializer):
    started_by = serializers.EmailField(source="started_by.email", default=None)
    ar_difference = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, read_only=True
    )

    class Meta:
        model = ReconcileRun
        fields = [
            "id",
            "trigger",
            "status",
            "started_by",
            "started_at",
            "finished_at",
            "bills_checked",
            "invoices_read",
            "read_calls",
            "drifts_found",
            "repaired",
            "flagged",
            "ar_clio",
            "ar_books",
            "ar_difference",
            "ar_outside",
            "outside_count",
            "error",
        ]


MONEY = {"max_digits": 16, "decimal_places": 2}


class ArClientOutput(serializers.Serializer):
    contact_clio_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    clio = serializers.DecimalField(**MONEY)
    books = serializers.DecimalField(**MONEY)
    difference = serializers.DecimalField(**MONEY)
    drifts = serializers.SerializerMethodField(help_text="Ids of the open drifts on its bills.")

    def get_drifts(self, row) -> list[int]:
        return [d.pk for d in row.drifts]


class ArPointOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    clio = serializers.DecimalField(**MONEY)
    books = serializers.DecimalField(**MONEY)
    difference = serializers.DecimalField(**MONEY)


class ArOutsideOutput(serializers.Serializer):
    remote_id = serializers.CharField()
    number = serializers.CharField()
    date = serializers.CharField(help_text="YYYY-MM-DD, or empty.")
    client_name = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY)
    why = serializers.ChoiceField(
        choices=["history", "marked"],
        help_text="history: dated before the sync start date; marked: made in the books on "
        "purpose.",
    )


class ArOutput(serializers.Serializer):
    run = ReconcileRunOutput(allow_null=True, help_text="The latest successful reconcile.")
    total_clio = serializers.DecimalField(**MONEY)
    total_books = serializers.DecimalField(**MONEY)
    total_difference = serializers.DecimalField(**MONEY, help_text="Books minus Clio.")
    clients = ArClientOutput(many=True, source="rows", help_text="Largest difference first.")
    unlinked_drifts = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of open drifts tied to no client listed."
    )
    outside_total = serializers.DecimalField(
        **MONEY, help_text="The books' receivables on invoices outside Clio: not in total_books."
    )
    outside_count = serializers.IntegerField(
        help_text="Invoices outside Clio, with or without a balance."
    )
    outside = ArOutsideOutput(many=True, help_text="The invoices outside Clio with a balance.")
    history = ArPointOutput(many=True, help_text="Each successful run of the last 30 days.")


# -- reconcile runs and receivables --------------------------------------------------------------


class ReconcileRunListApi(APIView):
    read_roles = ANY_MEMBER
    write_roles = WRITE

    @extend_schema(responses=ReconcileRunOutput(many=True), summary="Reconcile runs, newest first")
    def get(self, request):
        paginator = Pagination()
        runs = sel.reconcile_runs(member=request.membership)
        page = paginator.paginate_queryset(runs, request, view=self)
        return paginator.get_paginated_response(ReconcileRunOutput(page, many=True).data)

    @extend_schema(
        request=None,
        responses={
            202: ReconcileRunOutput,
            409: OpenApiResponse(ErrorOutput, description="reconcile_blocked: no books connected"),
        },
        summary="Start a reconcile (or get the one already running)",
    )
    def post(self, request):
        try:
            run = services.reconcile_start(
                firm=request.membership.firm, actor=request.user, trigger=ReconcileRun.Trigger.API
            )
        except services.ReconcileBlocked as exc:
            return json_error_response(409, "reconcile_blocked", str(exc))
        run = sel.reconcile_run_get_for_member(member=request.membership, run_id=run.pk)
        return Response(ReconcileRunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class ReconcileRunLatestApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        responses={200: ReconcileRunOutput, 404: OpenApiResponse(ErrorOutput)},
        summary="The latest reconcile run, running or finished",
    )
    def get(self, request):
        run = sel.reconcile_latest(member=request.membership)
        if run is None:
            return json_error_response(404, "not_found", "No reconcile has run yet.")
        return Response(ReconcileRunOutput(run).data)


class ArComparisonApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        responses=ArOutput,
        summary="Receivables per client in Clio and in the books, and the difference over time",
    )
    def get(self, request):
        ar = sel.ar_comparison(member=request.membership)
        body = {
            "run": ar.run,
            "total_clio": ar.total_clio,
            "total_books": ar.total_books,
            "total_difference": ar.total_difference,
            "rows": ar.rows,
            "unlinked_drifts": [d.pk for d in ar.unlinked_drifts],
            "outside_total": ar.outside_total,
            "outside_count": ar.outside_count,
            "outside": ar.outside,
            "history": sel.ar_history(member=request.membership),
        }
        return Response(ArOutput(body).data)
