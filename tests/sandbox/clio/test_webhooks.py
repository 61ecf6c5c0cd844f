"""Webhooks: handshake, signatures, watched fields, expiry, retries and 410, with a local receiver."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.clio.models import Delivery


def _flush(api):
    return api.post("/sandbox/clio/_control/webhooks/flush", "{}", "application/json").json()


def _hook(firm, receiver, **data):
    body = {"url": receiver.url, "model": "contact", "fields": "id,etag,name", **data}
    response = firm.post("webhooks.json", body)
    assert response.status_code == 201, response.content
    hook_id = response.json()["data"]["id"]
    return firm.get(
        f"webhooks/{hook_id}.json", {"fields": "id,status,shared_secret,expires_at,events"}
    ).json()["data"]


def _status(firm, hook_id):
    return firm.get(f"webhooks/{hook_id}.json", {"fields": "status"}).json()["data"]["status"]


def test_handshake_echo_enables_the_webhook(api, firm, receiver):
    hook = _hook(firm, receiver)
    assert hook["status"] == "pending" and receiver.calls == []  # nothing sent in the request
    _flush(api)
    assert receiver.calls[0]["headers"]["X-Hook-Secret"] == hook["shared_secret"]
    assert _status(firm, hook["id"]) == "enabled"


def test_without_echo_it_stays_pending_until_activated(api, firm, receiver):
    receiver.echo = False
    hook = _hook(firm, receiver)
    _flush(api)
    assert _status(firm, hook["id"]) == "pending"
    url = firm.url(f"webhooks/{hook['id']}/activate.json")
    wrong = firm.client.put(url, **firm.auth, HTTP_X_HOOK_SECRET="wrong")
    assert wrong.status_code == 422
    ok = firm.client.put(url, **firm.auth, HTTP_X_HOOK_SECRET=hook["shared_secret"])
    assert ok.status_code == 200
    assert _status(firm, hook["id"]) == "enabled"


def test_deliveries_are_signed_with_the_shared_secret(api, firm, receiver):
    hook = _hook(firm, receiver)
    _flush(api)
    contact = firm.act("create_contact", first_name="Signed", last_name="Payload")
    _flush(api)
    [call] = receiver.events()
    expected = hmac.new(hook["shared_secret"].encode(), call["body"], hashlib.sha256).hexdigest()
    assert call["headers"]["X-Hook-Signature"] == expected
    payload = json.loads(call["body"])
    assert payload == {
        "data": {"id": contact["id"], "etag": contact["etag"], "name": "Signed Payload"},
        "meta": {"event": "created", "webhook_id": hook["id"]},
    }


def test_updates_fire_only_for_watched_fields_after_the_first(api, firm, receiver):
    _hook(firm, receiver, fields="id,name", events=["updated"])
    _flush(api)
    contact = firm.act("create_contact", first_name="Watch", last_name="Me")
    firm.act("update_contact", contact_id=contact["id"], title="Dr")  # first update: fires
    firm.act("update_contact", contact_id=contact["id"], title="Prof")  # name unchanged: silent
    firm.act("update_contact", contact_id=contact["id"], last_name="You")  # name changed: fires
    _flush(api)
    names = [json.loads(c["body"])["data"]["name"] for c in receiver.events()]
    assert names == ["Watch Me", "Watch You"]


def test_matter_status_events(api, firm, receiver):
    _hook(firm, receiver, model="matter", fields="id,status", events=["matter_closed"])
    _flush(api)
    client = firm.act("create_contact", first_name="M", last_name="S")
    matter = firm.act("create_matter", client_id=client["id"], description="Close me")
    firm.act("update_matter", matter_id=matter["id"], status="Closed")
    _flush(api)
    [call] = receiver.events()
    assert json.loads(call["body"])["meta"]["event"] == "matter_closed"


def test_bill_changes_from_actions_fire_bill_webhooks(api, firm, receiver):
    _hook(firm, receiver, model=3, fields="id,state,total")  # model by its ID
    _flush(api)
    client = firm.act("create_contact", first_name="B", last_name="W")
    matter = firm.act("create_matter", client_id=client["id"], description="Bill hooks")
    firm.act("create_time_entry", matter_id=matter["id"], hours=1, price=100)
    bill = firm.act("generate_bill", matter_id=matter["id"])
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    _flush(api)
    events = [json.loads(c["body"]) for c in receiver.events()]
    assert events[0]["meta"]["event"] == "created"
    assert events[-1]["data"]["state"] == "awaiting_payment"


def test_no_webhook_models_for_allocations_or_bank_transactions(firm, receiver):
    for model in ("allocation", "bank_transaction", "credit_memo"):
        response = firm.post("webhooks.json", {"url": receiver.url, "model": model, "fields": "id"})
        assert response.status_code == 422


def test_expiry_defaults_to_3_days_and_caps_at_31(firm, receiver):
    hook = _hook(firm, receiver)
    expires = timezone.datetime.fromisoformat(hook["expires_at"])
    assert abs(expires - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    too_far = (timezone.now() + timedelta(days=32)).isoformat()
    body = {"url": receiver.url, "model": "contact", "fields": "id", "expires_at": too_far}
    assert firm.post("webhooks.json", body).status_code == 422


def test_expired_webhooks_do_not_fire(api, firm, receiver):
    hook = _hook(firm, receiver)
    _flush(api)
    from sandbox.clio.models import Record

    record = Record.objects.get(pk=hook["id"])
    past = (timezone.now() - timedelta(seconds=1)).isoformat(timespec="seconds")
    Record.objects.filter(pk=record.pk).update(data={**record.data, "expires_at": past})
    firm.act("create_contact", first_name="Too", last_name="Late")
    _flush(api)
    assert receiver.events() == []


def test_http_urls_outside_localhost_are_rejected(firm):
    body = {"url": "http://example.com/hook", "model": "contact", "fields": "id"}
    assert firm.post("webhooks.json", body).status_code == 422


def test_bad_webhook_fields_are_400(firm, receiver):
    body = {"url": receiver.url, "model": "contact", "fields": "id,bogus"}
    assert firm.post("webhooks.json", body).status_code == 400


def test_410_disables_the_webhook(api, firm, receiver):
    hook = _hook(firm, receiver)
    _flush(api)
    receiver.status = 410
    firm.act("create_contact", first_name="Gone", last_name="Away")
    _flush(api)
    assert _status(firm, hook["id"]) == "suspended"
    firm.act("create_contact", first_name="Not", last_name="Sent")
    _flush(api)
    assert len(receiver.events()) == 1


def test_failures_are_retried_with_backoff(api, firm, receiver):
    _hook(firm, receiver)
    _flush(api)
    receiver.status = 500
    firm.act("create_contact", first_name="Retry", last_name="Me")
    _flush(api)
    delivery = Delivery.objects.get(kind="event")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=10)
    receiver.status = 200
    _flush(api)
    delivery.refresh_from_db()
    assert delivery.status == "done" and len(receiver.events()) == 2


def test_url_change_repeats_the_handshake(api, firm, receiver):
    hook = _hook(firm, receiver)
    _flush(api)
    receiver.echo = False
    firm.patch(f"webhooks/{hook['id']}.json", {"url": receiver.url + "/v2"})
    _flush(api)
    assert _status(firm, hook["id"]) == "pending"
    assert len([c for c in receiver.calls if "X-Hook-Secret" in c["headers"]]) == 2


@pytest.mark.django_db(transaction=True)
def test_background_sender_delivers_after_the_commit(live_server, http, receiver):
    """The request returns before delivery; the background thread sends after the commit."""
    import time

    from tests.sandbox.clio.conftest import make_firm

    firm = make_firm(None)
    base = f"{live_server.url}/sandbox/clio"
    http.post(f"{base}/_control/settings", json={"webhook_delivery": "background"})
    headers = {"Authorization": f"Bearer {firm.token.access_token}"}
    body = {"data": {"url": receiver.url, "model": "contact", "fields": "id"}}
    created = http.post(f"{base}/us/api/v4/webhooks.json", json=body, headers=headers)
    assert created.status_code == 201
    for _ in range(50):
        if receiver.calls:
            break
        time.sleep(0.1)
    assert receiver.calls and "X-Hook-Secret" in receiver.calls[0]["headers"]
    from sandbox.clio import webhooks

    webhooks._worker.join(timeout=10)  # let the sender finish and close its connection


def test_deleting_a_draft_bill_fires_deleted(api, firm, receiver):
    _hook(firm, receiver, model="bill", fields="id,state", events=["deleted"])
    _flush(api)
    client = firm.act("create_contact", first_name="D", last_name="B")
    matter = firm.act("create_matter", client_id=client["id"], description="Delete")
    firm.act("create_time_entry", matter_id=matter["id"], hours=1, price=100)
    bill = firm.act("generate_bill", matter_id=matter["id"])
    assert firm.delete(f"bills/{bill['id']}.json").status_code == 204
    _flush(api)
    [call] = receiver.events()
    assert json.loads(call["body"]) == {
        "data": {"id": bill["id"], "state": "deleted"},
        "meta": {"event": "deleted", "webhook_id": json.loads(call["body"])["meta"]["webhook_id"]},
    }
