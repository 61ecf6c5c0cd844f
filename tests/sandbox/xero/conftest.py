"""Every Xero response in this suite passes through `spec_check.check` (the Django test client and
the `requests` sessions used against live_server both)."""

import base64
import json

import pytest
import requests
from django.test import Client

from tests.sandbox.xero import spec_check

API = "/sandbox/xero/api/api.xro/2.0"
CTRL = "/sandbox/xero/_control"


class CheckedClient(Client):
    def request(self, **request):
        response = super().request(**request)
        spec_check.check(
            request["REQUEST_METHOD"],
            request["PATH_INFO"],
            response.status_code,
            response.get("Content-Type", ""),
            response.content,
        )
        return response


def checked_session() -> requests.Session:
    """A requests session whose every answer is checked against the spec."""
    from urllib.parse import urlsplit

    session = requests.Session()

    def hook(resp, *args, **kwargs):
        spec_check.check(
            resp.request.method,
            urlsplit(resp.url).path,
            resp.status_code,
            resp.headers.get("Content-Type", ""),
            resp.content,
        )

    session.hooks["response"].append(hook)
    return session


@pytest.fixture
def client():
    return CheckedClient()


def ctl(client, name: str, body: dict | None = None, method: str = "post"):
    if method == "get":
        resp = client.get(f"{CTRL}/{name}")
    else:
        resp = client.post(
            f"{CTRL}/{name}", json.dumps(body or {}), content_type="application/json"
        )
    assert resp.status_code == 200, resp.content
    return resp.json()


class Xero:
    """A connected app on a seeded organisation, calling the API like a real client."""

    def __init__(self, client, preset: str = "reference"):
        self.client = client
        self.made = 0
        seeded = ctl(client, "seed", {"preset": preset})
        self.orgs = seeded["organisations"]
        self.tenant = self.orgs[0]["tenantId"]
        self.app = ctl(client, "apps", {"redirect_uris": ["https://app.example/callback"]})
        ctl(client, "limits", {"enabled": False})
        self.tokens = ctl(
            client, "tokens", {"client_id": self.app["client_id"], "account": self.tenant}
        )

    def headers(self, **extra) -> dict:
        out = {
            "HTTP_AUTHORIZATION": f"Bearer {self.tokens['access_token']}",
            "HTTP_XERO_TENANT_ID": self.tenant,
            "HTTP_ACCEPT": "application/json",
        }
        out.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in extra.items()})
        return out

    def get(self, path: str, params: dict | None = None, **headers):
        return self.client.get(f"{API}/{path}", params or {}, **self.headers(**headers))

    def send(self, method: str, path: str, body, query: str = "", **headers):
        url = f"{API}/{path}" + (f"?{query}" if query else "")
        return getattr(self.client, method.lower())(
            url, json.dumps(body), content_type="application/json", **self.headers(**headers)
        )

    def put(self, path, body, query="", **headers):
        return self.send("PUT", path, body, query, **headers)

    def post(self, path, body, query="", **headers):
        return self.send("POST", path, body, query, **headers)

    def basic(self) -> str:
        raw = f"{self.app['client_id']}:{self.app['client_secret']}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def contact(self, name="Ada Lovelace") -> dict:
        resp = self.put("Contacts", {"Contacts": [{"Name": name}]})
        assert resp.status_code == 200, resp.content
        return resp.json()["Contacts"][0]

    def invoice(self, status="AUTHORISED", amount=100, number=None, **extra) -> dict:
        self.made += 1
        contact = extra.pop("contact", None) or self.contact(f"Client {self.made}")
        inv = {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact["ContactID"]},
            "Date": "2026-03-01",
            "DueDate": "2026-03-31",
            "Status": status,
            "LineItems": [
                {
                    "Description": "Advice",
                    "Quantity": 1,
                    "UnitAmount": amount,
                    "AccountCode": "200",
                    "TaxType": "NONE",
                }
            ],
            **extra,
        }
        if number:
            inv["InvoiceNumber"] = number
        resp = self.put("Invoices", {"Invoices": [inv]})
        assert resp.status_code == 200, resp.content
        return resp.json()["Invoices"][0]

    def pay(self, invoice_id: str, amount, **extra):
        body = {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": invoice_id},
                    "Account": {"Code": "090"},
                    "Amount": amount,
                    "Date": "2026-03-10",
                    **extra,
                }
            ]
        }
        return self.put("Payments", body)


@pytest.fixture
def xero(client, db):
    return Xero(client)


def messages(resp) -> list[str]:
    body = resp.json()
    return [m["Message"] for el in body["Elements"] for m in el["ValidationErrors"]]


def pytest_terminal_summary(terminalreporter):
    if spec_check.VALIDATED["count"]:
        terminalreporter.write_line(
            f"Xero responses validated against the OpenAPI specs: {spec_check.VALIDATED['count']}; "
            f"answers the specs define no body for, by status: {spec_check.VALIDATED['silent']}"
        )
