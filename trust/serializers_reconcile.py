"""Explicit input and output shapes of the reconciliation API."""

from rest_framework import serializers

from accounts import limits
from trust.models import BankStatement, Reconciliation
from trust.statement_files import DATE_FORMATS, DECIMAL_SEPARATORS


class ReconciliationOutput(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name")
    prepared_by = serializers.EmailField(source="prepared_by.email", default=None)
    approved_by = serializers.EmailField(source="approved_by.email", default=None)
    figures = serializers.JSONField(
        help_text="The three-way figures as prepared: money as decimal strings, the items in "
        "transit, the client ledgers, and each difference with its explanation."
    )

    class Meta:
        model = Reconciliation
        fields = [
            "id",
            "account",
            "account_name",
            "period_end",
            "status",
            "prepared_by",
            "prepared_at",
            "approved_by",
            "approved_at",
            "figures",
        ]


class StatementOutput(serializers.ModelSerializer):
    imported_by = serializers.EmailField(source="imported_by.email", default=None)
    line_count = serializers.IntegerField(source="lines.count")

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "account",
            "period_start",
            "period_end",
            "opening_balance",
            "closing_balance",
            "source",
            "bank_name",
            "filename",
            "imported_by",
            "imported_at",
            "line_count",
        ]


class StatementUploadInput(serializers.Serializer):
    """An OFX file needs only `file`. A CSV names its columns (or uses the ones saved for
    `bank_name`) and gives the statement's closing balance."""

    file = serializers.FileField()
    bank_name = serializers.CharField(required=False, allow_blank=True, default="")
    date_column = serializers.CharField(required=False, allow_blank=True, default="")
    date_format = serializers.ChoiceField(choices=DATE_FORMATS, default="%Y-%m-%d")
    decimal_separator = serializers.ChoiceField(
        choices=DECIMAL_SEPARATORS,
        default="auto",
        help_text="The cents separator: “.”, “,” or “auto” (read from the file; a file mixing "
        "both is refused).",
    )
    amount_column = serializers.CharField(required=False, allow_blank=True, default="")
    debit_column = serializers.CharField(required=False, allow_blank=True, default="")
    credit_column = serializers.CharField(required=False, allow_blank=True, default="")
    description_column = serializers.CharField(required=False, allow_blank=True, default="")
    reference_column = serializers.CharField(required=False, allow_blank=True, default="")
    payee_column = serializers.CharField(required=False, allow_blank=True, default="")
    closing_balance = serializers.DecimalField(
        **limits.INPUT_MONEY, validators=limits.MONEY_VALIDATORS, required=False
    )
    opening_balance = serializers.DecimalField(
        **limits.INPUT_MONEY, validators=limits.MONEY_VALIDATORS, required=False
    )
    period_start = serializers.DateField(required=False, validators=limits.DATE_VALIDATORS)
    period_end = serializers.DateField(required=False, validators=limits.DATE_VALIDATORS)
    on_overlap = serializers.ChoiceField(
        choices=[("refuse", "refuse"), ("replace", "replace")],
        default="refuse",
        help_text="A statement already imported for the same days: refuse this one (the default) "
        "or replace that one with this one (not in an approved month).",
    )


class AutoMatchOutput(serializers.Serializer):
    matched = serializers.IntegerField(help_text="Statement lines matched by this call.")
