"""Pull trust money from sandbox Clio over HTTP: accounts, each kind of movement, idempotence,
and an overdraft Clio records raising an exception with an email."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from practice.models import Bill, Matter
from sync.engine.pull import pull_clio
from sync.models import PullCursor
from sync.trust_books.pull import pull_trust
from tests.factories import MembershipFactory
from trust import selectors, services
from trust.models import ClientLedger, EntrySource, TrustAccount, TrustEntry, TrustException

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clio(clio_account):
    act = clio_account.act
    ada = act("create_contact", first_name="Ada", last_name="Lovelace")
    a = act("create_matter", client_id=ada["id"], description="Estate planning")
    b = act("create_matter", client_id=ada["id"], description="Property sale")
    act("create_time_entry", matter_id=a["id"], hours=1, price=300, date="2026-01-03")
    bill = act("generate_bill", matter_id=a["id"], issued_at="2026-01-04")
    act("bill_transition", bill_id=bill["id"], to="approve")
    return clio_account, a, b, bill


def _ledger(matter: dict) -> ClientLedger:
    return ClientLedger.objects.get(matter__clio_id=matter["id"])


def _balance(matter: dict) -> D:
    return selectors.ledger_balance(ledger=_ledger(matter))


def _kinds(matter: dict) -> list[tuple[str, D]]:
    return [(e.kind, e.amount) for e in _ledger(matter).entries.order_by("pk")]


def test_each_clio_movement_becomes_the_right_entry(clio):
    account, a, b, bill = clio
    act = account.act
    act("trust_deposit", matter_id=a["id"], amount=1000, date="2026-01-05")
    act("trust_deposit", matter_id=b["id"], amount=200, date="2026-01-06")
    act("trust_disbursement", matter_id=a["id"], amount=150, date="2026-01-07")
    act("trust_transfer", from_matter_id=a["id"], to_matter_id=b["id"], amount=300)
    act("record_payment", bill_id=bill["id"], amount=100, source="trust", date="2026-01-20")

    pull_clio(connection_id=account.connection.pk)  # the poll's order: the mirror, then trust
    result = pull_trust(connection_id=account.connection.pk)

    assert (result.accounts, result.created, result.skipped) == (1, 6, 0)
    trust = TrustAccount.objects.get(firm=account.admin.firm)
    assert (trust.name, trust.is_primary, trust.account_number_last4) == (
        "IOLTA Trust Account",
        True,
        "4821",
    )
    assert _kinds(a) == [
        ("deposit", D("1000.00")),
        ("disbursement", D("150.00")),
        ("transfer_out", D("300.00")),
        ("bill_payment", D("100.00")),
    ]
    assert _kinds(b) == [("deposit", D("200.00")), ("transfer_in", D("300.00"))]
    assert (_balance(a), _balance(b)) == (D("450.00"), D("500.00"))
    out, into = TrustEntry.objects.filter(kind__in=["transfer_out", "transfer_in"]).order_by("pk")
    assert out.transfer_group == into.transfer_group is not None
    paid = TrustEntry.objects.get(kind="bill_payment")
    assert paid.bill == Bill.objects.get(clio_id=bill["id"])
    assert all(e.source == EntrySource.CLIO for e in TrustEntry.objects.all())
    assert paid.source_id.startswith("bank_transaction:")


def test_pulling_twice_adds_nothing(clio):
    account, a, b, _ = clio
    account.act("trust_deposit", matter_id=a["id"], amount=500, date="2026-01-05")
    account.act("trust_transfer", from_matter_id=a["id"], to_matter_id=b["id"], amount=50)
    first = pull_trust(connection_id=account.connection.pk)
    again = pull_trust(connection_id=account.connection.pk)
    full = pull_trust(connection_id=account.connection.pk, full=True)
    assert (first.created, again.created, full.created) == (3, 0, 0)
    assert full.seen == 3 and TrustEntry.objects.count() == 3
    assert PullCursor.objects.filter(resource__startswith="bank_transactions:").count() == 1


def test_matters_missing_from_the_mirror_are_pulled_first(clio):
    account, a, _, _ = clio
    account.act("trust_deposit", matter_id=a["id"], amount=75, date="2026-01-05")
    assert not Matter.objects.exists()
    pull_trust(connection_id=account.connection.pk)
    assert _balance(a) == D("75.00")


def test_a_clio_withdrawal_overdrawing_our_ledger_raises_an_exception_and_emails(clio):
    account, a, _, _ = clio
    firm = account.admin.firm
    accountant = MembershipFactory(firm=firm, role=Role.ACCOUNTANT)
    account.act("trust_deposit", matter_id=a["id"], amount=500, date="2026-01-05")
    pull_clio(connection_id=account.connection.pk)
    pull_trust(connection_id=account.connection.pk)
    # FirmSync paid 400 out of this ledger; Clio, not yet told, still shows 500 and pays 300.
    services.trust_disbursement_record(ledger=_ledger(a), amount=D("400"), date="2026-01-06")
    account.act("trust_disbursement", matter_id=a["id"], amount=300, date="2026-01-07")

    result = pull_trust(connection_id=account.connection.pk)

    assert (result.created, result.exceptions) == (1, 1)
    raised = TrustException.objects.get()
    assert raised.balance_after == D("-200.00") and raised.entry.source == EntrySource.CLIO
    [email] = mail.outbox
    assert email.to == [accountant.user.email]
    assert "Estate planning" in email.body and "-$200.00" in email.body
    assert "$300.00" in email.body and f"/trust/ledgers/{raised.ledger_id}/" in email.body


def test_the_five_minute_poll_pulls_trust_after_the_mirror(clio):
    from sync.tasks import clio_poll

    account, a, _, _ = clio
    account.act("trust_deposit", matter_id=a["id"], amount=640, date="2026-01-05")
    assert clio_poll() == 1
    assert _kinds(a) == [("deposit", D("640.00"))]


def test_a_transaction_whose_matter_is_not_mirrored_waits_for_the_next_poll(clio):
    account, a, b, _ = clio
    conn = account.connection
    pull_clio(connection_id=conn.pk)
    # The mirror lost a matter, and an incremental pull of matters will not bring it back.
    Matter.objects.filter(clio_id=a["id"]).delete()
    later = timezone.now() + timedelta(hours=1)
    PullCursor.objects.filter(resource__in=["contacts", "matters"]).update(updated_since=later)
    account.act("trust_deposit", matter_id=a["id"], amount=90, date="2026-01-05")
    account.act("trust_deposit", matter_id=b["id"], amount=10, date="2026-01-05")

    first = pull_trust(connection_id=conn.pk)
    assert (first.created, first.skipped) == (1, 1)
    assert f"matter {a['id']} is not in the mirror yet" in first.skipped_reasons[0]

    pull_clio(connection_id=conn.pk, full=True)
    second = pull_trust(connection_id=conn.pk)
    assert (second.created, second.skipped) == (1, 0)
    assert (_balance(a), _balance(b)) == (D("90.00"), D("10.00"))
