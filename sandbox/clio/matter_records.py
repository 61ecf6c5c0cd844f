"""Calendar entries, communications and notes: the rules their spec schemas and docs state.

- CalendarEntry: `summary`, `start_at`, `end_at` (ISO-8601 timestamps, end not before start),
  `calendar_owner {id}`; `all_day` defaults to false. Index filters `from`/`to` (entries that end
  on or after `from` / begin on or before `to`), `is_all_day`, `matter_id`, `query`.
- Communication: `type` EmailCommunication|PhoneCommunication, `subject`, `body`, `received_at`;
  `date` is the received day and `user` the author. Filters `type`, `user_id`, `date`,
  `received_since`/`received_before` (on `date`), `matter_id`, `query`.
- Note: `type` Matter|Contact with the matching `matter` or `contact`; `date` defaults to today,
  `author` is the user. Filters `type`, `matter_id`, `contact_id`, `query`.
Notes have no webhook model in Clio (the Webhooks tag lists none): new notes are polled.
"""

from datetime import UTC, date

from django.utils.dateparse import parse_datetime

from sandbox.clio.store import ApiError


def _invalid(message: str) -> ApiError:
    return ApiError(422, "ValidationError", message)


def _moment(name: str, value):
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or moment.tzinfo is None:
        raise _invalid(f"{name} must be an ISO-8601 timestamp with an offset.")
    return moment


# -- calendar entries -----------------------------------------------------------------------


def calendar_entry_fill(out: dict) -> dict:
    start, end = _moment("start_at", out.get("start_at")), _moment("end_at", out.get("end_at"))
    if end < start:
        raise _invalid("End at must be after start at.")
    out.setdefault("all_day", False)
    out.setdefault("court_rule", False)
    out.setdefault("permission", "owner")
    out.setdefault("time_entries_count", 0)
    owner = out.get("calendar_owner")
    if not isinstance(owner, dict) or not isinstance(owner.get("id"), int):
        raise _invalid("Calendar owner must be {id}.")
    out["calendar_owner_id"] = owner["id"]
    # UTC copies of the two moments, so `from`/`to` compare correctly as text.
    out["_start_at_utc"] = start.astimezone(UTC).isoformat()
    out["_end_at_utc"] = end.astimezone(UTC).isoformat()
    return out


def calendar_entry_extra(ctx, out: dict, data: dict) -> dict:
    return calendar_entry_fill(out)


def calendar_entry_update(ctx, record, changes: dict, data: dict) -> dict:
    return calendar_entry_fill({**record.data, **changes})


def calendar_entries_special(qs, params):
    from sandbox.clio.listing import text

    for param, lookup, key in (("from", "gte", "end_at"), ("to", "lte", "start_at")):
        if params.get(param):
            moment = parse_datetime(params[param].replace(" ", "+"))
            if moment is None:
                raise ApiError(400, "InvalidParameter", f"{param} must be an ISO-8601 timestamp.")
            # Stored as given; compare as UTC text so offsets do not change the order.
            qs = qs.alias(**{f"_{key}": text(f"data___{key}_utc")})
            qs = qs.filter(**{f"_{key}__{lookup}": moment.astimezone(UTC).isoformat()})
    if params.get("is_all_day") not in (None, ""):
        qs = qs.filter(data__all_day=_bool("is_all_day", params["is_all_day"]))
    return qs


# -- communications -------------------------------------------------------------------------


def communication_extra(ctx, out: dict, data: dict) -> dict:
    out.setdefault("user", {"id": ctx.user_id})
    out.setdefault("time_entries_count", 0)
    return communication_fill(out)


def communication_fill(out: dict) -> dict:
    if out.get("type") not in ("EmailCommunication", "PhoneCommunication"):
        raise _invalid("Type must be EmailCommunication or PhoneCommunication.")
    received = _moment("received_at", out.get("received_at"))
    out["date"] = received.date().isoformat()
    for key in ("senders", "receivers"):
        out[key] = [_participant(p) for p in out.get(key) or []]
    return out


def _participant(value) -> dict:
    if not isinstance(value, dict) or value.get("type") not in ("User", "Contact"):
        raise _invalid("Senders and receivers must be {id, type: User|Contact}.")
    return {"id": value.get("id"), "type": value["type"]}


def communication_update(ctx, record, changes: dict, data: dict) -> dict:
    return communication_fill({**record.data, **changes})


def communications_special(qs, params):
    from sandbox.clio.listing import text

    bounds = (("received_since", "gte"), ("received_before", "lte"), ("date", "exact"))
    for param, lookup in bounds:
        if params.get(param):
            day = _day(param, params[param])
            qs = qs.alias(_date=text("data__date")).filter(**{f"_date__{lookup}": day})
    return qs


# -- notes ----------------------------------------------------------------------------------


def note_extra(ctx, out: dict, data: dict) -> dict:
    out.setdefault("author", {"id": ctx.user_id})
    out.setdefault("date", date.today().isoformat())
    out.setdefault("detail_text_type", "plain_text")
    out.setdefault("time_entries_count", 0)
    return note_fill(out)


def note_fill(out: dict) -> dict:
    kind = out.get("type")
    if kind not in ("Matter", "Contact"):
        raise _invalid("Type must be Matter or Contact.")
    if not out.get(kind.lower()):
        raise _invalid(f"A {kind} note needs its {kind.lower()}.")
    other = "contact" if kind == "Matter" else "matter"
    out[other] = None
    _day("date", out.get("date"), status=422)
    return out


def note_update(ctx, record, changes: dict, data: dict) -> dict:
    return note_fill({**record.data, **changes})


def _day(param: str, value, status: int = 400) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        kind = "InvalidParameter" if status == 400 else "ValidationError"
        raise ApiError(status, kind, f"{param} must be an ISO-8601 date.") from None


def _bool(param: str, value: str) -> bool:
    if value not in ("true", "false"):
        raise ApiError(400, "InvalidParameter", f"{param} must be true or false.")
    return value == "true"
