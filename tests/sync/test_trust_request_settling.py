"""Trust requests paid by several deposits, cancelled with a reason, and each one's history on
its matter's client ledger. Worked examples, in whole cents."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from sync.trust_books.services import trust_requests_settle
from tests.conftest import client_for
from tests.factories import ClientLedgerFactory, MembershipFactory
from tests.support.trust_requests import MADE, deposit, request_made
from trust.models import EntryKind, TrustRequest, TrustRequestPayment

D = Decimal


def _applied(req) -> list[tuple[int, Decimal]]:
    return list(
        TrustRequestPayment.objects.filter(request=req)
        .order_by("id")
        .values_list("entry_id", "amount")
    )


def test_two_part_deposits_settle_a_request_exactly(firm):
    # Asked 1,500.00 on 10 March; the client pays 600.00 on the 12th and 900.00 on the 20th.
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "1500.00")
    first = deposit(ledger, "600.00", date(2026, 3, 12))

    assert trust_requests_settle(firm=firm) == 0
    req.refresh_from_db()
    assert req.is_open and _applied(req) == [(first.pk, D("600.00"))]

    second = deposit(ledger, "900.00", date(2026, 3, 20))
    assert trust_requests_settle(firm=firm) == 1
    req.refresh_from_db()
    assert req.is_paid and req.paid_by == second and req.paid_at is not None
    assert _applied(req) == [(first.pk, D("600.00")), (second.pk, D("900.00"))]
    assert trust_requests_settle(firm=firm) == 0  # nothing is applied twice
    assert TrustRequestPayment.objects.count() == 2


def test_an_overpayment_settles_the_request_and_keeps_the_rest_unapplied(firm):
    # Asked 500.00; paid 300.00, then 400.00: 200.00 of the second settles it, 200.00 stays the
    # client's money in trust, owed to no request.
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "500.00")
    first = deposit(ledger, "300.00", date(2026, 3, 11))
    second = deposit(ledger, "400.00", date(2026, 3, 12))

    assert trust_requests_settle(firm=firm) == 1
    req.refresh_from_db()
    assert req.paid_by == second
    assert _applied(req) == [(first.pk, D("300.00")), (second.pk, D("200.00"))]


def test_the_rest_of_a_deposit_goes_to_the_matters_next_open_request(firm):
    # Two requests of 200.00; one deposit of 250.00 pays the older and 50.00 of the newer, which
    # still owes 150.00 until a later deposit.
    ledger = ClientLedgerFactory(firm=firm)
    older = request_made(ledger, "200.00", made=MADE)
    newer = request_made(ledger, "200.00", made=MADE + timedelta(days=1))
    split = deposit(ledger, "250.00", MADE + timedelta(days=2))

    assert trust_requests_settle(firm=firm) == 1
    assert _applied(older) == [(split.pk, D("200.00"))]
    assert _applied(newer) == [(split.pk, D("50.00"))]

    deposit(ledger, "150.00", MADE + timedelta(days=3))
    assert trust_requests_settle(firm=firm) == 1
    newer.refresh_from_db()
    assert newer.is_paid


def test_deposits_before_the_request_are_not_counted(firm):
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "100.00")
    deposit(ledger, "100.00", MADE - timedelta(days=1))
    deposit(ledger, "500.00", MADE - timedelta(days=30))

    assert trust_requests_settle(firm=firm) == 0
    assert _applied(req) == []
    same_day = deposit(ledger, "100.00", MADE)
    assert trust_requests_settle(firm=firm) == 1
    assert _applied(req) == [(same_day.pk, D("100.00"))]


def test_a_cancelled_request_takes_no_later_deposit(firm, admin):
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "800.00")
    part = deposit(ledger, "300.00", MADE + timedelta(days=1))
    trust_requests_settle(firm=firm)
    response = client_for(admin).post(
        reverse("trust_request_cancel", args=[req.pk]), {"reason": "Matter closed early."}
    )
    assert response.status_code == 302
    deposit(ledger, "500.00", MADE + timedelta(days=5))

    assert trust_requests_settle(firm=firm) == 0
    req.refresh_from_db()
    assert req.is_cancelled and not req.is_paid
    assert req.cancel_reason == "Matter closed early." and req.cancelled_by == admin.user
    assert _applied(req) == [(part.pk, D("300.00"))]  # what was paid before stays recorded
    event = AuditEvent.objects.get(action="trust_request.cancelled")
    assert event.firm == firm and event.after["reason"] == "Matter closed early."


def test_another_firms_deposit_never_counts(firm, other_firm):
    mine = ClientLedgerFactory(firm=firm)
    req = request_made(mine, "100.00")
    theirs = ClientLedgerFactory(firm=other_firm)
    deposit(theirs, "100.00", MADE + timedelta(days=1))

    assert trust_requests_settle(firm=firm) == 0
    assert trust_requests_settle(firm=other_firm) == 0
    assert _applied(req) == []


def test_a_deposit_to_another_matter_or_a_reversed_one_does_not_count(firm):
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "100.00")
    other = ClientLedgerFactory(firm=firm, account=ledger.account)
    deposit(other, "100.00", MADE + timedelta(days=1))
    bounced = deposit(ledger, "100.00", MADE + timedelta(days=1))
    deposit(ledger, "100.00", MADE + timedelta(days=2), kind=EntryKind.REVERSAL, reverses=bounced)

    assert trust_requests_settle(firm=firm) == 0
    assert _applied(req) == []


def test_a_request_cannot_be_both_paid_and_cancelled_in_the_database(firm):
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        TrustRequest.objects.filter(pk=req.pk).update(
            paid_at=timezone.now(), cancelled_at=timezone.now(), cancel_reason="x"
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_applied_payments_are_append_only(firm):
    ledger = ClientLedgerFactory(firm=firm)
    request_made(ledger, "10.00")
    deposit(ledger, "10.00", MADE)
    trust_requests_settle(firm=firm)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrustRequestPayment.objects.update(amount=D("1.00"))


# -- cancelling: the page and the API ---------------------------------------------------------


def test_cancelling_without_a_reason_is_refused_with_the_reason(firm, admin):
    req = request_made(ClientLedgerFactory(firm=firm), "100.00")
    response = client_for(admin).post(
        reverse("trust_request_cancel", args=[req.pk]), {"reason": " "}
    )
    assert response.status_code == 400
    assert "Say why the request is cancelled." in response.content.decode()
    req.refresh_from_db()
    assert req.is_open


def test_a_paid_request_cannot_be_cancelled(firm, admin):
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "100.00")
    deposit(ledger, "100.00", MADE)
    trust_requests_settle(firm=firm)
    api = client_for(admin)
    url = reverse("api_trust_request_cancel", args=[req.pk])
    response = api.post(url, json.dumps({"reason": "Too late"}), "application/json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_open"
    page = api.post(reverse("trust_request_cancel", args=[req.pk]), {"reason": "Too late"})
    assert page.status_code == 400 and "already paid" in page.content.decode()


def test_the_api_cancels_and_reports_what_was_paid_and_owed(firm, admin):
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "1000.00")
    deposit(ledger, "250.50", MADE + timedelta(days=1))
    trust_requests_settle(firm=firm)
    api = client_for(admin)
    listed = api.get(reverse("api_trust_requests"), HTTP_ACCEPT="application/json").json()
    row = listed["results"][0]
    assert (row["status"], row["paid_so_far"], row["owed"]) == ("open", "250.50", "749.50")

    url = reverse("api_trust_request_cancel", args=[req.pk])
    done = api.post(url, json.dumps({"reason": "Client changed firms"}), "application/json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["status"], body["paid_so_far"], body["owed"]) == ("cancelled", "250.50", "0.00")
    assert body["cancel_reason"] == "Client changed firms"


def test_a_staff_member_cannot_cancel_and_an_outsider_gets_404(firm, outsider):
    req = request_made(ClientLedgerFactory(firm=firm), "100.00")
    viewer = MembershipFactory(firm=firm, role=Role.VIEWER)
    url = reverse("trust_request_cancel", args=[req.pk])
    assert client_for(viewer).post(url, {"reason": "x"}).status_code == 403
    assert client_for(outsider).post(url, {"reason": "x"}).status_code == 404
    req.refresh_from_db()
    assert req.is_open


# -- the history on the client ledger ---------------------------------------------------------


def test_the_client_ledger_shows_each_requests_history(firm, admin):
    ledger = ClientLedgerFactory(firm=firm)
    paid = request_made(ledger, "1500.00")
    deposit(ledger, "600.00", MADE + timedelta(days=2))
    deposit(ledger, "900.00", MADE + timedelta(days=10))
    trust_requests_settle(firm=firm)
    cancelled = request_made(ledger, "400.00", made=MADE + timedelta(days=11))
    open_one = request_made(ledger, "700.00", made=MADE + timedelta(days=11))
    deposit(ledger, "200.00", MADE + timedelta(days=12))
    trust_requests_settle(firm=firm)  # 200.00 to the older of the two open requests
    client_for(admin).post(
        reverse("trust_request_cancel", args=[cancelled.pk]), {"reason": "Replaced by a larger one"}
    )

    html = client_for(admin).get(reverse("trust_ledger", args=[ledger.pk])).content.decode()
    assert "Clio's API cannot list trust requests" in html
    for r in (paid, cancelled, open_one):
        assert f'id="request-{r.pk}"' in html
    assert '600.00</span> applied from the deposit of <span class="num">600.00' in html
    assert "Paid in full." in html
    assert "Replaced by a larger one" in html
    assert "200.00</span> applied" in html  # the cancelled request's part payment
    assert '<span class="num" data-testid="request-owed">700.00</span> still owed' in html


def test_the_ledger_shows_no_other_matters_or_firms_requests(firm, other_firm, admin):
    ledger = ClientLedgerFactory(firm=firm)
    request_made(ClientLedgerFactory(firm=firm, account=ledger.account), "111.11")
    request_made(ClientLedgerFactory(firm=other_firm), "222.22")
    html = client_for(admin).get(reverse("trust_ledger", args=[ledger.pk])).content.decode()
    assert "111.11" not in html and "222.22" not in html
    assert "No trust request has been made through FirmSync for this matter." in html


def test_the_ledger_page_costs_the_same_queries_for_one_request_or_five(firm, admin):
    ledger = ClientLedgerFactory(firm=firm)

    def count(n):
        for _ in range(n):
            request_made(ledger, "10.00")
            deposit(ledger, "10.00", MADE)
        trust_requests_settle(firm=firm)
        with CaptureQueriesContext(connection) as queries:
            page = client_for(admin).get(reverse("trust_ledger", args=[ledger.pk]))
            assert page.status_code == 200
        return len(queries)

    assert count(1) == count(4)


def test_the_cancel_endpoint_is_in_the_schema(client, db):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    cancel = schema["paths"]["/api/v1/trust/requests/{request_id}/cancel"]["post"]
    assert "reason" in json.dumps(cancel) or "TrustRequestCancelInput" in json.dumps(cancel)
    listed = schema["components"]["schemas"]["TrustRequestOutput"]["properties"]
    assert {"paid_so_far", "owed", "status", "cancel_reason"} <= set(listed)


def test_a_bounced_deposit_stops_counting_and_reopens_the_request_it_paid(firm, admin):
    # Asked 500.00; a 500.00 cheque pays it, then bounces (reversed): 500.00 is owed again, and a
    # later 500.00 transfer settles it.
    ledger = ClientLedgerFactory(firm=firm)
    req = request_made(ledger, "500.00")
    cheque = deposit(ledger, "500.00", MADE + timedelta(days=1))
    assert trust_requests_settle(firm=firm) == 1
    bounce = deposit(
        ledger, "500.00", MADE + timedelta(days=3), kind=EntryKind.REVERSAL, reverses=cheque
    )

    assert trust_requests_settle(firm=firm) == 0
    req.refresh_from_db()
    assert req.is_open
    assert AuditEvent.objects.filter(action="trust_request.reopened").count() == 1
    html = client_for(admin).get(reverse("trust_ledger", args=[ledger.pk])).content.decode()
    assert f'That deposit was reversed (<a href="#entry-{bounce.pk}">' in html
    assert '<span class="num" data-testid="request-owed">500.00</span> still owed' in html

    transfer = deposit(ledger, "500.00", MADE + timedelta(days=5))
    assert trust_requests_settle(firm=firm) == 1
    req.refresh_from_db()
    assert req.paid_by == transfer
    assert _applied(req) == [(cheque.pk, D("500.00")), (transfer.pk, D("500.00"))]


def test_requests_are_listed_newest_first_on_the_page_the_api_and_the_ledger(firm, admin):
    ledger = ClientLedgerFactory(firm=firm)
    old = request_made(ledger, "1.00", made=MADE)
    new = request_made(ledger, "2.00", made=MADE + timedelta(days=5))
    client = client_for(admin)
    listed = client.get(reverse("api_trust_requests"), HTTP_ACCEPT="application/json").json()
    assert [r["id"] for r in listed["results"]] == [new.pk, old.pk]
    for html in (
        client.get(reverse("trust_requests")).content.decode(),
        client.get(reverse("trust_ledger", args=[ledger.pk])).content.decode(),
    ):
        assert html.index(f'id="request-{new.pk}"') < html.index(f'id="request-{old.pk}"')
