"""Custom fields (`/custom_fields`) and their values on contacts and matters.

Spec: `CustomField` (name, parent_type Contact|Matter, field_type, picklist_options) and the
`custom_field_values` of Contact/Matter POST and PATCH: `{value, custom_field: {id}}` adds a value,
`{id, value}` changes one, `{id, _destroy: true}` removes it. Index filter `custom_field_values[ID]`
with the operators the spec lists per field type (`=` for text-like, checkbox, picklist, contact
and matter; `=`, `<`, `>`, `<=`, `>=` for currency, date, time and numeric; a list such as
`[<=50, >=45]` for several conditions; an operator a type does not support is a 400).
"""

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from sandbox.clio import store
from sandbox.clio.models import Account, Record
from sandbox.clio.store import ApiError

FIELD_TYPES = [
    "checkbox",
    "contact",
    "currency",
    "date",
    "time",
    "email",
    "matter",
    "numeric",
    "picklist",
    "text_area",
    "text_line",
    "url",
]
ORDERED = {"currency", "date", "time", "numeric"}
PARENT_TYPES = ("Contact", "Matter")
OPERATORS = ("<=", ">=", "<", ">", "=")
PARAM = re.compile(r"^custom_field_values\[(\d{1,18})\]$")


def _invalid(message: str) -> ApiError:
    return ApiError(422, "ValidationError", message)


# -- the custom_fields resource -------------------------------------------------------------


def field_extra(ctx, out: dict, data: dict) -> dict:
    if out.get("parent_type") not in PARENT_TYPES:
        raise _invalid("Parent type must be Contact or Matter.")
    if out.get("field_type") not in FIELD_TYPES:
        raise _invalid("Field type is not included in the list.")
    out.setdefault("displayed", True)
    out.setdefault("required", False)
    out.setdefault("display_order", 0)
    out["deleted"] = False
    options = out.get("picklist_options") or []
    if out["field_type"] == "picklist" and not options:
        raise _invalid("Picklist options can't be blank for a picklist field.")
    out["picklist_options"] = _options([], options)
    return out


def field_update(ctx, record: Record, changes: dict, data: dict) -> dict:
    # Clio does not let a field change what it belongs to or what it holds once created.
    for key in ("parent_type", "field_type"):
        if key in changes and changes[key] != record.data.get(key):
            raise _invalid(f"{key.replace('_', ' ').capitalize()} can't be changed.")
    if "picklist_options" in changes:
        current = record.data.get("picklist_options") or []
        changes["picklist_options"] = _options(current, changes["picklist_options"])
    return changes


def _options(current: list[dict], edits) -> list[dict]:
    """Picklist options: a new `{option}`, an edited `{id, option}`, a removed `{id, _deleted}`."""
    from sandbox.clio.resources import next_seq

    if not isinstance(edits, list):
        raise _invalid("Picklist options must be a list.")
    by_id = {o["id"]: dict(o) for o in current}
    now = store.stamp(timezone.now())
    for edit in edits:
        if not isinstance(edit, dict):
            raise _invalid("Each picklist option must be an object.")
        if edit.get("id") is None:
            if not isinstance(edit.get("option"), str) or not edit["option"]:
                raise _invalid("Option can't be blank.")
            oid = next_seq("picklist_option", 100_000)
            by_id[oid] = {"id": oid, "option": edit["option"], "created_at": now}
            by_id[oid] |= {"updated_at": now, "deleted_at": None}
        elif not isinstance(edit["id"], int) or edit["id"] not in by_id:
            raise ApiError(404, "NotFound", f"Could not find picklist option {edit['id']}.")
        elif edit.get("_deleted") in (True, "true"):
            by_id[edit["id"]]["deleted_at"] = now
        elif "option" in edit:
            by_id[edit["id"]].update(option=str(edit["option"]), updated_at=now)
    return list(by_id.values())


# -- values on contacts and matters ---------------------------------------------------------


def values_apply(account: Account, parent_type: str, current: list, out: dict) -> dict:
    """Turn the request's `custom_field_values` edits into the stored list (when given)."""
    if "custom_field_values" not in out:
        return out
    edits = out["custom_field_values"]
    if not isinstance(edits, list):
        raise _invalid("Custom field values must be a list.")
    by_id = {v["id"]: dict(v) for v in current}
    for edit in edits:
        if not isinstance(edit, dict):
            raise _invalid("Each custom field value must be an object.")
        _apply_one(account, parent_type, by_id, edit)
    out["custom_field_values"] = list(by_id.values())
    return out


def _apply_one(account, parent_type, by_id: dict, edit: dict) -> None:
    vid = edit.get("id")
    if vid is not None:
        if not isinstance(vid, str | int) or vid not in by_id:
            raise ApiError(404, "NotFound", f"Could not find custom field value {vid}.")
        if edit.get("_destroy") in (True, "true", "1"):
            del by_id[vid]
            return
        field = store.get(account, "custom_field", by_id[vid]["custom_field"]["id"])
        by_id[vid] = _value_row(account, field, edit.get("value"), by_id[vid])
        return
    ref = edit.get("custom_field")
    if not isinstance(ref, dict) or ref.get("id") in (None, ""):
        raise _invalid("Custom field can't be blank.")
    field = store.get(account, "custom_field", ref["id"])
    if field.data["parent_type"] != parent_type:
        raise _invalid(f"Custom field {field.id} does not belong to a {parent_type}.")
    if any(v["custom_field"]["id"] == field.id for v in by_id.values()):
        raise _invalid(f"Custom field {field.id} already has a value; change it by its id.")
    row = _value_row(account, field, edit.get("value"), None)
    by_id[row["id"]] = row


def _value_row(account, field: Record, raw, old: dict | None) -> dict:
    from sandbox.clio.resources import next_seq

    kind = field.data["field_type"]
    if field.data.get("required") and raw in (None, ""):
        raise _invalid(f"{field.data['name']} can't be blank.")
    extra, value = _typed(account, field, raw)
    now = store.stamp(timezone.now())
    row = dict(old) if old else {"id": f"{kind}-{next_seq('custom_field_value', 1_000)}"}
    row.update(
        field_name=field.data["name"],
        field_type=kind,
        field_required=field.data.get("required", False),
        field_displayed=field.data.get("displayed", True),
        field_display_order=field.data.get("display_order", 0),
        value=value,
        soft_deleted=False,
        custom_field={"id": field.id},
        updated_at=now,
        **extra,
    )
    row.setdefault("created_at", now)
    row["etag"] = store.make_etag("custom_field_value", 1, {**row, "etag": None}, timezone.now())
    return row


def _typed(account, field: Record, raw) -> tuple[dict, str | None]:
    """(extra nested keys, the value as served: the spec types `value` as a string)."""
    kind, name = field.data["field_type"], field.data["name"]
    if raw is None or raw == "":
        return {}, None
    if isinstance(raw, dict | list):
        raise _invalid(f"{name} must be a single value.")
    text = str(raw).strip()
    if kind == "checkbox":
        if text.lower() not in ("true", "false", "1", "0"):
            raise _invalid(f"{name} must be true or false.")
        return {}, "true" if text.lower() in ("true", "1") else "false"
    if kind in ("numeric", "currency"):
        return {}, str(_decimal(name, text))
    if kind in ("date", "time"):
        _parse_moment(name, kind, text)
        return {}, text
    if kind == "email" and "@" not in text:
        raise _invalid(f"{name} is not a valid email address.")
    if kind == "url" and not text.startswith(("http://", "https://")):
        raise _invalid(f"{name} is not a valid URL.")
    if kind == "picklist":
        return _picklist(field, text)
    if kind in ("contact", "matter"):
        target = store.get(account, kind, text)
        if kind == "matter":
            return {
                "matter": {"id": target.id, "display_number": target.data.get("display_number")}
            }, str(target.id)
        return {"contact": {"id": target.id}}, str(target.id)
    return {}, text


def _decimal(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _invalid(f"{name} must be a number.") from None
    if not value.is_finite():
        raise _invalid(f"{name} must be a number.")
    return value


def _parse_moment(name: str, kind: str, text: str):
    try:
        return date.fromisoformat(text) if kind == "date" else time.fromisoformat(text)
    except ValueError:
        raise _invalid(f"{name} must be an ISO-8601 {kind}.") from None


def _picklist(field: Record, text: str) -> tuple[dict, str]:
    live = [o for o in field.data.get("picklist_options") or [] if not o.get("deleted_at")]
    option = next((o for o in live if str(o["id"]) == text), None)
    if option is None:
        raise _invalid(f"{field.data['name']}: {text} is not one of its picklist options.")
    picked = {k: option.get(k) for k in ("id", "option", "created_at", "updated_at")}
    return {"picklist_option": picked}, str(option["id"])


# -- index filter ---------------------------------------------------------------------------


def values_only(page: list[Record], raw_ids: list[str]) -> None:
    """`custom_field_ids[]`: serve only those fields' values (the records are not saved)."""
    try:
        wanted = {int(i) for i in raw_ids}
    except ValueError:
        raise ApiError(400, "InvalidParameter", "custom_field_ids[] must be integers.") from None
    for record in page:
        values = record.data.get("custom_field_values") or []
        kept = [v for v in values if v["custom_field"]["id"] in wanted]
        record.data = {**record.data, "custom_field_values": kept}


def filter_by_values(qs, params, account_id: int, parent_type: str):
    """`custom_field_values[ID]=...` on contact/matter indexes; several keys all must match."""
    wanted = [(int(m.group(1)), params.getlist(key)) for key in params if (m := PARAM.match(key))]
    if not wanted:
        return qs
    tests = []
    for field_id, raws in wanted:
        field = Record.objects.filter(
            account_id=account_id, type="custom_field", deleted=False, pk=field_id
        ).first()
        if field is None or field.data["parent_type"] != parent_type:
            raise ApiError(400, "InvalidParameter", f"custom_field_values[{field_id}] is unknown.")
        conditions = [c for raw in raws for c in _conditions(field, raw)]
        tests.append((field_id, field.data["field_type"], conditions))
    # The values live inside each record's JSON list; matching in Python keeps this the same on
    # SQLite and PostgreSQL (the filter is only applied when asked for).
    ids = [
        pk
        for pk, values in qs.values_list("pk", "data__custom_field_values")
        if all(_matches(values or [], fid, kind, conds) for fid, kind, conds in tests)
    ]
    return qs.filter(pk__in=ids)


def _conditions(field: Record, raw: str) -> list[tuple[str, str]]:
    raw = raw.strip()
    parts = [p.strip() for p in raw[1:-1].split(",")] if raw.startswith("[") else [raw]
    out = []
    for part in parts:
        op = next((o for o in OPERATORS if part.startswith(o)), None)
        ordered = field.data["field_type"] in ORDERED
        if op and op != "=" and not ordered:
            raise ApiError(
                400, "InvalidParameter", f"Operator {op} is not supported for this custom field."
            )
        if not ordered:  # one operator only: the input is taken as it is
            out.append(("=", part.removeprefix("=")))
        else:
            out.append((op or "=", part[len(op or "") :].strip()))
    return out


def _matches(values: list, field_id: int, kind: str, conditions) -> bool:
    value = next((v.get("value") for v in values if v["custom_field"]["id"] == field_id), None)
    if value is None:
        return False
    return all(_compare(kind, value, op, wanted) for op, wanted in conditions)


def _compare(kind: str, value: str, op: str, wanted: str) -> bool:
    if kind in ("numeric", "currency"):
        try:
            left, right = Decimal(value), Decimal(wanted)
        except InvalidOperation:
            raise ApiError(400, "InvalidParameter", f"{wanted} is not a number.") from None
    elif kind == "checkbox":
        left, right = value, {"1": "true", "0": "false"}.get(wanted.lower(), wanted.lower())
    else:
        left, right = value, wanted
    return {
        "=": left == right,
        "<": left < right,
        ">": left > right,
        "<=": left <= right,
        ">=": left >= right,
    }[op]
