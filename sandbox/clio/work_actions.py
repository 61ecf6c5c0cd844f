"""`_control/actions` for a firm's day-to-day work in Clio: tasks, calendar, communications,
notes, documents and custom field values (what automations listen to).

Each action writes through the same hooks as the API (`resources.hooks`), so validation, the etag,
`updated_at` and webhooks are exactly those of an API write by the acting user.
"""

from datetime import UTC, datetime, timedelta

from sandbox.clio import documents, resources, store
from sandbox.clio.models import Account
from sandbox.clio.spec import RESOURCES
from sandbox.clio.store import ApiError


class _Ctx:
    """The part of an API call's context the write hooks use: the account and the acting user."""

    def __init__(self, account: Account, user_id: int):
        self.account, self.user_id = account, user_id


def _ctx(account: Account, p: dict) -> _Ctx:
    from sandbox.clio.actions import _owner

    return _Ctx(account, _owner(account, p))


def _need(p: dict, key: str):
    if p.get(key) in (None, ""):
        raise ApiError(400, "BadRequest", f"{key} is required.")
    return p[key]


def _create(path: str, ctx: _Ctx, data: dict):
    return resources.hooks(RESOURCES[path]).create(ctx, data)


def create_task(account, p):
    ctx = _ctx(account, p)
    data = {
        "name": _need(p, "name"),
        "description": p.get("description") or _need(p, "name"),
        "assignee": {"id": int(p.get("assignee_id") or ctx.user_id), "type": "User"},
        "priority": p.get("priority", "Normal"),
        "due_at": p.get("due_at"),
    }
    if p.get("matter_id"):
        data["matter"] = {"id": int(p["matter_id"])}
    return _create("tasks", ctx, data)


def complete_task(account, p):
    """Mark a task complete (or move it to another `status`)."""
    ctx = _ctx(account, p)
    task = store.get(account, "task", _need(p, "task_id"), lock=True)
    status = p.get("status", "complete")
    return resources.hooks(RESOURCES["tasks"]).update(ctx, task, {"status": status})


def create_calendar_entry(account, p):
    ctx = _ctx(account, p)
    start = p.get("start_at") or datetime.now(UTC).replace(microsecond=0).isoformat()
    end = p.get("end_at") or (datetime.fromisoformat(start) + timedelta(hours=1)).isoformat()
    data = {
        "summary": _need(p, "summary"),
        "description": p.get("description"),
        "location": p.get("location"),
        "start_at": start,
        "end_at": end,
        "all_day": bool(p.get("all_day", False)),
        "calendar_owner": {"id": int(p.get("calendar_owner_id") or ctx.user_id)},
    }
    if p.get("matter_id"):
        data["matter"] = {"id": int(p["matter_id"])}
    return _create("calendar_entries", ctx, data)


def create_communication(account, p):
    ctx = _ctx(account, p)
    data = {
        "type": p.get("type", "EmailCommunication"),
        "subject": _need(p, "subject"),
        "body": p.get("body") or p["subject"],
        "received_at": p.get("received_at") or datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
    if p.get("matter_id"):
        data["matter"] = {"id": int(p["matter_id"])}
    return _create("communications", ctx, data)


def create_note(account, p):
    ctx = _ctx(account, p)
    data = {"subject": p.get("subject"), "detail": _need(p, "detail")}
    if p.get("matter_id"):
        data |= {"type": "Matter", "matter": {"id": int(p["matter_id"])}}
    elif p.get("contact_id"):
        data |= {"type": "Contact", "contact": {"id": int(p["contact_id"])}}
    else:
        raise ApiError(400, "BadRequest", "matter_id or contact_id is required.")
    if p.get("date"):
        data["date"] = p["date"]
    return _create("notes", ctx, data)


def upload_document(account, p):
    """Upload a file (`content` as text) to a matter, a contact or a folder, fully uploaded."""
    ctx = _ctx(account, p)
    for key, kind in (("folder_id", "Folder"), ("matter_id", "Matter"), ("contact_id", "Contact")):
        if p.get(key):
            parent = {"id": int(p[key]), "type": kind}
            break
    else:
        raise ApiError(400, "BadRequest", "matter_id, contact_id or folder_id is required.")
    data = {"name": _need(p, "name"), "parent": parent, "content_type": p.get("content_type")}
    content = str(p.get("content", "")).encode()
    return documents.upload_complete(account, ctx.user_id, data, content)


def create_custom_field(account, p):
    ctx = _ctx(account, p)
    data = {
        "name": _need(p, "name"),
        "parent_type": p.get("parent_type", "Matter"),
        "field_type": p.get("field_type", "text_line"),
    }
    if p.get("options"):
        options = p["options"]
        names = options.split(",") if isinstance(options, str) else options
        data["picklist_options"] = [{"option": str(o).strip()} for o in names]
    return _create("custom_fields", ctx, data)


def set_custom_field_value(account, p):
    """Set (or change, or with an empty value clear) one custom field on a matter or contact."""
    ctx = _ctx(account, p)
    field = store.get(account, "custom_field", _need(p, "custom_field_id"))
    kind = field.data["parent_type"].lower()
    record = store.get(account, kind, _need(p, f"{kind}_id"), lock=True)
    current = record.data.get("custom_field_values") or []
    existing = next((v for v in current if v["custom_field"]["id"] == field.id), None)
    value = p.get("value")
    if existing and value in (None, ""):
        edit = {"id": existing["id"], "_destroy": True}
    elif existing:
        edit = {"id": existing["id"], "value": value}
    else:
        edit = {"custom_field": {"id": field.id}, "value": value}
    path = "matters" if kind == "matter" else "contacts"
    return resources.hooks(RESOURCES[path]).update(ctx, record, {"custom_field_values": [edit]})


WORK_ACTIONS = [
    create_task,
    complete_task,
    create_calendar_entry,
    create_communication,
    create_note,
    upload_document,
    create_custom_field,
    set_custom_field_value,
]
