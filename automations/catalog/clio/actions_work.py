"""Clio actions on a matter's work: calendar entries, communications, time and expense entries,
notes, tasks and task template lists.

Each create is one POST (`fields=` shapes the answer, so no read follows); a default that needs
the connected user (a task's assignee, a calendar's owner) costs one who_am_i read.
https://docs.developers.clio.com/api-reference/
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from automations.catalog.base import Action, ActionError, Ctx, Field, Result
from automations.catalog.clio import wire
from automations.catalog.clio.common import an_id, compact, dry, made, me, need, opt_id, ref, send

ID = Field("id", "ID", "id")
URL = Field("url", "Link in Clio")
MATTER_ID = Field("matter_id", "Matter ID", "id", help="The matter it belongs to")
TASK_OUT = (
    "id,name,description,status,priority,due_at,matter{id,display_number},assignee{id,name,type}"
)


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _decimal(inputs: dict, key: str, default: str | None = None) -> Decimal:
    raw = inputs.get(key, default)
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, TypeError):
        value = Decimal("NaN")
    if not value.is_finite() or value < 0:
        raise ActionError(
            f"“{raw}” is not an amount ({key}).", f"Map “{key}” to a number such as 1.5."
        )
    return value


# https://docs.developers.clio.com/api-reference/#tag/Calendar-Entries/operation/CalendarEntry#create
def create_calendar_entry(ctx: Ctx, inputs: dict) -> Result:
    need(inputs, "summary", "start_at")
    start = _when(inputs, "start_at")
    end = _when(inputs, "end_at") if inputs.get("end_at") else start + timedelta(hours=1)
    if end < start:
        raise ActionError("The entry ends before it starts.", "Map an end after the start.")
    owner = opt_id(inputs, "calendar_owner_id")
    if owner is None:
        user = me(ctx)
        owner = user.get("default_calendar_id") or user["id"]
    body = compact(
        {
            "summary": inputs["summary"],
            "description": inputs.get("description"),
            "location": inputs.get("location"),
            "start_at": start.isoformat(),
            "end_at": end.isoformat(),
            "all_day": bool(inputs.get("all_day", False)),
            "calendar_owner": {"id": owner},
            "matter": ref(inputs, "matter_id"),
        }
    )
    fields = "id,summary,start_at,end_at,all_day,matter{id,display_number}"
    entry = send(ctx, "POST", "calendar_entries.json", body, fields=fields)
    if entry is None:
        return dry("create calendar entry", f"“{inputs['summary']}” at {body['start_at']}")
    output = {k: entry.get(k) for k in ("id", "summary", "start_at", "end_at")}
    summary = f"Created calendar entry {entry['id']} “{entry['summary']}”"
    return made(ctx, "calendar_entries", entry, output, summary)


def _when(inputs: dict, key: str) -> datetime:
    value = inputs[key]
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(wire.iso(value).replace("Z", "+00:00"))
        except ValueError:
            raise ActionError(
                f"“{value}” is not a date and time ({key}).",
                f"Map “{key}” to a time such as 2026-12-01T10:00:00+00:00.",
            ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# https://docs.developers.clio.com/api-reference/#tag/Communications/operation/Communication#create
def create_communication(ctx: Ctx, inputs: dict) -> Result:
    need(inputs, "subject")
    kind = inputs.get("type") or "EmailCommunication"
    received = _when(inputs, "received_at") if inputs.get("received_at") else datetime.now(UTC)
    body = compact(
        {
            "type": kind,
            "subject": inputs["subject"],
            "body": inputs.get("body") or inputs["subject"],
            "received_at": received.replace(microsecond=0).isoformat(),
            "matter": ref(inputs, "matter_id"),
        }
    )
    fields = "id,type,subject,date,received_at,matter{id,display_number}"
    record = send(ctx, "POST", "communications.json", body, fields=fields)
    if record is None:
        return dry("log communication", f"“{inputs['subject']}”")
    output = {k: record.get(k) for k in ("id", "type", "subject", "date")}
    summary = f"Logged communication {record['id']} “{record['subject']}”"
    return made(ctx, "communications", record, output, summary)


# https://docs.developers.clio.com/api-reference/#tag/Activities/operation/Activity#create
def _activity(ctx: Ctx, body: dict, noun: str) -> Result:
    fields = "id,type,date,quantity_in_hours,price,total,note,matter{id,display_number}"
    record = send(ctx, "POST", "activities.json", compact(body), fields=fields)
    if record is None:
        return dry(f"record {noun}", f"on {body['date']}")
    output = {
        "id": record["id"],
        "type": record.get("type"),
        "date": record.get("date"),
        "hours": wire.text(record.get("quantity_in_hours")),
        "price": wire.money(record.get("price")),
        "total": wire.money(record.get("total")),
    }
    summary = f"Recorded {noun} {record['id']} ({output['total']})"
    return made(ctx, "activities", record, output, summary)


def create_time_entry(ctx: Ctx, inputs: dict) -> Result:
    need(inputs, "hours")
    hours = _decimal(inputs, "hours")
    body = {
        "type": "TimeEntry",
        "date": wire.iso(inputs.get("date")) or _today(),
        # Since API 4.0.4 a time entry's quantity is in seconds.
        "quantity": int((hours * 3600).to_integral_value()),
        "price": str(_decimal(inputs, "rate")) if inputs.get("rate") not in (None, "") else None,
        "note": inputs.get("note"),
        "matter": ref(inputs, "matter_id"),
        "user": ref(inputs, "user_id"),
        "non_billable": inputs.get("non_billable"),
    }
    return _activity(ctx, body, "time entry")


def create_expense_entry(ctx: Ctx, inputs: dict) -> Result:
    need(inputs, "price")
    body = {
        "type": "ExpenseEntry",
        "date": wire.iso(inputs.get("date")) or _today(),
        "price": str(_decimal(inputs, "price")),
        "quantity": str(_decimal(inputs, "quantity", "1")),
        "note": inputs.get("note"),
        "matter": ref(inputs, "matter_id"),
        "user": ref(inputs, "user_id"),
        "non_billable": inputs.get("non_billable"),
    }
    return _activity(ctx, body, "expense entry")


# https://docs.developers.clio.com/api-reference/#tag/Notes/operation/Note#create
def create_matter_note(ctx: Ctx, inputs: dict) -> Result:
    matter_id = an_id(inputs, "matter_id")
    need(inputs, "detail")
    body = compact(
        {
            "type": "Matter",
            "matter": {"id": matter_id},
            "subject": inputs.get("subject"),
            "detail": inputs["detail"],
            "date": wire.iso(inputs.get("date")),
        }
    )
    fields = "id,subject,detail,date,matter{id,display_number}"
    note = send(ctx, "POST", "notes.json", body, fields=fields)
    if note is None:
        return dry("add a note to matter", str(matter_id))
    output = {k: note.get(k) for k in ("id", "subject", "detail", "date")}
    output["matter_id"] = matter_id
    return made(ctx, "notes", note, output, f"Added note {note['id']} to matter {matter_id}")


# https://docs.developers.clio.com/api-reference/#tag/Tasks/operation/Task#create
def create_task(ctx: Ctx, inputs: dict) -> Result:
    need(inputs, "name")
    assignee = opt_id(inputs, "assignee_id") or me(ctx)["id"]
    body = compact(
        {
            "name": inputs["name"],
            "description": inputs.get("description") or inputs["name"],
            "assignee": {"id": assignee, "type": inputs.get("assignee_type") or "User"},
            "matter": ref(inputs, "matter_id"),
            "due_at": wire.iso(inputs.get("due_at")),
            "priority": inputs.get("priority"),
        }
    )
    task = send(ctx, "POST", "tasks.json", body, fields=TASK_OUT)
    if task is None:
        return dry("create task", f"“{inputs['name']}”")
    return _task_result(ctx, task, f"Created task {task['id']} “{task['name']}”")


def _task_result(ctx: Ctx, task: dict, summary: str) -> Result:
    output = {k: task.get(k) for k in ("id", "name", "status", "priority", "due_at")}
    output["assignee_id"] = (task.get("assignee") or {}).get("id")
    return made(ctx, "tasks", task, output, summary)


# https://docs.developers.clio.com/api-reference/#tag/Tasks/operation/Task#update
def update_task(ctx: Ctx, inputs: dict) -> Result:
    task_id = an_id(inputs, "task_id")
    assignee = opt_id(inputs, "assignee_id")
    body = compact(
        {
            "name": inputs.get("name"),
            "description": inputs.get("description"),
            "status": inputs.get("status"),
            "priority": inputs.get("priority"),
            "due_at": wire.iso(inputs.get("due_at")),
            "assignee": {"id": assignee, "type": inputs.get("assignee_type") or "User"}
            if assignee
            else None,
        }
    )
    if not body:
        raise ActionError("Nothing to change on the task.", "Map at least one field to change.")
    task = send(ctx, "PATCH", f"tasks/{task_id}.json", body, fields=TASK_OUT)
    if task is None:
        return dry("update task", f"{task_id}: {', '.join(sorted(body))}")
    return _task_result(ctx, task, f"Updated task {task_id} ({', '.join(sorted(body))})")


# https://docs.developers.clio.com/api-reference/#tag/Matters/operation/Matter#update
# (a list is assigned through the matter's task_template_list_instances; each template becomes
# a task on the matter)
def assign_task_template_list(ctx: Ctx, inputs: dict) -> Result:
    matter_id = an_id(inputs, "matter_id")
    list_id = an_id(inputs, "task_template_list_id")
    instance = compact(
        {
            "task_template_list": {"id": list_id},
            "assignee_id": opt_id(inputs, "assignee_id"),
            "due_at": wire.iso(inputs.get("due_at")),
        }
    )
    body = {"task_template_list_instances": [instance]}
    fields = "id,display_number,description"
    matter = send(ctx, "PATCH", f"matters/{matter_id}.json", body, fields=fields)
    if matter is None:
        return dry("assign task template list", f"{list_id} to matter {matter_id}")
    output = {
        "id": matter["id"],
        "display_number": matter.get("display_number"),
        "task_template_list_id": list_id,
    }
    summary = f"Assigned task template list {list_id} to matter {matter.get('display_number')}"
    return made(ctx, "matters", matter, output, summary)


def _f(key: str, label: str, kind: str = "string", **kw) -> Field:
    return Field(key, label, kind, **kw)


PRIORITY = ("High", "Normal", "Low")
TASK_STATUS = ("pending", "in_progress", "in_review", "complete")
TASK_OUTPUTS = (
    ID,
    _f("name", "Name"),
    _f("status", "Status"),
    _f("priority", "Priority"),
    _f("due_at", "Due on", "date"),
    _f("assignee_id", "Assignee ID", "id"),
    URL,
)
ACTIVITY_OUTPUTS = (
    ID,
    _f("type", "Type"),
    _f("date", "Date", "date"),
    _f("hours", "Hours"),
    _f("price", "Rate or price", "money"),
    _f("total", "Total", "money"),
    URL,
)

ACTIONS: list[Action] = [
    Action(
        "clio",
        "assign_task_template_list",
        "Assign task template list",
        "Adds every task of a task template list to a matter.",
        "update",
        (
            _f("matter_id", "Matter ID", "id", required=True),
            _f("task_template_list_id", "Task template list ID", "id", required=True),
            _f("assignee_id", "Assign the tasks to (user ID)", "id"),
            _f("due_at", "Due on", "date"),
        ),
        (
            ID,
            _f("display_number", "Matter display number"),
            _f("task_template_list_id", "List ID", "id"),
            URL,
        ),
        assign_task_template_list,
    ),
    Action(
        "clio",
        "create_calendar_entry",
        "Create calendar entry",
        "Adds an event to a Clio calendar, optionally on a matter.",
        "create",
        (
            _f("summary", "Summary", required=True),
            _f("start_at", "Starts at", "datetime", required=True),
            _f("end_at", "Ends at", "datetime", help="An hour after the start when empty"),
            _f("all_day", "All day", "boolean"),
            _f("description", "Description", "text"),
            _f("location", "Location"),
            MATTER_ID,
            _f(
                "calendar_owner_id",
                "Calendar ID",
                "id",
                help="The connected user's calendar when empty",
            ),
        ),
        (
            ID,
            _f("summary", "Summary"),
            _f("start_at", "Starts at", "datetime"),
            _f("end_at", "Ends at", "datetime"),
            URL,
        ),
        create_calendar_entry,
    ),
    Action(
        "clio",
        "create_communication",
        "Create communication",
        "Logs an email or phone call in Clio, optionally on a matter.",
        "create",
        (
            _f("type", "Type", "choice", choices=("EmailCommunication", "PhoneCommunication")),
            _f("subject", "Subject", required=True),
            _f("body", "Body", "text"),
            _f("received_at", "Received at", "datetime", help="Now when empty"),
            MATTER_ID,
        ),
        (ID, _f("type", "Type"), _f("subject", "Subject"), _f("date", "Date", "date"), URL),
        create_communication,
    ),
    Action(
        "clio",
        "create_expense_entry",
        "Create expense entry",
        "Records an expense on a matter.",
        "create",
        (
            _f("price", "Amount", "money", required=True),
            _f("quantity", "Quantity", "money", help="1 when empty"),
            _f("date", "Date", "date", help="Today when empty"),
            _f("note", "Note", "text"),
            MATTER_ID,
            _f("user_id", "User ID", "id"),
            _f("non_billable", "Non-billable", "boolean"),
        ),
        ACTIVITY_OUTPUTS,
        create_expense_entry,
    ),
    Action(
        "clio",
        "create_time_entry",
        "Create time entry",
        "Records time worked on a matter.",
        "create",
        (
            _f("hours", "Hours", required=True, help="For example 1.5"),
            _f("rate", "Hourly rate", "money", help="The user's rate when empty"),
            _f("date", "Date", "date", help="Today when empty"),
            _f("note", "Note", "text"),
            MATTER_ID,
            _f("user_id", "User ID", "id"),
            _f("non_billable", "Non-billable", "boolean"),
        ),
        ACTIVITY_OUTPUTS,
        create_time_entry,
    ),
    Action(
        "clio",
        "create_matter_note",
        "Create matter note",
        "Adds a note to a matter.",
        "create",
        (
            _f("matter_id", "Matter ID", "id", required=True),
            _f("subject", "Subject"),
            _f("detail", "Note", "text", required=True),
            _f("date", "Date", "date", help="Today when empty"),
        ),
        (
            ID,
            _f("subject", "Subject"),
            _f("detail", "Note", "text"),
            _f("date", "Date", "date"),
            _f("matter_id", "Matter ID", "id"),
            URL,
        ),
        create_matter_note,
    ),
    Action(
        "clio",
        "create_task",
        "Create task",
        "Creates a task, optionally on a matter (assigned to the connected user when no one is).",
        "create",
        (
            _f("name", "Name", required=True),
            _f("description", "Description", "text"),
            MATTER_ID,
            _f("assignee_id", "Assignee ID", "id"),
            _f("assignee_type", "Assignee type", "choice", choices=("User", "Contact")),
            _f("due_at", "Due on", "date"),
            _f("priority", "Priority", "choice", choices=PRIORITY),
        ),
        TASK_OUTPUTS,
        create_task,
    ),
    Action(
        "clio",
        "update_task",
        "Update task",
        "Changes a task's name, description, status, priority, due date or assignee.",
        "update",
        (
            _f("task_id", "Task ID", "id", required=True),
            _f("name", "Name"),
            _f("description", "Description", "text"),
            _f("status", "Status", "choice", choices=TASK_STATUS),
            _f("priority", "Priority", "choice", choices=PRIORITY),
            _f("due_at", "Due on", "date"),
            _f("assignee_id", "Assignee ID", "id"),
            _f("assignee_type", "Assignee type", "choice", choices=("User", "Contact")),
        ),
        TASK_OUTPUTS,
        update_task,
    ),
]
