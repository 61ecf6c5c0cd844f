"""Bills, line items, payments, credit memos and trust, through actions and the API."""

import pytest


@pytest.fixture
def matter(firm):
    client = firm.act("create_contact", first_name="Ada", last_name="Lovelace")
    matter = firm.act("create_matter", client_id=client["id"], description="Estate")
    firm.act("create_time_entry", matter_id=matter["id"], hours=2, price=300, note="Drafting")
    firm.act("create_expense_entry", matter_id=matter["id"], amount=45.5, note="Filing fee")
    return matter


@pytest.fixture
def bill(firm, matter):
    return firm.act("generate_bill", matter_id=matter["id"])


BILL_FIELDS = (
    "id,etag,state,total,sub_total,balance,paid,credits_issued,due,can_update,"
    "available_state_transitions,updated_at,paid_at"
)


def _bill(firm, bill_id):
    return firm.get(f"bills/{bill_id}.json", {"fields": BILL_FIELDS}).json()["data"]


def test_generate_bill_makes_a_draft_from_unbilled_activities(firm, matter, bill):
    data = _bill(firm, bill["id"])
    assert data["state"] == "draft" and data["total"] == 645.5 and data["balance"] == 645.5
    assert data["available_state_transitions"] == [
        "awaiting_approval",
        "awaiting_payment",
        "deleted",
    ]
    lines = firm.get("line_items.json", {"bill_id": bill["id"], "fields": "id,total,kind"}).json()
    assert sorted(line["total"] for line in lines["data"]) == [45.5, 600.0]
    draft = firm.get("activities.json", {"status": "draft", "matter_id": matter["id"]}).json()
    assert len(draft["data"]) == 2


def test_editing_a_draft_line_recomputes_totals_and_etag(firm, bill):
    line = firm.get("line_items.json", {"bill_id": bill["id"], "fields": "id,kind"}).json()["data"]
    service = next(item for item in line if item["kind"] == "Service")
    response = firm.patch(
        f"line_items/{service['id']}.json",
        {"quantity": 3},
    )
    assert response.status_code == 200
    data = _bill(firm, bill["id"])
    assert data["total"] == 945.5 and data["etag"] != bill["etag"]


def test_removing_a_line_frees_its_activity(firm, matter, bill):
    lines = firm.get("line_items.json", {"bill_id": bill["id"], "fields": "id,kind"}).json()["data"]
    expense = next(item for item in lines if item["kind"] == "Expense")
    assert firm.delete(f"line_items/{expense['id']}.json").status_code == 204
    assert _bill(firm, bill["id"])["total"] == 600.0
    unbilled = firm.get("activities.json", {"status": "unbilled", "fields": "id,type"}).json()
    assert [a["type"] for a in unbilled["data"]] == ["ExpenseEntry"]


def test_approve_by_patching_state(firm, bill):
    response = firm.patch(f"bills/{bill['id']}.json", {"state": "awaiting_payment"})
    assert response.status_code == 200
    data = _bill(firm, bill["id"])
    assert data["state"] == "awaiting_payment" and data["available_state_transitions"] == ["void"]
    billed = firm.get("activities.json", {"status": "billed"}).json()["data"]
    assert len(billed) == 2


def test_disallowed_transition_is_422(firm, bill):
    response = firm.patch(f"bills/{bill['id']}.json", {"state": "paid"})
    assert response.status_code == 422


def test_unknown_bill_field_in_patch_is_400(firm, bill):
    assert firm.patch(f"bills/{bill['id']}.json", {"total": 1}).status_code == 400


def test_delete_deletes_a_draft_and_voids_an_unpaid_bill(firm, matter, bill):
    assert firm.delete(f"bills/{bill['id']}.json").status_code == 204
    assert _bill(firm, bill["id"])["state"] == "deleted"
    again = firm.act("generate_bill", matter_id=matter["id"])  # activities were released
    firm.act("bill_transition", bill_id=again["id"], to="approve")
    assert firm.delete(f"bills/{again['id']}.json").status_code == 204
    assert _bill(firm, again["id"])["state"] == "void"


def test_approved_bill_can_be_edited_until_paid(firm, bill):
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    edited = firm.patch(
        f"bills/{bill['id']}.json",
        {"memo": "Thanks", "discount": {"rate": 10, "type": "percentage"}},
    )
    assert edited.status_code == 200
    data = _bill(firm, bill["id"])
    assert data["total"] == 580.95 and data["can_update"] is True


def test_full_payment_marks_the_bill_paid(firm, bill):
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    firm.act("record_payment", bill_id=bill["id"], amount=645.5, date="2026-02-01")
    data = _bill(firm, bill["id"])
    assert data["state"] == "paid" and data["paid"] == 645.5 and data["balance"] == 0
    assert data["paid_at"] == "2026-02-01" and data["can_update"] is False
    allocations = firm.get(
        "allocations.json", {"bill_id": bill["id"], "fields": "id,amount,parent{id,type}"}
    ).json()["data"]
    assert allocations[0]["amount"] == 645.5 and allocations[0]["parent"]["type"] == "Payment"
    assert firm.delete(f"bills/{bill['id']}.json").status_code == 422


def test_partial_payment_and_credit_memo(firm, bill):
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    firm.act("record_payment", bill_id=bill["id"], amount=100)
    memo = firm.act("issue_credit_memo", bill_id=bill["id"], amount=45.5)
    data = _bill(firm, bill["id"])
    assert (data["paid"], data["credits_issued"], data["balance"]) == (100.0, 45.5, 500.0)
    assert data["state"] == "awaiting_payment" and data["available_state_transitions"] == []
    memos = firm.get("credit_memos.json", {"fields": "id,amount,allocations{id,amount}"}).json()
    assert (
        memos["data"][0]["id"] == memo["id"]
        and memos["data"][0]["allocations"][0]["amount"] == 45.5
    )
    only_credit = firm.get("allocations.json", {"parent_type": "CreditMemo", "fields": "id,amount"})
    assert [a["amount"] for a in only_credit.json()["data"]] == [45.5]
    balances = firm.get(
        "outstanding_client_balances.json", {"fields": "id,total_outstanding_balance,contact{id}"}
    ).json()["data"]
    assert balances[0]["total_outstanding_balance"] == 500.0


def test_overpayment_is_422(api, firm, bill):
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    response = api.post(
        "/sandbox/clio/_control/actions",
        {"action": "record_payment", "account": firm.id, "bill_id": bill["id"], "amount": 9999},
        "application/json",
    )
    assert response.status_code == 422


def test_trust_deposit_disbursement_transfer_and_payment_from_trust(api, firm, matter, bill):
    other = firm.act("create_matter", client_id=matter["data"]["client"]["id"], description="Other")
    firm.act("trust_deposit", matter_id=matter["id"], amount=1000)
    firm.act("trust_disbursement", matter_id=matter["id"], amount=100)
    transfer = firm.act(
        "trust_transfer", from_matter_id=matter["id"], to_matter_id=other["id"], amount=200
    )
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    firm.act("record_payment", bill_id=bill["id"], amount=645.5, source="trust")
    trust = firm.get(
        "bank_accounts.json", {"type": "TrustAccount", "fields": "id,balance,type"}
    ).json()["data"][0]
    assert trust["balance"] == 254.5  # the 200 moved to the other matter stays in trust
    rows = firm.get(
        "bank_transactions.json",
        {
            "bank_account_id": trust["id"],
            "matter_id": matter["id"],
            "fields": "id,amount,funds_in,funds_out",
        },
    ).json()["data"]
    assert [r["amount"] for r in rows] == [1000.0, -100.0, -200.0, -645.5]
    assert firm.get("bank_transactions.json", {"type": "asset"}).json()["meta"]["records"] == 1
    shown = firm.get(f"bank_transfers/{transfer['id']}.json", {"fields": "id,amount,matter{id}"})
    assert shown.json()["data"]["amount"] == 200.0
    overdraw = api.post(
        "/sandbox/clio/_control/actions",
        {
            "action": "trust_disbursement",
            "account": firm.id,
            "matter_id": matter["id"],
            "amount": 100,
        },
        "application/json",
    )
    assert overdraw.status_code == 422


def test_bills_filters(firm, matter, bill):
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    assert firm.get("bills.json", {"state": "awaiting_payment"}).json()["meta"]["records"] == 1
    assert firm.get("bills.json", {"state": "draft"}).json()["meta"]["records"] == 0
    assert firm.get("bills.json", {"matter_id": matter["id"]}).json()["meta"]["records"] == 1
    client_id = matter["data"]["client"]["id"]
    assert firm.get("bills.json", {"client_id": client_id}).json()["meta"]["records"] == 1
    number = bill["data"]["number"]
    assert firm.get("bills.json", {"query": number}).json()["meta"]["records"] == 1
    issued = bill["data"]["issued_at"]
    assert firm.get("bills.json", {"issued_after": issued}).json()["meta"]["records"] == 0
    assert firm.get("bills.json", {"issued_before": "2999-01-01"}).json()["meta"]["records"] == 1
    assert firm.get("bills.json", {"type": "trust"}).json()["meta"]["records"] == 0


def test_trust_request_post_only(firm, matter):
    body = {
        "trust_type": "client",
        "client_id": matter["data"]["client"]["id"],
        "issue_date": "2026-01-01",
        "due_date": "2026-01-15",
        "approved": True,
        "trust_amount": 1500,
    }
    created = firm.post("trust_requests.json", body)
    assert created.status_code == 201
    missing = firm.post("trust_requests.json", {"trust_type": "client"})
    assert missing.status_code == 422


def test_an_allocations_parent_shows_the_polymorphic_defaults(firm, bill):
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    firm.act("record_payment", bill_id=bill["id"], amount=10)
    [row] = firm.get("allocations.json", {"fields": "id,parent"}).json()["data"]
    assert set(row["parent"]) == {"id", "type"} and row["parent"]["type"] == "Payment"


def test_voiding_a_payment_reopens_the_bill_and_reverses_the_money(firm, matter, bill):
    firm.act("trust_deposit", matter_id=matter["id"], amount=1000)
    firm.act("bill_transition", bill_id=bill["id"], to="approve")
    firm.act("record_payment", bill_id=bill["id"], amount=645.5, source="trust")
    [allocation] = firm.get("allocations.json", {"bill_id": bill["id"]}).json()["data"]
    firm.act("void_payment", allocation_id=allocation["id"])
    data = _bill(firm, bill["id"])
    assert (data["state"], data["paid"], data["balance"]) == ("awaiting_payment", 0.0, 645.5)
    invalid = firm.get("allocations.json", {"status": "invalid", "fields": "id,voided_at"}).json()
    assert invalid["data"][0]["id"] == allocation["id"] and invalid["data"][0]["voided_at"]
    assert firm.get("allocations.json", {"status": "valid"}).json()["meta"]["records"] == 0
    banks = firm.get("bank_accounts.json", {"fields": "type,balance"}).json()["data"]
    assert {b["type"]: b["balance"] for b in banks} == {"Operating": 0.0, "Trust": 1000.0}
