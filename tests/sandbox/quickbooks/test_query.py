"""The query language, paging, COUNT, filters and the 4000/4001 faults."""

from datetime import timedelta

from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.presets import _bulk
from tests.sandbox.quickbooks.conftest import invoice_body


def _customers(qbo, n):
    company = Company.objects.get(realm_id=qbo.realm)
    bodies = [
        {"DisplayName": f"Client {i:05d}", "Active": True, "Balance": i % 7} for i in range(n)
    ]
    return _bulk(company, "Customer", bodies)


def test_paging_through_2500_customers(qbo):
    _customers(qbo, 2500)
    count = qbo.query("SELECT COUNT(*) FROM Customer").json()["QueryResponse"]
    assert count == {"totalCount": 2500}
    seen, start = [], 1
    while True:
        page = qbo.query(
            f"SELECT * FROM Customer ORDERBY Id STARTPOSITION {start} MAXRESULTS 1000"
        ).json()["QueryResponse"]
        if not page:
            break
        assert page["startPosition"] == start and page["maxResults"] == len(page["Customer"])
        seen += [c["Id"] for c in page["Customer"]]
        start += 1000
    assert len(seen) == len(set(seen)) == 2500
    assert seen == sorted(seen, key=int)


def test_filters_in_like_comparisons_and_order(qbo):
    _customers(qbo, 30)
    resp = qbo.query(
        "select Id, DisplayName from Customer where DisplayName LIKE 'client 0001%' and Balance >= '3' orderby DisplayName DESC"
    ).json()
    names = [c["DisplayName"] for c in resp["QueryResponse"]["Customer"]]
    assert names == [f"Client 000{i}" for i in (19, 18, 17, 13, 12, 11, 10)]
    assert set(resp["QueryResponse"]["Customer"][0]) == {"domain", "sparse", "Id", "DisplayName"}
    ids = [r.remote_id for r in Record.objects.filter(type="Customer").order_by("remote_id")[:3]]
    resp = qbo.query(f"SELECT * FROM Customer WHERE Id IN ('{ids[0]}', '{ids[2]}')").json()
    assert sorted(int(c["Id"]) for c in resp["QueryResponse"]["Customer"]) == [ids[0], ids[2]]
    assert (
        qbo.query("SELECT * FROM Customer WHERE DisplayName = 'nobody'").json()["QueryResponse"]
        == {}
    )


def test_inactive_names_hidden_unless_active_is_asked(qbo):
    _customers(qbo, 3)
    rec = Record.objects.filter(type="Customer").first()
    rec.data["Active"] = False
    rec.save()
    assert qbo.query("SELECT COUNT(*) FROM Customer").json()["QueryResponse"]["totalCount"] == 2
    both = qbo.query("SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)").json()
    assert both["QueryResponse"]["totalCount"] == 3


def test_last_updated_time_filter(qbo, books):
    old = qbo.create("Invoice", invoice_body(books))
    Record.objects.filter(remote_id=int(old["Id"]), type="Invoice").update(
        updated_at=Record.objects.get(remote_id=int(old["Id"]), type="Invoice").updated_at
        - timedelta(days=2)
    )
    new = qbo.create("Invoice", invoice_body(books))
    cutoff = new["MetaData"]["CreateTime"]
    since = qbo.query(f"SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime >= '{cutoff}'").json()
    assert [i["Id"] for i in since["QueryResponse"]["Invoice"]] == [new["Id"]]
    by_ref = qbo.query(
        f"SELECT * FROM Invoice WHERE CustomerRef = '{books['customer']}' AND TotalAmt > '699.99'"
    ).json()
    assert len(by_ref["QueryResponse"]["Invoice"]) == 2


def test_query_faults(qbo):
    resp = qbo.query("SELECT * FROM Customer STARTPOSITION 0")
    assert resp.status_code == 400
    assert resp.json()["Fault"]["Error"][0] == {
        "Message": "Invalid query",
        "Detail": "QueryValidationError: value 0 is too small. Min allowed value is 1",
        "code": "4001",
        "element": "",
    }
    assert (
        qbo.query("SELECT * FROM Customer MAXRESULTS 1001").json()["Fault"]["Error"][0]["code"]
        == "4001"
    )
    assert qbo.query("SELECT * FROM Nothing").json()["Fault"]["Error"][0]["code"] == "4001"
    unknown = qbo.query("SELECT * FROM Customer WHERE Nickname = 'x'").json()["Fault"]["Error"][0]
    assert unknown["Detail"] == "QueryValidationError: property 'Nickname' is not queryable"
    parse = qbo.query("SELECT * FROM Customer WHERE").json()["Fault"]
    assert parse["Error"][0]["code"] == "4000" and parse["type"] == "ValidationFault"


def test_query_by_post_body(qbo):
    resp = qbo.client.post(
        qbo.url("query"),
        "SELECT * FROM Account",
        content_type="application/text",
        HTTP_AUTHORIZATION=f"Bearer {qbo.token}",
    )
    accounts = resp.json()["QueryResponse"]["Account"]
    subtypes = {a["AccountSubType"]: a["AccountType"] for a in accounts}
    assert subtypes["TrustAccounts"] == "Bank"
    assert subtypes["TrustAccountsLiabilities"] == "Other Current Liability"
    assert subtypes["UndepositedFunds"] == "Other Current Asset"
