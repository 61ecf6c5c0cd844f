"""Record retention: no trust record is deleted before its pack's retention period ends, with a
message that names the rule and the day; PostgreSQL holds its own floor beneath the ORM."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.factories import MembershipFactory
from tests.trust.duties.builders import account_under, days_ago, deposit, ledger_on
from trust.duties import services
from trust.duties.retention import add_years, retained_until, retention_assert_deletable
from trust.errors import TrustRecordRetained
from trust.models import DutyRecord, Reconciliation, TrustAccount

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the retention triggers exist on PostgreSQL only"
)
MARCH = date(2026, 3, 31)


def _reconciliation(firm, account, status="approved", period_end=MARCH):
    preparer, approver = MembershipFactory(firm=firm), MembershipFactory(firm=firm)
    approved = status == "approved"
    return Reconciliation.objects.create(
        firm=firm,
        account=account,
        period_end=period_end,
        status=status,
        prepared_by=preparer.user if status != "draft" else None,
        approved_by=approver.user if approved else None,
        prepared_at=timezone.now() if status != "draft" else None,
        approved_at=timezone.now() if approved else None,
    )


@pytest.mark.parametrize(
    ("jurisdiction", "until"),
    [
        ("ABA", date(2031, 3, 31)),
        ("US-TX", date(2031, 3, 31)),
        ("US-FL", date(2032, 3, 31)),
        ("US-NY", date(2033, 3, 31)),
        ("US-CA", date(2033, 3, 31)),
        ("US-NC", date(2033, 3, 31)),
    ],
)
def test_an_approved_march_2026_reconciliation_is_kept_the_packs_years(firm, jurisdiction, until):
    rec = _reconciliation(firm, account_under(firm, jurisdiction))
    assert retained_until(rec) == until
    with pytest.raises(TrustRecordRetained, match=f"kept until {until:%d %b %Y}"):
        retention_assert_deletable(rec, today=date.fromordinal(until.toordinal() - 1))
    retention_assert_deletable(rec, today=until)  # the period is over: no refusal


def test_deleting_an_approved_reconciliation_is_refused_with_the_rule(firm):
    rec = _reconciliation(firm, account_under(firm, "US-NY"))
    with pytest.raises(TrustRecordRetained) as refused, transaction.atomic():
        rec.delete()
    assert "7 years under New York" in str(refused.value)
    assert "New York Rule 1.15: 7-year retention" in str(refused.value)
    assert Reconciliation.objects.filter(pk=rec.pk).exists()


def test_a_draft_reconciliation_is_no_record_and_may_go(firm):
    rec = _reconciliation(firm, account_under(firm, "US-NY"), status="draft")
    rec.delete()
    assert not Reconciliation.objects.exists()


def test_a_queryset_delete_is_refused_too(firm):
    account = account_under(firm, "US-FL")
    _reconciliation(firm, account)
    with pytest.raises(TrustRecordRetained), transaction.atomic():
        Reconciliation.objects.filter(account=account).delete()
    assert Reconciliation.objects.count() == 1


def test_deleting_a_firm_refuses_to_cascade_through_its_trust_accounts(firm):
    account = account_under(firm, "US-CA")  # no entries yet: kept from the day it was added
    with pytest.raises(TrustRecordRetained, match="kept until"), transaction.atomic():
        firm.delete()
    assert TrustAccount.objects.filter(pk=account.pk).exists()


def test_a_ledger_is_kept_from_its_last_activity(firm):
    ledger = ledger_on(account_under(firm, "US-FL"))
    deposit(ledger, ago=30)
    assert retained_until(ledger) == add_years(timezone.localdate(), 6)  # opened today
    with pytest.raises(TrustRecordRetained):
        retention_assert_deletable(ledger)


def test_an_entry_is_kept_from_its_ledgers_last_activity_not_its_own_date(firm):
    ledger = ledger_on(account_under(firm, "US-TX"))
    first = deposit(ledger, ago=400)
    deposit(ledger, ago=10)
    assert retained_until(first) == add_years(days_ago(10), 5)


def test_add_years_moves_29_february_to_28_february():
    assert add_years(date(2028, 2, 29), 5) == date(2033, 2, 28)


def test_a_duty_record_is_kept_and_cannot_be_deleted(firm, accountant):
    entry = deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    record = services.deposit_notice_record(member=accountant, entry=entry, noticed_on=days_ago(5))
    with pytest.raises(TrustRecordRetained), transaction.atomic():
        record.delete()


def _raw(sql: str, *params) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@postgres_only
def test_the_database_refuses_to_change_or_delete_a_duty_record(firm, accountant):
    entry = deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    record = services.deposit_notice_record(member=accountant, entry=entry, noticed_on=days_ago(5))
    with pytest.raises(IntegrityError, match="append-only: UPDATE refused"):
        _raw("UPDATE trust_dutyrecord SET done_on = %s WHERE id = %s", days_ago(1), record.pk)
    with pytest.raises(IntegrityError, match="append-only: DELETE refused"):
        _raw("DELETE FROM trust_dutyrecord WHERE id = %s", record.pk)
    assert DutyRecord.objects.get(pk=record.pk).done_on == days_ago(5)


@postgres_only
def test_the_database_keeps_an_approved_reconciliation_five_years(firm):
    account = account_under(firm, "ABA")
    recent = _reconciliation(firm, account)
    old = _reconciliation(firm, account, period_end=add_years(timezone.localdate(), -6))
    with pytest.raises(IntegrityError, match="kept 5 years"):
        _raw("DELETE FROM trust_reconciliation WHERE id = %s", recent.pk)
    _raw("DELETE FROM trust_reconciliation WHERE id = %s", old.pk)  # past every pack's floor
    assert list(Reconciliation.objects.values_list("pk", flat=True)) == [recent.pk]
