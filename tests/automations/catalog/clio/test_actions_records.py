"""Matters and contacts made and changed for real in the sandbox, read back through Clio's API."""

import pytest

from automations.catalog.base import ActionError
from tests.automations.catalog.clio.conftest import WEB, run

CONTACT = "name,type,first_name,last_name,title,primary_email_address,primary_phone_number,addresses{city}"


def test_create_matter_opens_it_for_the_client_and_update_matter_closes_it(clio):
    client, _ = clio.seed()
    inputs = {"client_id": client["id"], "description": "Probate", "client_reference": "REF-9"}
    result, _ = run(clio, "create_matter", inputs)
    matter = clio.get(
        f"matters/{result.output['id']}.json",
        fields="description,status,client_reference,client{id},display_number",
    )
    assert matter["description"] == "Probate" and matter["client"] == {"id": client["id"]}
    assert matter["client_reference"] == "REF-9" and matter["status"] == "Open"
    assert result.output["display_number"] == matter["display_number"]
    assert result.output["client_name"] == "Ada Lovelace"
    assert result.record_url == f"{WEB}/nc/#/matters/{result.output['id']}"

    changed, _ = run(clio, "update_matter", {"matter_id": result.output["id"], "status": "Closed"})
    assert clio.get(f"matters/{result.output['id']}.json", fields="status")["status"] == "Closed"
    assert changed.output["status"] == "Closed"

    dry, ctx = run(clio, "create_matter", inputs, dry_run=True)
    assert dry.output == {} and ctx.sent[-1].body["data"]["client"] == {"id": client["id"]}
    dry, ctx = run(
        clio, "update_matter", {"matter_id": result.output["id"], "status": "Open"}, dry_run=True
    )
    assert ctx.sent[-1].method == "PATCH"
    assert clio.get(f"matters/{result.output['id']}.json", fields="status")["status"] == "Closed"
    assert len(clio.get("matters.json", fields="id", client_id=client["id"])) == 2  # seed + one
    with pytest.raises(ActionError) as error:
        run(clio, "create_matter", {"client_id": client["id"]})
    assert error.value.message == "A matter needs a description."
    with pytest.raises(ActionError):
        run(clio, "update_matter", {"matter_id": result.output["id"]})


@pytest.mark.parametrize(
    ("action", "inputs", "expected"),
    [
        (
            "create_person_contact",
            {"first_name": "Grace", "last_name": "Hopper", "email": "grace@navy.test", "phone": "555-0100", "city": "Arlington"},
            {"type": "Person", "name": "Grace Hopper", "primary_email_address": "grace@navy.test", "primary_phone_number": "555-0100"},
        ),
        (
            "create_company_contact",
            {"name": "Acme Ltd", "email": "office@acme.test", "city": "Leeds"},
            {"type": "Company", "name": "Acme Ltd", "primary_email_address": "office@acme.test"},
        ),
    ],
)  # fmt: skip
def test_contacts_are_created_with_email_phone_and_address(clio, action, inputs, expected):
    result, _ = run(clio, action, inputs)
    contact = clio.get(f"contacts/{result.output['id']}.json", fields=CONTACT)
    assert {k: contact[k] for k in expected} == expected
    assert contact["addresses"][0]["city"] == inputs["city"]
    assert result.output["email"] == inputs["email"] and result.output["name"] == expected["name"]
    dry, ctx = run(clio, action, inputs, dry_run=True)
    assert dry.output == {} and ctx.sent[-1].body["data"]["type"] == expected["type"]
    assert len(clio.get("contacts.json", fields="id")) == 1
    with pytest.raises(ActionError) as error:
        run(clio, action, {"email": "nobody@example.com"})
    assert error.value.fix


def test_update_person_contact_changes_the_name_and_the_primary_email_in_place(clio):
    made, _ = run(clio, "create_person_contact", {"first_name": "Grace", "email": "g@old.test"})
    inputs = {"contact_id": made.output["id"], "last_name": "Hopper", "email": "g@new.test"}
    result, _ = run(clio, "update_person_contact", inputs)
    contact = clio.get(f"contacts/{made.output['id']}.json", fields="name,email_addresses{address}")
    assert contact == {"name": "Grace Hopper", "email_addresses": [{"address": "g@new.test"}]}
    assert result.output["email"] == "g@new.test"
    dry, ctx = run(clio, "update_person_contact", inputs | {"first_name": "G"}, dry_run=True)
    assert dry.output == {} and ctx.sent[-1].body["data"]["first_name"] == "G"
    assert clio.get(f"contacts/{made.output['id']}.json", fields="name")["name"] == "Grace Hopper"
    company, _ = run(clio, "create_company_contact", {"name": "Acme"})
    with pytest.raises(ActionError) as error:
        run(clio, "update_person_contact", {"contact_id": company.output["id"], "title": "Dr"})
    assert "is a company" in error.value.message
    with pytest.raises(ActionError) as error:
        run(clio, "update_person_contact", {"contact_id": 999999, "title": "Dr"})
    assert error.value.message == "Clio has no contact 999999."


def test_update_company_contact_renames_it_and_adds_a_phone(clio):
    made, _ = run(clio, "create_company_contact", {"name": "Acme"})
    inputs = {"contact_id": made.output["id"], "name": "Acme Holdings", "phone": "555-0199"}
    result, _ = run(clio, "update_company_contact", inputs)
    contact = clio.get(f"contacts/{made.output['id']}.json", fields="name,primary_phone_number")
    assert contact == {"name": "Acme Holdings", "primary_phone_number": "555-0199"}
    assert result.output["phone"] == "555-0199"
    dry, _ = run(clio, "update_company_contact", inputs | {"name": "Other"}, dry_run=True)
    assert dry.summary == f"Would update company contact {made.output['id']}: name, phone_numbers"
    assert clio.get(f"contacts/{made.output['id']}.json", fields="name")["name"] == "Acme Holdings"
    with pytest.raises(ActionError):
        run(clio, "update_company_contact", {"contact_id": made.output["id"]})
