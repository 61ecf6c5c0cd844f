from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.api_common import Pagination
from accounts.models import ApiToken, Firm
from accounts.roles import MANAGE_FIRM
from accounts.serializers import FirmOutput, FirmUpdateInput, MemberOutput, MeOutput


class MeApi(APIView):
    @extend_schema(
        responses=MeOutput,
        summary="Who am I, in which firm, with which role",
        description=(
            "`firms`: signed in, every firm you belong to; with an API token, the firms the token "
            "reaches (its own and those it was given, while you still belong to them), any of "
            "which the X-Firm header may name."
        ),
    )
    def get(self, request):
        member = request.membership
        if isinstance(request.auth, ApiToken):
            reach = selectors.memberships_for_token(token=request.auth)
        else:
            reach = selectors.memberships_for_user(user=request.user)
        firms = [m.firm for m in reach]
        data = {
            "id": request.user.pk,
            "email": request.user.email,
            "name": request.user.get_full_name(),
            "firm": member.firm,
            "role": member.role,
            "firms": firms,
            "auth": "token" if isinstance(request.auth, ApiToken) else "session",
        }
        return Response(MeOutput(data).data)


class FirmApi(APIView):
    write_roles = MANAGE_FIRM

    @extend_schema(responses=FirmOutput, summary="The current firm")
    def get(self, request):
        return Response(FirmOutput(request.membership.firm).data)

    @extend_schema(
        request=FirmUpdateInput, responses=FirmOutput, summary="Update the firm (admins)"
    )
    def patch(self, request):
        data = FirmUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        firm: Firm = services.firm_update(
            member=request.membership, ip=request.META.get("REMOTE_ADDR"), **data.validated_data
        )
        return Response(FirmOutput(firm).data)


class MemberListApi(APIView):
    @extend_schema(responses=MemberOutput(many=True), summary="The firm's members")
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.membership_list(member=request.membership), request, view=self
        )
        return paginator.get_paginated_response(MemberOutput(page, many=True).data)
