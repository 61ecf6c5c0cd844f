"""Overdue trust duties reach the dashboard's compliance card, the console and its API."""

from django.urls import reverse
from django.utils import timezone

from tests.conftest import client_for
from tests.trust.duties.builders import account_under, deposit, ledger_on
from trust.duties.selectors import duties_overdue_counts
from trust.models import TrustAccount


def _overdue(firm) -> int:
    accounts = list(TrustAccount.objects.filter(firm=firm))
    return duties_overdue_counts(accounts=accounts, as_of=timezone.localdate())[firm.pk]


def test_the_console_counts_each_firms_overdue_duties(firm, admin):
    deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    count = _overdue(firm)
    assert count >= 1  # the notice, and any month not reconciled
    client = client_for(admin)
    body = client.get(reverse("console")).content.decode()
    assert 'data-testid="console-duties"' in body and "Trust duties overdue" in body
    rows = client.get(reverse("api_console"), HTTP_ACCEPT="application/json").json()
    (row,) = [r for r in rows if r["firm_id"] == firm.pk]
    assert row["overdue_trust_duties"] == count


def test_the_dashboard_shows_the_overdue_duties_with_a_link(firm, admin):
    deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    body = client_for(admin).get(reverse("dashboard")).content.decode()
    assert 'data-testid="duties-overdue-count"' in body
    assert reverse("trust_duties") in body
