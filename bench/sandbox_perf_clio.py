"""The Clio cases of `python -m bench.sandbox_perf` (see there): list pages of 200 records with
the product's `fields=` (nested client and matters on bills, the bill on line items)."""

import json

from django.test import Client

BASE = "/sandbox/clio"
BILL_FIELDS = (
    "id,etag,number,state,issued_at,due_at,sub_total,total_tax,total,paid,balance,credits_issued,"
    "discount,client{id,name},matters{id,display_number},updated_at"
)
LINE_FIELDS = (
    "id,etag,type,kind,description,date,quantity,price,total,tax,taxable,bill{id},updated_at"
)
BILLS_PER_CONTACT = 4  # sandbox.clio.reference: four bills of ten lines per contact


def _control(client: Client, path: str, body: dict) -> dict:
    response = client.post(f"{BASE}/_control/{path}", json.dumps(body), "application/json")
    assert response.status_code == 200, response.content
    return response.json()


def _firm(client: Client, bills: int) -> dict:
    from sandbox.clio.models import Account
    from sandbox.clio.presets import create_account
    from sandbox.clio.reference import seed_reference

    info = create_account(f"Perf Firm {bills}", "us", None)
    account = Account.objects.get(pk=info["id"])
    seed_reference(
        account,
        info["users"][0]["id"],
        size=bills // BILLS_PER_CONTACT or 1,
        with_bills=bool(bills),
    )
    app = _control(client, "apps", {"redirect_uris": ["http://localhost/cb"]})
    token = _control(client, "tokens", {"client_id": app["client_id"], "account": account.pk})
    return {"HTTP_AUTHORIZATION": f"Bearer {token['access_token']}"}


def run(size: int, rounds: int, measure):
    client = Client()
    _control(client, "settings", {"rate_limit": 10**9})
    for target in (200, size):
        auth = _firm(client, target)
        for case, resource, fields in (
            ("bills page of 200", "bills", BILL_FIELDS),
            ("line_items page of 200", "line_items", LINE_FIELDS),
        ):

            def page(n: int, resource=resource, fields=fields, auth=auth) -> int:
                url = f"{BASE}/us/api/v4/{resource}.json"
                params = {"fields": fields, "limit": 200, "order": "id(asc)"}
                response = client.get(url, params, **auth)
                assert response.status_code == 200, response.content
                return len(response.json()["data"])

            yield case, target, measure(page, rounds)
