"""REST API for trust reconciliation: statements in, matching, prepare, approve, the report."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import limits
from accounts.api_common import Pagination
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from trust import reconcile, reports, statement_files, statements
from trust import selectors_reconcile as sel
from trust import services_reconcile as svc
from trust.models import BankStatement
from trust.selectors import trust_account_get_for_member
from trust.serializers_reconcile import (
    AutoMatchOutput,
    ReconciliationOutput,
    StatementOutput,
    StatementUploadInput,
)


def _period_end(year: int, month: int) -> date:
    if not 1 <= month <= 12 or not limits.DATE_MIN.year <= year <= limits.date_max().year:
        raise Http404("No such month.")
    return reconcile.month_end(date(year, month, 1))


class ReconciliationListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        parameters=[OpenApiParameter("account", int, description="Only this trust account.")],
        responses=ReconciliationOutput(many=True),
        summary="Trust reconciliations, newest month first",
    )
    def get(self, request):
        qs = sel.reconciliation_list(member=request.membership).order_by("-period_end", "id")
        account = request.query_params.get("account")
        if account and account.isdigit():
            qs = qs.filter(account_id=int(account))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ReconciliationOutput(page, many=True).data)


class ReconciliationDetailApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(responses=ReconciliationOutput, summary="One reconciliation with its figures")
    def get(self, request, reconciliation_id: int):
        rec = sel.reconciliation_get_for_member(
            member=request.membership, reconciliation_id=reconciliation_id
        )
        return Response(ReconciliationOutput(rec).data)


class StatementListApi(APIView):
    read_roles = ANY_MEMBER
    write_roles = TRUST_WRITE
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=StatementOutput(many=True), summary="A trust account's statements")
    def get(self, request, account_id: int):
        account = trust_account_get_for_member(member=request.membership, account_id=account_id)
        qs = BankStatement.objects.filter(account=account).select_related("imported_by")
        paginator = Pagination()
        page = paginator.paginate_queryset(qs.order_by("-period_end", "-id"), request, view=self)
        return paginator.get_paginated_response(StatementOutput(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": StatementUploadInput},
        responses={201: StatementOutput},
        summary="Import a bank statement (OFX, or CSV with its columns); nothing is imported "
        "when any CSV row is bad, and the errors name each row",
    )
    def post(self, request, account_id: int):
        account = trust_account_get_for_member(member=request.membership, account_id=account_id)
        data = StatementUploadInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        # One transaction: a file that is refused is not kept (the API has no column step).
        with transaction.atomic():
            upload = statements.statement_upload_create(
                member=request.membership,
                account=account,
                filename=d["file"].name[:255],
                content=d["file"].read(),
            )
            if statement_files.is_ofx(upload.filename, bytes(upload.content)):
                statement = statements.statement_import_ofx(
                    member=request.membership, upload=upload, on_overlap=d["on_overlap"]
                )
            else:
                statement = _import_csv(request, upload, d)
        return Response(StatementOutput(statement).data, status=status.HTTP_201_CREATED)


def _import_csv(request, upload, d: dict):
    if d.get("closing_balance") is None:
        raise ValidationError({"closing_balance": "Give the statement's closing balance."})
    columns = statement_files.CsvColumns(
        date=d["date_column"],
        date_format=d["date_format"],
        amount=d["amount_column"],
        debit=d["debit_column"],
        credit=d["credit_column"],
        description=d["description_column"],
        reference=d["reference_column"],
        payee=d["payee_column"],
        decimal=d["decimal_separator"],
    )
    if not columns.date and d["bank_name"]:
        saved = sel.csv_mapping_for_bank(firm_id=upload.firm_id, bank_name=d["bank_name"])
        if saved is not None:
            columns = statements.columns_from_mapping(saved, [])
    return statements.statement_import_csv(
        member=request.membership,
        upload=upload,
        columns=columns,
        bank_name=d["bank_name"],
        closing_balance=d["closing_balance"],
        opening_balance=d.get("opening_balance"),
        period_start=d.get("period_start"),
        period_end=d.get("period_end"),
        on_overlap=d["on_overlap"],
    )


class AutoMatchApi(APIView):
    read_roles = TRUST_WRITE
    write_roles = TRUST_WRITE

    @extend_schema(
        request=None,
        responses=AutoMatchOutput,
        summary="Match the month's statement lines to journal entries automatically",
    )
    def post(self, request, account_id: int, year: int, month: int):
        account = trust_account_get_for_member(member=request.membership, account_id=account_id)
        n = svc.statement_auto_match(
            member=request.membership,
            account=account,
            period_end=_period_end(year, month),
            ip=request.META.get("REMOTE_ADDR"),
        )
        return Response({"matched": n})


class PrepareApi(APIView):
    read_roles = TRUST_WRITE
    write_roles = TRUST_WRITE

    @extend_schema(
        request=None,
        responses=ReconciliationOutput,
        summary="Prepare the month: compute and keep the three-way figures",
    )
    def post(self, request, account_id: int, year: int, month: int):
        account = trust_account_get_for_member(member=request.membership, account_id=account_id)
        rec = svc.reconciliation_prepare(
            member=request.membership,
            account=account,
            period_end=_period_end(year, month),
            ip=request.META.get("REMOTE_ADDR"),
        )
        return Response(ReconciliationOutput(rec).data)


class ApproveApi(APIView):
    read_roles = TRUST_WRITE
    write_roles = TRUST_WRITE

    @extend_schema(
        request=None,
        responses=ReconciliationOutput,
        summary="Approve a prepared reconciliation (not by its preparer); locks the month",
    )
    def post(self, request, reconciliation_id: int):
        rec = sel.reconciliation_get_for_member(
            member=request.membership, reconciliation_id=reconciliation_id
        )
        rec = svc.reconciliation_approve(
            member=request.membership, reconciliation=rec, ip=request.META.get("REMOTE_ADDR")
        )
        return Response(ReconciliationOutput(rec).data)


class ReportPdfApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="The reconciliation report as PDF",
    )
    def get(self, request, reconciliation_id: int):
        rec = sel.reconciliation_get_for_member(
            member=request.membership, reconciliation_id=reconciliation_id
        )
        if not rec.figures:
            raise Http404("This month is not prepared yet.")
        pdf = reports.reconciliation_pdf(reconciliation=rec, firm_name=request.membership.firm.name)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"trust-reconciliation-{rec.account_id}-{rec.period_end:%Y-%m}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
