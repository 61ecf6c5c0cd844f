"""REST API for the console: what needs attention in each of the caller's firms."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from accounts.roles import ANY_MEMBER
from accounts.selectors import memberships_for_token, memberships_for_user
from sync.console.selectors import FirmHealth, firm_health_many
from sync.selectors import worker_status
from trust.duties.evaluate import SOON_DAYS

MONEY = {"max_digits": 16, "decimal_places": 2}


class ConsoleBalanceOutput(serializers.Serializer):
    account_id = serializers.IntegerField(source="account.pk")
    account = serializers.CharField(source="account.name")
    balance = serializers.DecimalField(**MONEY)


class ConsoleMonthOutput(serializers.Serializer):
    account_id = serializers.IntegerField()
    period_end = serializers.DateField()
    standing = serializers.ChoiceField(choices=["due", "overdue"])


class ConsoleDutyOutput(serializers.Serializer):
    key = serializers.CharField(help_text="The item's key in /api/v1/trust/duties.")
    due = serializers.DateField()
    rule_id = serializers.CharField(source="rule.id")
    rule = serializers.CharField(source="rule.title")
    account_id = serializers.IntegerField()
    account = serializers.CharField(source="account_name")
    subject = serializers.CharField()


class ConsoleArOutput(serializers.Serializer):
    clio = serializers.DecimalField(**MONEY)
    books = serializers.DecimalField(**MONEY)
    difference = serializers.DecimalField(**MONEY, help_text="Books minus Clio.")
    compared_at = serializers.DateTimeField(source="at")


class ConsoleSyncHealthOutput(serializers.Serializer):
    healthy = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    failed_records = serializers.IntegerField(source="failed")
    last_run_status = serializers.CharField(source="latest.status", default=None)
    last_run_started_at = serializers.DateTimeField(source="latest.started_at", default=None)


class ConsoleFirmOutput(serializers.Serializer):
    firm_id = serializers.IntegerField(source="member.firm_id")
    firm = serializers.CharField(source="member.firm.name")
    role = serializers.CharField(source="member.role")
    trust_balances = ConsoleBalanceOutput(source="balances", many=True)
    open_exceptions = serializers.IntegerField(source="exceptions_open")
    overdue_trust_duties = serializers.IntegerField(
        source="duties_overdue", help_text="Overdue items of the trust accounts' rule packs."
    )
    trust_duties_due_soon = ConsoleDutyOutput(
        source="duties_due_soon",
        many=True,
        help_text=f"Open items of the rule packs due within the next {SOON_DAYS} days (the trust "
        "duties page's due soon), earliest first; each is overdue from the day after its date.",
    )
    reconciliations_due = serializers.SerializerMethodField()
    reconciliations_overdue = serializers.SerializerMethodField()
    flagged_bills = serializers.IntegerField(
        source="flags_open", allow_null=True, help_text="null when your role cannot open them"
    )
    receivables = ConsoleArOutput(
        source="ar", allow_null=True, help_text="null before the first compare"
    )
    sync = ConsoleSyncHealthOutput()

    @extend_schema_field(ConsoleMonthOutput(many=True))
    def get_reconciliations_due(self, obj: FirmHealth) -> list:
        return ConsoleMonthOutput([m for _, m in obj.months_due], many=True).data

    @extend_schema_field(ConsoleMonthOutput(many=True))
    def get_reconciliations_overdue(self, obj: FirmHealth) -> list:
        return ConsoleMonthOutput([m for _, m in obj.months_overdue], many=True).data


class ConsoleApi(APIView):
    read_roles = ANY_MEMBER

    @extend_schema(
        responses=ConsoleFirmOutput(many=True),
        summary="What needs attention in each of your firms",
        description=(
            "Signed in through the site: every firm you belong to. With an API token: the firms "
            "the token reaches (its own and the others it was given) that you still belong to."
        ),
    )
    def get(self, request):
        if isinstance(request.auth, ApiToken):
            memberships = list(memberships_for_token(token=request.auth))
        else:
            memberships = list(memberships_for_user(user=request.user))
        firms = firm_health_many(
            memberships=memberships, today=timezone.localdate(), worker=worker_status()
        )
        return Response(ConsoleFirmOutput(firms, many=True).data)
