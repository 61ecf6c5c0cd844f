"""Clio webhooks: registered on connect, handshake, signed deliveries into the inbox, renewal."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from sync import preflight, webhooks
from sync.engine.registry import client_for
from sync.models import WebhookEvent, WebhookSubscription
from tests.support.sandboxes import control

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clio(clio_account):
    a = clio_account
    return a.base, a.connection, a.admin, a.act


def test_connecting_clio_registers_webhooks_that_the_handshake_enables(clio):
    base, conn, admin, _ = clio
    subs = WebhookSubscription.objects.filter(connection=conn)
    assert sorted(s.model for s in subs) == sorted(webhooks.CLIO_MODELS)
    assert all(s.remote_id and s.status == "pending" for s in subs)
    control(base, "clio", "webhooks/flush")
    assert set(subs.values_list("status", flat=True)) == {"enabled"}
    remote = {w["id"]: w["status"] for w in client_for(conn).webhooks()}
    assert set(remote.values()) == {"enabled"}
    checks, _ = preflight.preflight_run(firm=admin.firm)
    assert next(c for c in checks if c.key == "clio_webhooks").ok


def test_a_signed_delivery_lands_in_the_inbox_once(clio):
    base, conn, _, act = clio
    control(base, "clio", "webhooks/flush")
    person = act("create_contact", first_name="Ada", last_name="Lovelace")
    control(base, "clio", "webhooks/flush")
    event = WebhookEvent.objects.get(model="contact", record_id=str(person["id"]))
    assert event.event == "created" and event.payload["data"]["id"] == person["id"]
    sub = WebhookSubscription.objects.get(connection=conn, model="contact")
    import hashlib
    import hmac
    import json

    body = json.dumps(event.payload).encode()
    signature = hmac.new(sub.shared_secret.encode(), body, hashlib.sha256).hexdigest()
    url = f"{base}/webhooks/clio/{sub.token}/"
    again = requests.post(url, data=body, headers={"X-Hook-Signature": signature}, timeout=30)
    assert again.status_code == 200 and again.text == "duplicate"
    assert WebhookEvent.objects.filter(model="contact").count() == 1


def test_a_bad_signature_is_refused_and_nothing_is_stored(clio):
    base, conn, _, _ = clio
    control(base, "clio", "webhooks/flush")
    sub = WebhookSubscription.objects.get(connection=conn, model="bill")
    body = b'{"data": {"id": 1, "etag": "x"}, "meta": {"event": "updated"}}'
    answer = requests.post(
        f"{base}/webhooks/clio/{sub.token}/",
        data=body,
        headers={"X-Hook-Signature": "0" * 64},
        timeout=30,
    )
    assert answer.status_code == 401
    assert (
        requests.post(f"{base}/webhooks/clio/not-a-token/", data=body, timeout=30).status_code
        == 404
    )
    assert not WebhookEvent.objects.exists()


def test_webhooks_due_to_expire_are_renewed_at_clio(clio):
    base, conn, _, _ = clio
    control(base, "clio", "webhooks/flush")
    soon = timezone.now() + timedelta(days=2)
    WebhookSubscription.objects.filter(connection=conn).update(expires_at=soon)
    assert webhooks.clio_webhooks_renew() == len(webhooks.CLIO_MODELS)
    for hook in client_for(conn).webhooks():
        assert hook["expires_at"] > (timezone.now() + timedelta(days=30)).isoformat()[:10]


def test_a_webhook_delivery_brings_the_record_into_the_mirror(clio):
    from practice.models import Contact

    base, conn, _, act = clio
    control(base, "clio", "webhooks/flush")  # handshakes
    person = act(
        "create_contact", first_name="Mary", last_name="Somerville", email="mary@example.com"
    )
    control(base, "clio", "webhooks/flush")
    mirrored = Contact.objects.get(clio_id=person["id"])
    assert mirrored.email == "mary@example.com" and mirrored.firm == conn.firm
    assert not WebhookEvent.objects.filter(processed_at__isnull=True).exists()


def test_the_five_minute_poll_catches_what_no_webhook_announced(clio):
    from practice.models import Allocation, Bill
    from sync.tasks import clio_poll

    _, _, _, act = clio
    person = act("create_contact", first_name="Emmy", last_name="Noether")
    matter = act("create_matter", client_id=person["id"], description="Algebra")
    act("create_time_entry", matter_id=matter["id"], hours=1, price=200, description="Advice")
    bill = act("generate_bill", matter_id=matter["id"], issued_at="2026-02-01")
    act("bill_transition", bill_id=bill["id"], to="approve")
    act("record_payment", bill_id=bill["id"], amount=50, source="operating", date="2026-02-02")
    # No flush: the webhooks never arrive, and allocations have none anyway.
    assert clio_poll() == 1
    assert Bill.objects.get(clio_id=bill["id"]).state == "awaiting_payment"
    assert Allocation.objects.get().amount == 50


# -- the receiver against forged and malformed requests (no sandbox needed) -----------------


def _subscription(*, status="enabled", shared_secret="clio-secret"):
    from tests.factories import BooksConnectionFactory

    conn = BooksConnectionFactory(provider="clio", side="practice", external_id="clio-1")
    return WebhookSubscription.objects.create(
        firm=conn.firm,
        connection=conn,
        model="bill",
        token="tok-" + "a" * 40,
        remote_id="77",
        shared_secret=shared_secret,
        status=status,
    )


def _signed(client, sub, body: bytes, secret: str):
    import hashlib
    import hmac

    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        f"/webhooks/clio/{sub.token}/",
        data=body,
        content_type="application/json",
        headers={"X-Hook-Signature": signature},
    )


def test_a_handshake_cannot_replace_an_enabled_webhooks_secret(client):
    sub = _subscription()
    answer = client.post(
        f"/webhooks/clio/{sub.token}/",
        data=b"{}",
        content_type="application/json",
        headers={"X-Hook-Secret": "attacker"},
    )
    assert answer.status_code == 403 and "X-Hook-Secret" not in answer.headers
    sub.refresh_from_db()
    assert sub.shared_secret == "clio-secret" and sub.status == "enabled"


def test_deliveries_forged_after_a_refused_handshake_are_not_stored(client, monkeypatch):
    queued = []
    monkeypatch.setattr("sync.webhooks.async_task", lambda *args: queued.append(args))
    sub = _subscription()
    client.post(
        f"/webhooks/clio/{sub.token}/",
        data=b"{}",
        content_type="application/json",
        headers={"X-Hook-Secret": "attacker"},
    )
    body = b'{"data": {"id": 5, "etag": "x"}, "meta": {"event": "updated"}}'
    assert _signed(client, sub, body, "attacker").status_code == 401
    assert _signed(client, sub, body, "clio-secret").status_code == 200
    assert WebhookEvent.objects.get().record_id == "5"
    assert queued == [("sync.tasks.clio_inbox_process", sub.connection_id)]


def test_a_pending_webhook_is_enabled_only_by_the_secret_clio_returned(client):
    sub = _subscription(status="pending")
    url = f"/webhooks/clio/{sub.token}/"
    assert (
        client.post(
            url, data=b"{}", content_type="application/json", headers={"X-Hook-Secret": "guess"}
        ).status_code
        == 403
    )
    sub.refresh_from_db()
    assert sub.status == "pending" and sub.shared_secret == "clio-secret"
    answer = client.post(
        url, data=b"{}", content_type="application/json", headers={"X-Hook-Secret": "clio-secret"}
    )
    assert answer.status_code == 200 and answer.headers["X-Hook-Secret"] == "clio-secret"
    sub.refresh_from_db()
    assert sub.status == "enabled"


def test_a_handshake_that_overtakes_the_create_response_is_accepted_once(client):
    sub = _subscription(status="pending", shared_secret="")
    url = f"/webhooks/clio/{sub.token}/"
    first = client.post(
        url, data=b"{}", content_type="application/json", headers={"X-Hook-Secret": "from-clio"}
    )
    assert first.status_code == 200 and first.headers["X-Hook-Secret"] == "from-clio"
    second = client.post(
        url, data=b"{}", content_type="application/json", headers={"X-Hook-Secret": "someone-else"}
    )
    assert second.status_code == 403
    sub.refresh_from_db()
    assert sub.shared_secret == "from-clio" and sub.status == "enabled"


@pytest.mark.parametrize(
    "body",
    [
        b"[1,2,3]",
        b'{"data":"x"}',
        b'"text"',
        b"null",
        b"42",
        b'{"data": {"id": 1}, "meta": "x"}',
        b'{"data": {"id": {"nested": 1}}, "meta": {"event": "updated"}}',
        b'{"data": {"id": 1}, "meta": {"event": ["updated"]}}',
        b'{"data": {"id": 1, "etag": "a\\u0000b"}, "meta": {"event": "updated"}}',
        b'{"data": {"id": "%s"}, "meta": {"event": "updated"}}' % (b"9" * 65),
        b'{"data": {"id": 1}, "meta": {"event": "%s"}}' % (b"e" * 41),
        b"\xff\xfe",
        b"[" * 100_000,
    ],
)
def test_a_signed_delivery_of_any_other_shape_is_a_400(client, body):
    sub = _subscription()
    assert _signed(client, sub, body, "clio-secret").status_code == 400
    assert not WebhookEvent.objects.exists()
