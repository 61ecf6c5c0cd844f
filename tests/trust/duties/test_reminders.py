"""Email reminders of trust duties: each item once per stage (due soon, overdue), to the firm's
admins and accountants; nothing is recorded when the email fails, so the next run sends it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from sync.schedules import SCHEDULES
from tests.factories import FirmFactory, MembershipFactory
from tests.trust.duties.builders import account_under, days_ago, deposit, ledger_on
from trust import tasks
from trust.duties import reminders
from trust.models import DutyReminder

NOTICE = "ca.deposit-notice"


def _notice_reminders():
    return DutyReminder.objects.filter(item_key__startswith=NOTICE).order_by("stage", "item_key")


@pytest.fixture
def deposits(firm):
    ledger = ledger_on(account_under(firm, "US-CA"))
    return deposit(ledger, ago=20), deposit(ledger, ago=5)  # overdue, and due in 9 days


def test_one_email_lists_the_overdue_and_due_soon_notices_to_admins_and_accountants(
    firm, admin, accountant, staff, deposits
):
    overdue, soon = deposits
    made = reminders.duty_reminders_send(firm_id=firm.pk, today=days_ago(0))

    (email,) = mail.outbox
    assert sorted(email.to) == sorted([admin.user.email, accountant.user.email])
    assert email.subject.startswith(f"[FirmSync] Trust duties for {firm.name}")
    assert f"Deposit of 2,500.00 on {overdue.date:%d %b %Y}" in email.body
    assert f"Deposit of 2,500.00 on {soon.date:%d %b %Y}" in email.body
    assert "California Rule 1.15 as amended" in email.body
    assert email.body.index("OVERDUE") < email.body.index(f"{overdue.date:%d %b %Y}")
    assert [(r.item_key.rsplit(":", 1)[1], r.stage) for r in _notice_reminders()] == [
        (f"entry-{soon.pk}", "due_soon"),
        (f"entry-{overdue.pk}", "overdue"),
    ]
    assert {r.pk for r in made} >= {r.pk for r in _notice_reminders()}


def test_a_second_run_the_same_day_sends_nothing(firm, admin, deposits):
    reminders.duty_reminders_send(firm_id=firm.pk, today=days_ago(0))
    assert reminders.duty_reminders_send(firm_id=firm.pk, today=days_ago(0)) == []
    assert len(mail.outbox) == 1


def test_an_item_due_soon_is_emailed_again_once_when_it_becomes_overdue(firm, admin, deposits):
    _, soon = deposits
    reminders.duty_reminders_send(firm_id=firm.pk, today=days_ago(0))
    later = soon.date + timedelta(days=15)  # the day after its 14 days
    made = reminders.duty_reminders_send(firm_id=firm.pk, today=later)
    assert f"entry-{soon.pk}" in {
        r.item_key.rsplit(":", 1)[1] for r in made if r.stage == "overdue"
    }
    assert f"on {soon.date:%d %b %Y}" in mail.outbox[1].body
    reminders.duty_reminders_send(firm_id=firm.pk, today=later)
    assert len(mail.outbox) == 2


def test_a_failed_email_records_nothing_and_the_next_run_sends_it(firm, admin, deposits):
    with (
        mock.patch.object(
            reminders, "send_mail", autospec=True, side_effect=ConnectionRefusedError
        ),
        pytest.raises(ConnectionRefusedError),
    ):
        reminders.duty_reminders_send(firm_id=firm.pk, today=days_ago(0))
    assert not DutyReminder.objects.exists()
    reminders.duty_reminders_send(firm_id=firm.pk, today=days_ago(0))
    assert len(mail.outbox) == 1 and _notice_reminders().count() == 2


def test_a_firm_without_admins_or_accountants_gets_no_email_and_no_record(firm, staff, deposits):
    assert reminders.duty_reminders_send(firm_id=firm.pk, today=days_ago(0)) == []
    assert not mail.outbox and not DutyReminder.objects.exists()


def test_the_daily_task_emails_each_firm_and_one_firms_failure_spares_the_others(
    firm, admin, deposits
):
    elsewhere = FirmFactory(name="Elsewhere LLP", slug="elsewhere")
    MembershipFactory(firm=elsewhere, role="admin")
    deposit(ledger_on(account_under(elsewhere, "US-CA")), ago=20)
    real = reminders.duty_reminders_send

    def flaky(*, firm_id, today):
        if firm_id == firm.pk:
            raise ConnectionRefusedError
        return real(firm_id=firm_id, today=today)

    with mock.patch.object(tasks, "duty_reminders_send", autospec=True, side_effect=flaky):
        assert tasks.duty_reminders() >= 1
    (email,) = mail.outbox
    assert "Elsewhere LLP" in email.subject
    assert not DutyReminder.objects.filter(firm=firm).exists()


def test_the_reminders_are_a_declared_daily_schedule():
    (spec,) = [s for s in SCHEDULES if s["func"] == "trust.tasks.duty_reminders"]
    assert spec["schedule_type"] == "D"
