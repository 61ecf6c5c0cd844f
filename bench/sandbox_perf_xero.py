"""The Xero cases of `python -m bench.sandbox_perf` (see there): PUT /Invoices of 50 invoices."""

import json
import uuid

from django.test import Client

BASE = "/sandbox/xero"
API = f"{BASE}/api/api.xro/2.0"
BATCH = 50
CONTACTS = 2000


class Xero:
    def __init__(self):
        self.client = Client()
        self.tenant = self._control("seed", {"preset": "reference"})["organisations"][0]["tenantId"]
        app = self._control("apps", {"redirect_uris": ["https://app.example/callback"]})
        # The limits stay on (as in the benchmark), with caps this run cannot reach.
        caps = {"minute": 10**9, "day": 10**9, "app_minute": 10**9, "concurrent": 1000}
        self._control("limits", {"enabled": True, **caps})
        tokens = self._control("tokens", {"client_id": app["client_id"], "account": self.tenant})
        self.auth = {
            "HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}",
            "HTTP_XERO_TENANT_ID": self.tenant,
            "HTTP_ACCEPT": "application/json",
        }
        self.contacts: list[str] = []
        self.made = 0

    def _control(self, path: str, body: dict) -> dict:
        response = self.client.post(f"{BASE}/_control/{path}", json.dumps(body), "application/json")
        assert response.status_code == 200, response.content
        return response.json()

    def put(self, plural: str, elements: list[dict]) -> list[dict]:
        headers = self.auth | {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
        body = json.dumps({plural: elements})
        response = self.client.put(f"{API}/{plural}", body, "application/json", **headers)
        assert response.status_code == 200, response.content
        return response.json()[plural]

    def invoice(self, contact: str) -> dict:
        self.made += 1
        line = {
            "Description": "Advice",
            "Quantity": 2,
            "UnitAmount": 125.5,
            "AccountCode": "200",
            "TaxType": "NONE",
        }
        return {
            "Type": "ACCREC",
            "Contact": {"ContactID": contact},
            "Date": "2026-11-02",
            "DueDate": "2026-12-02",
            "Status": "AUTHORISED",
            "InvoiceNumber": f"PERF-{self.made:06d}",
            "LineItems": [line, dict(line)],
        }


def grow(xero: Xero, invoices: int) -> None:
    """Contacts through the API; `invoices` invoices straight into the store (copies of one)."""
    from sandbox.xero.models import Organisation, Record

    while len(xero.contacts) < CONTACTS:
        names = [{"Name": f"Client {len(xero.contacts) + n:05d}"} for n in range(BATCH)]
        xero.contacts += [c["ContactID"] for c in xero.put("Contacts", names)]
    org = Organisation.objects.get(tenant_id=xero.tenant)
    have = Record.objects.filter(organisation=org, kind="Invoice").count()
    if have >= invoices:
        return
    template = Record.objects.filter(organisation=org, kind="Invoice").first()
    if template is None:
        xero.put("Invoices", [xero.invoice(xero.contacts[0])])
        template = Record.objects.get(organisation=org, kind="Invoice")
    rows = []
    for n in range(invoices - have):
        xero.made += 1
        remote_id, number = str(uuid.uuid4()), f"PERF-{xero.made:06d}"
        data = template.data | {"InvoiceID": remote_id, "InvoiceNumber": number}
        data["Contact"] = template.data["Contact"] | {"ContactID": xero.contacts[n % CONTACTS]}
        rows.append(
            Record(
                organisation=org,
                kind="Invoice",
                remote_id=remote_id,
                number=number,
                doc_type=template.doc_type,
                status=template.status,
                data=data,
                updated_at=template.updated_at,
            )
        )
    Record.objects.bulk_create(rows, batch_size=1000)


def run(size: int, rounds: int, measure):
    xero = Xero()
    for target in (0, size):
        grow(xero, target)

        def put(n: int) -> int:
            contacts = xero.contacts[n * BATCH : (n + 1) * BATCH]
            return len(xero.put("Invoices", [xero.invoice(c) for c in contacts]))

        yield "PUT Invoices x50", target, measure(put, rounds)

        # Half of each of 50 fresh invoices a round, as the engine's payment batches pay them.
        unpaid = [
            xero.put("Invoices", [xero.invoice(c) for c in xero.contacts[:BATCH]])
            for _ in range(rounds + 2)
        ]

        def pay(n: int, unpaid: list[list[dict]] = unpaid) -> int:
            return len(xero.put("Payments", [payment(i) for i in unpaid[n]]))

        yield "PUT Payments x50", target, measure(pay, rounds)


def payment(invoice: dict) -> dict:
    return {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Date": "2026-11-20",
        "Amount": 125.5,
        "Reference": "perf",
    }
