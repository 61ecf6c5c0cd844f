"""Writes to one realm run side by side, as QuickBooks' own do, and still keep its rules."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from sandbox.quickbooks import api


@pytest.fixture
def realm(live_server):
    base = f"{live_server.url}/sandbox/quickbooks"

    def control(path, body):
        return requests.post(f"{base}/_control/{path}", json=body, timeout=10).json()

    company = control("seed", {"preset": "reference"})["realmId"]
    app = control("apps", {"redirect_uris": []})
    token = control("tokens", {"client_id": app["client_id"], "account": company})["access_token"]
    control("limits", {"lifted": True})
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def call(path: str, body: dict | None = None) -> requests.Response:
        url = f"{base}/api/v3/company/{company}/{path}"
        if body is None:
            return requests.get(url, headers=headers, timeout=60)
        return requests.post(url, json=body, headers=headers, timeout=60)

    return call


@pytest.mark.django_db(transaction=True)
def test_a_write_is_not_held_up_by_a_slow_one_on_other_records(realm, monkeypatch):
    """A write used to take the company's row for its whole transaction: every other write of
    the realm queued behind it, and sandbox QuickBooks, not its published limits, set the pace."""
    create = api.entity_create
    finished: list[str] = []

    def slow(company, spec, data, *args, **kwargs):
        if data.get("DisplayName") == "Slow Client":
            time.sleep(1.5)
        return create(company, spec, data, *args, **kwargs)

    monkeypatch.setattr(api, "entity_create", slow)

    def make(name: str) -> int:
        answer = realm("customer", {"DisplayName": name})
        finished.append(name)
        return answer.status_code

    slow_one = threading.Thread(target=make, args=("Slow Client",))
    slow_one.start()
    time.sleep(0.4)  # the slow write is inside its transaction
    assert make("Quick Client") == 200
    slow_one.join()
    assert finished == ["Quick Client", "Slow Client"]


@pytest.mark.django_db(transaction=True)
def test_payments_to_the_same_invoices_in_opposite_orders_all_apply(realm):
    """Two batches that lock the same invoices in opposite orders: one waits for the other (or
    runs again after PostgreSQL breaks a deadlock), never a 500, and every balance adds up."""
    customer = realm("customer", {"DisplayName": "Shared Client"}).json()["Customer"]["Id"]
    line = {"Amount": 100, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}
    invoices = [
        realm("invoice", {"CustomerRef": {"value": customer}, "Line": [line]}).json()["Invoice"]
        for _ in range(12)
    ]

    def pay(order: list[dict]) -> tuple[int, str]:
        items = [
            {
                "bId": str(n),
                "operation": "create",
                "Payment": {
                    "CustomerRef": {"value": customer},
                    "TotalAmt": 10,
                    "Line": [
                        {"Amount": 10, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}
                    ],
                },
            }
            for n, inv in enumerate(order)
        ]
        answer = realm("batch", {"BatchItemRequest": items})
        return answer.status_code, answer.text[-400:]

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(pay, [invoices, invoices[::-1]]))
    assert [code for code, _ in answers] == [200, 200], answers
    for inv in invoices:
        balance = realm(f"invoice/{inv['Id']}").json()["Invoice"]["Balance"]
        assert Decimal(str(balance)) == Decimal("80.00")
    customer_balance = realm(f"customer/{customer}").json()["Customer"]["Balance"]
    assert Decimal(str(customer_balance)) == Decimal("80.00") * len(invoices)


@pytest.mark.django_db(transaction=True)
def test_two_calls_at_once_cannot_both_take_one_name(realm):
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(
            pool.map(
                lambda _: realm("customer", {"DisplayName": "Twin Client"}).status_code, range(6)
            )
        )
    assert sorted(codes) == [200] + [400] * 5
