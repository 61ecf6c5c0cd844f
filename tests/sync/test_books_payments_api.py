"""Payments found only in the books, over the API: listed, read, and resolved with the same
choices and rules as the Sync page's card; the firm's own only."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from sync.models import BooksOnlyPayment
from tests.conftest import client_for
from tests.factories import books_connection


def _payment(firm, **kw) -> BooksOnlyPayment:
    values = {"remote_id": "p-1", "amount": Decimal("120.00"), "customer_name": "Ada"}
    return BooksOnlyPayment.objects.create(
        firm=firm, connection=books_connection(firm), **{**values, **kw}
    )


def _resolve(client, payment, body):
    return client.post(
        reverse("api_books_payment_resolve", args=[payment.pk]),
        body,
        content_type="application/json",
    )


def test_open_payments_are_listed_with_money_as_strings(viewer, firm):
    open_ = _payment(firm)
    _payment(firm, remote_id="p-2", resolution="Recorded in Clio now", resolved_at=timezone.now())
    client = client_for(viewer)
    body = client.get(reverse("api_books_payments")).json()
    assert [r["id"] for r in body["results"]] == [open_.pk]
    assert body["results"][0]["amount"] == "120.00"
    assert client.get(reverse("api_books_payments"), {"state": "all"}).json()["count"] == 2
    bad = client.get(reverse("api_books_payments"), {"state": "closed"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["details"]
    one = client.get(reverse("api_books_payment", args=[open_.pk])).json()
    assert one["customer_name"] == "Ada" and one["resolved_at"] is None


def test_a_payment_is_resolved_once_and_audited(admin, firm):
    payment = _payment(firm)
    client = client_for(admin)
    response = _resolve(client, payment, {"reason": "not_client_payment"})
    assert response.status_code == 200, response.content
    assert response.json()["resolution"].startswith("Not a client payment")
    assert response.json()["resolved_by"] == admin.user.email
    assert AuditEvent.objects.filter(firm=firm, action="books_payment.resolved").exists()
    again = _resolve(client, payment, {"reason": "recorded_in_clio"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_resolved"


def test_other_needs_words_and_an_unknown_reason_is_refused(admin, firm):
    payment = _payment(firm)
    client = client_for(admin)
    blank = _resolve(client, payment, {"reason": "other"})
    assert blank.status_code == 400 and "other" in blank.json()["error"]["details"]
    unknown = _resolve(client, payment, {"reason": "lost"})
    assert unknown.status_code == 400 and "reason" in unknown.json()["error"]["details"]
    assert _resolve(client, payment, ["not", "an", "object"]).status_code == 400
    done = _resolve(client, payment, {"reason": "other", "other": "Refund to the client"})
    assert done.json()["resolution"] == "Other: Refund to the client"


def test_staff_and_viewers_read_but_cannot_resolve(staff, viewer, firm):
    payment = _payment(firm)
    for member in (staff, viewer):
        assert client_for(member).get(reverse("api_books_payments")).status_code == 200
        refused = _resolve(client_for(member), payment, {"reason": "recorded_in_clio"})
        assert refused.status_code == 403
    payment.refresh_from_db()
    assert payment.resolved_at is None


def test_another_firms_payment_is_not_found(outsider, firm):
    payment = _payment(firm)
    client = client_for(outsider)
    assert client.get(reverse("api_books_payment", args=[payment.pk])).status_code == 404
    assert _resolve(client, payment, {"reason": "recorded_in_clio"}).status_code == 404
    assert client.get(reverse("api_books_payments")).json()["count"] == 0
    payment.refresh_from_db()
    assert payment.resolved_at is None
