"""REST API for the Clio mirror: contacts and matters, read-only, for any member of the firm."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_common import Pagination
from practice import selectors
from practice.models import Contact, Matter

SEARCH = OpenApiParameter("q", str, description="Part of a name, number or email.")


class ContactOutput(serializers.ModelSerializer):
    matter_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "clio_id",
            "type",
            "name",
            "first_name",
            "last_name",
            "email",
            "phone",
            "matter_count",
            "clio_updated_at",
            "pulled_at",
        ]


class MatterClientOutput(serializers.Serializer):
    id = serializers.IntegerField()
    clio_id = serializers.IntegerField()
    name = serializers.CharField()


class MatterOutput(serializers.ModelSerializer):
    client = MatterClientOutput(allow_null=True, read_only=True)
    bill_count = serializers.IntegerField(read_only=True)
    outstanding = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Balance of its bills awaiting payment (null when none).",
    )

    class Meta:
        model = Matter
        fields = [
            "id",
            "clio_id",
            "display_number",
            "description",
            "status",
            "client",
            "bill_count",
            "outstanding",
            "clio_updated_at",
            "pulled_at",
        ]


def _page(view, request, rows, output):
    paginator = Pagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(output(page, many=True).data)


class ContactListApi(APIView):
    @extend_schema(
        parameters=[SEARCH],
        responses=ContactOutput(many=True),
        summary="Clio contacts in the mirror, by name",
    )
    def get(self, request):
        search = request.query_params.get("q", "").strip()[:100]
        rows = selectors.contacts_list(member=request.membership, search=search)
        return _page(self, request, rows, ContactOutput)


class ContactDetailApi(APIView):
    @extend_schema(responses=ContactOutput, summary="One Clio contact")
    def get(self, request, contact_id: int):
        found = selectors.contact_get_for_member(member=request.membership, contact_id=contact_id)
        return Response(ContactOutput(found).data)


class MatterListApi(APIView):
    @extend_schema(
        parameters=[SEARCH],
        responses=MatterOutput(many=True),
        summary="Clio matters in the mirror, by number, each with its client and what is owed",
    )
    def get(self, request):
        search = request.query_params.get("q", "").strip()[:100]
        rows = selectors.matters_list(member=request.membership, search=search)
        return _page(self, request, rows, MatterOutput)


class MatterDetailApi(APIView):
    @extend_schema(responses=MatterOutput, summary="One Clio matter")
    def get(self, request, matter_id: int):
        found = selectors.matter_get_for_member(member=request.membership, matter_id=matter_id)
        return Response(MatterOutput(found).data)
