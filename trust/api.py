"""REST API for trust money: accounts with their totals, client ledgers with their entries and
running balance, posting and reversing entries, open compliance exceptions.

Writes go through the same services as the pages. An `Idempotency-Key` header becomes the
entry's source id: a retry under the same key answers 200 with the entry the first call made
instead of posting again (201)."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination, json_error_response
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from trust import selectors_ledger as sel
from trust import services
from trust.errors import TrustAlreadyReversed, TrustError, TrustOverdraft, TrustPeriodLocked
from trust.models import EntrySource, TrustAccount
from trust.selectors import client_ledger_get_for_member, trust_account_get_for_member
from trust.serializers import (
    ClientLedgerOutput,
    EntriesOutput,
    EntryCreateInput,
    ErrorOutput,
    LedgerDetailOutput,
    LedgerEntryOutput,
    LedgerQueryInput,
    ReverseInput,
    TrustAccountOutput,
    TrustEntryOutput,
    TrustExceptionOutput,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Any string up to 80 characters; a retry with the same key returns the first "
    "call's entry with 200 and posts nothing.",
)
REFUSED = {
    409: OpenApiResponse(
        ErrorOutput,
        description="trust_overdraft, already_reversed, or period_locked (the entry is dated in "
        "an approved, locked reconciliation month)",
    ),
    422: OpenApiResponse(ErrorOutput, description="trust_refused: the service's reason"),
}


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 80:
        raise TrustError("The Idempotency-Key header is longer than 80 characters.")
    return key or None


def _refused(exc: TrustError) -> Response:
    """The one error shape, with the service's own words."""
    message = " ".join(exc.messages)
    if isinstance(exc, TrustOverdraft):
        return json_error_response(409, "trust_overdraft", message)
    if isinstance(exc, TrustAlreadyReversed):
        return json_error_response(409, "already_reversed", message)
    if isinstance(exc, TrustPeriodLocked):
        return json_error_response(409, "period_locked", message)
    return json_error_response(422, "trust_refused", message)


class TrustAccountListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        responses=TrustAccountOutput(many=True),
        summary="Trust accounts, primary first, each with its journal and ledger totals",
    )
    def get(self, request):
        accounts = TrustAccount.objects.filter(firm_id=request.membership.firm_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(accounts, request, view=self)
        totals = sel.account_totals_many(account_ids=[a.pk for a in page])
        data = TrustAccountOutput(page, many=True, context={"totals": totals}).data
        return paginator.get_paginated_response(data)


class ClientLedgerListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        parameters=[
            OpenApiParameter("account", int, description="Only this trust account."),
            OpenApiParameter("q", str, description="Matter number, description or client."),
            OpenApiParameter("hide_zero", bool, description="Leave out $0.00 ledgers."),
        ],
        responses=ClientLedgerOutput(many=True),
        summary="Client ledgers with their balances",
    )
    def get(self, request):
        account = request.query_params.get("account", "")
        ledgers = sel.client_ledgers_for_member(
            member=request.membership,
            account_id=int(account) if account.isdigit() else None,
            search=request.query_params.get("q", "").strip(),
            hide_zero=request.query_params.get("hide_zero") in ("1", "true"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(ledgers, request, view=self)
        return paginator.get_paginated_response(ClientLedgerOutput(page, many=True).data)


class ClientLedgerDetailApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        parameters=[LedgerQueryInput],
        responses=LedgerDetailOutput,
        summary="One client ledger with a page of its entries and their running balance",
    )
    def get(self, request, ledger_id: int):
        ledger = client_ledger_get_for_member(member=request.membership, ledger_id=ledger_id)
        query = LedgerQueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        view = sel.ledger_view(
            member=request.membership,
            ledger=ledger,
            date_from=q.get("date_from"),
            date_to=q.get("date_to"),
            kinds=[q["kind"]] if q.get("kind") else None,
            page=q["page"],
            per_page=q["per_page"],
        )
        ledger.balance = view.balance
        entries = LedgerEntryOutput(
            view.page, many=True, context={"reversed_by": view.reversed_by}
        ).data
        body = {
            "ledger": ClientLedgerOutput(ledger).data,
            "count": view.page.paginator.count,
            "page": view.page.number,
            "pages": view.page.paginator.num_pages,
            "entries": entries,
        }
        return Response(body)


def _create(request, d: dict, key: str | None) -> list:
    """Load the named ledgers or account through the firm's accessors, then one service."""
    member, memo = (
        request.membership,
        {
            "amount": d["amount"],
            "date": d.get("date") or timezone.localdate(),
            "description": d["description"],
            "reference": d["reference"],
            "created_by": request.user,
            "source": EntrySource.API,
            "source_id": key,
        },
    )
    if d["kind"] == "bank_fee":
        account = trust_account_get_for_member(member=member, account_id=d["account_id"])
        return list(services.trust_bank_fee_record(account=account, **memo))
    ledger = client_ledger_get_for_member(member=member, ledger_id=d["ledger_id"])
    if d["kind"] == "transfer":
        to = client_ledger_get_for_member(member=member, ledger_id=d["to_ledger_id"])
        return list(services.trust_transfer_record(from_ledger=ledger, to_ledger=to, **memo))
    if d["kind"] == "earned_fee":
        return [services.trust_earned_fee_transfer(ledger=ledger, **memo)]
    record = {
        "deposit": services.trust_deposit_record,
        "disbursement": services.trust_disbursement_record,
        "refund": services.trust_refund_record,
    }[d["kind"]]
    return [record(ledger=ledger, payee=d["payee"], **memo)]


class TrustEntryListApi(APIView):
    read_roles = ANY_MEMBER
    write_roles = TRUST_WRITE

    @extend_schema(
        parameters=[
            OpenApiParameter("ledger", int, description="Only this client ledger."),
            OpenApiParameter("account", int, description="Only this trust account."),
            OpenApiParameter("kind", str, description="Only this kind of entry."),
        ],
        responses=TrustEntryOutput(many=True),
        summary="The trust journal, newest first",
    )
    def get(self, request):
        params = request.query_params
        ledger, account = params.get("ledger", ""), params.get("account", "")
        entries = sel.trust_entries_for_member(
            member=request.membership,
            ledger_id=int(ledger) if ledger.isdigit() else None,
            account_id=int(account) if account.isdigit() else None,
            kind=params.get("kind") or None,
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        return paginator.get_paginated_response(TrustEntryOutput(page, many=True).data)

    @extend_schema(
        request=EntryCreateInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: EntriesOutput, 200: EntriesOutput, **REFUSED},
        summary="Post a trust entry; an overdraft of the client ledger is refused (409)",
    )
    def post(self, request):
        data = EntryCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            key = _idempotency_key(request)
            done = key and sel.trust_entries_by_key(
                member=request.membership, source=EntrySource.API, key=key
            )
            if done:
                return Response({"entries": TrustEntryOutput(done, many=True).data})
            made = _create(request, data.validated_data, key)
        except TrustError as exc:
            return _refused(exc)
        body = {"entries": TrustEntryOutput(made, many=True).data}
        # A retry that overtook its first call's commit gets that call's entries from the service.
        replayed = any(getattr(entry, "replayed", False) for entry in made)
        return Response(body, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED)


class TrustEntryReverseApi(APIView):
    read_roles = TRUST_WRITE
    write_roles = TRUST_WRITE

    @extend_schema(
        request=ReverseInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: TrustEntryOutput, 200: TrustEntryOutput, **REFUSED},
        summary="Reverse an entry (both legs of a transfer); the reversal is returned",
    )
    def post(self, request, entry_id: int):
        entry = sel.trust_entry_get_for_member(member=request.membership, entry_id=entry_id)
        data = ReverseInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        try:
            key = _idempotency_key(request)
            done = key and sel.trust_reversal_by_key(entry=entry, source=EntrySource.API, key=key)
            if done:
                return Response(TrustEntryOutput(done).data)
            reversal = services.trust_entry_reverse(
                entry=entry,
                date=d.get("date") or timezone.localdate(),
                description=d["description"],
                created_by=request.user,
                source=EntrySource.API,
                source_id=key,
            )
        except TrustAlreadyReversed as exc:
            # A retry that waited on its first call's lock finds the entry reversed by that call.
            done = key and sel.trust_reversal_by_key(entry=entry, source=EntrySource.API, key=key)
            if done:
                return Response(TrustEntryOutput(done).data)
            return _refused(exc)
        except TrustError as exc:
            return _refused(exc)
        return Response(TrustEntryOutput(reversal).data, status=status.HTTP_201_CREATED)


class TrustExceptionListApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        responses=TrustExceptionOutput(many=True),
        summary="Open compliance exceptions: client ledgers an entry from Clio took below zero",
    )
    def get(self, request):
        rows = sel.trust_exceptions_open(member=request.membership)
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(TrustExceptionOutput(page, many=True).data)
