"""`GET /api/v4/clio_payments/payments`: shape, filters, paging, and the console action."""

from urllib.parse import urlparse

import pytest

FIELDS = (
    "id,amount,state,confirmation_number,currency,created_at,updated_at,"
    "bank_transaction{id,date,amount,clio_payments_transaction},bills{id},contact{id},"
    "destination_account{id,type}"
)


@pytest.fixture
def bills(firm):
    client = firm.act("create_contact", first_name="Ada", last_name="Lovelace")
    out = []
    for n in range(3):
        matter = firm.act("create_matter", client_id=client["id"], description=f"M{n}")
        firm.act("create_time_entry", matter_id=matter["id"], hours=1, price=100 + n)
        bill = firm.act("generate_bill", matter_id=matter["id"])
        firm.act("bill_transition", bill_id=bill["id"], to="approve")
        out.append(bill)
    return out


def test_a_clio_payment_is_served_with_its_deposit_and_bill(firm, bills):
    paid = firm.act("record_clio_payment", bill_id=bills[0]["id"], amount=100, date="2026-03-02")
    body = firm.get("clio_payments/payments.json", {"fields": FIELDS}).json()
    assert "data" in body, body
    [data] = body["data"]
    assert data["id"] == paid["id"] and data["amount"] == 100.0 and data["state"] == "completed"
    assert data["created_at"].startswith("2026-03-02")
    assert data["bank_transaction"]["date"] == "2026-03-02"
    assert data["bank_transaction"]["amount"] == 100.0
    assert data["bank_transaction"]["clio_payments_transaction"] is True
    assert data["bills"] == [{"id": bills[0]["id"]}]
    assert data["destination_account"]["type"] == "Operating"
    assert body["meta"]["records"] == 1


def test_the_spec_has_no_fee_or_payout_field(firm):
    response = firm.get("clio_payments/payments.json", {"fields": "id,fee"})
    assert response.status_code == 400


def test_bill_state_and_ids_filters(firm, bills):
    first = firm.act("record_clio_payment", bill_id=bills[0]["id"], amount=100)
    second = firm.act("record_clio_payment", bill_id=bills[1]["id"], amount=50)
    firm.act("void_clio_payment", payment_id=second["id"])
    by_bill = firm.get("clio_payments/payments.json", {"bill_id": bills[1]["id"]}).json()
    assert [p["id"] for p in by_bill["data"]] == [second["id"]]
    done = firm.get("clio_payments/payments", {"state": "completed"}).json()
    assert [p["id"] for p in done["data"]] == [first["id"]]
    assert firm.get("clio_payments/payments", {"state": "nope"}).status_code == 400
    one = firm.get("clio_payments/payments", {"ids[]": first["id"]}).json()
    assert [p["id"] for p in one["data"]] == [first["id"]]


def test_cursor_paging_follows_next_until_absent(firm, bills):
    made = [firm.act("record_clio_payment", bill_id=b["id"], amount=10)["id"] for b in bills]
    seen, page = [], firm.get("clio_payments/payments.json", {"limit": 2, "fields": "id"}).json()
    while True:
        seen += [p["id"] for p in page["data"]]
        nxt = page["meta"]["paging"].get("next")
        if not nxt:
            break
        parsed = urlparse(nxt)
        assert "page_token=" in parsed.query
        page = firm.client.get(f"{parsed.path}?{parsed.query}", **firm.auth).json()
    assert seen == made


def test_show_and_read_only(firm, bills):
    paid = firm.act("record_clio_payment", bill_id=bills[0]["id"], amount=100)
    shown = firm.get(f"clio_payments/payments/{paid['id']}.json", {"fields": "id,amount"}).json()
    assert shown["data"] == {"id": paid["id"], "amount": 100.0}
    assert firm.post("clio_payments/payments.json", {"amount": 1}).status_code == 404


def test_another_accounts_payment_is_404(firm, other_firm, bills):
    paid = firm.act("record_clio_payment", bill_id=bills[0]["id"], amount=100)
    assert other_firm.get(f"clio_payments/payments/{paid['id']}.json").status_code == 404
    assert other_firm.get("clio_payments/payments.json").json()["data"] == []
