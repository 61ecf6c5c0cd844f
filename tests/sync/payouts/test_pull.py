"""Clio Payments payments read from sandbox Clio over HTTP, grouped into payouts, and matched to
the operating account's imported statement net of fees."""

from datetime import date
from decimal import Decimal as D

import pytest

from practice.models import ClioPaymentsPayment
from sync.engine.registry import client_for
from sync.models import ClioPayout, OperatingBankLine
from sync.payouts.services import clio_payments_pull, operating_statement_import

pytestmark = pytest.mark.django_db(transaction=True)

STATEMENT = (
    b"Date,Amount,Description\n"
    b"2026-03-04,1213.13,CLIO PAYMENTS PAYOUT\n"
    b"2026-03-04,-40.00,Bank fee\n"
    b"2026-03-09,999.00,Unrelated deposit\n"
)


@pytest.fixture
def paid(clio_account):
    act = clio_account.act
    ada = act("create_contact", first_name="Ada", last_name="Lovelace")
    bills = []
    for price in (1000, 250, 400):
        matter = act("create_matter", client_id=ada["id"], description=f"Matter {price}")
        act("create_time_entry", matter_id=matter["id"], hours=1, price=price, date="2026-02-20")
        bill = act("generate_bill", matter_id=matter["id"], issued_at="2026-02-25")
        act("bill_transition", bill_id=bill["id"], to="approve")
        bills.append(bill)
    act("record_clio_payment", bill_id=bills[0]["id"], amount=1000, date="2026-03-02")
    act("record_clio_payment", bill_id=bills[1]["id"], amount=250, date="2026-03-02")
    act("record_clio_payment", bill_id=bills[2]["id"], amount=400, date="2026-03-03")
    return clio_account


def test_payments_are_mirrored_and_grouped_into_payouts_by_deposit_date(paid):
    written = clio_payments_pull(connection_id=paid.connection.pk)
    firm = paid.admin.firm
    assert written == 3
    amounts = sorted(ClioPaymentsPayment.objects.filter(firm=firm).values_list("amount", flat=True))
    assert amounts == [D("250.00"), D("400.00"), D("1000.00")]
    payouts = {p.deposit_date: (p.gross, p.payments, p.status) for p in ClioPayout.objects.all()}
    assert payouts == {
        date(2026, 3, 2): (D("1250.00"), 2, "unmatched"),
        date(2026, 3, 3): (D("400.00"), 1, "unmatched"),
    }
    assert clio_payments_pull(connection_id=paid.connection.pk) == 0  # unchanged: skipped


def test_an_imported_statement_matches_the_payout_and_names_the_fee(paid):
    clio_payments_pull(connection_id=paid.connection.pk)
    added = operating_statement_import(member=paid.admin, filename="op.csv", content=STATEMENT)
    assert added == 3
    march_2 = ClioPayout.objects.get(deposit_date=date(2026, 3, 2))
    assert (march_2.status, march_2.net, march_2.fee) == ("matched", D("1213.13"), D("36.87"))
    assert march_2.bank_line.description == "CLIO PAYMENTS PAYOUT"
    assert ClioPayout.objects.get(deposit_date=date(2026, 3, 3)).status == "unmatched"
    again = operating_statement_import(member=paid.admin, filename="op.csv", content=STATEMENT)
    assert again == 0 and OperatingBankLine.objects.count() == 3


def test_a_voided_payment_changes_the_gross_and_unmatches_the_payout(paid):
    clio_payments_pull(connection_id=paid.connection.pk)
    operating_statement_import(member=paid.admin, filename="op.csv", content=STATEMENT)
    second = ClioPaymentsPayment.objects.get(amount=D("250.00"))
    paid.act("void_clio_payment", payment_id=second.clio_id)
    clio_payments_pull(connection_id=paid.connection.pk)
    march_2 = ClioPayout.objects.get(deposit_date=date(2026, 3, 2))
    assert (march_2.gross, march_2.payments, march_2.status) == (D("1000.00"), 1, "unmatched")
    assert march_2.bank_line is None and march_2.fee is None


def test_a_clio_payments_webhook_brings_the_payment_and_its_payout_in(clio_account):
    from sync.models import WebhookEvent, WebhookSubscription
    from sync.webhooks import PAYMENTS_MODEL
    from tests.support.sandboxes import control

    act, base = clio_account.act, clio_account.base
    sub = WebhookSubscription.objects.get(connection=clio_account.connection, model=PAYMENTS_MODEL)
    remote = {w["model"]: w["events"] for w in client_for(clio_account.connection).webhooks()}
    assert sorted(remote[PAYMENTS_MODEL]) == ["created", "updated"]  # no deleted: the spec's
    control(base, "clio", "webhooks/flush")  # the handshakes
    sub.refresh_from_db()
    assert sub.status == "enabled"
    ada = act("create_contact", first_name="Ada", last_name="Lovelace")
    matter = act("create_matter", client_id=ada["id"], description="Estate")
    act("create_time_entry", matter_id=matter["id"], hours=1, price=900, date="2026-02-20")
    bill = act("generate_bill", matter_id=matter["id"], issued_at="2026-02-25")
    act("bill_transition", bill_id=bill["id"], to="approve")
    act("record_clio_payment", bill_id=bill["id"], amount=900, date="2026-03-02")
    control(base, "clio", "webhooks/flush")  # the payment's delivery, read at once
    event = WebhookEvent.objects.get(model=PAYMENTS_MODEL)
    assert event.event == "created" and event.processed_at is not None
    payment = ClioPaymentsPayment.objects.get(firm=clio_account.admin.firm)
    assert (payment.amount, payment.state) == (D("900.00"), "completed")
    payout = ClioPayout.objects.get(firm=clio_account.admin.firm)
    assert (payout.deposit_date, payout.gross, payout.status) == (
        date(2026, 3, 2),
        D("900.00"),
        "unmatched",
    )
