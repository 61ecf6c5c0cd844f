"""The QuickBooks cases of `python -m bench.sandbox_perf` (see there)."""

import json
import uuid

from django.test import Client

BASE = "/sandbox/quickbooks"
BATCH = 30
CUSTOMERS = 2000


class Qbo:
    def __init__(self):
        self.client = Client()
        # The limits stay on (as in the benchmark), with caps this run cannot reach.
        caps = {"per_minute": 10**9, "batch_per_minute": 10**9, "per_second": 10**9}
        caps["concurrent"] = 1000
        self._control("limits", {"lifted": False, **caps})
        self.realm = self._control("seed", {"preset": "reference"})["realmId"]
        app = self._control("apps", {"redirect_uris": ["http://localhost/cb"]})
        tokens = self._control("tokens", {"client_id": app["client_id"], "account": self.realm})
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
        accounts = self.query("SELECT * FROM Account")["Account"]
        self.accounts = {a["AccountSubType"]: a["Id"] for a in accounts}
        self.item = self.query("SELECT * FROM Item WHERE Name = 'Legal Services'")["Item"][0]["Id"]
        self.customers: list[str] = []
        self.open_invoices: list[tuple[str, str]] = []  # (invoice, customer)
        self.made = 0

    def _control(self, path: str, body: dict) -> dict:
        response = self.client.post(f"{BASE}/_control/{path}", body, "application/json")
        assert response.status_code == 200, response.content
        return response.json()

    def query(self, text: str) -> dict:
        url = f"{BASE}/api/v3/company/{self.realm}/query"
        return self.client.get(url, {"query": text}, **self.auth).json()["QueryResponse"]

    def post(self, path: str, body: dict) -> dict:
        url = f"{BASE}/api/v3/company/{self.realm}/{path}?minorversion=75&requestid={uuid.uuid4()}"
        response = self.client.post(url, json.dumps(body), "application/json", **self.auth)
        assert response.status_code == 200, response.content
        return response.json()

    def batch(self, entity: str, bodies: list[dict]) -> list[dict]:
        items = [
            {"bId": str(n), "operation": "create", entity: body} for n, body in enumerate(bodies)
        ]
        answer = self.post("batch", {"BatchItemRequest": items})["BatchItemResponse"]
        faults = [item["Fault"] for item in answer if "Fault" in item]
        assert not faults, faults
        return [item[entity] for item in answer]

    def name(self, prefix: str) -> str:
        self.made += 1
        return f"{prefix} {self.made:06d}"


def grow(qbo: Qbo, invoices: int) -> None:
    """Bring the company to `CUSTOMERS` customers and `invoices` open invoices, straight into
    the store (the way a long-lived company looks), with their change events."""
    from sandbox.quickbooks.models import ChangeEvent, Company, Record
    from sandbox.quickbooks.presets import _bulk

    company = Company.objects.get(realm_id=qbo.realm)
    have = len(qbo.customers)
    if have < CUSTOMERS:
        template = qbo.post("customer", {"DisplayName": qbo.name("Client")})["Customer"]
        bodies = []
        for _ in range(CUSTOMERS - have):
            name = qbo.name("Client")
            bodies.append(_strip(template) | {"DisplayName": name, "FullyQualifiedName": name})
        qbo.customers += [str(r.remote_id) for r in _bulk(company, "Customer", bodies)]
    have = Record.objects.filter(company=company, type="Invoice").count()
    if have >= invoices:
        return
    template = _strip(qbo.post("invoice", invoice_body(qbo, qbo.customers[0]))["Invoice"])
    bodies = []
    for n in range(invoices - have):
        customer = qbo.customers[n % len(qbo.customers)]
        ref = {"value": customer, "name": f"Client {customer}"}
        bodies.append(template | {"CustomerRef": ref, "DocNumber": str(100000 + have + n)})
    rows = _bulk(company, "Invoice", bodies)
    ChangeEvent.objects.bulk_create(
        [
            ChangeEvent(
                company=company,
                entity="Invoice",
                entity_id=str(r.remote_id),
                operation="Create",
                at=r.created_at,
            )
            for r in rows
        ],
        batch_size=1000,
    )
    qbo.open_invoices += [(str(r.remote_id), r.data["CustomerRef"]["value"]) for r in rows]


def _strip(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in ("Id", "SyncToken", "MetaData")}


def invoice_body(qbo: Qbo, customer: str) -> dict:
    lines = [
        {
            "DetailType": "SalesItemLineDetail",
            "Description": f"Work {n}",
            "SalesItemLineDetail": {"ItemRef": {"value": qbo.item}, "Qty": n, "UnitPrice": 125},
        }
        for n in (1, 2, 3)
    ]
    return {"CustomerRef": {"value": customer}, "TxnDate": "2026-11-02", "Line": lines}


def cases(qbo: Qbo) -> dict:
    trust_bank, liability = qbo.accounts["TrustAccounts"], qbo.accounts["TrustAccountsLiabilities"]
    operating = qbo.accounts["Checking"]

    def customers(n: int) -> int:
        return len(qbo.batch("Customer", [{"DisplayName": qbo.name("New")} for _ in range(BATCH)]))

    def invoices(n: int) -> int:
        pick = qbo.customers[n * BATCH : (n + 1) * BATCH]
        made = qbo.batch("Invoice", [invoice_body(qbo, c) for c in pick])
        qbo.open_invoices += [(inv["Id"], inv["CustomerRef"]["value"]) for inv in made]
        return len(made)

    def payments(n: int) -> int:
        pick, qbo.open_invoices = qbo.open_invoices[:BATCH], qbo.open_invoices[BATCH:]
        bodies = []
        for invoice_id, customer in pick:
            line = {"Amount": 100, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}
            bodies.append({"CustomerRef": {"value": customer}, "TotalAmt": 100, "Line": [line]})
        return len(qbo.batch("Payment", bodies))

    def deposits(n: int) -> int:
        def body(customer: str) -> dict:
            detail = {"AccountRef": {"value": liability}}
            detail["Entity"] = {"value": customer, "type": "CUSTOMER"}
            line = {"Amount": 250, "DetailType": "DepositLineDetail"}
            line["DepositLineDetail"] = detail
            return {"DepositToAccountRef": {"value": trust_bank}, "Line": [line]}

        return len(qbo.batch("Deposit", [body(c) for c in qbo.customers[:BATCH]]))

    def journals(n: int) -> int:
        def leg(posting: str, account: str) -> dict:
            detail = {"PostingType": posting, "AccountRef": {"value": account}}
            return {
                "Amount": 75,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": detail,
            }

        body = {"Line": [leg("Debit", liability), leg("Credit", trust_bank)]}
        return len(qbo.batch("JournalEntry", [body] * BATCH))

    def transfers(n: int) -> int:
        body = {"FromAccountRef": {"value": trust_bank}, "ToAccountRef": {"value": operating}}
        return len(qbo.batch("Transfer", [body | {"Amount": 40}] * BATCH))

    def single(n: int) -> int:
        qbo.post("invoice", invoice_body(qbo, qbo.customers[n]))
        return 1

    return {
        "batch Invoice x30": invoices,
        "batch Customer x30": customers,
        "batch Payment x30": payments,
        "batch Deposit x30": deposits,
        "batch JournalEntry x30": journals,
        "batch Transfer x30": transfers,
        "POST invoice": single,
    }


def run(size: int, rounds: int, measure):
    qbo = Qbo()
    for target in (0, size):
        grow(qbo, target)
        for case, call in cases(qbo).items():
            yield case, target, measure(call, rounds)
