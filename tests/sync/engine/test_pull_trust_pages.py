"""Trust transactions read and recorded a page at a time (sandbox Clio over HTTP, with pages of
three): a transfer whose legs fall on two pages is still one transfer, a pull stopped between
pages carries on where it stopped, and nothing is recorded twice."""

from decimal import Decimal as D

import pytest

from sync.models import PullCursor
from sync.providers.clio import client as clio_client
from sync.trust_books.pull import pull_trust
from trust.models import TrustEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pages_of_three(monkeypatch):
    monkeypatch.setattr(clio_client, "PAGE_SIZE", 3)


@pytest.fixture
def money(clio_account, pages_of_three):
    """Seven transactions: pages [deposit, deposit, transfer out] [its transfer in, disbursement,
    transfer out] [its transfer in]."""
    act = clio_account.act
    ada = act("create_contact", first_name="Ada", last_name="Lovelace")
    a = act("create_matter", client_id=ada["id"], description="Estate planning")
    b = act("create_matter", client_id=ada["id"], description="Property sale")
    act("trust_deposit", matter_id=a["id"], amount=1000, date="2026-01-05")
    act("trust_deposit", matter_id=b["id"], amount=200, date="2026-01-05")
    act("trust_transfer", from_matter_id=a["id"], to_matter_id=b["id"], amount=300)
    act("trust_disbursement", matter_id=a["id"], amount=50, date="2026-01-07")
    act("trust_transfer", from_matter_id=b["id"], to_matter_id=a["id"], amount=100)
    return clio_account


def _entries() -> list[tuple[str, D, str]]:
    rows = TrustEntry.objects.order_by("pk")
    return [(e.kind, e.amount, e.ledger.matter.description) for e in rows]


EXPECTED = [
    ("deposit", D("1000.00"), "Estate planning"),
    ("deposit", D("200.00"), "Property sale"),
    ("transfer_out", D("300.00"), "Estate planning"),
    ("transfer_in", D("300.00"), "Property sale"),
    ("disbursement", D("50.00"), "Estate planning"),
    ("transfer_out", D("100.00"), "Property sale"),
    ("transfer_in", D("100.00"), "Estate planning"),
]


def _pairs_share_a_group() -> None:
    for amount in (D("300"), D("100")):
        out, into = TrustEntry.objects.filter(amount=amount).order_by("pk")
        assert out.transfer_group == into.transfer_group is not None


def test_a_transfer_across_two_pages_is_one_transfer_recorded_in_clios_order(money):
    recorded: list[int] = []

    result = pull_trust(
        connection_id=money.connection.pk,
        on_page=lambda n: recorded.append(TrustEntry.objects.count()),
    )

    assert (result.seen, result.created, result.stopped) == (7, 7, False)
    assert _entries() == EXPECTED  # pk order is Clio's order
    _pairs_share_a_group()
    # Each page is in the books' reach as soon as the page after it is read.
    assert recorded == [3, 6, 7]


def test_a_pull_stopped_between_pages_goes_on_from_there_and_records_nothing_twice(money):
    conn = money.connection

    # Asked first once the first page is recorded (with the second in view): stop there.
    first = pull_trust(connection_id=conn.pk, stop=lambda: True)

    assert first.stopped and not first.finished and first.created == 3
    cursor = PullCursor.objects.get(resource__startswith="bank_transactions:")
    assert cursor.resume_url and cursor.updated_since is None
    # The first transfer's deposit is on the page the next pull starts from.
    [(deposit, withdrawal)] = cursor.resume_state["carried"].items()
    assert int(deposit) == int(withdrawal) + 1

    second = pull_trust(connection_id=conn.pk)

    assert second.finished and (second.created, second.seen) == (4, 4)
    assert _entries() == EXPECTED
    _pairs_share_a_group()
    cursor.refresh_from_db()
    assert (cursor.resume_url, cursor.resume_state) == ("", {})
    assert cursor.updated_since is not None and cursor.records == 7


def test_an_account_read_to_the_end_is_skipped_when_named(money):
    first = pull_trust(connection_id=money.connection.pk)
    again = pull_trust(connection_id=money.connection.pk, full=True, skip=first.finished)
    assert (again.seen, again.created, again.finished) == (0, 0, [])
    assert TrustEntry.objects.count() == 7
