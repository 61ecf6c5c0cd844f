"""Webhooks fire for every model the spec's Webhooks tag lists that automations listen to:
created, updated and deleted, each body checked against the model's schema."""

import json

import pytest


def _flush(api):
    return api.post("/sandbox/clio/_control/webhooks/flush", "{}", "application/json").json()


def _subscribe(api, firm, receiver, model, fields):
    body = {"url": receiver.url, "model": model, "fields": fields}
    response = firm.post("webhooks.json", body)
    assert response.status_code == 201, response.content
    _flush(api)  # the handshake, echoed: enabled
    return response.json()["data"]["id"]


def _events(receiver):
    return [
        (json.loads(c["body"])["meta"]["event"], json.loads(c["body"])["data"])
        for c in receiver.events()
    ]


@pytest.fixture
def matter(firm):
    client = firm.act("create_contact", first_name="Hook", last_name="Ed")
    return firm.act("create_matter", client_id=client["id"], description="Hooks")


def _task(firm, matter):
    made = firm.act("create_task", matter_id=matter["id"], name="Draft")
    firm.act("complete_task", task_id=made["id"])
    return "tasks", made["id"]


def _calendar_entry(firm, matter):
    made = firm.act("create_calendar_entry", matter_id=matter["id"], summary="Hearing")
    firm.patch(f"calendar_entries/{made['id']}.json", {"summary": "Hearing (moved)"})
    return "calendar_entries", made["id"]


def _communication(firm, matter):
    made = firm.act("create_communication", matter_id=matter["id"], subject="Hello")
    firm.patch(f"communications/{made['id']}.json", {"subject": "Re: Hello"})
    return "communications", made["id"]


def _document(firm, matter):
    made = firm.act("upload_document", matter_id=matter["id"], name="a.txt", content="x")
    firm.patch(f"documents/{made['id']}.json", {"name": "b.txt"})
    return "documents", made["id"]


def _folder(firm, matter):
    made = firm.post(
        "folders.json", {"name": "Pleadings", "parent": {"id": matter["id"], "type": "Matter"}}
    )
    folder_id = made.json()["data"]["id"]
    firm.patch(f"folders/{folder_id}.json", {"name": "Filings"})
    return "folders", folder_id


def _activity(firm, matter):
    made = firm.act("create_time_entry", matter_id=matter["id"], hours="1.5", price="300")
    firm.patch(f"activities/{made['id']}.json", {"note": "Research"})
    return "activities", made["id"]


@pytest.mark.parametrize(
    ("model", "fields", "act"),
    [
        ("task", "id,etag,name,status,matter{id}", _task),
        ("calendar_entry", "id,etag,summary,start_at,matter{id}", _calendar_entry),
        ("communication", "id,etag,subject,type,matter{id}", _communication),
        ("document", "id,etag,name,matter{id}", _document),
        ("folder", "id,etag,name,matter{id}", _folder),
        ("activity", "id,etag,type,total,matter{id}", _activity),
    ],
)
def test_created_updated_deleted_fire_for_each_model(
    api, firm, receiver, matter, model, fields, act
):
    _subscribe(api, firm, receiver, model, fields)
    path, rid = act(firm, matter)
    assert firm.delete(f"{path}/{rid}.json").status_code == 204
    _flush(api)
    events = [(event, data) for event, data in _events(receiver) if str(data["id"]) == str(rid)]
    # A document's upload completing is an update of its own (before the rename).
    updates = ["updated", "updated"] if model == "document" else ["updated"]
    assert [event for event, _ in events] == ["created", *updates, "deleted"]
    assert events[0][1]["matter"] == {"id": matter["id"]}


def test_a_completed_task_reaches_the_receiver_with_its_status(api, firm, receiver, matter):
    _subscribe(api, firm, receiver, 7, "id,status,completed_at")  # model by its ID
    task = firm.act("create_task", matter_id=matter["id"], name="Sign")
    firm.act("complete_task", task_id=task["id"])
    _flush(api)
    events = _events(receiver)
    assert [e for e, _ in events] == ["created", "updated"]
    assert events[1][1]["status"] == "complete" and events[1][1]["completed_at"]


def test_a_custom_field_value_change_fires_matter_updated(api, firm, receiver, matter):
    field = firm.act("create_custom_field", name="Case no.", parent_type="Matter")
    _subscribe(api, firm, receiver, "matter", "id,custom_field_values{value}")
    firm.act(
        "set_custom_field_value", custom_field_id=field["id"], matter_id=matter["id"], value="7"
    )
    _flush(api)
    [(event, data)] = _events(receiver)
    assert event == "updated" and data["custom_field_values"] == [{"value": "7"}]


def test_notes_have_no_webhook_model(firm, receiver):
    response = firm.post("webhooks.json", {"url": receiver.url, "model": "note", "fields": "id"})
    assert response.status_code == 422 and response.json()["error"]["type"] == "ValidationError"


def test_a_webhook_for_tasks_needs_the_tasks_permission(api, firm, receiver):
    from sandbox.clio.models import Account, App
    from sandbox.clio.oauth import issue_token

    app = App.objects.create(
        client_id="hooks-only", client_secret="s", redirect_uris=[], permissions=["webhooks"]
    )
    token = issue_token(app, Account.objects.get(pk=firm.id), firm.user_id)
    body = json.dumps({"data": {"url": receiver.url, "model": "task", "fields": "id"}})
    denied = api.post(
        firm.url("webhooks.json"),
        body,
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {token.access_token}",
    )
    assert denied.status_code == 403
