"""REST API for sync runs and failed records: start a sync, follow it, retry what failed."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination, error_body
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from sync.engine import run as engine
from sync.engine.errors import explain
from sync.models import SyncOperation, SyncRun
from sync.providers.errors import ProviderError


class SyncRunOutput(serializers.ModelSerializer):
    percent = serializers.SerializerMethodField()
    eta_seconds = serializers.SerializerMethodField()
    started_by = serializers.EmailField(source="started_by.email", default=None)

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "kind",
            "status",
            "phase",
            "started_by",
            "started_at",
            "finished_at",
            "pulled",
            "planned",
            "done",
            "failed",
            "skipped",
            "error",
            "waiting_for",
            "waiting_until",
            "percent",
            "eta_seconds",
        ]

    def get_percent(self, run) -> int:
        return engine.run_progress(run).percent

    def get_eta_seconds(self, run) -> int | None:
        return engine.run_progress(run).eta_seconds


class FailedRecordOutput(serializers.ModelSerializer):
    provider = serializers.CharField(source="connection.provider")
    explanation = serializers.SerializerMethodField()
    fix = serializers.SerializerMethodField()

    class Meta:
        model = SyncOperation
        fields = [
            "id",
            "provider",
            "entity",
            "action",
            "local_id",
            "attempts",
            "error_code",
            "error_message",
            "explanation",
            "fix",
            "failed_at",
        ]

    def get_explanation(self, op) -> str:
        return explain(op.connection.provider, op.error_code, op.error_message).text

    def get_fix(self, op) -> str:
        return explain(op.connection.provider, op.error_code, op.error_message).fix


class StartInput(serializers.Serializer):
    full = serializers.BooleanField(default=False, help_text="Read everything from Clio again.")


class RetryInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Omit to retry every one."
    )


RETRIED = inline_serializer("Retried", {"retried": serializers.IntegerField()})


def _runs(firm_id: int):
    return SyncRun.objects.filter(firm_id=firm_id).select_related("started_by")


class SyncRunListApi(APIView):
    read_roles = ANY_MEMBER
    write_roles = TRUST_WRITE

    @extend_schema(responses=SyncRunOutput(many=True), summary="Sync runs, newest first")
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(_runs(request.membership.firm_id), request, view=self)
        return paginator.get_paginated_response(SyncRunOutput(page, many=True).data)

    @extend_schema(
        request=StartInput,
        responses={202: SyncRunOutput},
        summary="Start a sync (or get the one already running); 409 while preflight items fail",
    )
    def post(self, request):
        data = StartInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            run = engine.sync_start(
                firm=request.membership.firm, actor=request.user, full=data.validated_data["full"]
            )
        except engine.SyncBlocked as exc:
            details = {c.key: f"{c.label}: {c.fix or c.detail}" for c in exc.checks}
            body = error_body(409, "preflight_failed", str(exc), details)
            return Response(body, status=status.HTTP_409_CONFLICT)
        except ProviderError as exc:
            body = error_body(502, "provider_unavailable", f"{exc.provider}: {exc.message}")
            return Response(body, status=status.HTTP_502_BAD_GATEWAY)
        return Response(SyncRunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class SyncRunDetailApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(responses=SyncRunOutput, summary="One sync run with its progress")
    def get(self, request, run_id: int):
        run = _runs(request.membership.firm_id).filter(pk=run_id).first()
        if run is None:
            raise Http404("No such sync run.")
        return Response(SyncRunOutput(run).data)


class FailedRecordListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        responses=FailedRecordOutput(many=True),
        summary="Records that failed, newest first, each with what to do about it",
    )
    def get(self, request):
        failed = (
            SyncOperation.objects.filter(
                firm_id=request.membership.firm_id, status=SyncOperation.Status.FAILED
            )
            .select_related("connection")
            .order_by("-failed_at", "-id")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(failed, request, view=self)
        return paginator.get_paginated_response(FailedRecordOutput(page, many=True).data)


class FailedRecordRetryApi(APIView):
    read_roles = TRUST_WRITE
    write_roles = TRUST_WRITE

    @extend_schema(request=RetryInput, responses=RETRIED, summary="Retry failed records")
    def post(self, request):
        data = RetryInput(data=request.data)
        data.is_valid(raise_exception=True)
        count = engine.operations_retry(
            firm=request.membership.firm, actor=request.user, ids=data.validated_data.get("ids")
        )
        return Response({"retried": count})
