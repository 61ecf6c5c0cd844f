"""Worked examples for every rule of every pack: for each deadline, the day that just meets it
and the day that just misses it. Pure: no database, every date given."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from trust.duties.evaluate import AccountFacts, Deposit, LedgerFact, Status, evaluate, status_of
from trust.duties.packs import PACKS, Jurisdiction, RuleKind, pack_for
from trust.reconcile import month_standing

ALL = [j.value for j in Jurisdiction]


def facts(jurisdiction: str, **kw) -> AccountFacts:
    kw.setdefault("duties_from", date(2026, 1, 1))
    return AccountFacts(account_id=7, account_name="IOLTA", jurisdiction=jurisdiction, **kw)


def items(f: AccountFacts, as_of: date, rule_id: str, **match):
    return [
        i
        for i in evaluate(f, as_of=as_of)
        if i.rule.id == rule_id and all(getattr(i, k) == v for k, v in match.items())
    ]


def one(f: AccountFacts, as_of: date, rule_id: str, **match):
    found = items(f, as_of, rule_id, **match)
    assert len(found) == 1, found
    return found[0]


# -- the packs as data -------------------------------------------------------------------------


def test_each_required_jurisdiction_has_a_pack():
    assert {p.name for p in PACKS.values()} == {
        "ABA Model Rules",
        "California",
        "Florida",
        "New York",
        "Texas",
        "North Carolina",
    }


@pytest.mark.parametrize("jurisdiction", ALL)
def test_every_rule_cites_field_md_and_carries_a_note_for_counsel(jurisdiction):
    pack = pack_for(jurisdiction)
    assert "FIELD.md" in pack.retention_citation and pack.retention_years >= 5
    assert pack.retention_counsel.startswith("Review with counsel")
    for rule in pack.rules:
        assert "FIELD.md" in rule.citation, rule.id
        assert rule.counsel.startswith("Review with counsel: "), rule.id
        assert rule.title and rule.watches
    assert len({r.id for r in pack.rules}) == len(pack.rules)


def test_blank_or_unknown_jurisdiction_follows_the_aba_model_rules():
    assert pack_for("").name == pack_for("US-WI").name == "ABA Model Rules"


@pytest.mark.parametrize(
    ("jurisdiction", "years"),
    [("ABA", 5), ("US-CA", 7), ("US-FL", 6), ("US-NY", 7), ("US-TX", 5), ("US-NC", 7)],
)
def test_retention_years_per_pack(jurisdiction, years):
    assert pack_for(jurisdiction).retention_years == years


# -- status --------------------------------------------------------------------------------------


def test_done_on_the_due_date_meets_it_and_the_day_after_is_late():
    due = date(2026, 5, 1)
    assert status_of(due=due, done_on=date(2026, 5, 1), as_of=date(2026, 6, 1)) == Status.DONE
    assert status_of(due=due, done_on=date(2026, 5, 2), as_of=date(2026, 6, 1)) == Status.LATE


def test_not_done_is_due_soon_for_fourteen_days_then_overdue_the_day_after_the_due_date():
    due = date(2026, 5, 1)
    assert status_of(due=due, done_on=None, as_of=date(2026, 4, 16)) == Status.UPCOMING
    assert status_of(due=due, done_on=None, as_of=date(2026, 4, 17)) == Status.DUE_SOON
    assert status_of(due=due, done_on=None, as_of=date(2026, 5, 1)) == Status.DUE_SOON
    assert status_of(due=due, done_on=None, as_of=date(2026, 5, 2)) == Status.OVERDUE


def test_a_record_dated_after_the_as_of_day_does_not_count_yet():
    due = date(2026, 5, 1)
    assert status_of(due=due, done_on=date(2026, 5, 3), as_of=date(2026, 5, 2)) == Status.OVERDUE


# -- reconciliations -----------------------------------------------------------------------------

MONTHLY = ["ABA", "US-CA", "US-FL", "US-NY", "US-TX"]


@pytest.mark.parametrize("jurisdiction", MONTHLY)
def test_march_reconciliation_is_due_by_30_april_and_overdue_on_1_may(jurisdiction):
    rule = f"{pack_for(jurisdiction).rules[0].id}"
    f = facts(jurisdiction)
    march = date(2026, 3, 31)
    assert one(f, date(2026, 4, 30), rule, period_end=march).status == Status.DUE_SOON
    assert one(f, date(2026, 5, 1), rule, period_end=march).status == Status.OVERDUE
    assert one(f, date(2026, 4, 30), rule, period_end=march).due == date(2026, 4, 30)


@pytest.mark.parametrize("jurisdiction", MONTHLY)
def test_march_reconciliation_approved_on_30_april_meets_it_on_1_may_is_late(jurisdiction):
    rule = pack_for(jurisdiction).rules[0].id
    march = date(2026, 3, 31)
    met = facts(jurisdiction, reconciled={march: date(2026, 4, 30)})
    late = facts(jurisdiction, reconciled={march: date(2026, 5, 1)})
    assert one(met, date(2026, 6, 1), rule, period_end=march).status == Status.DONE
    assert one(late, date(2026, 6, 1), rule, period_end=march).status == Status.LATE


def test_north_carolina_reconciles_quarterly_so_february_is_not_a_period():
    f = facts("US-NC")
    found = items(f, date(2026, 5, 1), "nc.reconciliation")
    assert [i.subject for i in found] == ["Q1 2026"]  # Q2 is due 30 Jul, past the horizon
    q1 = found[0]
    assert (q1.period_end, q1.due, q1.status) == (date(2026, 3, 31), date(2026, 4, 30), "overdue")
    assert one(f, date(2026, 4, 30), "nc.reconciliation", period_end=date(2026, 3, 31)).status == (
        Status.DUE_SOON
    )


def test_north_carolina_quarter_is_done_by_the_approved_reconciliation_of_its_last_month():
    q1 = date(2026, 3, 31)
    met = facts("US-NC", reconciled={q1: date(2026, 4, 30)})
    late = facts("US-NC", reconciled={q1: date(2026, 5, 1)})
    only_feb = facts("US-NC", reconciled={date(2026, 2, 28): date(2026, 3, 10)})
    as_of = date(2026, 6, 1)
    assert one(met, as_of, "nc.reconciliation", period_end=q1).status == Status.DONE
    assert one(late, as_of, "nc.reconciliation", period_end=q1).status == Status.LATE
    assert one(only_feb, as_of, "nc.reconciliation", period_end=q1).status == Status.OVERDUE


def test_a_month_is_overdue_here_on_the_day_the_reconciliation_pages_call_it_overdue():
    march = date(2026, 3, 31)
    item = one(facts("US-FL"), date(2026, 4, 30), "fl.reconciliation", period_end=march)
    assert item.status == Status.DUE_SOON and month_standing(march, date(2026, 4, 30)) == "due"
    item = one(facts("US-FL"), date(2026, 5, 1), "fl.reconciliation", period_end=march)
    assert item.status == Status.OVERDUE and month_standing(march, date(2026, 5, 1)) == "overdue"


def test_months_before_duties_began_are_not_asked_for():
    f = facts("US-FL", duties_from=date(2026, 3, 15))
    found = items(f, date(2026, 6, 1), "fl.reconciliation")
    assert [i.subject for i in found] == ["March 2026", "April 2026", "May 2026", "June 2026"]


# -- periodic filings ----------------------------------------------------------------------------

FILINGS = [
    # (jurisdiction, rule, duties from, period end, due date)
    ("US-CA", "ca.ctapp", date(2025, 6, 1), date(2026, 12, 31), date(2026, 2, 1)),
    ("US-FL", "fl.certificate", date(2026, 1, 1), date(2026, 12, 31), date(2026, 8, 15)),
    ("US-NY", "ny.affirmation", date(2025, 3, 1), date(2026, 12, 31), date(2026, 12, 31)),
    ("US-NC", "nc.quarterly-review", date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 30)),
    ("US-NC", "nc.annual-accounting", date(2025, 1, 1), date(2025, 12, 31), date(2026, 1, 30)),
]


@pytest.mark.parametrize(("jurisdiction", "rule", "start", "end", "due"), FILINGS)
def test_filing_not_recorded_is_due_on_its_day_and_overdue_the_day_after(
    jurisdiction, rule, start, end, due
):
    f = facts(jurisdiction, duties_from=start)
    assert one(f, due, rule, period_end=end).status == Status.DUE_SOON
    assert one(f, date.fromordinal(due.toordinal() + 1), rule, period_end=end).status == (
        Status.OVERDUE
    )
    assert pack_for(jurisdiction).rule(rule).kind == RuleKind.FILING


@pytest.mark.parametrize(("jurisdiction", "rule", "start", "end", "due"), FILINGS)
def test_filing_recorded_on_its_due_day_meets_it_and_a_day_later_is_late(
    jurisdiction, rule, start, end, due
):
    after = date.fromordinal(due.toordinal() + 1)
    met = facts(jurisdiction, duties_from=start, filings={(rule, end): due})
    late = facts(jurisdiction, duties_from=start, filings={(rule, end): after})
    later = date(2027, 3, 1)
    assert one(met, later, rule, period_end=end).status == Status.DONE
    assert one(late, later, rule, period_end=end).status == Status.LATE


def test_florida_certificate_window_is_one_per_calendar_year():
    f = facts("US-FL", duties_from=date(2025, 2, 1))
    found = items(f, date(2026, 9, 1), "fl.certificate")
    assert [(i.subject, i.due) for i in found] == [
        ("2025", date(2025, 8, 15)),
        ("2026", date(2026, 8, 15)),
    ]


def test_new_york_affirmation_periods_run_two_years_from_when_duties_began():
    f = facts("US-NY", duties_from=date(2025, 3, 1))
    found = items(f, date(2028, 12, 1), "ny.affirmation")
    assert [i.subject for i in found] == ["2025 to 2026", "2027 to 2028"]


# -- deposit notices -----------------------------------------------------------------------------

DEPOSIT = Deposit(
    entry_id=41,
    ledger_id=3,
    date=date(2026, 3, 2),
    amount=Decimal("2500.00"),
    matter="00012-Okafor",
)
NOTICE_RULES = [
    (j.value, f"{pack_for(j.value).rules[0].id.split('.')[0]}.deposit-notice") for j in Jurisdiction
]


@pytest.mark.parametrize(("jurisdiction", "rule"), NOTICE_RULES)
def test_deposit_of_2_march_must_be_noticed_by_16_march(jurisdiction, rule):
    f = facts(jurisdiction, deposits=(DEPOSIT,))
    assert pack_for(jurisdiction).rule(rule).days == 14
    on_time = one(f, date(2026, 3, 16), rule, entry_id=41)
    assert (on_time.due, on_time.status) == (date(2026, 3, 16), Status.DUE_SOON)
    assert one(f, date(2026, 3, 17), rule, entry_id=41).status == Status.OVERDUE


@pytest.mark.parametrize(("jurisdiction", "rule"), NOTICE_RULES)
def test_notice_sent_on_16_march_meets_it_and_17_march_is_late(jurisdiction, rule):
    met = facts(jurisdiction, deposits=(replace(DEPOSIT, noticed_on=date(2026, 3, 16)),))
    late = facts(jurisdiction, deposits=(replace(DEPOSIT, noticed_on=date(2026, 3, 17)),))
    assert one(met, date(2026, 4, 1), rule, entry_id=41).status == Status.DONE
    assert one(late, date(2026, 4, 1), rule, entry_id=41).status == Status.LATE


def test_a_deposit_from_before_duties_began_asks_for_no_notice():
    f = facts("US-CA", duties_from=date(2026, 3, 3), deposits=(DEPOSIT,))
    assert items(f, date(2026, 4, 1), "ca.deposit-notice") == []


# -- distributions -------------------------------------------------------------------------------


def ledger(**kw) -> LedgerFact:
    base = {
        "ledger_id": 3,
        "matter": "00012-Okafor",
        "balance": Decimal("812.50"),
        "last_activity": date(2026, 1, 1),
        "matter_closed": True,
        "held": False,
    }
    return LedgerFact(**{**base, **kw})


@pytest.mark.parametrize("jurisdiction", ["ABA", "US-CA", "US-TX"])
def test_money_on_a_closed_matter_since_1_january_is_due_out_by_15_february(jurisdiction):
    rule = f"{pack_for(jurisdiction).rules[0].id.split('.')[0]}.distribution"
    f = facts(jurisdiction, ledgers=(ledger(),))
    met = one(f, date(2026, 2, 15), rule, ledger_id=3)
    assert (met.due, met.status) == (date(2026, 2, 15), Status.DUE_SOON)
    assert one(f, date(2026, 2, 16), rule, ledger_id=3).status == Status.OVERDUE


@pytest.mark.parametrize(
    "lg",
    [
        ledger(held=True),  # disputed: it stays in trust
        ledger(matter_closed=False),  # the matter goes on: a retainer may be held
        ledger(balance=Decimal("0.00")),  # paid out
    ],
)
def test_distribution_watch_leaves_out_disputed_open_and_empty_ledgers(lg):
    f = facts("US-CA", ledgers=(lg,))
    assert items(f, date(2026, 3, 1), "ca.distribution") == []


def test_a_movement_starts_a_new_distribution_item():
    before = one(facts("US-CA", ledgers=(ledger(),)), date(2026, 3, 1), "ca.distribution")
    after = one(
        facts("US-CA", ledgers=(ledger(last_activity=date(2026, 2, 20)),)),
        date(2026, 3, 1),
        "ca.distribution",
    )
    assert before.key != after.key and after.due == date(2026, 4, 6)


# -- dormant ledgers -----------------------------------------------------------------------------


@pytest.mark.parametrize("jurisdiction", ALL)
def test_money_untouched_since_1_march_2025_is_flagged_from_2_march_2026(jurisdiction):
    rule = f"{pack_for(jurisdiction).rules[0].id.split('.')[0]}.dormant-ledger"
    f = facts(jurisdiction, ledgers=(ledger(last_activity=date(2025, 3, 1), matter_closed=False),))
    assert one(f, date(2026, 3, 1), rule).status == Status.DUE_SOON
    assert one(f, date(2026, 3, 2), rule).status == Status.OVERDUE


def test_a_held_ledger_is_still_watched_for_dormancy():
    f = facts("US-NY", ledgers=(ledger(last_activity=date(2025, 3, 1), held=True),))
    assert one(f, date(2026, 3, 2), "ny.dormant-ledger").status == Status.OVERDUE
