"""One pass through the main path: a contact, a matter, time and expense, a bill, read back."""


def test_a_matters_work_becomes_a_bill_readable_with_nested_fields(firm):
    me = firm.get("users/who_am_i.json", {"fields": "id,name,email"})
    assert me.json()["data"]["email"] == "owner@test.example"
    c = firm.act("create_contact", first_name="Ada", last_name="Lovelace", email="ada@x.example")
    m = firm.act("create_matter", client_id=c["id"], description="Estate")
    firm.act("create_time_entry", matter_id=m["id"], hours=1.5, price=300)
    firm.act("create_expense_entry", matter_id=m["id"], amount=45.5)
    bill = firm.act("generate_bill", matter_id=m["id"])
    assert bill["data"]["total"] == 495.5
    fields = "id,state,total,client{id,name},matters{id,display_number}"
    [row] = firm.get("bills.json", {"fields": fields}).json()["data"]
    assert row == {
        "id": bill["id"],
        "state": "draft",
        "total": 495.5,
        "client": {"id": c["id"], "name": "Ada Lovelace"},
        "matters": [{"id": m["id"], "display_number": "00001-Lovelace"}],
    }
