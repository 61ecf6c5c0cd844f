"""REST API for connections (list; disconnect), sync settings and the preflight (admins write;
members read)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import json_error_response
from accounts.decorators import client_ip
from accounts.roles import MANAGE_FIRM
from sync import books, preflight, selectors, services, setup_services
from sync.models import Connection, Side, SyncSettings
from sync.providers.errors import ProviderError
from sync.serializers import (
    ConnectionOutput,
    PreflightOutput,
    SyncSettingsInput,
    SyncSettingsOutput,
)
from trust.serializers import ErrorOutput


def _provider_error(exc: ProviderError) -> ValidationError:
    return ValidationError({"provider": f"{exc.provider}: {exc.message}"})


class ConnectionListApi(APIView):
    @extend_schema(responses=ConnectionOutput(many=True), summary="The firm's live connections")
    def get(self, request):
        rows = [c for c in selectors.connections_active(member=request.membership).values() if c]
        return Response(ConnectionOutput(rows, many=True).data)


class DisconnectInput(serializers.Serializer):
    purge = serializers.BooleanField(
        default=False,
        help_text="Also forget every record link, so the next sync starts from nothing.",
    )
    confirm_name = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        help_text="With purge: the firm's name, typed exactly (as on the Bill Syncing page).",
    )


class ConnectionDisconnectApi(APIView):
    read_roles = MANAGE_FIRM
    write_roles = MANAGE_FIRM

    @extend_schema(
        request=DisconnectInput,
        responses={
            200: ConnectionOutput,
            400: OpenApiResponse(ErrorOutput, description="invalid: purge without the name"),
            409: OpenApiResponse(ErrorOutput, description="already_disconnected"),
        },
        summary="Disconnect: revoke the tokens at the provider and stop syncing",
    )
    def post(self, request, connection_id: int):
        conn = selectors.connection_get_for_member(
            member=request.membership, connection_id=connection_id
        )
        data = DisconnectInput(data=request.data)
        data.is_valid(raise_exception=True)
        if conn.status == Connection.Status.DISCONNECTED:
            return json_error_response(
                409, "already_disconnected", "This connection is already disconnected."
            )
        done = services.connection_disconnect(
            connection=conn,
            actor=request.user,
            purge=data.validated_data["purge"],
            confirm_name=data.validated_data.get("confirm_name", ""),
            ip=client_ip(request),
        )
        return Response(ConnectionOutput(done).data)


class SyncSettingsApi(APIView):
    read_roles = MANAGE_FIRM
    write_roles = MANAGE_FIRM

    @extend_schema(responses=SyncSettingsOutput, summary="Sync settings")
    def get(self, request):
        cfg = SyncSettings.objects.filter(firm_id=request.membership.firm_id).first()
        if cfg is None:
            from django.http import Http404

            raise Http404("No sync settings saved yet.")
        return Response(SyncSettingsOutput(cfg).data)

    @extend_schema(
        request=SyncSettingsInput,
        responses=SyncSettingsOutput,
        summary="Update sync settings (validated against the live books)",
    )
    def patch(self, request):
        data = SyncSettingsInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        conn = selectors.connection_live(firm_id=request.membership.firm_id, side=Side.BOOKS)
        if conn is None:
            raise ValidationError({"books": "Connect QuickBooks Online or Xero first."})
        try:
            facts = books.books_facts(conn)
        except ProviderError as exc:
            raise _provider_error(exc) from exc
        cfg = setup_services.sync_settings_save(
            firm=request.membership.firm,
            actor=request.user,
            facts=facts,
            data=dict(data.validated_data),
            ip=request.META.get("REMOTE_ADDR"),
        )
        return Response(SyncSettingsOutput(cfg).data)


class PreflightApi(APIView):
    read_roles = MANAGE_FIRM

    @extend_schema(responses=PreflightOutput, summary="The preflight checklist, read live")
    def get(self, request):
        try:
            checks, facts = preflight.preflight_run(firm=request.membership.firm)
        except ProviderError as exc:
            raise _provider_error(exc) from exc
        return Response(
            PreflightOutput(
                {
                    "ready": not preflight.preflight_blocking(checks),
                    "checks": checks,
                    "next_invoice_number": books.next_number(facts.numbers) if facts else None,
                }
            ).data
        )
