"""Explicit input and output shapes of the trust ledger API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import limits
from trust.models import (
    ClientLedger,
    EntryKind,
    EntrySource,
    TrustAccount,
    TrustEntry,
    TrustException,
)

# Balances and totals are sums: their digits reach past one column's (accounts.limits).
MONEY = limits.OUTPUT_MONEY

ENTRY_KINDS = [
    ("deposit", "Deposit"),
    ("disbursement", "Disbursement"),
    ("refund", "Refund to client"),
    ("earned_fee", "Earned fees to operating"),
    ("transfer", "Transfer to another matter's ledger"),
    ("bank_fee", "Bank fee covered by firm funds (account level)"),
]


# The journal's `kind` and `source` are plain strings in the schema, their values listed in the
# help text: other APIs have `kind` and `source` fields with other choices, and drf-spectacular
# names every enum after its field, so shared enum components would collide.
def _one_of(values) -> str:
    return "One of: " + ", ".join(values) + "."


@extend_schema_field({"type": "string", "description": _one_of(k for k, _ in ENTRY_KINDS)})
class NewEntryKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=ENTRY_KINDS, **kwargs)


class AccountTotalsOutput(serializers.Serializer):
    journal = serializers.DecimalField(**MONEY, help_text="Every entry: what the bank should hold.")
    client_ledgers = serializers.DecimalField(**MONEY, help_text="The sum of the client ledgers.")
    firm_funds = serializers.DecimalField(
        **MONEY, help_text="The firm's own money covering bank fees, on no ledger."
    )
    balanced = serializers.BooleanField(help_text="journal = client_ledgers + firm_funds")


class TrustAccountOutput(serializers.ModelSerializer):
    totals = serializers.SerializerMethodField()

    class Meta:
        model = TrustAccount
        fields = [
            "id",
            "clio_id",
            "name",
            "currency",
            "is_primary",
            "jurisdiction",
            "institution",
            "account_number_last4",
            "totals",
        ]

    def get_totals(self, account) -> AccountTotalsOutput:
        totals = self.context["totals"][account.pk]
        return AccountTotalsOutput(
            {
                "journal": totals.journal,
                "client_ledgers": totals.client_ledgers,
                "firm_funds": totals.firm_funds,
                "balanced": totals.balanced,
            }
        ).data


class ClientLedgerOutput(serializers.ModelSerializer):
    account_name = serializers.CharField(source="account.name")
    matter_id = serializers.IntegerField()
    matter = serializers.CharField(source="matter.display_number")
    matter_description = serializers.CharField(source="matter.description")
    client = serializers.CharField(source="matter.client.name", default="")
    balance = serializers.DecimalField(**MONEY)

    class Meta:
        model = ClientLedger
        fields = [
            "id",
            "account",
            "account_name",
            "matter_id",
            "matter",
            "matter_description",
            "client",
            "balance",
            "opened_at",
        ]


class TrustEntryOutput(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=_one_of(EntryKind.values))
    source = serializers.CharField(help_text=_one_of(EntrySource.values))

    class Meta:
        model = TrustEntry
        fields = [
            "id",
            "account",
            "ledger",
            "kind",
            "direction",
            "amount",
            "date",
            "description",
            "payee",
            "reference",
            "source",
            "source_id",
            "reverses",
            "transfer_group",
            "posted_at",
        ]


class LedgerEntryOutput(TrustEntryOutput):
    running_balance = serializers.DecimalField(
        **MONEY, help_text="The ledger's balance after this entry, counting every entry before it."
    )
    reversed_by = serializers.SerializerMethodField()
    awaiting_clio = serializers.BooleanField(
        source="is_awaiting_clio",
        read_only=True,
        help_text="Made in FirmSync for an account Clio keeps, and not yet seen in Clio.",
    )

    class Meta(TrustEntryOutput.Meta):
        fields = [*TrustEntryOutput.Meta.fields, "running_balance", "reversed_by", "awaiting_clio"]

    def get_reversed_by(self, entry) -> int | None:
        return self.context["reversed_by"].get(entry.pk)


class LedgerDetailOutput(serializers.Serializer):
    ledger = ClientLedgerOutput()
    count = serializers.IntegerField(help_text="Entries the filters keep.")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    entries = LedgerEntryOutput(many=True)


class EntriesOutput(serializers.Serializer):
    entries = TrustEntryOutput(
        many=True,
        help_text="The entries made: one, or a transfer's two legs (out, then in), or a bank fee "
        "and the firm funds that cover it.",
    )


class EntryCreateInput(serializers.Serializer):
    kind = NewEntryKindField()
    ledger_id = serializers.IntegerField(
        required=False, help_text="The client ledger (every kind but bank_fee)."
    )
    to_ledger_id = serializers.IntegerField(
        required=False, help_text="transfer only: the receiving ledger, in the same account."
    )
    account_id = serializers.IntegerField(required=False, help_text="bank_fee only.")
    amount = serializers.DecimalField(
        **limits.INPUT_MONEY,
        min_value=limits.CENT,
        max_value=limits.MONEY_MAX,
        error_messages=limits.MONEY_ERRORS,
    )
    date = serializers.DateField(
        required=False, validators=limits.DATE_VALIDATORS, help_text="Defaults to today."
    )
    description = serializers.CharField(
        max_length=255, required=False, default="", allow_blank=True
    )
    payee = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    reference = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)

    def validate(self, data):
        needs = {"bank_fee": ["account_id"], "transfer": ["ledger_id", "to_ledger_id"]}
        missing = [f for f in needs.get(data["kind"], ["ledger_id"]) if data.get(f) is None]
        if missing:
            raise serializers.ValidationError(
                {f: f"Required for a {data['kind']}." for f in missing}
            )
        return data


class ReverseInput(serializers.Serializer):
    date = serializers.DateField(
        required=False, validators=limits.DATE_VALIDATORS, help_text="Defaults to today."
    )
    description = serializers.CharField(
        max_length=255, required=False, default="", allow_blank=True
    )


class TrustExceptionOutput(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=_one_of(TrustException.Kind.values))
    ledger = serializers.IntegerField(source="ledger_id", allow_null=True)
    matter = serializers.CharField(source="ledger.matter.display_number", default=None)
    client = serializers.CharField(source="ledger.matter.client.name", default="")
    entry = TrustEntryOutput()
    balance_after = serializers.DecimalField(**MONEY, allow_null=True)

    class Meta:
        model = TrustException
        fields = [
            "id",
            "kind",
            "ledger",
            "matter",
            "client",
            "entry",
            "balance_after",
            "raised_at",
        ]


class LedgerQueryInput(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    kind = serializers.ChoiceField(
        choices=TrustEntry._meta.get_field("kind").choices, required=False
    )
    page = serializers.IntegerField(min_value=1, default=1)
    per_page = serializers.IntegerField(min_value=1, max_value=500, default=50)


class _ErrorDetail(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField(help_text="The reason, in words a bookkeeper can act on.")
    details = serializers.DictField()


class ErrorOutput(serializers.Serializer):
    """The API's one error shape (accounts.api_common.error_body)."""

    error = _ErrorDetail()
