"""Clio's twelve triggers: each reads what happened after `since` in one call where Clio allows.

"New X" triggers ask the index for `created_since` in id order (ids grow with creation, so the
page is oldest first; one call reads up to 200); "X updated" triggers ask for `updated_since`
and keep the records whose state is new. Records that name a matter get the matter's client in
one more call for the whole page (Clio selects fields one level deep only).
Indexes and filters: https://docs.developers.clio.com/api-docs/paging ,
https://docs.developers.clio.com/api-docs/fields .
"""

from collections.abc import Callable
from datetime import datetime

from automations.catalog.base import Ctx, Event, Field, Trigger
from automations.catalog.clio import wire
from automations.catalog.clio.common import first, rows


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _clients(ctx: Ctx, raws: list[dict], datas: list[dict]) -> None:
    """Fill each event's client from its matter's client_id: one call for the page."""
    wanted: set[int] = {
        int((raw.get("matter") or {})["client_id"])
        for raw, data in zip(raws, datas, strict=True)
        if data["client"]["id"] is None and (raw.get("matter") or {}).get("client_id")
    }
    if not wanted:
        return
    found = first(ctx, "contacts", fields=wire.CLIENT_KEYS, **{"ids[]": sorted(wanted)})
    by_id = {c["id"]: wire.client_of(c) for c in found}
    for raw, data in zip(raws, datas, strict=True):
        client_id = (raw.get("matter") or {}).get("client_id")
        if data["client"]["id"] is None and client_id in by_id:
            data["client"] = by_id[client_id]


def _events(
    ctx: Ctx,
    kind: str,
    raws: list[dict],
    key: Callable[[dict], str],
    summary: Callable[[dict], str],
    when: str = "created_at",
) -> list[Event]:
    datas = [wire.MAPPERS[kind](raw) for raw in raws]
    _clients(ctx, raws, datas)
    return [
        Event(
            key=key(data),
            data=data,
            occurred_at=_moment(data[when]),
            record_id=str(data["id"]),
            record_url=wire.web_url(ctx.web_base, wire.record_path(kind, raw)),
            summary=summary(data),
        )
        for raw, data in zip(raws, datas, strict=True)
    ]


def _oldest(ctx: Ctx, kind: str, limit: int, **params) -> list[dict]:
    """The first `limit` records of an index in its order (200 a page: one call up to 200)."""
    found: list[dict] = []
    for page, _ in ctx.client.pages(kind, fields=wire.FIELDS[kind], **params):
        found.extend(page)
        if len(found) >= limit:
            break
    return found[: max(limit, 1)]


def _new(kind: str, summary: Callable[[dict], str], **filters):
    # https://docs.developers.clio.com/api-reference/ (every index: created_since, order, limit)
    def poll(ctx: Ctx, since: datetime, limit: int) -> list[Event]:
        params = {"created_since": since.isoformat(), **filters}
        raws = _oldest(ctx, kind, limit, **params)
        return _events(ctx, kind, raws, lambda d: str(d["id"]), summary)

    return poll


def _changed(kind: str, key: Callable[[dict], str | None], summary: Callable[[dict], str]):
    """Records updated after `since` whose new state `key` names (None: nothing to fire).

    Bills and tasks cannot be ordered by updated_at, so every page of changes is read (a poll's
    window is short) and sorted here, oldest first."""

    def poll(ctx: Ctx, since: datetime, limit: int) -> list[Event]:
        raws = rows(ctx, kind, fields=wire.FIELDS[kind], updated_since=since.isoformat())
        raws.sort(key=lambda r: (_moment(r["updated_at"]), r["id"]))
        kept = [r for r in raws if key(wire.MAPPERS[kind](r))][:limit]
        return _events(ctx, kind, kept, lambda d: key(d) or "", summary, when="updated_at")

    return poll


def _new_document(ctx: Ctx, since: datetime, limit: int) -> list[Event]:
    """A document is new once its upload is complete: Clio's index hides it until then, and the
    completion moves its updated_at, so changes are read in updated_at order; the key (the id)
    makes a later edit of the same document a repeat, not a new event."""
    params = {"updated_since": since.isoformat(), "order": "updated_at(asc)"}
    raws = _oldest(ctx, "documents", limit, **params)
    return _events(
        ctx,
        "documents",
        raws,
        lambda d: str(d["id"]),
        lambda d: f"Document {d['name']} added to {_where(d)}",
        when="updated_at",
    )


def _where(data: dict) -> str:
    return data["matter"]["display_number"] or data["client"]["name"] or "Clio"


def _on(data: dict) -> str:
    return f" on {data['matter']['display_number']}" if data["matter"]["id"] else ""


# "X updated" keys: the record, its new state and when it took it, so each change fires once
# and re-reading the same state (after an unrelated edit) does not.


def _bill_state_key(d: dict) -> str | None:
    # A bill is made as a draft and never moved back to one: draft is no state change.
    if d["state"] in ("", "draft"):
        return None
    # Clio keeps when a bill was paid; other states have no time of their own.
    return f"{d['id']}:{d['state']}" + (f":{d['paid_at']}" if d["state"] == "paid" else "")


def _matter_status_key(d: dict) -> str | None:
    if d["created_at"] == d["updated_at"]:
        return None  # as it was opened: no status change yet
    return f"{d['id']}:{d['status']}:{d['status_date']}"


def _task_status_key(d: dict) -> str | None:
    if d["created_at"] == d["updated_at"]:
        return None
    done = f":{d['completed_at']}" if d["status"] == "complete" else ""
    return f"{d['id']}:{d['status']}{done}"


def _f(key: str, label: str, kind: str = "string") -> Field:
    return Field(key, label, kind)


ACTIVITY_FIELDS = wire.fields(
    _f("type", "Type (TimeEntry or ExpenseEntry)"),
    _f("date", "Date", "date"),
    _f("note", "Note", "text"),
    _f("quantity_in_hours", "Hours"),
    _f("price", "Rate or price", "money"),
    _f("total", "Total", "money"),
    _f("billed", "Billed", "boolean"),
    _f("non_billable", "Non-billable", "boolean"),
)
CALENDAR_FIELDS = wire.fields(
    _f("summary", "Summary"),
    _f("description", "Description", "text"),
    _f("location", "Location"),
    _f("start_at", "Starts at", "datetime"),
    _f("end_at", "Ends at", "datetime"),
    _f("all_day", "All day", "boolean"),
)
BILL_FIELDS = wire.fields(
    _f("number", "Bill number"),
    _f("state", "State"),
    _f("issued_at", "Issued on", "date"),
    _f("due_at", "Due on", "date"),
    _f("subject", "Subject"),
    _f("memo", "Memo", "text"),
    _f("total", "Total", "money"),
    _f("balance", "Balance", "money"),
    _f("paid", "Paid", "money"),
    _f("paid_at", "Paid on", "date"),
)
DOCUMENT_FIELDS = wire.fields(
    _f("name", "Name"),
    _f("filename", "File name"),
    _f("content_type", "Content type"),
    _f("size", "Size (bytes)", "number"),
    _f("parent.id", "Folder ID", "id"),
    _f("parent.type", "Parent type"),
)
CONTACT_FIELDS = wire.fields(
    _f("type", "Type (Person or Company)"),
    _f("name", "Name"),
    _f("first_name", "First name"),
    _f("last_name", "Last name"),
    _f("title", "Title"),
    _f("email", "Email", "email"),
    _f("phone", "Phone"),
    _f("is_client", "Is a client", "boolean"),
)
MATTER_FIELDS = wire.fields(
    _f("number", "Number", "number"),
    _f("display_number", "Display number"),
    _f("description", "Description", "text"),
    _f("status", "Status"),
    _f("status_date", "Status since", "date"),
    _f("open_date", "Opened on", "date"),
    _f("pending_date", "Pending since", "date"),
    _f("close_date", "Closed on", "date"),
    _f("billable", "Billable", "boolean"),
    _f("client_reference", "Client reference"),
    _f("location", "Location"),
)
COMMUNICATION_FIELDS = wire.fields(
    _f("type", "Type (EmailCommunication or PhoneCommunication)"),
    _f("subject", "Subject"),
    _f("body", "Body", "text"),
    _f("date", "Date", "date"),
    _f("received_at", "Received at", "datetime"),
)
TASK_FIELDS = wire.fields(
    _f("name", "Name"),
    _f("description", "Description", "text"),
    _f("status", "Status"),
    _f("priority", "Priority"),
    _f("due_at", "Due on", "date"),
    _f("completed_at", "Completed at", "datetime"),
    _f("assignee.id", "Assignee ID", "id"),
    _f("assignee.name", "Assignee name"),
    _f("assignee.type", "Assignee type (User or Contact)"),
)
NOTE_FIELDS = wire.fields(
    _f("type", "Type"),
    _f("subject", "Subject"),
    _f("detail", "Detail", "text"),
    _f("date", "Date", "date"),
)


def _t(key, name, description, fields, poll, *models) -> Trigger:
    return Trigger("clio", key, name, description, fields, poll, tuple(models))


TRIGGERS: list[Trigger] = [
    _t(
        "new_activity",
        "New activity",
        "A time or expense entry is recorded in Clio.",
        ACTIVITY_FIELDS,
        _new("activities", lambda d: f"{d['type']} {d['total']} recorded{_on(d)}"),
        "activity",
    ),
    _t(
        "new_calendar_entry",
        "New calendar entry",
        "An event is added to a Clio calendar.",
        CALENDAR_FIELDS,
        _new("calendar_entries", lambda d: f"Calendar entry “{d['summary']}” at {d['start_at']}"),
        "calendar_entry",
    ),
    _t(
        "bill_state_updated",
        "Bill state updated",
        "A bill moves to another state (submitted, approved, paid, voided or deleted).",
        BILL_FIELDS,
        _changed("bills", _bill_state_key, lambda d: f"Bill {d['number']} is now {d['state']}"),
        "bill",
    ),
    _t(
        "new_bill",
        "New bill",
        "A bill is created in Clio.",
        BILL_FIELDS,
        _new("bills", lambda d: f"Bill {d['number']} for {d['client']['name']}: {d['total']}"),
        "bill",
    ),
    _t(
        "new_document",
        "New document",
        "A document is uploaded to a matter or contact in Clio.",
        DOCUMENT_FIELDS,
        _new_document,
        "document",
    ),
    _t(
        "new_contact",
        "New contact",
        "A person or company is added to Clio's contacts.",
        CONTACT_FIELDS,
        _new("contacts", lambda d: f"{d['type']} contact {d['name']} added"),
        "contact",
    ),
    _t(
        "new_matter",
        "New matter",
        "A matter is opened in Clio.",
        MATTER_FIELDS,
        _new(
            "matters", lambda d: f"Matter {d['display_number']} created for {d['client']['name']}"
        ),
        "matter",
    ),
    _t(
        "new_communication",
        "New communication",
        "An email or phone call is logged in Clio.",
        COMMUNICATION_FIELDS,
        _new("communications", lambda d: f"Communication “{d['subject']}” logged{_on(d)}"),
        "communication",
    ),
    _t(
        "matter_status_updated",
        "Matter status updated",
        "A matter is opened, pended or closed.",
        MATTER_FIELDS,
        _changed(
            "matters",
            _matter_status_key,
            lambda d: f"Matter {d['display_number']} is now {d['status']}",
        ),
        "matter",
    ),
    _t(
        "task_status_updated",
        "Task status updated",
        "A task's status changes (for example to in progress or complete).",
        TASK_FIELDS,
        _changed("tasks", _task_status_key, lambda d: f"Task “{d['name']}” is now {d['status']}"),
        "task",
    ),
    _t(
        "new_matter_note",
        "New matter note",
        "A note is added to a matter. Clio sends no webhook for notes: they are polled.",
        NOTE_FIELDS,
        _new(
            "notes",
            lambda d: f"Note “{d['subject'] or d['detail'][:40]}” added{_on(d)}",
            type="Matter",
        ),
    ),
    _t(
        "new_task",
        "New task",
        "A task is created in Clio.",
        TASK_FIELDS,
        _new("tasks", lambda d: f"Task “{d['name']}” created{_on(d)}"),
        "task",
    ),
]
