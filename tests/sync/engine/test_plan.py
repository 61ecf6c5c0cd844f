"""Plan: only differences are queued, each exactly once."""

from datetime import date
from decimal import Decimal

import pytest

from practice.models import Allocation, Bill, BillLine, Contact
from sync.engine.plan import plan_firm
from sync.models import Connection, ExternalLink, Provider, Side, SyncOperation, SyncSettings


@pytest.fixture
def books(firm):
    SyncSettings.objects.create(firm=firm, start_date=date(2026, 1, 1))
    return Connection.objects.create(
        firm=firm, provider=Provider.QUICKBOOKS, side=Side.BOOKS, external_id="realm-1"
    )


def _bill(firm, *, number="1001", state="awaiting_payment", balance="500.00", clio_id=10):
    client = Contact.objects.get_or_create(
        firm=firm, clio_id=1, defaults={"name": "Ada Lovelace", "etag": "c1"}
    )[0]
    bill = Bill.objects.create(
        firm=firm,
        clio_id=clio_id,
        etag="b1",
        number=number,
        state=state,
        client=client,
        issued_at=date(2026, 2, 1),
        total=Decimal("500.00"),
        balance=Decimal(balance),
    )
    BillLine.objects.create(
        firm=firm, bill=bill, clio_id=clio_id * 10, description="Advice", total=Decimal("500.00")
    )
    return bill


def test_an_approved_bill_and_its_client_are_queued_once_however_often_we_plan(firm, books):
    _bill(firm)
    first = plan_firm(firm=firm)
    second = plan_firm(firm=firm)
    assert first.queued == {"contact": 1, "bill": 1, "payment": 0, "credit": 0}
    assert second.queued == {"contact": 0, "bill": 0, "payment": 0, "credit": 0}
    assert SyncOperation.objects.count() == 2
    assert set(SyncOperation.objects.values_list("action", flat=True)) == {"create"}


def test_drafts_are_not_planned_while_only_approved_bills_sync(firm, books):
    _bill(firm, state="draft")
    assert plan_firm(firm=firm).queued == {"contact": 0, "bill": 0, "payment": 0, "credit": 0}


def test_a_pushed_bill_that_did_not_change_plans_nothing_and_an_edit_plans_an_update(firm, books):
    bill = _bill(firm)
    plan_firm(firm=firm)
    for op in SyncOperation.objects.all():
        ExternalLink.objects.create(
            firm=firm,
            connection=books,
            entity=op.entity,
            local_id=op.local_id,
            remote_type=op.entity,
            remote_id=f"r{op.pk}",
            fingerprint=op.fingerprint,
        )
    SyncOperation.objects.update(status=SyncOperation.Status.DONE)  # as the push leaves them
    assert plan_firm(firm=firm).queued == {"contact": 0, "bill": 0, "payment": 0, "credit": 0}
    BillLine.objects.filter(bill=bill).update(description="Advice (revised)")
    plan = plan_firm(firm=firm)
    assert plan.queued["bill"] == 1
    assert SyncOperation.objects.filter(entity="bill", action="update").count() == 1


def test_changing_back_to_an_earlier_version_is_a_new_write(firm, books):
    bill = _bill(firm)
    plan_firm(firm=firm)
    op = SyncOperation.objects.get(entity="bill")
    link = ExternalLink.objects.create(
        firm=firm,
        connection=books,
        entity="bill",
        local_id=op.local_id,
        remote_type="Invoice",
        remote_id="9",
        fingerprint=op.fingerprint,
    )
    SyncOperation.objects.update(status=SyncOperation.Status.DONE)  # as the push leaves them
    BillLine.objects.filter(bill=bill).update(description="B")
    plan_firm(firm=firm)
    update = SyncOperation.objects.get(entity="bill", action="update")
    ExternalLink.objects.filter(pk=link.pk).update(fingerprint=update.fingerprint)
    BillLine.objects.filter(bill=bill).update(description="Advice")  # back to the first wording
    result = plan_firm(firm=firm)
    assert result.queued["bill"] == 1


def test_a_voided_bill_that_was_pushed_is_voided_and_one_never_pushed_is_left_alone(firm, books):
    pushed = _bill(firm, clio_id=10, number="1001")
    _bill(firm, clio_id=11, number="1002", state="void")
    ExternalLink.objects.create(
        firm=firm,
        connection=books,
        entity="bill",
        local_id="10",
        remote_type="Invoice",
        remote_id="9",
        fingerprint="old",
    )
    Bill.objects.filter(pk=pushed.pk).update(state="void")
    plan_firm(firm=firm)
    assert list(SyncOperation.objects.filter(entity="bill").values_list("local_id", "action")) == [
        ("10", "void")
    ]


def test_payments_follow_the_setting(firm, books):
    bill = _bill(firm)
    Allocation.objects.create(
        firm=firm, clio_id=5, bill=bill, amount=Decimal("100.00"), parent_type="Payment"
    )
    assert plan_firm(firm=firm).queued["payment"] == 1
    SyncSettings.objects.filter(firm=firm).update(sync_payments=False)
    SyncOperation.objects.all().delete()
    assert "payment" not in plan_firm(firm=firm).queued


def test_only_contacts_with_approved_unpaid_bills_go_by_default(firm, books):
    # A paid bill from before the sync start date: nothing of it goes to the books by default.
    SyncSettings.objects.filter(firm=firm).update(start_date=date(2026, 6, 1))
    _bill(firm, balance="0.00", state="paid")
    assert plan_firm(firm=firm).queued["contact"] == 0
    SyncSettings.objects.filter(firm=firm).update(contacts_scope="all_billed")
    assert plan_firm(firm=firm).queued["contact"] == 1


def test_an_edit_waits_while_the_create_is_on_its_way_even_when_a_link_exists(firm, books):
    """The trust writer links a client it found by name before the contact sync writes it: an
    edit queued beside the create could reach the books first."""
    _bill(firm)
    plan_firm(firm=firm)
    create = SyncOperation.objects.get(entity="contact")
    ExternalLink.objects.create(
        firm=firm,
        connection=books,
        entity="contact",
        local_id=create.local_id,
        remote_type="Customer",
        remote_id="7",
        fingerprint="",
    )
    assert plan_firm(firm=firm).queued["contact"] == 0
    SyncOperation.objects.filter(pk=create.pk).update(status=SyncOperation.Status.DONE)
    assert plan_firm(firm=firm).queued["contact"] == 1  # now the edit goes


def test_an_early_plan_queues_payments_only_with_bills_that_will_be_invoices(firm, books):
    complete = _bill(firm)
    reading = _bill(firm, number="1002", clio_id=11)
    Bill.objects.filter(firm=firm).update(sub_total=Decimal("500.00"))
    BillLine.objects.filter(bill=reading).update(total=Decimal("200.00"))  # lines still coming
    for n, bill in enumerate((complete, reading)):
        Allocation.objects.create(
            firm=firm, clio_id=50 + n, bill=bill, amount=Decimal("10.00"), parent_type="Payment"
        )
    entities = {"contact", "bill", "payment", "credit"}
    plan = plan_firm(firm=firm, entities=entities, early=True)
    assert plan.queued == {"contact": 1, "bill": 1, "payment": 1, "credit": 0}
    queued = SyncOperation.objects.filter(entity="payment").values_list("local_id", flat=True)
    assert list(queued) == ["50"]  # the complete bill's payment, planned with it
    BillLine.objects.filter(bill=reading).update(total=Decimal("500.00"))  # its last line read
    assert plan_firm(firm=firm, entities=entities, early=True).queued["payment"] == 1
