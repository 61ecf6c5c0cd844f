"""Index endpoints as Clio serves them: filters, `limit`, cursor and offset paging.

Doc: https://docs.developers.clio.com/api-docs/paging — `limit` 1..200 (default 200); cursor paging
with `order=id(asc)` follows `meta.paging.next` (a URL with `page_token`) until it is absent;
offset paging works with any order but stops at 10,000 records (422 beyond).
"""

import base64
import json
from datetime import date

from django.db.models import CharField, F, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.dateparse import parse_date, parse_datetime

from sandbox.clio import documents, tasks
from sandbox.clio import matter_records as mr
from sandbox.clio.clio_payments import STATES
from sandbox.clio.custom_fields import FIELD_TYPES
from sandbox.clio.models import Record
from sandbox.clio.spec import spec
from sandbox.clio.store import ApiError

MAX_LIMIT, OFFSET_CAP = 200, 10_000


def text(path: str):
    """A JSON key as plain text, so `gt`/`lt`/`contains` compare strings on SQLite and Postgres."""
    return Cast(KT(path), output_field=CharField())


# (param, stored key, kind). Kinds: int / str (exact), enum:<a|b>, after / before / on (dates).
_FILTERS = {
    "bills": [
        ("state", "state", "enum:draft|awaiting_approval|awaiting_payment|paid|void|deleted"),
        ("client_id", "client__id", "int"),
        ("matter_id", "_matter_ids", "in"),
        ("issued_after", "issued_at", "after"),
        ("issued_before", "issued_at", "before"),
        ("due_after", "due_at", "after"),
        ("due_before", "due_at", "before"),
        ("due_at", "due_at", "on"),
        ("query", "number", "str"),
    ],
    "activities": [
        ("type", "type", "enum:TimeEntry|ExpenseEntry|HardCostEntry|SoftCostEntry"),
        ("matter_id", "parent", "parent"),
        ("user_id", "user__id", "int"),
        ("start_date", "date", "from"),
        ("end_date", "date", "to"),
        ("task_id", "task__id", "int"),
        ("calendar_entry_id", "calendar_entry__id", "int"),
        ("communication_id", "communication__id", "int"),
        ("matter_note_id", "matter_note__id", "int"),
        ("contact_note_id", "contact_note__id", "int"),
    ],
    "bank_transactions": [
        ("bank_account_id", "bank_account_id", "int"),
        ("matter_id", "parent", "parent"),
        ("client_id", "client__id", "int"),
    ],
    "allocations": [
        ("bill_id", "parent", "parent"),
        ("parent_id", "parent__id", "int"),
        ("parent_type", "parent__type", "enum:Payment|CreditMemo"),
    ],
    "line_items": [
        ("bill_id", "parent", "parent"),
        ("matter_id", "matter__id", "int"),
        ("activity_id", "activity__id", "int"),
    ],
    "matters": [
        ("client_id", "client__id", "int"),
        ("responsible_attorney_id", "responsible_attorney__id", "int"),
        ("originating_attorney_id", "originating_attorney__id", "int"),
    ],
    "contacts": [("type", "type", "enum:Person|Company")],
    "credit_memos": [("contact_id", "contact__id", "int")],
    "bank_accounts": [],
    "clio_payments/payments": [
        ("bill_id", "parent", "parent"),
        ("contact_id", "contact__id", "int"),
        ("state", "state", "enum:" + STATES),
    ],
    "calendar_entries": [("matter_id", "matter__id", "int")],
    "tasks": [
        ("matter_id", "matter__id", "int"),
        ("status", "status", "enum:pending|in_progress|in_review|complete"),
        ("assignee_id", "assignee__id", "int"),
        ("assigner_id", "assigner__id", "int"),
        ("due_at_from", "due_at", "from"),
        ("due_at_to", "due_at", "to"),
    ],
    "notes": [
        ("matter_id", "matter__id", "int"),
        ("contact_id", "contact__id", "int"),
        ("type", "type", "enum:Matter|Contact"),
    ],
    "communications": [
        ("matter_id", "matter__id", "int"),
        ("user_id", "user__id", "int"),
        ("type", "type", "enum:EmailCommunication|PhoneCommunication"),
    ],
    "documents": [
        ("matter_id", "matter__id", "int"),
        ("contact_id", "contact__id", "int"),
        ("parent_id", "parent", "parent"),
    ],
    "folders": [
        ("matter_id", "matter__id", "int"),
        ("contact_id", "contact__id", "int"),
        ("parent_id", "parent", "parent"),
    ],
    "task_templates": [("task_template_list_id", "task_template_list__id", "int")],
    "custom_fields": [
        ("field_type", "field_type", "enum:" + "|".join(FIELD_TYPES)),
    ],
    "users": [("name", "name", "str")],
}


def base_queryset(account, resource) -> "QuerySet":  # noqa: F821
    return Record.objects.filter(account=account, type=resource.type, deleted=False)


def apply_filters(qs, resource, params, account_id: int | None = None):
    qs = _timestamps(qs, params)
    if params.getlist("ids[]"):
        qs = qs.filter(pk__in=[_int("ids[]", v) for v in params.getlist("ids[]")])
    for param, key, kind in _FILTERS.get(resource.path, []):
        value = params.get(param)
        if value not in (None, ""):
            qs = _one(qs, param, key, kind, value)
    if params.get("query") and resource.path in QUERY_KEYS:
        match = Q()
        for key in QUERY_KEYS[resource.path]:
            match |= Q(**{f"_q_{key}__icontains": params["query"]})
        if resource.path == "matters" and account_id is not None:
            match |= Q(data__client__id__in=matters_query_clients(params, account_id))
        aliases = {f"_q_{key}": text(f"data__{key}") for key in QUERY_KEYS[resource.path]}
        qs = qs.alias(**aliases).filter(match)
    special = _SPECIAL.get(resource.path)
    return special(qs, params) if special else qs


# `query`: the wildcard search each index's spec parameter text describes.
QUERY_KEYS = {
    "contacts": ["name", "primary_email_address", "title"],
    "matters": ["display_number", "number", "description"],
    "activities": ["note"],
    "line_items": ["description", "note"],
    "calendar_entries": ["summary", "description"],
    "tasks": ["name", "description"],
    "notes": ["subject", "detail"],
    "communications": ["subject", "body"],
    "documents": ["name"],
    "folders": ["name"],
    "task_template_lists": ["name"],
    "task_templates": ["name"],
    "custom_fields": ["name"],
}


def _timestamps(qs, params):
    for param, column in (("updated_since", "updated_at"), ("created_since", "created_at")):
        if params.get(param):
            moment = parse_datetime(params[param].replace(" ", "+"))
            if moment is None:
                raise ApiError(400, "InvalidParameter", f"{param} must be an ISO-8601 timestamp.")
            qs = qs.filter(**{f"{column}__gt": moment})
    return qs


def _one(qs, param, key, kind, value):
    path = f"data__{key}"
    if kind == "parent":  # the indexed copy of this reference (Record.parent_id)
        return qs.filter(parent_id=_int(param, value))
    if kind == "int":
        return qs.filter(**{path: _int(param, value)})
    if kind == "in":  # a bill's matters: stored as a list of ids, matched as text "|id|"
        needle = f"|{_int(param, value)}|"
        return qs.alias(_m=text("data___matter_key")).filter(_m__contains=needle)
    if kind == "str":
        return qs.filter(**{path: value})
    if kind.startswith("enum:"):
        if value not in kind[5:].split("|"):
            raise ApiError(400, "InvalidParameter", f"{param} has an invalid value: {value}.")
        return qs.filter(**{path: value})
    day = _date(param, value)
    lookup = {"after": "gt", "before": "lt", "on": "exact", "from": "gte", "to": "lte"}[kind]
    return qs.alias(_d=text(path)).filter(**{f"_d__{lookup}": day})


def _int(param, value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, "InvalidParameter", f"{param} must be an integer.") from None


def _date(param, value) -> str:
    day = parse_date(value[:10]) if value else None
    if day is None:
        raise ApiError(400, "InvalidParameter", f"{param} must be an ISO-8601 date.")
    return day.isoformat()


def _bills_special(qs, params):
    kind = params.get("type")
    if kind:  # revenue | trust (the bill's kind)
        if kind not in ("revenue", "trust"):
            raise ApiError(400, "InvalidParameter", f"type has an invalid value: {kind}.")
        qs = (
            qs.filter(data__kind="trust_kind")
            if kind == "trust"
            else qs.exclude(data__kind="trust_kind")
        )
    status = params.get("status")
    if status == "overdue" or params.get("overdue_only") == "true":
        qs = qs.filter(data__state="awaiting_payment").alias(_due=text("data__due_at"))
        qs = qs.filter(_due__lt=date.today().isoformat())
    elif status not in (None, "", "all"):
        raise ApiError(400, "InvalidParameter", f"status has an invalid value: {status}.")
    return qs


def _activities_special(qs, params):
    status = params.get("status")
    conditions = {
        "billed": Q(data__billed=True),
        "unbilled": Q(data__billed=False, data__on_bill=False, data__non_billable=False),
        "draft": Q(data__on_bill=True, data__billed=False),
        "non_billable": Q(data__non_billable=True),
        "billable": Q(data__non_billable=False),
        "written_off": Q(data___written_off=True),
    }
    if status in (None, ""):
        return qs
    if status not in conditions:
        raise ApiError(400, "InvalidParameter", f"status has an invalid value: {status}.")
    return qs.filter(conditions[status])


def _allocations_special(qs, params):
    status = params.get("status")
    if status == "valid":
        return qs.filter(data__voided_at=None)
    if status == "invalid":
        return qs.exclude(data__voided_at=None)
    if status not in (None, ""):
        raise ApiError(400, "InvalidParameter", f"status has an invalid value: {status}.")
    return qs


def _bank_transactions_special(qs, params):
    kind = params.get("type")
    if kind not in (None, ""):  # asset (operating) | liability (trust), per the spec's enum
        if kind not in ("asset", "liability"):
            raise ApiError(400, "InvalidParameter", f"type has an invalid value: {kind}.")
        qs = qs.filter(data__type=kind)
    return qs


def _bank_accounts_special(qs, params):
    kind = params.get("type")
    names = {"OperatingAccount": "Operating", "TrustAccount": "Trust"}
    if kind not in (None, ""):
        if kind not in names:
            raise ApiError(400, "InvalidParameter", f"type has an invalid value: {kind}.")
        qs = qs.filter(data__type=names[kind])
    return qs


def _matters_special(qs, params):
    """`status`: the spec's lowercase enum, comma-separated (`open,pending`); the capitalised
    value a record carries is accepted too. `query` also matches the client's name."""
    status = params.get("status")
    if status not in (None, ""):
        wanted = [s.strip().capitalize() for s in status.split(",")]
        if any(s not in ("Open", "Pending", "Closed") for s in wanted):
            raise ApiError(400, "InvalidParameter", f"status has an invalid value: {status}.")
        qs = qs.filter(data__status__in=wanted)
    return qs


def matters_query_clients(params, account_id: int) -> list[int]:
    """The matters whose client's name matches `query` (added to the display number and
    description match by the caller)."""
    clients = Record.objects.filter(account_id=account_id, type="contact", deleted=False)
    clients = clients.alias(_n=text("data__name")).filter(_n__icontains=params["query"])
    return list(clients.values_list("pk", flat=True)[:1000])


def _contacts_special(qs, params):
    for param, test in (
        ("client_only", Q(data__is_client=True)),
        ("email_only", ~Q(data__primary_email_address=None)),
    ):
        value = params.get(param)
        if value not in (None, ""):
            if value not in ("true", "false"):
                raise ApiError(400, "InvalidParameter", f"{param} must be true or false.")
            qs = qs.filter(test) if value == "true" else qs
    return qs


def _custom_fields_special(qs, params):
    kind = params.get("parent_type")
    if kind not in (None, ""):
        if kind not in ("matter", "contact"):
            raise ApiError(400, "InvalidParameter", f"parent_type has an invalid value: {kind}.")
        qs = qs.filter(data__parent_type=kind.capitalize())
    return qs


_SPECIAL = {
    "matters": _matters_special,
    "contacts": _contacts_special,
    "custom_fields": _custom_fields_special,
    "tasks": tasks.tasks_special,
    "task_templates": tasks.templates_special,
    "documents": documents.documents_special,
    "calendar_entries": mr.calendar_entries_special,
    "communications": mr.communications_special,
    "bills": _bills_special,
    "activities": _activities_special,
    "allocations": _allocations_special,
    "bank_transactions": _bank_transactions_special,
    "bank_accounts": _bank_accounts_special,
}

# -- paging ---------------------------------------------------------------------------------


def limit_of(params) -> int:
    raw = params.get("limit")
    if raw in (None, ""):
        return MAX_LIMIT
    value = _int("limit", raw)
    if not 1 <= value <= MAX_LIMIT:
        raise ApiError(400, "InvalidParameter", "limit must be between 1 and 200.")
    return value


def order_of(params, default: str, path: str) -> tuple[str, bool]:
    order = params.get("order") or default
    allowed = _order_enum(path)
    if params.get("order") and allowed and order not in [*allowed, "id(asc)", "id(desc)"]:
        raise ApiError(400, "InvalidParameter", f"order has an invalid value: {order}.")
    field, _, direction = order.partition("(")
    direction = direction.rstrip(")") or "asc"
    if direction not in ("asc", "desc") or not field.replace("_", "").replace(".", "").isalpha():
        raise ApiError(400, "InvalidParameter", f"order has an invalid value: {order}.")
    return field, direction == "desc"


def _order_enum(path: str) -> list[str]:
    """The `order` values the spec lists for this index (empty when it lists none)."""
    operation = spec()["paths"].get(f"/{path}.json", {}).get("get", {})
    for param in operation.get("parameters", []):
        if param["name"] == "order":
            return param["schema"].get("enum", [])
    return []


def order_queryset(qs, field: str, desc: bool):
    if field == "id" or "." in field:  # ordering by a nested record's field: by id instead
        return qs.order_by("-pk" if desc else "pk")
    column = field if field in ("created_at", "updated_at") else None
    expr = F(column) if column else KT(f"data__{field}")
    expr = expr.desc() if desc else expr.asc()
    return qs.order_by(expr, "-pk" if desc else "pk")


def encode_token(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode().rstrip("=")


def decode_token(raw: str) -> int:
    try:
        padded = raw + "=" * (-len(raw) % 4)
        return int(json.loads(base64.urlsafe_b64decode(padded))["after"])
    except (ValueError, KeyError, TypeError):
        raise ApiError(400, "InvalidParameter", "page_token is invalid.") from None
