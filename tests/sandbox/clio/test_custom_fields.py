"""Custom fields, their values on contacts and matters, filtering by them; and the finding
parameters of contacts, matters, bills and users that automations search with."""

import pytest

CFV = "custom_field_values{id,value,field_name,field_type,custom_field,picklist_option}"


def _field(firm, name, parent_type="Matter", field_type="text_line", **extra):
    body = {"name": name, "parent_type": parent_type, "field_type": field_type, **extra}
    response = firm.post("custom_fields.json?fields=id,name,field_type,picklist_options", body)
    assert response.status_code == 201, response.content
    return response.json()["data"]


@pytest.fixture
def client(firm):
    return firm.act("create_contact", first_name="Cora", last_name="Custom", email="cora@c.example")


def test_custom_field_crud_and_filters(firm):
    text = _field(firm, "Court case number")
    picklist = _field(
        firm,
        "Stage",
        field_type="picklist",
        picklist_options=[{"option": "Intake"}, {"option": "Trial"}],
    )
    assert [o["option"] for o in picklist["picklist_options"]] == ["Intake", "Trial"]
    _field(firm, "Referral", parent_type="Contact")
    listed = firm.get("custom_fields.json", {"parent_type": "matter", "fields": "name"})
    assert [f["name"] for f in listed.json()["data"]] == ["Court case number", "Stage"]
    assert firm.get("custom_fields.json", {"field_type": "picklist"}).json()["meta"]["records"] == 1
    assert firm.get("custom_fields.json", {"query": "court"}).json()["meta"]["records"] == 1
    renamed = firm.patch(f"custom_fields/{text['id']}.json?fields=name", {"name": "Case no."})
    assert renamed.json()["data"] == {"name": "Case no."}
    changed_type = firm.patch(f"custom_fields/{text['id']}.json", {"field_type": "numeric"})
    assert changed_type.status_code == 422
    assert (
        firm.post(
            "custom_fields.json", {"name": "X", "parent_type": "Bill", "field_type": "url"}
        ).status_code
        == 422
    )
    assert firm.post("custom_fields.json", {"name": "X"}).status_code == 422
    assert firm.get("custom_fields.json", {"parent_type": "bill"}).status_code == 400


def test_values_on_a_matter_set_change_and_remove(firm, client):
    case = _field(firm, "Court case number")
    stage = _field(firm, "Stage", field_type="picklist", picklist_options=[{"option": "Intake"}])
    option_id = stage["picklist_options"][0]["id"]
    body = {
        "client": {"id": client["id"]},
        "description": "Custom",
        "custom_field_values": [
            {"custom_field": {"id": case["id"]}, "value": "CV-2026-001"},
            {"custom_field": {"id": stage["id"]}, "value": option_id},
        ],
    }
    created = firm.post(f"matters.json?fields=id,{CFV}", body)
    assert created.status_code == 201, created.content
    values = created.json()["data"]["custom_field_values"]
    assert values[0]["value"] == "CV-2026-001" and values[0]["custom_field"] == {"id": case["id"]}
    assert values[1]["picklist_option"]["option"] == "Intake"
    matter_id, value_id = created.json()["data"]["id"], values[0]["id"]
    assert isinstance(value_id, str) and value_id.startswith("text_line-")
    firm.patch(
        f"matters/{matter_id}.json", {"custom_field_values": [{"id": value_id, "value": "CV-2"}]}
    )
    shown = firm.get(f"matters/{matter_id}.json", {"fields": CFV}).json()["data"]
    assert shown["custom_field_values"][0]["value"] == "CV-2"
    firm.patch(
        f"matters/{matter_id}.json", {"custom_field_values": [{"id": value_id, "_destroy": True}]}
    )
    shown = firm.get(f"matters/{matter_id}.json", {"fields": CFV}).json()["data"]
    assert [v["field_name"] for v in shown["custom_field_values"]] == ["Stage"]


def test_value_validation(firm, client):
    amount = _field(firm, "Claim", field_type="currency")
    contact_field = _field(firm, "Referral", parent_type="Contact")
    matter = firm.act("create_matter", client_id=client["id"], description="V")

    def patch(values):
        return firm.patch(f"matters/{matter['id']}.json", {"custom_field_values": values})

    assert patch([{"custom_field": {"id": amount["id"]}, "value": "lots"}]).status_code == 422
    assert patch([{"custom_field": {"id": contact_field["id"]}, "value": "x"}]).status_code == 422
    assert patch([{"custom_field": {"id": 999999}, "value": "1"}]).status_code == 404
    assert patch([{"id": "numeric-1", "value": "1"}]).status_code == 404
    assert patch([{"value": "1"}]).status_code == 422
    assert patch([{"id": [1], "value": "1"}]).status_code == 404
    assert patch({"custom_field": {"id": amount["id"]}}).status_code == 422
    assert patch([{"custom_field": {"id": amount["id"]}, "value": "1250.50"}]).status_code == 200
    again = patch([{"custom_field": {"id": amount["id"]}, "value": "1"}])
    assert again.status_code == 422  # one value per field: change it by its id


def test_filter_contacts_and_matters_by_custom_field(firm, client):
    referral = _field(firm, "Referral", parent_type="Contact")
    firm.act(
        "set_custom_field_value",
        custom_field_id=referral["id"],
        contact_id=client["id"],
        value="Bar",
    )
    other = firm.act("create_contact", first_name="No", last_name="Referral")
    found = firm.get("contacts.json", {f"custom_field_values[{referral['id']}]": "Bar"})
    assert [c["id"] for c in found.json()["data"]] == [client["id"]] != [other["id"]]
    claim = _field(firm, "Claim", field_type="numeric")
    small = firm.act("create_matter", client_id=client["id"], description="Small")
    big = firm.act("create_matter", client_id=client["id"], description="Big")
    firm.act(
        "set_custom_field_value", custom_field_id=claim["id"], matter_id=small["id"], value="40"
    )
    firm.act(
        "set_custom_field_value", custom_field_id=claim["id"], matter_id=big["id"], value="105.4"
    )
    key = f"custom_field_values[{claim['id']}]"

    def ids(value):
        return [m["id"] for m in firm.get("matters.json", {key: value}).json()["data"]]

    assert ids(">=105.4") == [big["id"]]
    assert ids("40") == [small["id"]]
    assert ids("[>=30, <=50]") == [small["id"]]
    only = firm.get(
        "matters.json",
        {"ids[]": big["id"], "custom_field_ids[]": referral["id"], "fields": "custom_field_values"},
    )
    assert only.json()["data"] == [{"custom_field_values": []}]
    kept = firm.get(
        "matters.json",
        {
            "ids[]": big["id"],
            "custom_field_ids[]": claim["id"],
            "fields": "custom_field_values{value}",
        },
    )
    assert kept.json()["data"] == [{"custom_field_values": [{"value": "105.4"}]}]
    assert firm.get("matters.json", {"custom_field_ids[]": "x"}).status_code == 400
    wrong_op = firm.get("contacts.json", {f"custom_field_values[{referral['id']}]": ">Bar"})
    assert wrong_op.status_code == 400
    assert firm.get("matters.json", {"custom_field_values[999999]": "1"}).status_code == 400


def test_finding_contacts_matters_bills_and_users(firm, client):
    company = firm.act("create_contact", type="Company", name="Harbor Freight LLC")
    matter = firm.act("create_matter", client_id=client["id"], description="Estate plan")
    firm.act("update_matter", matter_id=matter["id"], status="Pending")
    other = firm.act("create_matter", client_id=company["id"], description="Lease review")

    def ids(path, **params):
        return [r["id"] for r in firm.get(path, params).json()["data"]]

    assert ids("contacts.json", query="cora@c.example") == [client["id"]]
    assert ids("contacts.json", type="Company") == [company["id"]]
    assert ids("contacts.json", email_only="true") == [client["id"]]
    assert sorted(ids("contacts.json", client_only="true")) == sorted([client["id"], company["id"]])
    display = matter["data"]["display_number"]
    assert ids("matters.json", query=display) == [matter["id"]]
    assert ids("matters.json", query="Harbor") == [other["id"]]  # the client's name
    assert ids("matters.json", status="pending") == [matter["id"]]
    assert sorted(ids("matters.json", status="open,pending")) == sorted([matter["id"], other["id"]])
    assert ids("matters.json", client_id=company["id"]) == [other["id"]]
    assert firm.get("matters.json", {"status": "archived"}).status_code == 400
    firm.act("create_time_entry", matter_id=matter["id"], hours="1", price="200")
    bill = firm.act("generate_bill", matter_id=matter["id"])
    assert ids("bills.json", query=bill["data"]["number"]) == [bill["id"]]
    assert ids("bills.json", client_id=client["id"], matter_id=matter["id"]) == [bill["id"]]
    assert ids("users.json", name="Olive Owner") == [firm.user_id]
    assert ids("users.json", name="Nobody") == []
