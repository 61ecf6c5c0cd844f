def test_it_serves_who_am_i_and_contacts(firm):
    r = firm.get("users/who_am_i.json", {"fields": "id,name,email"})
    assert r.status_code == 200, r.content
    assert r.json()["data"]["email"] == "owner@test.example"
    c = firm.act("create_contact", first_name="Ada", last_name="Lovelace", email="ada@x.example")
    m = firm.act("create_matter", client_id=c["id"], description="Estate")
    firm.act("create_time_entry", matter_id=m["id"], hours=1.5, price=300)
    firm.act("create_expense_entry", matter_id=m["id"], amount=45.5)
    bill = firm.act("generate_bill", matter_id=m["id"])
    assert bill["data"]["total"] == 495.5
    r = firm.get(
        "bills.json", {"fields": "id,etag,state,total,client{id,name},matters{id,display_number}"}
    )
    assert r.status_code == 200, r.content
    print(r.json())
    r = firm.get(
        f"bills/{bill['id']}.json",
        {"fields": "id,state,available_state_transitions,balances,discount,currency"},
    )
    print(r.json())
