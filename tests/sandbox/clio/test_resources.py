"""Create, read, update, delete through the API for contacts, matters, activities and the rest."""

import pytest


def test_contact_person_needs_a_first_or_last_name(firm):
    response = firm.post("contacts.json", {"type": "Person", "title": "Dr"})
    assert response.status_code == 422
    assert "first name or last name" in response.json()["error"]["message"]


def test_contact_crud_with_nested_collections(firm):
    body = {
        "type": "Person",
        "first_name": "Grace",
        "last_name": "Hopper",
        "email_addresses": [
            {"name": "Work", "address": "grace@navy.example", "default_email": True}
        ],
        "phone_numbers": [{"name": "Work", "number": "555-0101", "default_number": True}],
        "addresses": [
            {"name": "Work", "street": "1 Navy Way", "city": "Arlington", "country": "US"}
        ],
    }
    fields = (
        "id,name,primary_email_address,primary_phone_number,email_addresses{id,address,primary}"
    )
    created = firm.client.post(
        firm.url(f"contacts.json?fields={fields}"),
        {"data": body},
        "application/json",
        **firm.auth,
    )
    assert created.status_code == 201
    data = created.json()["data"]
    assert data["name"] == "Grace Hopper" and data["primary_email_address"] == "grace@navy.example"
    assert data["email_addresses"][0]["primary"] is True
    patched = firm.patch(f"contacts/{data['id']}.json", {"last_name": "Murray Hopper"})
    assert patched.status_code == 200
    assert firm.get(f"contacts/{data['id']}", {"fields": "name"}).json()["data"]["name"] == (
        "Grace Murray Hopper"
    )
    assert firm.delete(f"contacts/{data['id']}.json").status_code == 204
    assert firm.get(f"contacts/{data['id']}.json").status_code == 404


def test_company_contact_and_form_encoded_body(firm):
    response = firm.client.post(
        firm.url("contacts.json?fields=id,name,type"),
        "data[type]=Company&data[name]=Acme+LLC",
        "application/x-www-form-urlencoded",
        **firm.auth,
    )
    assert response.status_code == 201
    assert response.json()["data"]["name"] == "Acme LLC"


def test_matter_crud_and_client_rules(firm):
    client = firm.act("create_contact", first_name="Ann", last_name="Client")
    missing = firm.post("matters.json", {"description": "No client"})
    assert missing.status_code == 422
    created = firm.post("matters.json", {"client": {"id": client["id"]}, "description": "Lease"})
    assert created.status_code == 201
    matter_id = created.json()["data"]["id"]
    shown = firm.get(
        f"matters/{matter_id}", {"fields": "display_number,status,client{id,is_client}"}
    )
    data = shown.json()["data"]
    assert data["display_number"].endswith("-Client") and data["status"] == "Open"
    firm.patch(f"matters/{matter_id}.json", {"status": "Closed"})
    closed = firm.get("matters.json", {"status": "Closed"}).json()["data"]
    assert [m["id"] for m in closed] == [matter_id]
    in_use = firm.delete(f"contacts/{client['id']}.json")
    assert in_use.status_code == 422


def test_activity_crud_computes_totals_in_seconds(firm):
    client = firm.act("create_contact", first_name="T", last_name="E")
    matter = firm.act("create_matter", client_id=client["id"], description="Time")
    body = {
        "type": "TimeEntry",
        "date": "2026-01-02",
        "quantity": 5400,
        "price": 200,
        "matter": {"id": matter["id"]},
    }
    created = firm.client.post(
        firm.url("activities.json?fields=id,total,quantity,quantity_in_hours,user{id}"),
        {"data": body},
        "application/json",
        **firm.auth,
    )
    data = created.json()["data"]
    assert (data["quantity"], data["quantity_in_hours"], data["total"]) == (5400, 1.5, 300.0)
    assert data["user"]["id"] == firm.user_id
    firm.patch(f"activities/{data['id']}.json", {"price": 250})
    total = firm.get(f"activities/{data['id']}", {"fields": "total"}).json()["data"]["total"]
    assert total == 375.0
    assert firm.post("activities.json", {"type": "TimeEntry"}).status_code == 422
    found = firm.get("activities.json", {"start_date": "2026-01-01", "end_date": "2026-01-03"})
    assert found.json()["meta"]["records"] == 1
    assert firm.delete(f"activities/{data['id']}.json").status_code == 204


def test_bank_account_crud(firm):
    created = firm.post(
        "bank_accounts.json", {"type": "Trust", "currency": "USD", "name": "Second trust"}
    )
    assert created.status_code == 201
    account_id = created.json()["data"]["id"]
    firm.patch(f"bank_accounts/{account_id}.json", {"name": "Renamed", "balance": 999})
    data = firm.get(f"bank_accounts/{account_id}", {"fields": "name,balance,type"}).json()["data"]
    assert data == {"name": "Renamed", "balance": 0.0, "type": "Trust"}
    trust = firm.get("bank_accounts.json", {"type": "TrustAccount"}).json()["meta"]["records"]
    assert trust == 2
    assert firm.delete(f"bank_accounts/{account_id}.json").status_code == 204


@pytest.mark.parametrize(
    ("path", "body", "change"),
    [
        (
            "calendar_entries",
            {
                "summary": "Hearing",
                "start_at": "2026-02-01T09:00:00+00:00",
                "end_at": "2026-02-01T10:00:00+00:00",
                "calendar_owner": {"id": 1},
            },
            {"summary": "Hearing (moved)"},
        ),
        (
            "tasks",
            {
                "name": "File motion",
                "description": "By Friday",
                "assignee": {"id": "USER", "type": "User"},
            },
            {"name": "File the motion"},
        ),
        (
            "notes",
            {"type": "Matter", "subject": "Call", "detail": "Spoke to client"},
            {"subject": "Call 2"},
        ),
        (
            "communications",
            {
                "type": "EmailCommunication",
                "subject": "Hello",
                "body": "Text",
                "received_at": "2026-02-01T09:00:00+00:00",
            },
            {"subject": "Re: Hello"},
        ),
        (
            "folders",
            {"name": "Pleadings", "parent": {"id": "MATTER", "type": "Matter"}},
            {"name": "Filings"},
        ),
        (
            "documents",
            {"name": "Motion.pdf", "parent": {"id": "MATTER", "type": "Matter"}},
            {"name": "Motion-v2.pdf"},
        ),
        (
            "task_template_lists",
            {"name": "Intake", "description": "New client"},
            {"name": "Intake v2"},
        ),
    ],
)
def test_simple_resources_create_list_update_delete(firm, path, body, change):
    client = firm.act("create_contact", first_name="N", last_name="O")
    matter_id = firm.act("create_matter", client_id=client["id"], description="M")["id"]
    if path == "notes":
        body = body | {"matter": {"id": matter_id}}
    ids = {"USER": firm.user_id, "MATTER": matter_id}
    body = {k: _ids(v, ids) for k, v in body.items()}
    created = firm.post(f"{path}.json", body)
    assert created.status_code == 201, created.content
    rid = created.json()["data"]["id"]
    listed = firm.get(f"{path}.json", {"show_uncompleted": "true"} if path == "documents" else {})
    # Putting something in a matter makes the matter's own folder first, as Clio does.
    assert listed.json()["meta"]["records"] == (2 if path == "folders" else 1)
    key = next(iter(change))
    assert firm.patch(f"{path}/{rid}.json", change).status_code == 200
    assert firm.get(f"{path}/{rid}.json", {"fields": key}).json()["data"][key] == change[key]
    assert firm.delete(f"{path}/{rid}.json").status_code == 204
    assert firm.post(f"{path}.json", {}).status_code == 422


def _ids(value, ids):
    if isinstance(value, dict):
        return {k: ids.get(v, v) if k == "id" else v for k, v in value.items()}
    return value


def test_users_list_and_show(firm):
    users = firm.get("users.json", {"fields": "id,name,email,account_owner"}).json()["data"]
    assert users == [
        {
            "id": firm.user_id,
            "name": "Olive Owner",
            "email": "owner@test.example",
            "account_owner": True,
        }
    ]
    assert firm.get(f"users/{firm.user_id}.json").status_code == 200


def test_a_folder_with_contents_cannot_be_deleted_409(firm):
    client = firm.act("create_contact", first_name="F", last_name="Older")
    matter = firm.act("create_matter", client_id=client["id"], description="Files")
    folder = firm.post(
        "folders.json", {"name": "Root", "parent": {"id": matter["id"], "type": "Matter"}}
    )
    folder_id = folder.json()["data"]["id"]
    doc = firm.post(
        "documents.json", {"name": "A.pdf", "parent": {"id": folder_id, "type": "Folder"}}
    )
    conflict = firm.delete(f"folders/{folder_id}.json")
    assert conflict.status_code == 409 and conflict.json()["error"]["type"] == "Conflict"
    firm.delete(f"documents/{doc.json()['data']['id']}.json")
    assert firm.delete(f"folders/{folder_id}.json").status_code == 204


def test_missing_access_permission_is_403(api, firm):
    from sandbox.clio.models import Account, App
    from sandbox.clio.oauth import issue_token

    app = App.objects.create(
        client_id="limited", client_secret="s", redirect_uris=[], permissions=["contacts:read"]
    )
    token = issue_token(app, Account.objects.get(pk=firm.id), firm.user_id)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token.access_token}"}
    assert api.get(firm.url("contacts.json"), **auth).status_code == 200
    denied_write = api.post(
        firm.url("contacts.json"),
        {"data": {"type": "Company", "name": "X"}},
        "application/json",
        **auth,
    )
    assert denied_write.status_code == 403
    assert denied_write.json()["error"]["type"] == "Forbidden"
    assert api.get(firm.url("bills.json"), **auth).status_code == 403


def test_patch_edits_adds_and_destroys_nested_email_addresses(firm):
    contact = firm.act("create_contact", first_name="Nest", last_name="Ed", email="one@x.example")
    first_id = contact["data"]["email_addresses"][0]["id"]
    firm.patch(
        f"contacts/{contact['id']}.json",
        {"email_addresses": [{"name": "Home", "address": "two@x.example"}]},
    )
    fields = "email_addresses{id,address},primary_email_address"
    data = firm.get(f"contacts/{contact['id']}.json", {"fields": fields}).json()["data"]
    assert [e["address"] for e in data["email_addresses"]] == ["one@x.example", "two@x.example"]
    firm.patch(
        f"contacts/{contact['id']}.json",
        {"email_addresses": [{"id": first_id, "_destroy": True}]},
    )
    data = firm.get(f"contacts/{contact['id']}.json", {"fields": fields}).json()["data"]
    assert [e["address"] for e in data["email_addresses"]] == ["two@x.example"]
    assert data["primary_email_address"] == "two@x.example"
