"""The shared XSD check itself, and a write whose connection drops after the commit."""

import json

import pytest
import requests

from sandbox.quickbooks.models import Record
from sandbox.quickbooks.schema import entity_problems


def test_xsd_check_flags_unknown_keys_wrong_types_and_arrays():
    good = {
        "Line": [{"Amount": 1.5, "LinkedTxn": [{"TxnId": "1", "TxnType": "Invoice"}]}],
        "TotalAmt": 1.5,
    }
    assert entity_problems("Payment", good) == []
    assert entity_problems("Payment", {"TotalAmt": "1.5"}) == [
        "Payment.TotalAmt: '1.5' is not decimal"
    ]
    assert entity_problems("Payment", {"Line": {"Amount": 1}}) == [
        "Payment.Line: repeated element must be a JSON array"
    ]
    assert entity_problems("Invoice", {"Total": 1}) == ["Invoice.Total: not an element of Invoice"]
    assert entity_problems("Customer", {"CustomerRef": {"value": "1"}}) != []
    assert (
        entity_problems("Invoice", {"CustomerRef": {"value": "1", "name": "A", "bogus": 1}}) != []
    )


def test_closing_date_null_reopens_the_books(qbo):
    act = {"action": "set_closing_date", "realmId": qbo.realm}
    qbo.control("actions", {**act, "date": "2026-01-31"})
    prefs = qbo.control("actions", {**act, "date": None})["Preferences"]
    assert "BookCloseDate" not in prefs["AccountingInfoPrefs"]
    assert entity_problems("Preferences", prefs) == []


@pytest.mark.django_db(transaction=True)
def test_write_is_committed_when_the_connection_drops(live_server):
    base = f"{live_server.url}/sandbox/quickbooks"
    post = lambda path, body: requests.post(f"{base}/_control/{path}", json=body, timeout=10).json()  # noqa: E731
    realm = post("seed", {"preset": "reference"})["realmId"]
    app = post("apps", {"redirect_uris": []})
    token = post("tokens", {"client_id": app["client_id"], "account": realm})["access_token"]
    post("limits", {"lifted": True})
    post("faults", {"seed": 3, "timeout_after_commit_rate": 1.0})
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with pytest.raises(requests.ConnectionError):
        requests.post(
            f"{base}/api/v3/company/{realm}/customer?requestid=r1",
            data=json.dumps({"DisplayName": "Dropped"}),
            headers=headers,
            timeout=10,
        )
    assert Record.objects.filter(type="Customer", key="dropped").count() == 1
    post("faults", {})
    again = requests.post(
        f"{base}/api/v3/company/{realm}/customer?requestid=r1",
        data=json.dumps({"DisplayName": "Dropped"}),
        headers=headers,
        timeout=10,
    )
    assert again.status_code == 200 and again.json()["Customer"]["DisplayName"] == "Dropped"
    assert Record.objects.filter(type="Customer", key="dropped").count() == 1
