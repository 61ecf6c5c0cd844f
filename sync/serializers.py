from rest_framework import serializers

from accounts import limits
from sync.books import ACCOUNT_ROLES
from sync.engine.numbering import PREFIX_HELP, PREFIX_PATTERN
from sync.models import Connection, SyncSettings


class ConnectionOutput(serializers.ModelSerializer):
    connected_by = serializers.EmailField(source="connected_by.email", default=None)

    class Meta:
        model = Connection
        fields = [
            "id",
            "provider",
            "side",
            "status",
            "region",
            "external_id",
            "external_name",
            "connected_at",
            "connected_by",
            "last_success_at",
            "last_error",
            "access_expires_at",
            "calls_today",
        ]


class SyncSettingsOutput(serializers.ModelSerializer):
    class Meta:
        model = SyncSettings
        fields = [
            "start_date",
            "starting_invoice_number",
            "invoice_number_prefix",
            "accounts",
            "trust_accounts",
            "tax_mapping",
            "only_approved_bills",
            "sync_payments",
            "sync_trust",
            "trust_matter_by",
            "trust_tracking_category",
            "trust_awaiting_to_books",
            "trust_clio_days",
            "contacts_scope",
            "approval_amount_over",
            "approval_discount_percent",
            "approval_watch_clients",
            "approval_watch_matters",
            "approval_first_bill",
            "updated_at",
        ]


class SyncSettingsInput(serializers.Serializer):
    start_date = serializers.DateField(required=False, validators=limits.DATE_VALIDATORS)
    starting_invoice_number = serializers.IntegerField(
        min_value=1, max_value=limits.INT_MAX, required=False, allow_null=True
    )
    invoice_number_prefix = serializers.RegexField(
        PREFIX_PATTERN,
        max_length=8,
        required=False,
        allow_blank=True,
        error_messages={"invalid": PREFIX_HELP},
    )
    accounts = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    # Trust account id → {"bank": books account id, "liability": books account id or ""}.
    trust_accounts = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
    )
    tax_mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False
    )
    only_approved_bills = serializers.BooleanField(required=False)
    sync_payments = serializers.BooleanField(required=False)
    sync_trust = serializers.BooleanField(required=False)
    trust_matter_by = serializers.ChoiceField(
        choices=SyncSettings.TrustMatterBy.choices, required=False, allow_blank=True
    )
    trust_tracking_category = serializers.CharField(max_length=100, required=False)
    trust_awaiting_to_books = serializers.ChoiceField(
        choices=SyncSettings.AwaitingClio.choices, required=False
    )
    trust_clio_days = serializers.IntegerField(min_value=1, max_value=90, required=False)
    contacts_scope = serializers.ChoiceField(choices=SyncSettings.Contacts.choices, required=False)

    def validate_accounts(self, value):
        unknown = set(value) - set(ACCOUNT_ROLES)
        if unknown:
            raise serializers.ValidationError(
                f"Unknown account roles: {', '.join(sorted(unknown))}."
            )
        return value


class CheckOutput(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    ok = serializers.BooleanField()
    blocking = serializers.BooleanField()
    fixable = serializers.BooleanField()
    detail = serializers.CharField()
    fix = serializers.CharField()


class PreflightOutput(serializers.Serializer):
    ready = serializers.BooleanField()
    checks = CheckOutput(many=True)
    next_invoice_number = serializers.IntegerField(allow_null=True)
