"""`_control/actions` for tasks, calendar, communications, notes, documents and custom field
values, and the console forms that run them."""

import json

import pytest
from django.test import Client


@pytest.fixture
def matter(firm):
    client = firm.act("create_contact", first_name="Act", last_name="Ion")
    return firm.act("create_matter", client_id=client["id"], description="Actions")


def _act(api, firm, action, **payload):
    body = json.dumps({"action": action, "account": firm.id, **payload})
    return api.post("/sandbox/clio/_control/actions", body, "application/json")


def test_each_action_writes_what_the_api_then_reads(firm, matter):
    task = firm.act("create_task", matter_id=matter["id"], name="Review", due_at="2026-06-01")
    firm.act("complete_task", task_id=task["id"])
    entry = firm.act("create_calendar_entry", matter_id=matter["id"], summary="Deposition")
    comm = firm.act("create_communication", matter_id=matter["id"], subject="Letter sent")
    note = firm.act("create_note", matter_id=matter["id"], subject="Call", detail="Left message")
    doc = firm.act("upload_document", matter_id=matter["id"], name="engagement.txt", content="hi")
    field = firm.act("create_custom_field", name="Stage", field_type="picklist", options="A,B")
    option = field["data"]["picklist_options"][1]["id"]
    firm.act(
        "set_custom_field_value", custom_field_id=field["id"], matter_id=matter["id"], value=option
    )

    def read(path, fields):
        response = firm.get(path, {"fields": fields})
        assert response.status_code == 200, response.content
        return response.json()["data"]

    assert read(f"tasks/{task['id']}.json", "name,status,due_at") == {
        "name": "Review",
        "status": "complete",
        "due_at": "2026-06-01",
    }
    assert read(f"calendar_entries/{entry['id']}.json", "summary")["summary"] == "Deposition"
    assert read(f"communications/{comm['id']}.json", "subject,type") == {
        "subject": "Letter sent",
        "type": "EmailCommunication",
    }
    assert read(f"notes/{note['id']}.json", "detail,type,matter{id}") == {
        "detail": "Left message",
        "type": "Matter",
        "matter": {"id": matter["id"]},
    }
    assert read(f"documents/{doc['id']}.json", "name,size,content_type") == {
        "name": "engagement.txt",
        "size": 2,
        "content_type": "text/plain",
    }
    values = read(f"matters/{matter['id']}.json", "custom_field_values{value,picklist_option}")
    assert values["custom_field_values"][0]["picklist_option"]["option"] == "B"
    firm.act(
        "set_custom_field_value", custom_field_id=field["id"], matter_id=matter["id"], value=""
    )
    cleared = read(f"matters/{matter['id']}.json", "custom_field_values")
    assert cleared["custom_field_values"] == []


def test_action_errors_are_clear_4xx(api, firm, matter):
    missing = _act(api, firm, "create_task", matter_id=matter["id"])
    assert missing.status_code == 400 and "name is required" in missing.json()["error"]
    unknown = _act(api, firm, "complete_task", task_id=999999)
    assert unknown.status_code == 404
    bad_status = _act(api, firm, "create_task", name="X", matter_id=matter["id"], priority="Urgent")
    assert bad_status.status_code == 422
    no_parent = _act(api, firm, "create_note", detail="Orphan")
    assert no_parent.status_code == 400
    no_place = _act(api, firm, "upload_document", name="x.txt", content="x")
    assert no_place.status_code == 400
    bad_value = _act(
        api,
        firm,
        "set_custom_field_value",
        custom_field_id=firm.act("create_custom_field", name="N", field_type="numeric")["id"],
        matter_id=matter["id"],
        value="many",
    )
    assert bad_value.status_code == 422


def test_console_lists_the_new_actions_and_runs_one(firm, matter):
    browser = Client()
    page = browser.get(f"/sandbox/clio/{firm.id}/")
    for name in (b"create_task", b"complete_task", b"upload_document", b"set_custom_field_value"):
        assert b"form-" + name in page.content
    done = browser.post(
        f"/sandbox/clio/{firm.id}/action/",
        {"action": "create_task", "matter_id": matter["id"], "name": "From the console"},
        follow=True,
    )
    assert b"create_task: task" in done.content and b"From the console" in done.content
