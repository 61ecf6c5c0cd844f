"""Clio's wire shapes and the one event shape every Clio trigger gives (pure: no Django, no HTTP).

Every event's `data` has the same frame: the record's `id`, `created_at`, `updated_at`, its
`matter`, the matter's (or the record's own) `client` and the `user` who made or owns it, each
with the same keys whether the record has one or not (empty values then), plus the record's own
fields named as Clio names them. Money is a Decimal string, dates ISO.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from automations.catalog.base import Field

WEB = "https://app.clio.com"  # Clio's web app (the EU/CA/AU hosts come in through web_base)

# Nested objects, one level deep (Clio refuses a second level of field selection with a 400).
MATTER_KEYS = "id,number,display_number,description,status"
CLIENT_KEYS = "id,name,type,primary_email_address,primary_phone_number"
USER_KEYS = "id,name,email"
MATTER = f"matter{{{MATTER_KEYS},client_id}}"  # client_id: the client is read in one batch
CLIENT = f"client{{{CLIENT_KEYS}}}"
STAMPS = "id,created_at,updated_at"

FIELDS = {
    "activities": f"{STAMPS},type,date,note,quantity_in_hours,price,total,billed,non_billable,"
    f"{MATTER},user{{{USER_KEYS}}}",
    "calendar_entries": f"{STAMPS},summary,description,location,start_at,end_at,all_day,"
    f"{MATTER},calendar_owner{{id,name}}",
    "bills": f"{STAMPS},number,state,issued_at,due_at,subject,memo,total,balance,paid,paid_at,"
    f"{CLIENT},matters{{{MATTER_KEYS}}},user{{{USER_KEYS}}}",
    "documents": f"{STAMPS},name,filename,content_type,size,parent{{id,type}},{MATTER},"
    f"contact{{{CLIENT_KEYS}}},creator{{id,name}}",
    "contacts": f"{STAMPS},type,name,first_name,last_name,title,primary_email_address,"
    "primary_phone_number,is_client",
    "matters": f"created_at,updated_at,{MATTER_KEYS},open_date,pending_date,close_date,billable,"
    f"client_reference,location,{CLIENT},responsible_attorney{{{USER_KEYS}}}",
    "communications": f"{STAMPS},type,subject,body,date,received_at,{MATTER},user{{{USER_KEYS}}}",
    "tasks": f"{STAMPS},name,description,status,priority,due_at,completed_at,{MATTER},"
    "assignee{id,name,type},assigner{id,name}",
    "notes": f"{STAMPS},type,subject,detail,date,{MATTER},author{{{USER_KEYS}}}",
}


def web_url(web_base: str, path: str) -> str:
    """A page of Clio's web app: `https://app.clio.com/nc/#/matters/12`."""
    return f"{(web_base or WEB).rstrip('/')}/nc/#/{path}"


def record_path(kind: str, record: dict) -> str:
    matter_id = (record.get("matter") or {}).get("id")
    paths = {
        "activities": f"activities/{record['id']}",
        "calendar_entries": f"calendars?calendar_entry_id={record['id']}",
        "bills": f"bills/{record['id']}",
        "documents": f"documents/{record['id']}/details",
        "contacts": f"contacts/{record['id']}",
        "matters": f"matters/{record['id']}",
        "communications": f"communications/{record['id']}",
        "tasks": f"tasks/{record['id']}",
        "notes": f"matters/{matter_id}/notes" if matter_id else f"notes/{record['id']}",
        "folders": f"matters/{matter_id}/documents" if matter_id else f"folders/{record['id']}",
    }
    return paths[kind]


def money(value: Any) -> str:
    """Clio's amounts (JSON numbers) as Decimal strings with cents; "" when absent."""
    if value in (None, ""):
        return ""
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except InvalidOperation:
        return ""


def text(value: Any) -> str:
    return "" if value is None else str(value)


def iso(value: Any) -> str:
    """A date or datetime input as Clio wants it (ISO 8601); strings pass as given."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return text(value).strip()


def matter_of(raw: dict | None) -> dict:
    raw = raw or {}
    return {
        "id": raw.get("id"),
        "number": raw.get("number"),
        "display_number": text(raw.get("display_number")),
        "description": text(raw.get("description")),
        "status": text(raw.get("status")),
    }


def client_of(raw: dict | None) -> dict:
    raw = raw or {}
    return {
        "id": raw.get("id"),
        "name": text(raw.get("name")),
        "type": text(raw.get("type")),
        "email": text(raw.get("primary_email_address")),
        "phone": text(raw.get("primary_phone_number")),
    }


def user_of(raw: dict | None) -> dict:
    raw = raw or {}
    return {"id": raw.get("id"), "name": text(raw.get("name")), "email": text(raw.get("email"))}


def frame(raw: dict, *, matter=None, client=None, user=None) -> dict:
    return {
        "id": raw["id"],
        "created_at": text(raw.get("created_at")),
        "updated_at": text(raw.get("updated_at")),
        "matter": matter_of(matter),
        "client": client_of(client),
        "user": user_of(user),
    }


def activity(raw: dict) -> dict:
    return frame(raw, matter=raw.get("matter"), user=raw.get("user")) | {
        "type": text(raw.get("type")),
        "date": text(raw.get("date")),
        "note": text(raw.get("note")),
        "quantity_in_hours": text(raw.get("quantity_in_hours")),
        "price": money(raw.get("price")),
        "total": money(raw.get("total")),
        "billed": bool(raw.get("billed")),
        "non_billable": bool(raw.get("non_billable")),
    }


def calendar_entry(raw: dict) -> dict:
    return frame(raw, matter=raw.get("matter"), user=raw.get("calendar_owner")) | {
        "summary": text(raw.get("summary")),
        "description": text(raw.get("description")),
        "location": text(raw.get("location")),
        "start_at": text(raw.get("start_at")),
        "end_at": text(raw.get("end_at")),
        "all_day": bool(raw.get("all_day")),
    }


def bill(raw: dict) -> dict:
    matters = raw.get("matters") or []
    return frame(
        raw, matter=matters[0] if matters else None, client=raw.get("client"), user=raw.get("user")
    ) | {
        "number": text(raw.get("number")),
        "state": text(raw.get("state")),
        "issued_at": text(raw.get("issued_at")),
        "due_at": text(raw.get("due_at")),
        "subject": text(raw.get("subject")),
        "memo": text(raw.get("memo")),
        "total": money(raw.get("total")),
        "balance": money(raw.get("balance")),
        "paid": money(raw.get("paid")),
        "paid_at": text(raw.get("paid_at")),
    }


def document(raw: dict) -> dict:
    parent = raw.get("parent") or {}
    return frame(
        raw, matter=raw.get("matter"), client=raw.get("contact"), user=raw.get("creator")
    ) | {
        "name": text(raw.get("name")),
        "filename": text(raw.get("filename")),
        "content_type": text(raw.get("content_type")),
        "size": raw.get("size"),
        "parent": {"id": parent.get("id"), "type": text(parent.get("type"))},
    }


def contact(raw: dict) -> dict:
    return frame(raw, client=raw) | {
        "type": text(raw.get("type")),
        "name": text(raw.get("name")),
        "first_name": text(raw.get("first_name")),
        "last_name": text(raw.get("last_name")),
        "title": text(raw.get("title")),
        "email": text(raw.get("primary_email_address")),
        "phone": text(raw.get("primary_phone_number")),
        "is_client": bool(raw.get("is_client")),
    }


def matter(raw: dict) -> dict:
    status = text(raw.get("status"))
    status_date = {"Open": "open_date", "Pending": "pending_date", "Closed": "close_date"}
    return frame(
        raw, matter=raw, client=raw.get("client"), user=raw.get("responsible_attorney")
    ) | {
        "number": raw.get("number"),
        "display_number": text(raw.get("display_number")),
        "description": text(raw.get("description")),
        "status": status,
        "status_date": text(raw.get(status_date.get(status, ""), "")),
        "open_date": text(raw.get("open_date")),
        "pending_date": text(raw.get("pending_date")),
        "close_date": text(raw.get("close_date")),
        "billable": bool(raw.get("billable")),
        "client_reference": text(raw.get("client_reference")),
        "location": text(raw.get("location")),
    }


def communication(raw: dict) -> dict:
    return frame(raw, matter=raw.get("matter"), user=raw.get("user")) | {
        "type": text(raw.get("type")),
        "subject": text(raw.get("subject")),
        "body": text(raw.get("body")),
        "date": text(raw.get("date")),
        "received_at": text(raw.get("received_at")),
    }


def task(raw: dict) -> dict:
    assignee = raw.get("assignee") or {}
    user = assignee if assignee.get("type") == "User" else raw.get("assigner")
    return frame(raw, matter=raw.get("matter"), user=user) | {
        "name": text(raw.get("name")),
        "description": text(raw.get("description")),
        "status": text(raw.get("status")),
        "priority": text(raw.get("priority")),
        "due_at": text(raw.get("due_at")),
        "completed_at": text(raw.get("completed_at")),
        "assignee": {
            "id": assignee.get("id"),
            "name": text(assignee.get("name")),
            "type": text(assignee.get("type")),
        },
    }


def note(raw: dict) -> dict:
    return frame(raw, matter=raw.get("matter"), user=raw.get("author")) | {
        "type": text(raw.get("type")),
        "subject": text(raw.get("subject")),
        "detail": text(raw.get("detail")),
        "date": text(raw.get("date")),
    }


MAPPERS = {
    "activities": activity,
    "calendar_entries": calendar_entry,
    "bills": bill,
    "documents": document,
    "contacts": contact,
    "matters": matter,
    "communications": communication,
    "tasks": task,
    "notes": note,
}

# -- the fields of every event (the picker's list) ------------------------------------------


NESTED_TYPES = {"id": "id", "number": "number", "email": "email"}


def _nested(prefix: str, label: str, keys: list[tuple[str, str]]) -> tuple[Field, ...]:
    return tuple(
        Field(f"{prefix}.{k}", f"{label} {lbl}", NESTED_TYPES.get(k, "string")) for k, lbl in keys
    )


FRAME_FIELDS: tuple[Field, ...] = (
    Field("id", "ID", "id"),
    Field("created_at", "Created at", "datetime"),
    Field("updated_at", "Updated at", "datetime"),
    *_nested(
        "matter",
        "Matter",
        [
            ("id", "ID"),
            ("number", "number"),
            ("display_number", "display number"),
            ("description", "description"),
            ("status", "status"),
        ],
    ),
    *_nested(
        "client",
        "Client",
        [("id", "ID"), ("name", "name"), ("type", "type"), ("email", "email"), ("phone", "phone")],
    ),
    *_nested("user", "User", [("id", "ID"), ("name", "name"), ("email", "email")]),
)


def fields(*own: Field) -> tuple[Field, ...]:
    return FRAME_FIELDS + own
