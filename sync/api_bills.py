"""REST API for bills: each mirrored Clio bill with the invoice it became in the books (number and
status as the books last said) and its sync history. Read-only, for any member.

It lives in the sync app for the reason the Bills page does: it shows sync state."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination
from practice.models import Bill, BillLine
from practice.selectors import bill_get_for_member
from sync import selectors, selectors_status
from sync.models import Side

MONEY = {"max_digits": 14, "decimal_places": 2, "read_only": True}


class InvoiceOutput(serializers.Serializer):
    id = serializers.CharField(help_text="The invoice's id in the books.")
    number = serializers.CharField()
    status = serializers.CharField(help_text="As the books last said, in their own word.")
    url = serializers.CharField(help_text="Where to open it in the books; empty when unknown.")


class BillOutput(serializers.ModelSerializer):
    client = serializers.CharField(source="client.name", default="", read_only=True)
    state_label = serializers.SerializerMethodField()
    sub_total = serializers.DecimalField(**MONEY)
    total_tax = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    balance = serializers.DecimalField(**MONEY)

    class Meta:
        model = Bill
        fields = [
            "id",
            "clio_id",
            "number",
            "state",
            "state_label",
            "client",
            "issued_at",
            "due_at",
            "sub_total",
            "total_tax",
            "total",
            "paid",
            "balance",
        ]

    def get_state_label(self, bill) -> str:
        return selectors_status.bill_state_label(bill.state)


class BillListOutput(BillOutput):
    invoice = serializers.SerializerMethodField()
    sync_failed = serializers.BooleanField(read_only=True)

    class Meta(BillOutput.Meta):
        fields = [*BillOutput.Meta.fields, "invoice", "sync_failed"]

    @extend_schema_field(InvoiceOutput(allow_null=True))
    def get_invoice(self, bill) -> dict | None:
        if not bill.invoice_id:
            return None
        books = self.context["books"]
        url = selectors_status.books_invoice_url(books.provider, bill.invoice_id) if books else ""
        return InvoiceOutput(
            {
                "id": bill.invoice_id,
                "number": bill.invoice_number or "",
                "status": bill.invoice_status or "",
                "url": url,
            }
        ).data


class LineOutput(serializers.ModelSerializer):
    price = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)

    class Meta:
        model = BillLine
        fields = ["clio_id", "type", "description", "date", "quantity", "price", "total", "taxable"]


class HistoryOutput(serializers.Serializer):
    id = serializers.IntegerField(source="op.pk")
    action = serializers.CharField(source="op.action")
    status = serializers.CharField(source="op.status")
    attempts = serializers.IntegerField(source="op.attempts")
    when = serializers.DateTimeField()
    error = serializers.SerializerMethodField(help_text="What went wrong, in plain words.")

    def get_error(self, row) -> str:
        return row.explanation.text if row.explanation else ""


class BillDetailOutput(BillOutput):
    matters = serializers.SerializerMethodField()
    lines = LineOutput(many=True, read_only=True)
    invoice = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField(help_text="Every write planned, newest first.")

    class Meta(BillOutput.Meta):
        fields = [*BillOutput.Meta.fields, "matters", "lines", "invoice", "history"]

    def get_matters(self, bill) -> list[str]:
        return [m.display_number or str(m.clio_id) for m in bill.matters.all()]

    @extend_schema_field(InvoiceOutput(allow_null=True))
    def get_invoice(self, bill) -> dict | None:
        found = self.context["invoice"]
        if found is None:
            return None
        link = found.link
        return InvoiceOutput(
            {
                "id": link.remote_id,
                "number": link.remote_number,
                "status": link.remote_status,
                "url": found.url,
            }
        ).data

    @extend_schema_field(HistoryOutput(many=True))
    def get_history(self, bill) -> list:
        return list(HistoryOutput(self.context["history"], many=True).data)


class BillListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Part of the number, client or matter."),
            OpenApiParameter("state", str, enum=list(selectors_status.BILL_STATES)),
        ],
        responses=BillListOutput(many=True),
        summary="Bills, newest first, each with the invoice it became in the books",
    )
    def get(self, request):
        member = request.membership
        state = request.query_params.get("state", "").strip()
        if state and state not in selectors_status.BILL_STATES:
            choices = ", ".join(selectors_status.BILL_STATES)
            raise ValidationError({"state": f"Choose one of: {choices}."})
        search = request.query_params.get("q", "").strip()[:100]
        books = selectors.connections_active(member=member)[Side.BOOKS]
        rows = selectors_status.bills_list(member=member, books=books, search=search, state=state)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        data = BillListOutput(page, many=True, context={"books": books}).data
        return paginator.get_paginated_response(data)


class BillDetailApi(APIView):
    @extend_schema(
        responses=BillDetailOutput,
        summary="One bill with its lines, the invoice it became and its sync history",
    )
    def get(self, request, bill_id: int):
        member = request.membership
        bill = bill_get_for_member(member=member, bill_id=bill_id)
        books = selectors.connections_active(member=member)[Side.BOOKS]
        context = {
            "invoice": selectors_status.bill_invoice(bill=bill, books=books),
            "history": selectors_status.bill_history(bill=bill),
        }
        return Response(BillDetailOutput(bill, context=context).data)
