"""Worked examples of a payout's fee corrected after it was posted (sync.payouts.fees): the
difference goes through the outbox beside the first write, never an edit of it."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from practice.models import ClioPaymentsPayment
from sync.models import (
    ClioPayout,
    Connection,
    OperatingBankLine,
    Provider,
    Side,
    SyncOperation,
    SyncSettings,
)
from sync.payouts.services import payouts_refresh
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _payment(firm, clio_id, amount, state="completed"):
    return ClioPaymentsPayment.objects.create(
        firm=firm, clio_id=clio_id, amount=D(amount), state=state, deposit_date=date(2026, 3, 2)
    )


def _line(firm, amount, bank_id):
    OperatingBankLine.objects.create(
        firm=firm, date=date(2026, 3, 4), amount=D(amount), bank_id=bank_id, file_sha256="s"
    )


@pytest.fixture
def posted(firm):
    """Payments of 1,000.00 and 250.00 paid out as 1,213.13: a fee of 36.87, written."""
    Connection.objects.create(
        firm=firm, provider=Provider.QUICKBOOKS, side=Side.BOOKS, external_id="r1"
    )
    SyncSettings.objects.create(firm=firm, start_date=date(2026, 1, 1))
    _payment(firm, 1, "1000.00")
    _payment(firm, 2, "250.00")
    _line(firm, "1213.13", "b1")
    payouts_refresh(firm=firm)
    SyncOperation.objects.filter(local_id="payout:2026-03-02").update(status="done")
    return firm


def _corrections():
    return list(
        SyncOperation.objects.filter(local_id__contains=":correction-")
        .order_by("id")
        .values_list("local_id", "payload__shape", "payload__amount")
    )


def test_a_refund_inside_a_payout_posts_the_fee_difference_back_to_the_operating_bank(
    posted, admin
):
    # The 250.00 payment is refunded; the 1,000.00 left arrives as 970.50: fee 29.50, not 36.87.
    ClioPaymentsPayment.objects.filter(clio_id=2).update(state="voided")
    _line(posted, "970.50", "b2")
    payouts_refresh(firm=posted)
    payout = ClioPayout.objects.get(firm=posted)
    assert (payout.gross, payout.net, payout.fee) == (D("1000.00"), D("970.50"), D("29.50"))
    assert _corrections() == [("payout:2026-03-02:correction-1", "bank_in", "7.37")]
    fix = SyncOperation.objects.get(local_id="payout:2026-03-02:correction-1")
    assert fix.payload["lines"] == [{"account": "bank_charges", "amount": "7.37", "matter": None}]
    assert fix.payload["memo"].startswith("Correction: fee now 29.50, 36.87 posted before.")
    payouts_refresh(firm=posted)  # again: nothing more
    assert len(_corrections()) == 1
    html = client_for(admin).get(reverse("payouts")).content.decode()
    assert f'data-testid="fee-post-{payout.pk}">Pending (corrected)' in html


def test_a_fee_that_grew_gets_a_further_expense_and_each_change_its_own_correction(posted):
    _payment(posted, 3, "100.00")  # a late payment joins the day: 1,350.00 arrives as 1,310.00
    _line(posted, "1310.00", "b2")
    payouts_refresh(firm=posted)
    assert ClioPayout.objects.get(firm=posted).fee == D("40.00")
    assert _corrections() == [("payout:2026-03-02:correction-1", "bank_out", "3.13")]
    # Then it is refunded again and the 1,250.00 is matched to a 1,225.00 credit: fee 25.00.
    ClioPaymentsPayment.objects.filter(clio_id=3).update(state="voided")
    _line(posted, "1225.00", "b3")
    OperatingBankLine.objects.filter(bank_id="b1").delete()
    payouts_refresh(firm=posted)
    assert ClioPayout.objects.get(firm=posted).fee == D("25.00")
    assert _corrections()[1] == ("payout:2026-03-02:correction-2", "bank_in", "15.00")


def test_a_payout_left_unmatched_by_the_change_keeps_what_was_posted(posted):
    ClioPaymentsPayment.objects.filter(clio_id=2).update(state="voided")
    payouts_refresh(firm=posted)  # 1,000.00 now; no credit carries it
    assert ClioPayout.objects.get(firm=posted).status == "unmatched"
    assert _corrections() == []
