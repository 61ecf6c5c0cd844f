"""A firm's trust account under a rule pack, with deposits and ledgers dated from today (the
pages and the task read the real date)."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from tests.factories import ClientLedgerFactory, MatterFactory, TrustAccountFactory
from trust import services
from trust.models import ClientLedger, TrustAccount, TrustEntry


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def account_under(firm, jurisdiction: str, *, since_days: int = 120, **kw) -> TrustAccount:
    return TrustAccountFactory(
        firm=firm, jurisdiction=jurisdiction, duties_from=days_ago(since_days), **kw
    )


def ledger_on(account: TrustAccount, *, number: str = "00012-Okafor", status: str = "open"):
    matter = MatterFactory(firm=account.firm, display_number=number, status=status)
    return ClientLedgerFactory(firm=account.firm, account=account, matter=matter)


def deposit(ledger: ClientLedger, *, ago: int, amount: str = "2500.00") -> TrustEntry:
    return services.trust_deposit_record(
        ledger=ledger, amount=Decimal(amount), date=days_ago(ago), description="Retainer"
    )
