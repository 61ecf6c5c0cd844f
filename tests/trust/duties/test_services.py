"""Recording what trust rules ask for, end to end through the selectors: a deposit noticed, a
filing, a dispute hold, an approved reconciliation, and the account's jurisdiction."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import AuditEvent
from tests.factories import MembershipFactory
from tests.trust.duties.builders import account_under, days_ago, deposit, ledger_on
from trust.duties import selectors as sel
from trust.duties import services
from trust.duties.evaluate import Status
from trust.errors import TrustError
from trust.models import DutyRecord, Reconciliation


def _items(member, rule_id):
    today = timezone.localdate()
    return [
        i for i in sel.duty_items_for_member(member=member, as_of=today) if i.rule.id == rule_id
    ]


def test_a_california_deposit_20_days_old_is_overdue_until_its_notice_is_recorded(firm, accountant):
    entry = deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    (item,) = _items(accountant, "ca.deposit-notice")
    assert (item.entry_id, item.status, item.due) == (entry.pk, Status.OVERDUE, days_ago(6))

    services.deposit_notice_record(member=accountant, entry=entry, noticed_on=days_ago(7))

    (item,) = _items(accountant, "ca.deposit-notice")
    assert (item.status, item.done_on) == (Status.DONE, days_ago(7))
    assert AuditEvent.objects.filter(action="trust.duty_notice", firm=firm).count() == 1


def test_a_reversed_deposit_asks_for_no_notice(firm, accountant):
    from trust import services as trust_services

    entry = deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    trust_services.trust_entry_reverse(entry=entry, date=days_ago(19), description="Bounced")
    assert _items(accountant, "ca.deposit-notice") == []


@pytest.mark.parametrize(
    ("noticed", "message"),
    [(-1, "in the future"), (21, "before")],
)
def test_a_notice_dated_in_the_future_or_before_the_deposit_is_refused(
    firm, accountant, noticed, message
):
    entry = deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    with pytest.raises(TrustError, match=message):
        services.deposit_notice_record(member=accountant, entry=entry, noticed_on=days_ago(noticed))
    assert not DutyRecord.objects.exists()


def test_a_deposit_is_noticed_once(firm, accountant):
    entry = deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    services.deposit_notice_record(member=accountant, entry=entry, noticed_on=days_ago(3))
    with pytest.raises(TrustError, match="already recorded"):
        services.deposit_notice_record(member=accountant, entry=entry, noticed_on=days_ago(2))


def test_staff_cannot_record_a_notice(firm, staff):
    entry = deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    with pytest.raises(PermissionDenied):
        services.deposit_notice_record(member=staff, entry=entry, noticed_on=days_ago(3))


def test_florida_certificate_recorded_for_the_year_is_done(firm, accountant):
    account = account_under(firm, "US-FL", since_days=800)
    year_end = days_ago(400).replace(month=12, day=31)
    services.duty_filing_record(
        member=accountant,
        account=account,
        rule_id="fl.certificate",
        period_end=year_end,
        done_on=year_end.replace(month=8, day=1),
    )
    done = [i for i in _items(accountant, "fl.certificate") if i.period_end == year_end]
    assert [i.status for i in done] == [Status.DONE]


@pytest.mark.parametrize(
    ("rule_id", "message"),
    [("ca.ctapp", "has no periodic duty"), ("fl.reconciliation", "has no periodic duty")],
)
def test_a_filing_outside_the_pack_or_of_a_reconciliation_is_refused(
    firm, accountant, rule_id, message
):
    account = account_under(firm, "US-FL")
    with pytest.raises(TrustError, match=message):
        services.duty_filing_record(
            member=accountant,
            account=account,
            rule_id=rule_id,
            period_end=days_ago(400).replace(month=12, day=31),
            done_on=days_ago(1),
        )


def test_a_filing_for_a_day_that_ends_no_period_is_refused(firm, accountant):
    account = account_under(firm, "US-NC")
    with pytest.raises(TrustError, match="does not end a period"):
        services.duty_filing_record(
            member=accountant,
            account=account,
            rule_id="nc.quarterly-review",
            period_end=days_ago(400).replace(month=2, day=28),
            done_on=days_ago(1),
        )


def test_a_disputed_amount_held_leaves_the_distribution_watch_until_released(firm, accountant):
    ledger = ledger_on(account_under(firm, "US-CA"), status="Closed")
    deposit(ledger, ago=50, amount="812.50")
    (item,) = _items(accountant, "ca.distribution")
    assert (item.ledger_id, item.status) == (ledger.pk, Status.OVERDUE)

    services.ledger_hold_record(member=accountant, ledger=ledger, hold=True, note="Fee disputed.")
    assert _items(accountant, "ca.distribution") == []
    with pytest.raises(TrustError, match="already held"):
        services.ledger_hold_record(member=accountant, ledger=ledger, hold=True, note="Again.")

    services.ledger_hold_record(member=accountant, ledger=ledger, hold=False, note="Settled.")
    assert [i.ledger_id for i in _items(accountant, "ca.distribution")] == [ledger.pk]


def test_an_approved_reconciliation_is_the_month_done(firm, accountant, admin):
    account = account_under(firm, "US-TX", since_days=100)
    month_end = days_ago(70).replace(day=1) - timedelta(days=1)
    Reconciliation.objects.create(
        firm=firm,
        account=account,
        period_end=month_end,
        status="approved",
        prepared_by=accountant.user,
        approved_by=admin.user,
        prepared_at=timezone.now(),
        approved_at=timezone.now(),
    )
    (item,) = [i for i in _items(accountant, "tx.reconciliation") if i.period_end == month_end]
    assert item.status == Status.LATE  # approved today, after its due date
    assert item.done_on == timezone.localdate()


def test_only_an_admin_sets_the_jurisdiction(firm, admin, accountant):
    account = account_under(firm, "")
    with pytest.raises(PermissionDenied):
        services.trust_account_jurisdiction_set(
            member=accountant, account=account, jurisdiction="US-NY"
        )
    account = services.trust_account_jurisdiction_set(
        member=admin, account=account, jurisdiction="US-NY", duties_from=days_ago(5)
    )
    assert (account.jurisdiction, account.duties_from) == ("US-NY", days_ago(5))
    event = AuditEvent.objects.get(action="trust.account_jurisdiction_set")
    assert event.before["jurisdiction"] == "" and event.after["jurisdiction"] == "US-NY"


def test_a_jurisdiction_without_a_pack_is_refused(firm, admin):
    with pytest.raises(TrustError, match="listed jurisdictions"):
        services.trust_account_jurisdiction_set(
            member=admin, account=account_under(firm, ""), jurisdiction="US-WI"
        )


def test_other_firms_records_do_not_reach_the_calendar(firm, accountant, outsider):
    deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    today = timezone.localdate()
    assert sel.duty_items_for_member(member=outsider, as_of=today) == []
    assert sel.duty_items_for_member(member=accountant, as_of=today)


def test_the_calendar_reads_in_a_fixed_number_of_queries(
    firm, accountant, django_assert_max_num_queries
):
    account = account_under(firm, "US-CA")
    for n in range(6):
        deposit(ledger_on(account, number=f"0001{n}-Client", status="Closed"), ago=20 + n)
    MembershipFactory(firm=firm)
    with django_assert_max_num_queries(6):
        items = sel.duty_items_for_member(member=accountant, as_of=timezone.localdate())
    assert len([i for i in items if i.rule.id == "ca.deposit-notice"]) == 6


def test_a_date_outside_firmsyncs_window_is_refused_in_words(firm, accountant, admin):
    account = account_under(firm, "US-NY")
    with pytest.raises(TrustError, match="outside the dates FirmSync accepts"):
        services.duty_filing_record(
            member=accountant,
            account=account,
            rule_id="ny.affirmation",
            period_end=date(9999, 12, 31),
            done_on=days_ago(1),
        )
    with pytest.raises(TrustError, match="outside the dates FirmSync accepts"):
        services.trust_account_jurisdiction_set(
            member=admin, account=account, jurisdiction="US-NY", duties_from=date(1900, 1, 1)
        )
