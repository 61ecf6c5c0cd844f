"""Pull from sandbox Clio into the practice mirror: backfill, updated_since, idempotence."""

import time
from decimal import Decimal

import pytest

from practice.models import Allocation, Bill, BillLine, Contact, Matter
from sync.engine.pull import pull_clio

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clio(clio_account):
    return clio_account.connection, clio_account.act


def _bill(act, name):
    person = act(
        "create_contact", first_name=name, last_name="Client", email=f"{name.lower()}@example.com"
    )
    matter = act("create_matter", client_id=person["id"], description=f"{name} matter")
    act("create_time_entry", matter_id=matter["id"], hours=1.5, price=300, description="Advice")
    act("create_expense_entry", matter_id=matter["id"], amount=12.34, description="Courier")
    return person, matter, act("generate_bill", matter_id=matter["id"], issued_at="2026-02-01")


def test_backfill_mirrors_contacts_matters_bills_lines_and_allocations(clio):
    conn, act = clio
    person, matter, bill = _bill(act, "Ada")
    act("bill_transition", bill_id=bill["id"], to="approve")
    act("record_payment", bill_id=bill["id"], amount=100, source="operating", date="2026-02-10")
    result = pull_clio(connection_id=conn.pk, full=True)
    assert result.counts["bills"] == 1 and result.counts["line_items"] == 2
    mirrored = Bill.objects.get(clio_id=bill["id"])
    assert mirrored.state == "awaiting_payment" and mirrored.total == Decimal("462.34")
    assert mirrored.client == Contact.objects.get(clio_id=person["id"])
    assert list(mirrored.matters.all()) == [Matter.objects.get(clio_id=matter["id"])]
    assert sorted(line.total for line in mirrored.lines.all()) == [
        Decimal("12.34"),
        Decimal("450.00"),
    ]
    assert Allocation.objects.get().bill == mirrored
    assert mirrored.balance == Decimal("362.34")


def test_pulling_again_changes_nothing_and_an_edit_arrives_by_updated_since(clio):
    conn, act = clio
    _, _, bill = _bill(act, "Grace")
    pull_clio(connection_id=conn.pk, full=True)
    again = pull_clio(connection_id=conn.pk)
    assert sum(again.counts.values()) == 0  # the overlap re-reads, the etags say nothing changed
    time.sleep(1.1)
    line = BillLine.objects.get(total=Decimal("450.00"))  # the time entry: 1.5 h at 300
    act("edit_line", line_item_id=line.clio_id, description="Advice (revised)", quantity=2)
    after = pull_clio(connection_id=conn.pk)
    assert after.counts["line_items"] == 1 and after.counts["contacts"] == 0
    line.refresh_from_db()
    assert (line.description, line.total) == ("Advice (revised)", Decimal("600.00"))
    assert Bill.objects.get(clio_id=bill["id"]).total == Decimal("612.34")
