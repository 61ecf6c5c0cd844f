"""Webhooks: intent to receive, signed deliveries of CONTACT/INVOICE/CREDITNOTE events."""

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from sandbox.xero import webhooks
from tests.sandbox.xero.conftest import API, Xero, checked_session, ctl

KEY = "k3y-for-tests-only"


def _webhook_validator(name: str) -> Draft202012Validator:
    spec = yaml.safe_load(Path("/work/shared/specs/xero/xero-webhooks.yaml").read_text())
    registry = Registry().with_resource("urn:wh", Resource(spec, DRAFT202012))
    return Draft202012Validator({"$ref": f"urn:wh#/components/schemas/{name}"}, registry=registry)


class Receiver:
    """A webhook endpoint that checks x-xero-signature as Xero's docs tell receivers to."""

    def __init__(self, honest: bool = True):
        self.bodies: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                want = base64.b64encode(
                    hmac.new(KEY.encode(), raw, hashlib.sha256).digest()
                ).decode()
                good = hmac.compare_digest(want, self.headers.get("x-xero-signature", ""))
                if good:
                    outer.bodies.append(json.loads(raw))
                self.send_response(200 if good or not honest else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xero"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.server.shutdown()


def test_intent_to_receive_needs_200_and_401(client, db, receiver):
    xero = Xero(client)
    out = ctl(
        client, "webhooks", {"client_id": xero.app["client_id"], "url": receiver.url, "key": KEY}
    )
    assert (out["status"], out["correctly_signed"], out["incorrectly_signed"]) == ("OK", 200, 401)
    assert receiver.bodies[0]["events"] == [] and receiver.bodies[0]["lastEventSequence"] == 0


def test_a_receiver_that_accepts_everything_fails_the_check(client, db):
    lax = Receiver(honest=False)
    xero = Xero(client)
    out = ctl(client, "webhooks", {"client_id": xero.app["client_id"], "url": lax.url, "key": KEY})
    lax.server.shutdown()
    assert out["status"] == "FAILED"
    xero.contact("No events")
    assert ctl(client, "webhooks/flush") == {"delivered": 0, "failed": 0}


def test_events_are_signed_sequenced_and_match_the_spec(client, db, receiver):
    xero = Xero(client)
    ctl(client, "webhooks", {"client_id": xero.app["client_id"], "url": receiver.url, "key": KEY})
    receiver.bodies.clear()
    inv = xero.invoice(amount=10)  # CONTACT create + INVOICE create
    xero.pay(inv["InvoiceID"], 10)  # INVOICE update
    cn = xero.put(
        "CreditNotes",
        {
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": inv["Contact"],
                    "LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "200"}],
                }
            ]
        },
    )
    assert ctl(client, "webhooks/flush") == {"delivered": 4, "failed": 0}
    body = receiver.bodies[0]
    assert not list(_webhook_validator("WebhookEvent").iter_errors(body))
    kinds = [(e["eventCategory"], e["eventType"]) for e in body["events"]]
    assert kinds == [
        ("CONTACT", "CREATE"),
        ("INVOICE", "CREATE"),
        ("INVOICE", "UPDATE"),
        ("CREDITNOTE", "CREATE"),
    ]
    assert (body["firstEventSequence"], body["lastEventSequence"]) == (1, 4)
    credit = body["events"][3]
    assert credit["data"] == {"Type": "ACCRECCREDIT", "Status": "DRAFT"}
    assert credit["resourceId"] == cn.json()["CreditNotes"][0]["CreditNoteID"]
    assert credit["resourceUrl"].endswith(f"/api.xro/2.0/CreditNotes/{credit['resourceId']}")
    assert all(
        e["tenantId"] == xero.tenant and e["tenantType"] == "ORGANISATION" for e in body["events"]
    )
    assert ctl(client, "webhooks/flush") == {"delivered": 0, "failed": 0}


def test_bookkeeper_actions_raise_events_too(client, db, receiver):
    xero = Xero(client)
    inv = xero.invoice(status="DRAFT")
    ctl(client, "webhooks", {"client_id": xero.app["client_id"], "url": receiver.url, "key": KEY})
    receiver.bodies.clear()
    ctl(
        client,
        "actions",
        {"action": "approve_invoice", "tenant_id": xero.tenant, "invoice_id": inv["InvoiceID"]},
    )
    ctl(client, "webhooks/flush")
    event = receiver.bodies[0]["events"][0]
    assert (event["eventCategory"], event["eventType"], event["resourceId"]) == (
        "INVOICE",
        "UPDATE",
        inv["InvoiceID"],
    )


@pytest.mark.django_db(transaction=True)
def test_the_background_sender_delivers_without_a_flush(live_server, receiver):
    session = checked_session()
    base = f"{live_server.url}/sandbox/xero"
    seeded = session.post(f"{base}/_control/seed", json={"preset": "reference"}).json()
    app = session.post(f"{base}/_control/apps", json={"redirect_uris": []}).json()
    tok = session.post(f"{base}/_control/tokens", json={"client_id": app["client_id"]}).json()
    hook = {"client_id": app["client_id"], "url": receiver.url, "key": KEY, "auto_deliver": True}
    assert session.post(f"{base}/_control/webhooks", json=hook).json()["status"] == "OK"
    headers = {
        "Authorization": f"Bearer {tok['access_token']}",
        "Accept": "application/json",
        "xero-tenant-id": seeded["organisations"][0]["tenantId"],
    }
    session.put(
        f"{live_server.url}{API}/Contacts", json={"Contacts": [{"Name": "Pushed"}]}, headers=headers
    )
    deadline = time.time() + 10
    while time.time() < deadline and len(receiver.bodies) < 2:
        time.sleep(0.2)
    webhooks.stop_sender()
    assert receiver.bodies[-1]["events"][0]["eventCategory"] == "CONTACT"


def test_a_webhook_failing_for_a_day_is_disabled(client, db, receiver):
    xero = Xero(client)
    ctl(client, "webhooks", {"client_id": xero.app["client_id"], "url": receiver.url, "key": KEY})
    receiver.server.shutdown()
    receiver.server.server_close()
    xero.contact("Undeliverable")
    assert ctl(client, "webhooks/flush") == {"delivered": 0, "failed": 1}
    ctl(client, "clock", {"advance_seconds": 25 * 3600})
    assert ctl(client, "webhooks/flush") == {"delivered": 0, "failed": 1}
    assert ctl(client, "webhooks/flush") == {"delivered": 0, "failed": 0}
