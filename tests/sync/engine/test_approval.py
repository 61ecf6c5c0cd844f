"""Bills held for approval: the rules, as worked examples, and the plan's gate that holds,
releases, keeps out and lets through."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from practice.models import Allocation, Bill, BillLine, Contact, Matter
from sync.engine.approval import BillFacts, discount_share, rules_matched
from sync.engine.plan import plan_firm
from sync.models import BillApproval, Connection, Provider, Side, SyncOperation, SyncSettings

D = Decimal


def _facts(**kw) -> BillFacts:
    values = {
        "total": D("1000.00"),
        "sub_total": D("1000.00"),
        "total_tax": D("0"),
        "line_totals": (D("1000.00"),),
        "client_clio_id": 1,
        "matter_clio_ids": (7,),
        "first_of_matter": False,
    }
    values.update(kw)
    return BillFacts(**values)


def _cfg(**kw) -> SyncSettings:
    return SyncSettings(start_date=date(2026, 1, 1), **kw)


def _rules(facts, **cfg) -> list[str]:
    return [r["rule"] for r in rules_matched(facts=facts, cfg=_cfg(**cfg))]


def test_every_rule_is_off_by_default():
    assert _rules(_facts(total=D("999999.00"), first_of_matter=True)) == []


def test_a_total_over_the_amount_is_held_and_one_equal_to_it_is_not():
    assert _rules(_facts(total=D("10000.01")), approval_amount_over=D("10000")) == ["amount"]
    assert _rules(_facts(total=D("10000.00")), approval_amount_over=D("10000")) == []


def test_a_discount_and_a_write_down_line_count_together_against_the_fees():
    # Lines 1,000.00 and -150.00 (subtotal 850.00), a 10 % discount: total 765.00.
    # Off: (850 - 765) + 150 = 235.00 of 1,000.00 fees = 23.5 %.
    facts = _facts(
        total=D("765.00"), sub_total=D("850.00"), line_totals=(D("1000.00"), D("-150.00"))
    )
    assert discount_share(facts) == D("23.5")
    assert _rules(facts, approval_discount_percent=D("20")) == ["discount"]
    assert _rules(facts, approval_discount_percent=D("25")) == []


def test_tax_is_not_taken_for_a_discount():
    # Subtotal 1,000.00 + 80.00 tax = 1,080.00: nothing was taken off.
    facts = _facts(total=D("1080.00"), total_tax=D("80.00"))
    assert discount_share(facts) == 0
    assert _rules(facts, approval_discount_percent=D("0")) == []


def test_a_bill_of_nothing_has_no_discount_share():
    facts = _facts(total=D("0"), sub_total=D("0"), line_totals=())
    assert discount_share(facts) == 0


def test_a_watched_client_or_matter_and_a_first_bill_each_name_their_rule():
    facts = _facts(first_of_matter=True)
    assert _rules(facts, approval_watch_clients=[1]) == ["watch_client"]
    assert _rules(facts, approval_watch_matters=[8, 7]) == ["watch_matter"]
    assert _rules(facts, approval_watch_clients=[2]) == []
    assert _rules(facts, approval_first_bill=True) == ["first_bill"]
    assert _rules(_facts(), approval_first_bill=True) == []


def test_several_rules_are_all_named_with_why():
    found = rules_matched(
        facts=_facts(total=D("12000.00")),
        cfg=_cfg(approval_amount_over=D("10000"), approval_watch_clients=[1]),
    )
    assert found == [
        {"rule": "amount", "why": "Total 12,000.00 is over 10,000.00."},
        {"rule": "watch_client", "why": "The client is on the watch list."},
    ]


# -- the plan's gate ------------------------------------------------------------------------------


@pytest.fixture
def books(firm):
    SyncSettings.objects.create(firm=firm, start_date=date(2026, 1, 1))
    return Connection.objects.create(
        firm=firm, provider=Provider.QUICKBOOKS, side=Side.BOOKS, external_id="realm-1"
    )


def _bill(firm, *, clio_id=10, total="500.00", issued=date(2026, 2, 1), matter=None):
    client = Contact.objects.get_or_create(
        firm=firm, clio_id=1, defaults={"name": "Ada Lovelace", "etag": "c1"}
    )[0]
    bill = Bill.objects.create(
        firm=firm,
        clio_id=clio_id,
        etag="b1",
        number=str(1000 + clio_id),
        state="awaiting_payment",
        client=client,
        issued_at=issued,
        sub_total=D(total),
        total=D(total),
        balance=D(total),
    )
    BillLine.objects.create(firm=firm, bill=bill, clio_id=clio_id * 10, total=D(total))
    if matter is not None:
        bill.matters.add(matter)
    return bill


def _settings(firm, **kw):
    SyncSettings.objects.filter(firm=firm).update(**kw)


def _planned_bills():
    return set(SyncOperation.objects.filter(entity="bill").values_list("local_id", flat=True))


def test_a_bill_over_the_amount_is_held_with_its_payment_and_the_others_go(firm, books):
    _settings(firm, approval_amount_over=D("1000"))
    big = _bill(firm, clio_id=10, total="5000.00")
    _bill(firm, clio_id=11, total="500.00")
    Allocation.objects.create(
        firm=firm, clio_id=90, etag="a", bill=big, amount=D("100"), parent_type="Payment"
    )
    plan = plan_firm(firm=firm)
    assert _planned_bills() == {"11"}
    assert plan.queued["payment"] == 0
    held = BillApproval.objects.get(firm=firm)
    assert (held.bill_clio_id, held.status, held.amount) == (10, "held", D("5000.00"))
    assert held.rules == [{"rule": "amount", "why": "Total 5,000.00 is over 1,000.00."}]
    # Planned again: still one hold, still nothing for the held bill.
    plan_firm(firm=firm)
    assert BillApproval.objects.filter(firm=firm).count() == 1
    assert _planned_bills() == {"11"}


def test_a_hold_the_rules_no_longer_match_is_released_and_the_bill_planned(firm, books):
    _settings(firm, approval_amount_over=D("1000"))
    _bill(firm, total="5000.00")
    plan_firm(firm=firm)
    _settings(firm, approval_amount_over=None)
    plan_firm(firm=firm)
    assert BillApproval.objects.get(firm=firm).status == BillApproval.Status.RELEASED
    assert _planned_bills() == {"10"}


def test_a_rejected_bill_stays_out_even_with_the_rules_off_and_an_approved_one_goes(firm, books):
    _settings(firm, approval_amount_over=D("1000"))
    _bill(firm, clio_id=10, total="5000.00")
    _bill(firm, clio_id=11, total="6000.00")
    plan_firm(firm=firm)
    now = timezone.now()
    BillApproval.objects.filter(bill_clio_id=10).update(
        status="rejected", reason="Wrong rate.", decided_at=now
    )
    BillApproval.objects.filter(bill_clio_id=11).update(status="approved", decided_at=now)
    _settings(firm, approval_amount_over=None)
    plan_firm(firm=firm)
    assert _planned_bills() == {"11"}
    assert BillApproval.objects.get(bill_clio_id=10).status == "rejected"


def test_only_the_first_bill_of_a_matter_is_held(firm, books):
    _settings(firm, approval_first_bill=True)
    matter = Matter.objects.create(firm=firm, clio_id=7, etag="m", display_number="00007-Ada")
    _bill(firm, clio_id=10, issued=date(2026, 2, 1), matter=matter)
    _bill(firm, clio_id=11, issued=date(2026, 3, 1), matter=matter)
    plan_firm(firm=firm)
    held = BillApproval.objects.get(firm=firm)
    assert (held.bill_clio_id, held.matter_names) == (10, "00007-Ada")
    assert _planned_bills() == {"11"}


def test_a_bill_already_in_the_books_is_never_held(firm, books):
    from sync.models import ExternalLink

    _bill(firm, total="5000.00")
    ExternalLink.objects.create(
        firm=firm,
        connection=books,
        entity="bill",
        local_id="10",
        remote_type="Invoice",
        remote_id="77",
    )
    _settings(firm, approval_amount_over=D("1000"))
    plan_firm(firm=firm)
    assert not BillApproval.objects.exists()


def test_with_every_rule_off_the_gate_costs_one_query(firm, books, django_assert_num_queries):
    from sync.engine.approval import bills_approval_gate

    cfg = SyncSettings.objects.get(firm=firm)
    bills = [_bill(firm)]
    with django_assert_num_queries(1):
        assert bills_approval_gate(firm_id=firm.pk, cfg=cfg, bills=bills, linked=set()) == bills
