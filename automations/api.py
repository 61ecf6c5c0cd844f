"""REST API for automations: CRUD, on/off, runs and retry, recipes, and the catalog of every
app's triggers and actions.

Admins manage automations; accountants and staff read them and their runs (as on the pages)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination
from accounts.models import Role
from accounts.roles import MANAGE_FIRM
from automations import recipes, selectors, services
from automations.catalog import registry
from automations.catalog.base import Field
from automations.serializers import (
    AutomationCreateInput,
    AutomationOutput,
    AutomationUpdateInput,
    CatalogAppOutput,
    RecipeOutput,
    RunOutput,
)
from automations.validation import apps_connected
from trust.serializers import ErrorOutput

INVALID = OpenApiResponse(ErrorOutput, description="invalid: what is wrong, and how to fix it")
TAGS = ["automations"]
SEE = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.STAFF})


class AutomationsApi(APIView):
    read_roles = SEE
    write_roles = MANAGE_FIRM


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _automation(request, automation_id: int):
    return selectors.automation_get_for_member(
        member=request.membership, automation_id=automation_id
    )


class AutomationListApi(AutomationsApi):
    @extend_schema(responses=AutomationOutput(many=True), summary="Automations", tags=TAGS)
    def get(self, request):
        paginator = Pagination()
        qs = selectors.automation_list(member=request.membership)
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AutomationOutput(page, many=True).data)

    @extend_schema(
        request=AutomationCreateInput,
        responses={201: AutomationOutput, 400: INVALID},
        summary="Create an automation (off until it is enabled)",
        tags=TAGS,
    )
    def post(self, request):
        data = AutomationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.automation_create(
            member=request.membership, ip=_ip(request), **data.validated_data
        )
        return Response(AutomationOutput(a).data, status=201)


class AutomationDetailApi(AutomationsApi):
    @extend_schema(responses=AutomationOutput, summary="One automation", tags=TAGS)
    def get(self, request, automation_id: int):
        return Response(AutomationOutput(_automation(request, automation_id)).data)

    @extend_schema(
        request=AutomationUpdateInput,
        responses={200: AutomationOutput, 400: INVALID},
        summary="Change an automation's name, trigger, conditions or steps",
        tags=TAGS,
    )
    def patch(self, request, automation_id: int):
        a = _automation(request, automation_id)
        data = AutomationUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.automation_update(
            member=request.membership, automation=a, ip=_ip(request), **data.validated_data
        )
        return Response(AutomationOutput(a).data)

    @extend_schema(responses={204: None}, summary="Delete an automation and its runs", tags=TAGS)
    def delete(self, request, automation_id: int):
        a = _automation(request, automation_id)
        services.automation_delete(member=request.membership, automation=a, ip=_ip(request))
        return Response(status=204)


class AutomationEnableApi(AutomationsApi):
    @extend_schema(
        request=None,
        responses={200: AutomationOutput, 400: INVALID},
        summary="Turn an automation on (a paused one starts a fresh count of failures)",
        tags=TAGS,
    )
    def post(self, request, automation_id: int):
        a = services.automation_enable(
            member=request.membership,
            automation=_automation(request, automation_id),
            ip=_ip(request),
        )
        return Response(AutomationOutput(a).data)


class AutomationDisableApi(AutomationsApi):
    @extend_schema(
        request=None, responses=AutomationOutput, summary="Turn an automation off", tags=TAGS
    )
    def post(self, request, automation_id: int):
        a = services.automation_disable(
            member=request.membership,
            automation=_automation(request, automation_id),
            ip=_ip(request),
        )
        return Response(AutomationOutput(a).data)


class AutomationRunListApi(AutomationsApi):
    @extend_schema(
        responses=RunOutput(many=True), summary="An automation's runs, newest first", tags=TAGS
    )
    def get(self, request, automation_id: int):
        a = _automation(request, automation_id)
        paginator = Pagination()
        qs = selectors.run_list(member=request.membership, automation_id=a.pk)
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(RunOutput(page, many=True).data)


class RunDetailApi(AutomationsApi):
    @extend_schema(
        responses=RunOutput, summary="One run: its event, mapped inputs and each step", tags=TAGS
    )
    def get(self, request, run_id: int):
        run = selectors.run_get_for_member(member=request.membership, run_id=run_id)
        return Response(RunOutput(run).data)


class RunRetryApi(AutomationsApi):
    @extend_schema(
        request=None,
        responses={202: RunOutput, 400: INVALID},
        summary="Retry a failed or stopped run from its first unfinished step",
        tags=TAGS,
    )
    def post(self, request, run_id: int):
        run = selectors.run_get_for_member(member=request.membership, run_id=run_id)
        run = services.run_retry(member=request.membership, run=run)
        run = selectors.run_get_for_member(member=request.membership, run_id=run.pk)
        return Response(RunOutput(run).data, status=202)


class RecipeListApi(AutomationsApi):
    @extend_schema(responses=RecipeOutput(many=True), summary="Recipes to start from", tags=TAGS)
    def get(self, request):
        rows = recipes.recipes_for_firm(firm_id=request.membership.firm_id)
        return Response(RecipeOutput(rows, many=True).data)


class RecipeStartApi(AutomationsApi):
    @extend_schema(
        request=None,
        responses={201: AutomationOutput, 400: INVALID},
        summary="Start a draft automation (off) from a recipe",
        tags=TAGS,
    )
    def post(self, request, key: str):
        a = recipes.recipe_start(member=request.membership, key=key, ip=_ip(request))
        return Response(AutomationOutput(a).data, status=201)


def field_dict(f: Field) -> dict:
    return {
        "key": f.key,
        "label": f.label,
        "type": f.type,
        "required": f.required,
        "help": f.help,
        "choices": list(f.choices),
        "fields": [field_dict(x) for x in f.fields],
    }


def catalog_rows(connected: set[str]) -> list[dict]:
    rows = []
    for app, name in registry.APPS.items():
        triggers = [t for t in registry.TRIGGERS.values() if t.app == app]
        actions = [a for a in registry.ACTIONS.values() if a.app == app]
        rows.append(
            {
                "app": app,
                "name": name,
                "connected": app in connected,
                "triggers": [
                    {
                        "id": t.id,
                        "key": t.key,
                        "name": t.name,
                        "description": t.description,
                        "fields": [field_dict(f) for f in t.fields],
                    }
                    for t in triggers
                ],
                "actions": [
                    {
                        "id": a.id,
                        "key": a.key,
                        "name": a.name,
                        "description": a.description,
                        "kind": a.kind,
                        "fields": [field_dict(f) for f in a.fields],
                        "outputs": [field_dict(f) for f in a.outputs],
                    }
                    for a in actions
                ],
            }
        )
    return rows


class CatalogApi(AutomationsApi):
    @extend_schema(
        responses=CatalogAppOutput(many=True),
        summary="Every app's triggers and actions, with their fields and outputs",
        tags=TAGS,
    )
    def get(self, request):
        rows = catalog_rows(apps_connected(request.membership.firm_id))
        return Response(CatalogAppOutput(rows, many=True).data)
