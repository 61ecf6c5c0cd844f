"""Tasks, task template lists and templates, and assigning a list to a matter."""

import pytest


@pytest.fixture
def matter(firm):
    client = firm.act("create_contact", first_name="Tess", last_name="Tasks")
    return firm.act("create_matter", client_id=client["id"], description="Probate")


def _task(firm, matter_id, **extra):
    body = {
        "name": "File motion",
        "description": "By Friday",
        "assignee": {"id": firm.user_id, "type": "User"},
        "matter": {"id": matter_id},
        **extra,
    }
    response = firm.post("tasks.json?fields=id,status,priority,completed_at,assignee", body)
    assert response.status_code == 201, response.content
    return response.json()["data"]


def test_task_defaults_and_completion(firm, matter):
    task = _task(firm, matter["id"], due_at="2026-03-01")
    assert task["status"] == "pending" and task["priority"] == "Normal"
    assert task["completed_at"] is None
    assert task["assignee"] == {"id": firm.user_id, "type": "User", "name": "Olive Owner"}
    done = firm.patch(f"tasks/{task['id']}.json?fields=status,completed_at", {"status": "complete"})
    assert done.json()["data"]["status"] == "complete" and done.json()["data"]["completed_at"]
    reopened = firm.patch(f"tasks/{task['id']}.json?fields=completed_at", {"status": "pending"})
    assert reopened.json()["data"]["completed_at"] is None


def test_task_filters(firm, matter):
    first = _task(firm, matter["id"], priority="High", due_at="2026-03-01")
    second = _task(firm, matter["id"], name="Call client", due_at="2026-04-01")
    firm.act("complete_task", task_id=second["id"])

    def ids(**params):
        return [t["id"] for t in firm.get("tasks.json", params).json()["data"]]

    assert ids(status="complete") == [second["id"]]
    assert ids(complete="false") == [first["id"]]
    assert ids(priority="high") == [first["id"]]
    assert ids(query="call") == [second["id"]]
    assert ids(matter_id=matter["id"], due_at_to="2026-03-15") == [first["id"]]
    assert ids(assignee_id=firm.user_id, assignee_type="user") == [first["id"], second["id"]]
    assert firm.get("tasks.json", {"status": "done"}).status_code == 400
    assert firm.get("tasks.json", {"priority": "High"}).status_code == 400


def test_task_validation(firm, matter):
    base = {"name": "N", "description": "D", "matter": {"id": matter["id"]}}
    missing = firm.post("tasks.json", {"name": "N"})
    assert missing.status_code == 422 and missing.json()["error"]["type"] == "ValidationError"
    bad_status = firm.post(
        "tasks.json", base | {"assignee": {"id": firm.user_id, "type": "User"}, "status": "x"}
    )
    assert bad_status.status_code == 422
    bad_type = firm.post("tasks.json", base | {"assignee": {"id": firm.user_id, "type": "Robot"}})
    assert bad_type.status_code == 422
    unknown = firm.post("tasks.json", base | {"assignee": {"id": 999999, "type": "User"}})
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "NotFound"
    bad_date = firm.post(
        "tasks.json", base | {"assignee": {"id": firm.user_id, "type": "User"}, "due_at": "soon"}
    )
    assert bad_date.status_code == 422


def _list_with_templates(firm, names):
    made = firm.post("task_template_lists.json", {"name": "Intake", "description": "New client"})
    list_id = made.json()["data"]["id"]
    for name in names:
        body = {"name": name, "priority": "High", "task_template_list": {"id": list_id}}
        assert firm.post("task_templates.json", body).status_code == 201
    return list_id


def test_templates_count_and_filter_by_list(firm):
    list_id = _list_with_templates(firm, ["Conflict check", "Engagement letter"])
    shown = firm.get(f"task_template_lists/{list_id}.json", {"fields": "name,templates_count"})
    assert shown.json()["data"] == {"name": "Intake", "templates_count": 2}
    templates = firm.get(
        "task_templates.json", {"task_template_list_id": list_id, "fields": "name,priority"}
    )
    assert templates.json()["data"] == [
        {"name": "Conflict check", "priority": "High"},
        {"name": "Engagement letter", "priority": "High"},
    ]
    no_list = firm.post("task_templates.json", {"name": "Orphan"})
    assert no_list.status_code == 422


def test_assigning_a_list_to_a_matter_makes_its_tasks(firm, matter):
    list_id = _list_with_templates(firm, ["Conflict check", "Engagement letter"])
    instance = {"task_template_list": {"id": list_id}, "due_at": "2026-05-01"}
    response = firm.patch(
        f"matters/{matter['id']}.json?fields=id,task_template_list_instances",
        {"task_template_list_instances": [instance]},
    )
    assert response.status_code == 200, response.content
    [made] = response.json()["data"]["task_template_list_instances"]
    assert set(made) == {"id", "etag", "created_at", "updated_at"}
    tasks = firm.get(
        "tasks.json", {"matter_id": matter["id"], "fields": "name,due_at,priority,status"}
    ).json()["data"]
    assert tasks == [
        {"name": "Conflict check", "due_at": "2026-05-01", "priority": "High", "status": "pending"},
        {
            "name": "Engagement letter",
            "due_at": "2026-05-01",
            "priority": "High",
            "status": "pending",
        },
    ]


def test_assigning_on_create_and_unknown_lists(firm):
    list_id = _list_with_templates(firm, ["Open file"])
    client = firm.act("create_contact", first_name="New", last_name="Client")
    body = {
        "client": {"id": client["id"]},
        "description": "With a list",
        "task_template_list_instances": [{"task_template_list": {"id": list_id}}],
    }
    created = firm.post("matters.json", body)
    assert created.status_code == 201
    tasks = firm.get("tasks.json", {"matter_id": created.json()["data"]["id"]}).json()
    assert tasks["meta"]["records"] == 1
    body["task_template_list_instances"] = [{"task_template_list": {"id": 999999}}]
    assert firm.post("matters.json", body).status_code == 404


def test_copy_a_task_template_list(firm):
    list_id = _list_with_templates(firm, ["A", "B"])
    copied = firm.client.post(
        firm.url(f"task_template_lists/{list_id}/copy.json?fields=id,name,templates_count"),
        '{"data": {"name": "Intake (litigation)"}}',
        "application/json",
        **firm.auth,
    )
    assert copied.status_code == 201
    data = copied.json()["data"]
    assert data["name"] == "Intake (litigation)" and data["templates_count"] == 2
    assert data["id"] != list_id


def test_another_accounts_tasks_are_404(firm, other_firm, matter):
    task = _task(firm, matter["id"])
    assert other_firm.get(f"tasks/{task['id']}.json").status_code == 404
    assert other_firm.patch(f"tasks/{task['id']}.json", {"status": "complete"}).status_code == 404
    list_id = _list_with_templates(firm, ["X"])
    instance = {"task_template_list": {"id": list_id}}
    client = other_firm.act("create_contact", first_name="O", last_name="F")
    theirs = other_firm.act("create_matter", client_id=client["id"], description="Theirs")
    response = other_firm.patch(
        f"matters/{theirs['id']}.json", {"task_template_list_instances": [instance]}
    )
    assert response.status_code == 404


def test_time_recorded_against_a_task_is_found_by_task_id(firm, matter):
    task = _task(firm, matter["id"])
    body = {
        "type": "TimeEntry",
        "date": "2026-03-02",
        "quantity": 1800,
        "price": 300,
        "matter": {"id": matter["id"]},
        "task": {"id": task["id"]},
    }
    made = firm.post("activities.json?fields=id,total,task{id,etag}", body)
    assert made.status_code == 201, made.content
    assert made.json()["data"]["task"]["id"] == task["id"]
    firm.act("create_time_entry", matter_id=matter["id"], hours="1", price="100")
    found = firm.get("activities.json", {"task_id": task["id"], "fields": "id,total"})
    assert found.json()["data"] == [{"id": made.json()["data"]["id"], "total": 150.0}]
    unknown = firm.post("activities.json", body | {"task": {"id": 999999}})
    assert unknown.status_code == 404


def test_task_etag_if_match_and_if_none_match(firm, matter):
    task = _task(firm, matter["id"])
    shown = firm.get(f"tasks/{task['id']}.json")
    etag = shown["ETag"]
    assert firm.get(f"tasks/{task['id']}.json", HTTP_IF_NONE_MATCH=etag).status_code == 304
    stale = firm.patch(f"tasks/{task['id']}.json", {"name": "X"}, HTTP_IF_MATCH='"stale"')
    assert stale.status_code == 412 and stale.json()["error"]["type"] == "PreconditionFailed"
    fresh = firm.patch(f"tasks/{task['id']}.json", {"name": "X"}, HTTP_IF_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
