"""REST API for trust duties: the calendar of what each trust account's rule pack asks for (due,
overdue, done), and recording that a client was told of a deposit."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination, json_error_response
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from trust.duties import selectors as sel
from trust.duties import services
from trust.errors import TrustError
from trust.selectors import trust_account_get_for_member
from trust.selectors_ledger import trust_entry_get_for_member
from trust.serializers import ErrorOutput
from trust.serializers_duties import (
    DepositNoticeInput,
    DutyItemOutput,
    DutyQueryInput,
    DutyRecordOutput,
)


class TrustDutyListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        parameters=[DutyQueryInput],
        responses=DutyItemOutput(many=True),
        summary="Trust duties due by 60 days from today, done or not, earliest first, each with "
        "its rule's citation and note for counsel",
    )
    def get(self, request):
        query = DutyQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        account_id = q.get("account")
        if account_id is not None:
            trust_account_get_for_member(member=request.membership, account_id=account_id)
        items = sel.duty_items_for_member(
            member=request.membership, as_of=timezone.localdate(), account_id=account_id
        )
        if q.get("status"):
            items = [i for i in items if i.status == q["status"]]
        paginator = Pagination()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(DutyItemOutput(page, many=True).data)


class DepositNoticeApi(APIView):
    read_roles = TRUST_WRITE
    write_roles = TRUST_WRITE

    @extend_schema(
        request=DepositNoticeInput,
        responses={
            201: DutyRecordOutput,
            422: OpenApiResponse(ErrorOutput, description="trust_refused: the service's reason"),
        },
        summary="Record that the client was told of a deposit (once per deposit)",
    )
    def post(self, request, entry_id: int):
        entry = trust_entry_get_for_member(member=request.membership, entry_id=entry_id)
        data = DepositNoticeInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            record = services.deposit_notice_record(
                member=request.membership,
                entry=entry,
                noticed_on=data.validated_data["noticed_on"],
                note=data.validated_data["note"],
                ip=request.META.get("REMOTE_ADDR"),
            )
        except TrustError as exc:
            return json_error_response(422, "trust_refused", " ".join(exc.messages))
        return Response(DutyRecordOutput(record).data, status=status.HTTP_201_CREATED)
