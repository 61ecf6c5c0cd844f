"""REST API for payments found only in the books: list them, read one, and say what became of it
(the same choices and rules as the card on the Sync page)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination, json_error_response
from accounts.decorators import client_ip
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from sync.books_payments import selectors
from sync.books_payments import services as services_books
from sync.forms import BooksPaymentResolveForm
from sync.models import BooksOnlyPayment
from trust.serializers import ErrorOutput


class BooksPaymentOutput(serializers.ModelSerializer):
    provider = serializers.CharField(source="connection.provider", read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    resolved_by = serializers.EmailField(source="resolved_by.email", default=None, read_only=True)

    class Meta:
        model = BooksOnlyPayment
        fields = [
            "id",
            "provider",
            "remote_type",
            "remote_id",
            "amount",
            "date",
            "customer_name",
            "invoice_numbers",
            "reference",
            "detected_at",
            "resolved_at",
            "resolved_by",
            "resolution",
        ]


class BooksPaymentResolveInput(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=BooksPaymentResolveForm.REASONS, help_text="What became of the payment."
    )
    other = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text='What happened, in words: required when reason is "other".',
    )


class BooksPaymentListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, enum=list(selectors.BOOKS_PAYMENT_STATES)),
        ],
        responses=BooksPaymentOutput(many=True),
        summary="Payments found only in the books (default: those nobody has dealt with yet)",
    )
    def get(self, request):
        state = request.query_params.get("state", "").strip() or "open"
        if state not in selectors.BOOKS_PAYMENT_STATES:
            choices = ", ".join(selectors.BOOKS_PAYMENT_STATES)
            raise ValidationError({"state": f"Choose one of: {choices}."})
        rows = selectors.books_only_payments_list(member=request.membership, state=state)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(BooksPaymentOutput(page, many=True).data)


class BooksPaymentDetailApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(responses=BooksPaymentOutput, summary="One payment found only in the books")
    def get(self, request, payment_id: int):
        payment = selectors.books_only_payment_get_for_member(
            member=request.membership, payment_id=payment_id
        )
        return Response(BooksPaymentOutput(payment).data)


class BooksPaymentResolveApi(APIView):
    read_roles = TRUST_WRITE
    write_roles = TRUST_WRITE

    @extend_schema(
        request=BooksPaymentResolveInput,
        responses={
            200: BooksPaymentOutput,
            400: OpenApiResponse(ErrorOutput, description="invalid: no reason, or no words"),
            409: OpenApiResponse(ErrorOutput, description="already_resolved"),
        },
        summary="Say what became of a payment found only in the books",
    )
    def post(self, request, payment_id: int):
        payment = selectors.books_only_payment_get_for_member(
            member=request.membership, payment_id=payment_id
        )
        data = BooksPaymentResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        # The page's form holds the rules (an "other" needs words) and the words recorded.
        form = BooksPaymentResolveForm(dict(data.validated_data))
        if not form.is_valid():
            raise ValidationError({k: list(v) for k, v in form.errors.items()})
        if payment.resolved_at is not None:
            return _already(payment)
        try:
            done = services_books.books_only_payment_resolve(
                payment=payment,
                actor=request.user,
                resolution=form.resolution(),
                ip=client_ip(request),
            )
        except DjangoValidationError as exc:
            return json_error_response(409, "already_resolved", " ".join(exc.messages))
        return Response(BooksPaymentOutput(done).data)


def _already(payment: BooksOnlyPayment) -> Response:
    return json_error_response(
        409, "already_resolved", f"This payment was already dealt with: {payment.resolution}."
    )
