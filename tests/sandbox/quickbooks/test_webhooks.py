"""Webhook deliveries to a real HTTP receiver: both formats, signature, retries."""

import base64
import hashlib
import hmac
import json

import pytest

from sandbox.quickbooks.models import WebhookDelivery
from tests.sandbox.quickbooks.conftest import Receiver, control, invoice_body


def _verify(signature: str, body: bytes) -> bool:
    digest = hmac.new(b"verifier-1", body, hashlib.sha256).digest()
    return hmac.compare_digest(signature, base64.b64encode(digest).decode())


def test_legacy_notifications_are_signed_and_list_changes(qbo, books, receiver):
    control(
        qbo.client,
        "webhooks",
        {"client_id": qbo.app["client_id"], "url": receiver, "verifier_token": "verifier-1"},
    )
    inv = qbo.create("Invoice", invoice_body(books))
    qbo.post("invoice?operation=void", {"Id": inv["Id"], "SyncToken": "0"})
    assert control(qbo.client, "webhooks/flush") == {"delivered": 1, "failed": 0}
    signature, body = Receiver.received[0]
    assert _verify(signature, body)
    note = json.loads(body)["eventNotifications"][0]
    assert note["realmId"] == qbo.realm
    ops = [(e["name"], e["id"], e["operation"]) for e in note["dataChangeEvent"]["entities"]]
    assert ("Invoice", inv["Id"], "Create") in ops and ("Invoice", inv["Id"], "Void") in ops
    assert {name for name, _, _ in ops} == {"Invoice"}
    assert control(qbo.client, "webhooks/flush") == {"delivered": 0, "failed": 0}


def test_cloudevents_format_and_retry_after_failure(qbo, books, receiver):
    control(
        qbo.client,
        "webhooks",
        {
            "client_id": qbo.app["client_id"],
            "url": receiver,
            "verifier_token": "verifier-1",
            "format": "cloudevents",
        },
    )
    Receiver.status = 500
    inv = qbo.create("Invoice", invoice_body(books))
    assert control(qbo.client, "webhooks/flush") == {"delivered": 0, "failed": 1}
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_status == 500
    assert control(qbo.client, "webhooks/flush", {"force": False}) == {"delivered": 0, "failed": 0}
    Receiver.status = 200
    assert control(qbo.client, "webhooks/flush") == {"delivered": 1, "failed": 0}
    signature, body = Receiver.received[-1]
    assert _verify(signature, body) and body == Receiver.received[0][1]
    event = json.loads(body)[0]
    assert event["type"] == "qbo.invoice.created.v1" and event["specversion"] == "1.0"
    assert event["intuitentityid"] == inv["Id"] and event["intuitaccountid"] == qbo.realm


@pytest.mark.django_db(transaction=True)
def test_background_sender_delivers_after_changes(live_server, receiver):
    import time

    import requests

    base = f"{live_server.url}/sandbox/quickbooks"

    def post(path, body):
        return requests.post(f"{base}/_control/{path}", json=body, timeout=10).json()

    realm = post("seed", {"preset": "reference"})["realmId"]
    app = post("apps", {"redirect_uris": []})
    post("tokens", {"client_id": app["client_id"], "account": realm})
    hook = {"client_id": app["client_id"], "url": receiver, "verifier_token": "verifier-1"}
    post("webhooks", hook | {"auto_deliver": True, "interval_seconds": 0.2})
    try:
        post("actions", {"action": "create_customer", "realmId": realm, "display_name": "Hooked"})
        deadline = time.time() + 10
        while not Receiver.received and time.time() < deadline:
            time.sleep(0.1)
    finally:
        post("webhooks", hook | {"auto_deliver": False})
    signature, body = Receiver.received[0]
    assert _verify(signature, body)
    entities = json.loads(body)["eventNotifications"][0]["dataChangeEvent"]["entities"]
    assert entities[0]["name"] == "Customer" and entities[0]["operation"] == "Create"
