"""Clio's work actions for real against the sandbox, read back through Clio's API; the same
steps as dry runs send nothing; bad inputs are errors the firm can fix."""

import pytest

from automations.catalog.base import ActionError
from tests.automations.catalog.clio.conftest import WEB, run


def _count(clio, path: str, **params) -> int:
    return len(clio.get(path, fields="id", **params))


def test_create_calendar_entry_lands_on_the_connected_users_calendar(clio):
    _, matter = clio.seed()
    inputs = {
        "summary": "Hearing",
        "start_at": "2026-12-10T09:00:00+00:00",
        "matter_id": matter["id"],
    }
    result, _ = run(clio, "create_calendar_entry", inputs)
    entry = clio.get(
        f"calendar_entries/{result.record_id}.json",
        fields="summary,start_at,end_at,matter{id},calendar_owner{id}",
    )
    assert entry["summary"] == "Hearing" and entry["matter"]["id"] == matter["id"]
    assert entry["end_at"].startswith("2026-12-10T10:00:00")  # an hour when no end is given
    assert entry["calendar_owner"]["id"] == clio.get("users/who_am_i.json", fields="id")["id"]
    assert result.output["id"] == entry_id(result) and result.record_url.startswith(WEB)

    dry, ctx = run(clio, "create_calendar_entry", inputs, dry_run=True)
    assert dry.output == {} and dry.summary.startswith("Would create calendar entry")
    assert ctx.sent[-1].method == "POST" and ctx.sent[-1].body["data"]["summary"] == "Hearing"
    assert _count(clio, "calendar_entries.json") == 1
    with pytest.raises(ActionError) as error:
        run(clio, "create_calendar_entry", inputs | {"end_at": "2026-12-10T08:00:00+00:00"})
    assert error.value.fix


def entry_id(result) -> str:
    return result.record_id  # calendar entry ids are strings in Clio


def test_create_communication_logs_it_on_the_matter(clio):
    _, matter = clio.seed()
    inputs = {"subject": "Called Ada", "type": "PhoneCommunication", "matter_id": matter["id"]}
    result, _ = run(clio, "create_communication", inputs)
    record = clio.get(
        f"communications/{result.output['id']}.json", fields="subject,type,body,matter{id}"
    )
    assert record == {
        "subject": "Called Ada",
        "type": "PhoneCommunication",
        "body": "Called Ada",
        "matter": {"id": matter["id"]},
    }
    dry, ctx = run(clio, "create_communication", inputs, dry_run=True)
    assert dry.output == {} and ctx.sent[-1].path == "communications.json"
    assert _count(clio, "communications.json") == 1
    with pytest.raises(ActionError):
        run(clio, "create_communication", {"body": "no subject"})


@pytest.mark.parametrize(
    ("action", "inputs", "expected"),
    [
        ("create_time_entry", {"hours": "1.5", "rate": "200"}, {"type": "TimeEntry", "quantity": 5400, "total": 300.0}),
        ("create_expense_entry", {"price": "42.50", "note": "Filing fee"}, {"type": "ExpenseEntry", "total": 42.5, "note": "Filing fee"}),
    ],
)  # fmt: skip
def test_activity_entries_are_recorded_on_the_matter(clio, action, inputs, expected):
    _, matter = clio.seed()
    result, _ = run(clio, action, inputs | {"matter_id": matter["id"], "date": "2026-12-04"})
    record = clio.get(
        f"activities/{result.output['id']}.json", fields="type,quantity,total,note,date,matter{id}"
    )
    assert {k: record[k] for k in expected} == expected
    assert record["date"] == "2026-12-04" and record["matter"]["id"] == matter["id"]
    assert result.output["total"] == f"{expected['total']:.2f}"  # a Decimal string
    dry, ctx = run(clio, action, inputs | {"matter_id": matter["id"]}, dry_run=True)
    assert dry.output == {} and ctx.sent[-1].body["data"]["type"] == expected["type"]
    assert _count(clio, "activities.json") == 1
    with pytest.raises(ActionError) as error:
        run(clio, action, {"hours": "lots", "price": "lots"})
    assert "not an amount" in error.value.message


def test_create_matter_note_adds_a_note_to_the_matter(clio):
    _, matter = clio.seed()
    inputs = {"matter_id": matter["id"], "subject": "Payment", "detail": "Paid 600.00"}
    result, _ = run(clio, "create_matter_note", inputs)
    note = clio.get(f"notes/{result.output['id']}.json", fields="type,subject,detail,matter{id}")
    assert note == {
        "type": "Matter",
        "subject": "Payment",
        "detail": "Paid 600.00",
        "matter": {"id": matter["id"]},
    }
    assert result.record_url == f"{WEB}/nc/#/matters/{matter['id']}/notes"
    dry, ctx = run(clio, "create_matter_note", inputs, dry_run=True)
    assert dry.summary.startswith("Would") and ctx.sent[-1].body["data"]["detail"] == "Paid 600.00"
    assert _count(clio, "notes.json") == 1
    with pytest.raises(ActionError):
        run(clio, "create_matter_note", {"matter_id": "M-12", "detail": "x"})
    with pytest.raises(ActionError) as error:
        run(clio, "create_matter_note", {"matter_id": 999999, "detail": "x"})
    assert "refused" in error.value.message or "could not find" in error.value.message


def test_create_task_then_update_it(clio):
    _, matter = clio.seed()
    inputs = {
        "name": "Call Ada",
        "matter_id": matter["id"],
        "due_at": "2026-12-20",
        "priority": "High",
    }
    result, _ = run(clio, "create_task", inputs)
    task = clio.get(
        f"tasks/{result.output['id']}.json",
        fields="name,description,priority,due_at,assignee{id,type},matter{id}",
    )
    me = clio.get("users/who_am_i.json", fields="id")["id"]
    assert task["name"] == "Call Ada" and task["priority"] == "High"
    assert task["due_at"] == "2026-12-20" and task["assignee"] == {"id": me, "type": "User"}
    assert result.output["assignee_id"] == me

    changed, _ = run(clio, "update_task", {"task_id": result.output["id"], "status": "complete"})
    task = clio.get(f"tasks/{result.output['id']}.json", fields="status,completed_at")
    assert task["status"] == "complete" and task["completed_at"]
    assert changed.output["status"] == "complete" and "status" in changed.summary

    dry, ctx = run(
        clio, "update_task", {"task_id": result.output["id"], "status": "pending"}, dry_run=True
    )
    assert dry.output == {} and ctx.sent[-1].method == "PATCH"
    assert clio.get(f"tasks/{result.output['id']}.json", fields="status")["status"] == "complete"
    dry, _ = run(clio, "create_task", inputs, dry_run=True)
    assert _count(clio, "tasks.json") == 1
    with pytest.raises(ActionError) as error:
        run(clio, "update_task", {"task_id": result.output["id"]})
    assert error.value.message == "Nothing to change on the task."
    with pytest.raises(ActionError) as error:
        run(clio, "update_task", {"task_id": 999999, "name": "x"})
    assert "could not find" in error.value.message


def test_assign_task_template_list_makes_its_tasks_on_the_matter(clio):
    _, matter = clio.seed()
    writer = clio.ctx().client.http
    body = {"data": {"name": "Intake", "description": "New client"}}
    task_list = writer.request("POST", "task_template_lists.json", json=body).json()["data"]
    for name in ("Conflict check", "Engagement letter"):
        template = {"name": name, "task_template_list": {"id": task_list["id"]}}
        writer.request("POST", "task_templates.json", json={"data": template})
    inputs = {
        "matter_id": matter["id"],
        "task_template_list_id": task_list["id"],
        "due_at": "2026-12-31",
    }

    dry, ctx = run(clio, "assign_task_template_list", inputs, dry_run=True)
    assert dry.output == {} and _count(clio, "tasks.json", matter_id=matter["id"]) == 0
    assert ctx.sent[-1].body["data"]["task_template_list_instances"][0]["task_template_list"] == {
        "id": task_list["id"]
    }

    result, _ = run(clio, "assign_task_template_list", inputs)
    tasks = clio.get("tasks.json", fields="name,due_at", matter_id=matter["id"])
    assert sorted(t["name"] for t in tasks) == ["Conflict check", "Engagement letter"]
    assert {t["due_at"] for t in tasks} == {"2026-12-31"}
    assert result.output["id"] == matter["id"]
    with pytest.raises(ActionError):
        run(clio, "assign_task_template_list", {"matter_id": matter["id"]})
