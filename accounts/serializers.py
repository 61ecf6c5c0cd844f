from rest_framework import serializers

from accounts.models import Firm, Membership, Role


class FirmOutput(serializers.ModelSerializer):
    class Meta:
        model = Firm
        fields = ["id", "name", "slug", "timezone", "currency", "require_mfa", "created_at"]


class FirmUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    timezone = serializers.ChoiceField(
        choices=Firm._meta.get_field("timezone").choices, required=False
    )
    currency = serializers.ChoiceField(
        choices=Firm._meta.get_field("currency").choices, required=False
    )
    require_mfa = serializers.BooleanField(required=False)


class MemberOutput(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.get_full_name")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]


class MeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    firm = FirmOutput()
    role = serializers.ChoiceField(choices=Role.choices)
    firms = FirmOutput(many=True)
    auth = serializers.ChoiceField(choices=["session", "token"])
