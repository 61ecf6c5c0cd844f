"""API shapes of the duty calendar. Kinds and statuses are plain strings with their values
listed (not schema enums, whose generated names would clash with other `kind`/`status` enums)."""

from rest_framework import serializers

from accounts import limits
from trust.duties.evaluate import Status
from trust.duties.packs import RuleKind
from trust.models import DutyRecord

STATUSES = [s.value for s in Status]


def _one_of(values) -> str:
    return "One of: " + ", ".join(values) + "."


class DutyRuleOutput(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField(help_text=_one_of(k.value for k in RuleKind))
    is_deadline = serializers.BooleanField(help_text="False for a watch (a condition to look at).")
    citation = serializers.CharField(help_text="The rule it rests on (FIELD.md's sources).")
    counsel = serializers.CharField(help_text="The note to review with counsel.")
    watches = serializers.CharField()


class DutyItemOutput(serializers.Serializer):
    key = serializers.CharField(help_text="Stable across calls: the rule, account and subject.")
    account = serializers.IntegerField(source="account_id")
    account_name = serializers.CharField()
    rule = DutyRuleOutput()
    subject = serializers.CharField()
    due = serializers.DateField()
    status = serializers.CharField(help_text=_one_of(STATUSES))
    done_on = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    entry = serializers.IntegerField(source="entry_id", allow_null=True)
    ledger = serializers.IntegerField(source="ledger_id", allow_null=True)


class DutyQueryInput(serializers.Serializer):
    account = serializers.IntegerField(required=False, help_text="Only this trust account.")
    status = serializers.ChoiceField(
        choices=STATUSES, required=False, help_text="Only items in this status."
    )


class DepositNoticeInput(serializers.Serializer):
    noticed_on = serializers.DateField(
        validators=limits.DATE_VALIDATORS, help_text="The day the client was told of the deposit."
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class DutyRecordOutput(serializers.ModelSerializer):
    kind = serializers.CharField(help_text=_one_of(DutyRecord.Kind.values))
    account = serializers.IntegerField(source="account_id")
    entry = serializers.IntegerField(source="entry_id", allow_null=True)
    ledger = serializers.IntegerField(source="ledger_id", allow_null=True)

    class Meta:
        model = DutyRecord
        fields = [
            "id",
            "kind",
            "rule_id",
            "account",
            "entry",
            "ledger",
            "period_end",
            "done_on",
            "note",
            "recorded_at",
        ]
