import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client

from sandbox.quickbooks.schema import entity_problems

BASE = "/sandbox/quickbooks"
SKIP = {"time", "startPosition", "maxResults", "totalCount"}


def assert_shapes(body):
    """Apply the XSD check to every entity in an API answer (single, query, batch or CDC)."""
    from sandbox.quickbooks.entities import BY_NAME

    if isinstance(body, list):
        for item in body:
            assert_shapes(item)
        return
    if not isinstance(body, dict):
        return
    for key, value in body.items():
        if key in BY_NAME:
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item.get("status") != "Deleted":
                    problems = entity_problems(key, item)
                    assert not problems, problems
        elif key in ("QueryResponse", "BatchItemResponse", "CDCResponse"):
            assert_shapes(value)


class QBO:
    def __init__(self, client: Client, realm: str, token: str, app: dict):
        self.client, self.realm, self.token, self.app = client, realm, token, app

    def url(self, path: str) -> str:
        return f"{BASE}/api/v3/company/{self.realm}/{path}"

    def _headers(self, token=None):
        return {
            "HTTP_AUTHORIZATION": f"Bearer {token or self.token}",
            "HTTP_ACCEPT": "application/json",
        }

    def get(self, path: str, token=None, **params):
        response = self.client.get(self.url(path), params, **self._headers(token))
        self._check(response)
        return response

    def post(self, path: str, body, token=None):
        response = self.client.post(
            self.url(path),
            json.dumps(body),
            content_type="application/json",
            **self._headers(token),
        )
        self._check(response)
        return response

    def query(self, text: str):
        return self.get("query", query=text)

    def create(self, entity: str, body: dict) -> dict:
        response = self.post(f"{entity.lower()}?minorversion=75", body)
        assert response.status_code == 200, response.json()
        return response.json()[entity]

    def _check(self, response):
        if response.get("Content-Type", "").startswith("application/json"):
            assert_shapes(response.json())

    def control(self, path: str, body=None):
        return control(self.client, path, body)


def control(client: Client, path: str, body=None):
    response = client.post(
        f"{BASE}/_control/{path}", json.dumps(body or {}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def qbo(db):
    client = Client()
    control(client, "limits", {"lifted": True})
    realm = control(client, "seed", {"preset": "reference"})["realmId"]
    app = control(client, "apps", {"redirect_uris": ["http://localhost/cb"], "name": "Test"})
    tokens = control(client, "tokens", {"client_id": app["client_id"], "account": realm})
    return QBO(client, realm, tokens["access_token"], app | {"tokens": tokens})


@pytest.fixture
def books(qbo):
    """A customer, the service item and the accounts, as ids."""
    customer = qbo.create("Customer", {"DisplayName": "Olivia Smith"})
    items = qbo.query("SELECT * FROM Item WHERE Name = 'Legal Services'").json()
    accounts = qbo.query("SELECT * FROM Account").json()["QueryResponse"]["Account"]
    by_sub = {a["AccountSubType"]: a["Id"] for a in accounts}
    return {
        "customer": customer["Id"],
        "item": items["QueryResponse"]["Item"][0]["Id"],
        "accounts": by_sub,
    }


def invoice_body(books, *lines, **extra):
    return {
        "CustomerRef": {"value": books["customer"]},
        "Line": [
            {
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {
                    "ItemRef": {"value": books["item"]},
                    "Qty": q,
                    "UnitPrice": p,
                },
            }
            for q, p in (lines or [(2, 350)])
        ],
        **extra,
    }


class Receiver(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.headers["intuit-signature"], body))
        self.send_response(Receiver.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received, Receiver.status = [], 200
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()
