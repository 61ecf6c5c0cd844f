"""REST API for connections, sync settings and the preflight (admins write; members read)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import MANAGE_FIRM
from sync import books, preflight, selectors, setup_services
from sync.models import Side, SyncSettings
from sync.providers.errors import ProviderError
from sync.serializers import (
    ConnectionOutput,
    PreflightOutput,
    SyncSettingsInput,
    SyncSettingsOutput,
)


def _provider_error(exc: ProviderError) -> ValidationError:
    return ValidationError({"provider": f"{exc.provider}: {exc.message}"})


class ConnectionListApi(APIView):
    @extend_schema(responses=ConnectionOutput(many=True), summary="The firm's live connections")
    def get(self, request):
        rows = [c for c in selectors.connections_active(member=request.membership).values() if c]
        return Response(ConnectionOutput(rows, many=True).data)


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
