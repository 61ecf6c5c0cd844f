"""Throttling, injected faults, counters and the bookkeeper actions."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox.quickbooks.models import Company
from tests.sandbox.quickbooks.conftest import assert_shapes, control

THROTTLE = {
    "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
    "Detail": "The request limit was reached.  Try again later",
    "code": "3001",
    "element": "",
}


def test_requests_over_the_minute_limit_get_429(qbo):
    control(qbo.client, "limits", {"lifted": False, "per_minute": 3})
    statuses = [qbo.get("preferences").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    body = qbo.get("preferences").json()
    assert body["Fault"] == {"Error": [THROTTLE], "type": "SERVICE"}


def test_batch_requests_over_their_limit_get_429(qbo):
    control(qbo.client, "limits", {"lifted": False, "batch_per_minute": 2})
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "SELECT * FROM Item"}]}
    assert [qbo.post("batch", batch).status_code for _ in range(3)] == [200, 200, 429]


def test_eleventh_concurrent_request_gets_429(qbo):
    control(qbo.client, "limits", {"lifted": False})
    Company.objects.filter(realm_id=qbo.realm).update(in_flight=10)
    assert qbo.get("preferences").status_code == 429
    Company.objects.filter(realm_id=qbo.realm).update(in_flight=9)
    assert qbo.get("preferences").status_code == 200
    assert Company.objects.get(realm_id=qbo.realm).in_flight == 9


def test_faults_storm_errors_and_counters(qbo):
    bad = qbo.client.post(
        "/sandbox/quickbooks/_control/faults", '{"nope": 1}', content_type="application/json"
    )
    assert bad.status_code == 400 and "nope" in bad.json()["error"]
    control(qbo.client, "faults", {"storm_calls": 2, "storm_retry_after": 7})
    first = qbo.get("preferences")
    assert first.status_code == 429 and first["Retry-After"] == "7"
    assert qbo.get("preferences").status_code == 429
    assert qbo.get("preferences").status_code == 200
    control(qbo.client, "faults", {"seed": 1, "error_rate": 1.0})
    failed = qbo.get("preferences")
    assert failed.status_code in (500, 503) and failed.json()["Fault"]["type"] == "SystemFault"
    counters = qbo.client.get("/sandbox/quickbooks/_control/counters").json()
    assert counters["endpoints"]["GET preferences"]["429"] == 2
    assert counters["throttled_429"] == 2


def test_bookkeeper_actions(qbo, books):
    def act(name, **p):
        return control(qbo.client, "actions", {"action": name, "realmId": qbo.realm, **p})

    inv = act(
        "create_invoice",
        customer_name="olivia smith",
        lines=[{"description": "Advice", "qty": 2, "unit_price": 125}],
    )["Invoice"]
    assert inv["TotalAmt"] == 250 and inv["DocNumber"] == "1001"
    paid = act("pay_invoice", invoice_id=inv["Id"], amount=100)["Payment"]
    assert qbo.get(f"invoice/{inv['Id']}").json()["Invoice"]["Balance"] == 150
    edited = act("edit_invoice_line", invoice_id=inv["Id"], line_id="1", qty=3)["Invoice"]
    assert edited["TotalAmt"] == 375 and edited["Balance"] == 275
    act("deposit_payment", payment_ids=[paid["Id"]])
    prefs = act("set_preferences", preferences={"SalesFormsPrefs": {"CustomTxnNumbers": True}})
    assert prefs["Preferences"]["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    act("set_closing_date", date="2099-12-31")
    assert (
        qbo.get("preferences").json()["Preferences"]["AccountingInfoPrefs"]["BookCloseDate"]
        == "2099-12-31"
    )
    voided = act("void_invoice", invoice_id=inv["Id"])[
        "Invoice"
    ]  # the website may change closed periods
    assert voided["TotalAmt"] == 0
    wrong = qbo.client.post(
        "/sandbox/quickbooks/_control/actions", '{"action": "fly"}', content_type="application/json"
    )
    assert wrong.status_code == 400 and "Unknown action" in wrong.json()["error"]


def test_demo_preset_has_harbor_vale_books(db, client):
    realm = control(client, "seed", {"preset": "demo"})["realmId"]
    app = control(client, "apps", {"redirect_uris": []})
    token = control(client, "tokens", {"client_id": app["client_id"], "account": realm})[
        "access_token"
    ]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def q(text):
        url = f"/sandbox/quickbooks/api/v3/company/{realm}/query"
        body = client.get(url, {"query": text}, **auth).json()
        assert_shapes(body)
        return body["QueryResponse"]

    assert 38 <= q("SELECT COUNT(*) FROM Customer")["totalCount"] <= 45
    invoices = q("SELECT * FROM Invoice ORDERBY Id MAXRESULTS 1000")["Invoice"]
    assert len(invoices) == 40 and invoices[-1]["DocNumber"] == "1040"
    assert any(i["Balance"] < i["TotalAmt"] for i in invoices)
    names = {c["DisplayName"] for c in q("SELECT * FROM Customer MAXRESULTS 1000")["Customer"]}
    assert any(n.isupper() for n in names) and any("  " in n for n in names)
    prefs = client.get(f"/sandbox/quickbooks/api/v3/company/{realm}/preferences", **auth).json()
    assert prefs["Preferences"]["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    assert q("select * from CompanyInfo")["CompanyInfo"][0]["CompanyName"] == "Harbor & Vale LLP"
    assert len(q("SELECT * FROM Payment")["Payment"]) == 10
    assert len(q("SELECT * FROM Account")["Account"]) == 11
    assert client.get("/sandbox/quickbooks/").status_code == 200
    page = client.get(f"/sandbox/quickbooks/books/{realm}/?type=Invoice")
    assert page.status_code == 200 and b"1040" in page.content


def test_reset_empties_the_sandbox(qbo):
    control(qbo.client, "reset")
    assert not Company.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_over_ten_get_429_over_http(live_server):
    base = f"{live_server.url}/sandbox/quickbooks"

    def post(path, body):
        return requests.post(f"{base}/_control/{path}", json=body, timeout=10).json()

    realm = post("seed", {"preset": "reference"})["realmId"]
    app = post("apps", {"redirect_uris": []})
    token = post("tokens", {"client_id": app["client_id"], "account": realm})["access_token"]
    post("limits", {"lifted": False})
    post("faults", {"latency_ms": 1500})
    url = f"{base}/api/v3/company/{realm}/preferences"
    headers = {"Authorization": f"Bearer {token}"}
    with ThreadPoolExecutor(max_workers=12) as pool:
        codes = list(
            pool.map(
                lambda _: requests.get(url, headers=headers, timeout=30).status_code, range(12)
            )
        )
    assert codes.count(200) == 10 and codes.count(429) == 2
    post("faults", {})
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
