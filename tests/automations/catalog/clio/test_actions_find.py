"""Clio's finds (found, not found, bad input) and find-or-creates (find first, create when none;
a dry run creates nothing) against the sandbox."""

import pytest

from automations.catalog.base import ActionError
from tests.automations.catalog.clio.conftest import run


@pytest.mark.parametrize(
    ("by", "value"),
    [("display_number", "{display_number}"), ("number", "{number}"), ("description", "estate PLAN"), ("client_name", "Ada Lovelace")],
)  # fmt: skip
def test_find_matter_by_each_of_its_keys(clio, by, value):
    client, matter = clio.seed()
    second = clio.act("create_matter", client_id=client["id"], description="Estate planning review")
    clio.seed(clio.other)  # the same names in another firm's account: never found
    data = matter["data"]
    wanted = value.format(display_number=data["display_number"], number=data["number"])
    result, _ = run(clio, "find_matter", {"by": by, "value": wanted})
    expected = second["id"] if by == "client_name" else matter["id"]  # the newest of the client's
    assert result.found is True and result.output["id"] == expected
    assert result.output["client_name"] == "Ada Lovelace"
    missing, _ = run(clio, "find_matter", {"by": by, "value": "99999-Nobody"})
    assert missing.found is False and missing.output == {} and "No matter" in missing.summary


def test_find_matter_only_with_a_status(clio):
    _, matter = clio.seed()
    inputs = {"by": "description", "value": "Estate plan"}
    found, ctx = run(clio, "find_matter", inputs | {"status": "Open"})
    assert found.found and found.output["id"] == matter["id"] and ctx.sent == []
    closed, _ = run(clio, "find_matter", inputs | {"status": "Closed"})
    assert closed.found is False


def test_find_matter_refuses_an_unknown_key_and_an_empty_value(clio):
    with pytest.raises(ActionError):
        run(clio, "find_matter", {"by": "colour", "value": "x"})
    with pytest.raises(ActionError) as error:
        run(clio, "find_matter", {"by": "number", "value": ""})
    assert error.value.fix


def test_find_contacts_by_email_or_name_and_type(clio):
    person = clio.act("create_contact", first_name="Grace", last_name="Hopper", email="g@navy.test")
    company = clio.act("create_contact", type="Company", name="Navy Ltd", email="office@navy.test")
    found, _ = run(clio, "find_person_contact", {"email": "G@NAVY.test"})
    assert found.found and found.output["id"] == person["id"]
    found, _ = run(clio, "find_person_contact", {"first_name": "grace", "last_name": "hopper"})
    assert found.output["id"] == person["id"]
    found, _ = run(clio, "find_company_contact", {"name": "Navy Ltd"})
    assert found.output["id"] == company["id"] and found.output["email"] == "office@navy.test"
    missing, _ = run(clio, "find_company_contact", {"email": "g@navy.test"})  # a person's
    assert missing.found is False
    with pytest.raises(ActionError):
        run(clio, "find_person_contact", {})


def test_find_by_custom_field_for_contacts_and_matters(clio):
    client, matter = clio.seed()
    matter_field = clio.act("create_custom_field", name="Court case number", parent_type="Matter")
    contact_field = clio.act("create_custom_field", name="Client code", parent_type="Contact")
    clio.act(
        "set_custom_field_value",
        custom_field_id=matter_field["id"],
        matter_id=matter["id"],
        value="CV-1",
    )
    clio.act(
        "set_custom_field_value",
        custom_field_id=contact_field["id"],
        contact_id=client["id"],
        value="ADA",
    )

    found, _ = run(
        clio, "find_matter_by_custom_field", {"custom_field": "court case number", "value": "CV-1"}
    )
    assert found.found and found.output["id"] == matter["id"]
    found, _ = run(
        clio,
        "find_contact_by_custom_field",
        {"custom_field": str(contact_field["id"]), "value": "ADA"},
    )
    assert found.found and found.output["id"] == client["id"]
    missing, _ = run(
        clio, "find_matter_by_custom_field", {"custom_field": "Court case number", "value": "CV-2"}
    )
    assert missing.found is False
    with pytest.raises(ActionError) as error:
        run(clio, "find_contact_by_custom_field", {"custom_field": "Shoe size", "value": "9"})
    assert "no contact custom field named" in error.value.message


def test_find_bill_by_number_client_or_matter(clio):
    client, matter = clio.seed()
    clio.act("create_time_entry", matter_id=matter["id"], hours=1, price=250)
    bill = clio.act("generate_bill", matter_id=matter["id"])
    for inputs in (
        {"number": bill["data"]["number"]},
        {"client_id": client["id"]},
        {"matter_id": matter["id"]},
    ):
        found, _ = run(clio, "find_bill", inputs)
        assert found.found and found.output["id"] == bill["id"]
        assert found.output["total"] == "250.00" and found.output["matter_id"] == matter["id"]
    missing, _ = run(clio, "find_bill", {"number": "999"})
    assert missing.found is False and missing.summary == "No bill numbered 999"
    missing, _ = run(clio, "find_bill", {"client_id": client["id"], "state": "paid"})
    assert missing.found is False
    with pytest.raises(ActionError):
        run(clio, "find_bill", {"state": "paid"})


def test_find_newest_matter_by_client_email(clio):
    clio.seed()
    person = clio.act("create_contact", first_name="Grace", last_name="Hopper", email="g@navy.test")
    clio.act("create_matter", client_id=person["id"], description="First")
    newest = clio.act("create_matter", client_id=person["id"], description="Second")
    found, _ = run(clio, "find_newest_matter_by_client_email", {"email": "g@navy.test"})
    assert found.found and found.output["id"] == newest["id"]
    missing, _ = run(clio, "find_newest_matter_by_client_email", {"email": "nobody@navy.test"})
    assert missing.found is False
    with pytest.raises(ActionError):
        run(clio, "find_newest_matter_by_client_email", {})


def test_find_user_by_email_or_name(clio):
    me = clio.get("users/who_am_i.json", fields="id,name,email")
    found, _ = run(clio, "find_user", {"email": me["email"].upper()})
    assert found.found and found.output == {**found.output, "id": me["id"], "name": me["name"]}
    found, _ = run(clio, "find_user", {"name": me["name"]})
    assert found.output["id"] == me["id"]
    missing, _ = run(clio, "find_user", {"email": "nobody@example.com"})
    assert missing.found is False
    with pytest.raises(ActionError):
        run(clio, "find_user", {})


@pytest.mark.parametrize(
    ("action", "inputs", "kind"),
    [
        ("find_or_create_person_contact", {"first_name": "Grace", "last_name": "Hopper", "email": "g@navy.test"}, "Person"),
        ("find_or_create_company_contact", {"name": "Navy Ltd", "email": "office@navy.test"}, "Company"),
    ],
)  # fmt: skip
def test_find_or_create_contact_creates_once_then_finds(clio, action, inputs, kind):
    dry, ctx = run(clio, action, inputs, dry_run=True)
    assert dry.output == {} and dry.summary.startswith("Would create") and ctx.sent
    assert clio.get("contacts.json", fields="id") == []
    made, _ = run(clio, action, inputs)
    assert made.output["created"] is True and made.found is None
    found, ctx = run(clio, action, inputs)
    assert found.output["created"] is False and found.output["id"] == made.output["id"]
    assert ctx.sent == []  # found: nothing written
    contacts = clio.get("contacts.json", fields="id,type,primary_email_address")
    assert contacts == [
        {"id": made.output["id"], "type": kind, "primary_email_address": inputs["email"]}
    ]
    with pytest.raises(ActionError) as error:
        run(clio, action, {"phone": "555-0100"})
    assert error.value.message == "Nothing to find the contact by."


def test_find_or_create_matter_creates_once_then_finds(clio):
    client, seeded = clio.seed()
    found, ctx = run(
        clio, "find_or_create_matter", {"client_id": client["id"], "description": "estate plan"}
    )
    assert found.output["id"] == seeded["id"] and found.output["created"] is False and not ctx.sent
    inputs = {"client_id": client["id"], "description": "Probate"}
    dry, ctx = run(clio, "find_or_create_matter", inputs, dry_run=True)
    assert dry.output == {} and ctx.sent[0].body["data"]["description"] == "Probate"
    made, _ = run(clio, "find_or_create_matter", inputs)
    again, _ = run(clio, "find_or_create_matter", inputs)
    assert made.output["created"] is True and again.output["id"] == made.output["id"]
    assert len(clio.get("matters.json", fields="id", client_id=client["id"])) == 2
    with pytest.raises(ActionError):
        run(clio, "find_or_create_matter", {"client_id": client["id"]})
