"""Trust requests: made here, sent to Clio over HTTP (the sandbox records what Clio received),
listed for every member, and settled by the deposit that pays them."""

import json
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from practice.models import Matter
from sandbox.clio.models import Record as ClioRecord
from sync.engine.pull import pull_clio
from sync.trust_books.services import trust_requests_settle
from tests.conftest import client_for
from tests.factories import ClientLedgerFactory, MatterFactory, MembershipFactory
from trust.models import EntryKind, TrustEntry, TrustRequest

D = Decimal
DUE = timezone.localdate() + timedelta(days=14)


@pytest.fixture
def clio_matter(clio_account) -> Matter:
    contact = clio_account.act("create_contact", first_name="Grace", last_name="Hopper")
    matter = clio_account.act("create_matter", client_id=contact["id"], description="Retainer")
    pull_clio(connection_id=clio_account.connection.pk)
    return Matter.objects.select_related("client").get(
        firm=clio_account.admin.firm, clio_id=matter["id"]
    )


def _form(matter, **extra):
    return {
        "matter": matter.pk,
        "kind": "retainer",
        "amount": "1500.00",
        "due_date": DUE.isoformat(),
        "memo": "Initial retainer",
        "key": str(uuid.uuid4()),
        **extra,
    }


def test_a_request_made_here_reaches_clio_and_is_tracked(clio_account, clio_matter):
    admin = client_for(clio_account.admin)
    response = admin.post(reverse("trust_request_create"), _form(clio_matter))

    assert response.status_code == 302, response.content
    req = TrustRequest.objects.get(firm=clio_account.admin.firm)
    assert req.clio_id and req.amount == D("1500.00") and req.due_date == DUE
    sent = ClioRecord.objects.get(type="trust_request", pk=req.clio_id).data
    assert sent["client_id"] == clio_matter.client.clio_id
    assert sent["trust_type"] == "matter" and sent["approved"] is True
    assert sent["trust_amount"] == 1500.0
    assert (sent["issue_date"], sent["due_date"]) == (
        timezone.localdate().isoformat(),
        DUE.isoformat(),
    )
    assert sent["matter"][0]["id"] == clio_matter.clio_id
    assert sent["note"] == "Retainer: Initial retainer"
    page = admin.get(reverse("trust_requests"))
    assert "Initial retainer" in page.content.decode()


def test_the_same_form_sent_twice_asks_clio_once(clio_account, clio_matter):
    admin = client_for(clio_account.admin)
    form = _form(clio_matter)
    admin.post(reverse("trust_request_create"), form)
    admin.post(reverse("trust_request_create"), form)
    assert TrustRequest.objects.filter(firm=clio_account.admin.firm).count() == 1
    assert ClioRecord.objects.filter(type="trust_request").count() == 1


def test_a_due_date_that_has_passed_is_refused_with_the_reason(clio_account, clio_matter):
    admin = client_for(clio_account.admin)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = admin.post(reverse("trust_request_create"), _form(clio_matter, due_date=past))
    assert response.status_code == 200
    assert "The due date has passed" in response.content.decode()
    assert not ClioRecord.objects.filter(type="trust_request").exists()


def test_the_api_creates_a_request_and_lists_it(clio_account, clio_matter):
    api = client_for(clio_account.admin)
    body = {"matter_id": clio_matter.pk, "kind": "replenishment", "amount": "250.00"}
    body["due_date"] = DUE.isoformat()
    made = api.post(reverse("api_trust_requests"), json.dumps(body), "application/json")
    assert made.status_code == 201, made.content
    assert made.json()["clio_id"] and made.json()["is_paid"] is False
    listed = api.get(reverse("api_trust_requests"), HTTP_ACCEPT="application/json").json()
    assert [r["amount"] for r in listed["results"]] == ["250.00"]


def test_an_outsider_naming_another_firms_matter_gets_404_and_clio_hears_nothing(
    clio_account, clio_matter, outsider
):
    body = {"matter_id": clio_matter.pk, "amount": "100.00", "due_date": DUE.isoformat()}
    api = client_for(outsider)
    response = api.post(reverse("api_trust_requests"), json.dumps(body), "application/json")
    assert response.status_code == 404
    form = client_for(outsider).post(reverse("trust_request_create"), _form(clio_matter))
    assert form.status_code == 200  # the matter is not among the outsider's choices
    assert not ClioRecord.objects.filter(type="trust_request").exists()
    assert not TrustRequest.objects.exists()


def test_a_viewer_sees_the_list_but_no_form(firm):
    viewer = MembershipFactory(firm=firm, role=Role.VIEWER)
    page = client_for(viewer).get(reverse("trust_requests"))
    assert page.status_code == 200
    assert "Send through Clio" not in page.content.decode()


def test_the_list_costs_the_same_queries_for_two_requests_or_ten(admin):
    ledger = ClientLedgerFactory(firm=admin.firm)

    def count(n):
        for _ in range(n):
            _request(
                ledger.matter, "10.00", paid_by=_deposit(ledger, "10.00", timezone.localdate())
            )
        with CaptureQueriesContext(connection) as queries:
            assert client_for(admin).get(reverse("trust_requests")).status_code == 200
        return len(queries)

    assert count(2) == count(8)


# -- settling --------------------------------------------------------------------------------


def _request(matter, amount, made=None, **extra) -> TrustRequest:
    req = TrustRequest.objects.create(
        firm=matter.firm, matter=matter, amount=D(amount), due_date=DUE, **extra
    )
    if made is not None:
        TrustRequest.objects.filter(pk=req.pk).update(
            created_at=timezone.make_aware(
                timezone.datetime.combine(made, timezone.datetime.min.time())
            )
        )
    return req


_SEQ = iter(range(10**6))


def _deposit(ledger, amount, on, kind=EntryKind.DEPOSIT, **extra) -> TrustEntry:
    return TrustEntry.objects.create(
        firm=ledger.firm,
        account=ledger.account,
        ledger=ledger,
        kind=kind,
        direction="in" if kind == EntryKind.DEPOSIT else "out",
        amount=D(amount),
        date=on,
        source="clio",
        source_id=f"bank_transaction:{next(_SEQ)}",
        **extra,
    )


def test_a_request_is_paid_by_the_first_later_deposit_that_covers_it(firm):
    ledger = ClientLedgerFactory(firm=firm)
    day = date(2026, 3, 10)
    req = _request(ledger.matter, "500.00", made=day)
    _deposit(ledger, "900.00", day - timedelta(days=1))  # before the request
    _deposit(ledger, "300.00", day + timedelta(days=1))  # too small
    other = ClientLedgerFactory(firm=firm, account=ledger.account)
    _deposit(other, "900.00", day + timedelta(days=1))  # another matter
    pays = _deposit(ledger, "500.00", day + timedelta(days=2))
    _deposit(ledger, "800.00", day + timedelta(days=3))

    assert trust_requests_settle(firm=firm) == 1

    req.refresh_from_db()
    assert req.paid_by == pays and req.paid_at is not None


def test_one_deposit_pays_one_request_and_the_older_request_first(firm):
    ledger = ClientLedgerFactory(firm=firm)
    day = date(2026, 3, 10)
    older = _request(ledger.matter, "200.00", made=day)
    newer = _request(ledger.matter, "200.00", made=day + timedelta(days=1))
    first = _deposit(ledger, "250.00", day + timedelta(days=2))

    assert trust_requests_settle(firm=firm) == 1
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.paid_by == first and not newer.is_paid

    second = _deposit(ledger, "200.00", day + timedelta(days=3))
    assert trust_requests_settle(firm=firm) == 1
    newer.refresh_from_db()
    assert newer.paid_by == second
    assert trust_requests_settle(firm=firm) == 0


def test_a_reversed_deposit_pays_nothing(firm):
    ledger = ClientLedgerFactory(firm=firm)
    day = date(2026, 3, 10)
    req = _request(ledger.matter, "100.00", made=day)
    bounced = _deposit(ledger, "100.00", day)
    _deposit(ledger, "100.00", day, kind=EntryKind.REVERSAL, reverses=bounced)

    assert trust_requests_settle(firm=firm) == 0
    req.refresh_from_db()
    assert not req.is_paid


def test_settling_one_firm_leaves_another_alone(firm, other_firm):
    mine = ClientLedgerFactory(firm=firm)
    theirs_matter = MatterFactory(firm=other_firm)
    _request(theirs_matter, "50.00", made=date(2026, 3, 1))
    _deposit(mine, "50.00", date(2026, 3, 2))
    assert trust_requests_settle(firm=firm) == 0
    assert not TrustRequest.objects.filter(firm=other_firm, paid_by__isnull=False).exists()
