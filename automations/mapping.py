"""Templates, input conversion and conditions: pure functions over JSON-ready data (no Django).

A step's input is a literal or a template over the run's context: the trigger event's data at the
top level (`{{matter.display_number}}`), earlier steps' outputs (`{{steps.1.id}}`) and the event
itself (`{{event.record_url}}`). A template that is exactly one `{{path}}` gives the value as it
is (a list of lines stays a list); mixed with text it gives a string. A missing path gives "".
"""

import json
import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from automations.catalog.base import Action, Field

# One segment: a name or a list index. Paths are segments joined by dots: "matter.client.name",
# "lines.0.amount", "steps.2.id".
_SEGMENT = r"[A-Za-z_][A-Za-z0-9_\-]*|\d+"
PATH = re.compile(rf"(?:{_SEGMENT})(?:\.(?:{_SEGMENT}))*")
TAG = re.compile(r"\{\{\s*(.*?)\s*\}\}")
CENTS = Decimal("0.01")

CONDITION_OPS: dict[str, str] = {
    "equals": "is",
    "not_equals": "is not",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "greater_than": "is greater than",
    "less_than": "is less than",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
}
_NO_VALUE = {"is_empty", "is_not_empty"}


def context_build(*, data: dict, event: dict, steps: dict) -> dict:
    """What templates read: the event's data at the top level, then `steps` and `event` (which
    win over data keys of the same name)."""
    return {**data, "steps": steps, "event": event}


def lookup(context: Any, path: str) -> tuple[Any, bool]:
    """(value, found) of a dotted path; list segments are indexes."""
    value = context
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None, False
    return value, True


def template_errors(text: str) -> str | None:
    """What is wrong with a template, in plain words; None when it is fine."""
    if not isinstance(text, str):
        return None
    rest = TAG.sub("", text)
    if "{{" in rest or "}}" in rest:
        return "A {{ has no matching }} (or the other way round)."
    for inner in TAG.findall(text):
        if not inner:
            return "An empty {{ }}: put a field in it, such as {{matter.display_number}}."
        if "{" in inner or "}" in inner:
            return f"'{{{{{inner}}}}}' holds a brace: templates cannot be nested."
        if not PATH.fullmatch(inner):
            return f"'{inner}' is not a field path (names joined by dots, like client.name)."
    return None


def template_paths(text: str) -> list[str]:
    """The field paths a template reads, in order, each once."""
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(p for p in TAG.findall(text) if PATH.fullmatch(p)))


def missing_paths(template: Any, context: dict) -> list[str]:
    """The paths of `template` that the context does not have (or has as null)."""
    return [p for p in template_paths(template) if lookup(context, p)[0] is None]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, default=str)
    return str(value)


def render(template: Any, context: dict) -> Any:
    """A literal as it is; one `{{path}}` as its raw value; a mix of text and paths as text."""
    if isinstance(template, list):
        return [render(item, context) for item in template]
    if isinstance(template, dict):
        return {key: render(value, context) for key, value in template.items()}
    if not isinstance(template, str):
        return template
    whole = TAG.fullmatch(template.strip()) if template.strip() else None
    if whole and PATH.fullmatch(whole.group(1)):
        value, found = lookup(context, whole.group(1))
        return value if found and value is not None else ""
    return TAG.sub(lambda m: _text(lookup(context, m.group(1))[0]), template)


# -- converting to a field's type ------------------------------------------------------------


class _Bad(ValueError):
    pass


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _money(value: Any) -> str:
    if isinstance(value, float):
        value = repr(value)  # the shortest text of the float, not its binary expansion
    text = str(value).strip().replace(",", "").replace("$", "").replace("£", "").replace("€", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Bad(f"'{value}' is not an amount") from None
    if not amount.is_finite():
        raise _Bad(f"'{value}' is not an amount")
    return str(amount.quantize(CENTS, rounding=ROUND_HALF_UP))


def _number(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad(f"'{value}' is not a whole number")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise _Bad(f"'{value}' is not a whole number") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise _Bad(f"'{value}' is not a whole number")
    return int(number)


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime or ISO text (a datetime's text gives its date); else None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def _date(value: Any) -> str:
    day = as_date(value)
    if day is None:
        raise _Bad(f"'{value}' is not a date (YYYY-MM-DD)")
    return day.isoformat()


def _datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00")).isoformat()
    except ValueError:
        raise _Bad(f"'{value}' is not a date and time (ISO 8601)") from None


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise _Bad(f"'{value}' is not yes or no")


def _email(value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
        raise _Bad(f"'{value}' is not an email address")
    return text


def _choice(field: Field, value: Any) -> str:
    text = str(value).strip()
    for choice in field.choices:
        if choice.lower() == text.lower():
            return choice
    raise _Bad(f"'{value}' is not one of {', '.join(field.choices)}")


def _lines(field: Field, value: Any) -> list[dict]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _Bad("is not a list of lines") from None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Bad("is not a list of lines")
    keys = {f.key: f for f in field.fields}
    lines = []
    for number, line in enumerate(value, 1):
        converted = {}
        for key, item in line.items():
            sub = keys.get(key)
            if _empty(item) or (keys and sub is None):  # a key the action does not take
                continue
            try:
                converted[key] = convert(sub, item) if sub else item
            except _Bad as exc:
                raise _Bad(f"line {number}, {sub.label if sub else key}: {exc}") from None
        for sub in field.fields:
            if sub.required and sub.key not in converted:
                raise _Bad(f"line {number}: '{sub.label}' is required but empty")
        lines.append(converted)
    return lines


def convert(field: Field, value: Any) -> Any:
    """`value` as `field`'s type; raises ValueError with plain words when it cannot be."""
    kind = field.type
    if kind == "money":
        return _money(value)
    if kind == "number":
        return _number(value)
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "boolean":
        return _boolean(value)
    if kind == "email":
        return _email(value)
    if kind == "choice" and field.choices:
        return _choice(field, value)
    if kind == "lines":
        return _lines(field, value)
    if kind == "file":
        return _file(value)
    return _text(value)


def _file(value: Any) -> Any:
    """A document as the actions take it: {"name", "content_type", "content_base64"} or {"url"}.
    Typed on the page it is text (every input is): a link to fetch, or the object as JSON."""
    if isinstance(value, dict):
        return value
    text = _text(value).strip()
    if text.startswith("{"):
        try:
            found = json.loads(text)
        except ValueError:
            raise _Bad("is not a document (JSON with name and content_base64, or a link)") from None
        if isinstance(found, dict):
            return found
    if text.lower().startswith(("https://", "http://")):
        return {"url": text}
    raise _Bad("is not a document: map a file from the trigger, or give a link to it")


def inputs_build(action: Action, mapping: dict, context: dict) -> tuple[dict, list[str]]:
    """The action's inputs, rendered from `mapping` over `context` and converted to their fields'
    types (an empty optional input is left out), and the problems in plain words."""
    inputs: dict = {}
    problems: list[str] = []
    for field in action.fields:
        template = mapping.get(field.key, "")
        value = render(template, context)
        if _empty(value):
            if field.required:
                gone = missing_paths(template, context)
                why = f" ({', '.join(gone)} had no value)" if gone else ""
                problems.append(f"'{field.label}' is required but came out empty{why}.")
            continue
        try:
            inputs[field.key] = convert(field, value)
        except ValueError as exc:
            problems.append(f"'{field.label}': {exc}.")
    return inputs, problems


# -- conditions ------------------------------------------------------------------------------


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "").replace("$", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _compare(left: Any, right: Any) -> int | None:
    """-1, 0 or 1 comparing as numbers (money too), else as dates; None when neither fits."""
    a, b = _as_number(left), _as_number(right)
    if a is not None and b is not None:
        return (a > b) - (a < b)
    da, db = as_date(left), as_date(right)
    if da is not None and db is not None and not isinstance(left, int | float | Decimal):
        return (da > db) - (da < db)
    return None


def _holds(op: str, actual: Any, expected: Any) -> bool:
    if op == "is_empty":
        return _empty(actual)
    if op == "is_not_empty":
        return not _empty(actual)
    if op in ("greater_than", "less_than"):
        order = _compare(actual, expected)
        return order is not None and order == (1 if op == "greater_than" else -1)
    if op in ("equals", "not_equals"):
        order = _compare(actual, expected)
        same = order == 0 if order is not None else _fold(actual) == _fold(expected)
        return same if op == "equals" else not same
    if op in ("contains", "not_contains"):
        if isinstance(actual, list):
            found = any(_fold(item) == _fold(expected) for item in actual)
        else:
            found = _fold(expected) in _fold(actual)
        return found if op == "contains" else not found
    if op == "starts_with":
        return _fold(actual).startswith(_fold(expected))
    return False


def _fold(value: Any) -> str:
    return _text(value).strip().casefold()


def conditions_hold(conditions: list[dict], data: dict) -> bool:
    """True when every condition holds for the event's data (none: always)."""
    for condition in conditions or []:
        actual, _ = lookup(data, str(condition.get("field", "")))
        if not _holds(str(condition.get("op", "")), actual, condition.get("value", "")):
            return False
    return True


def conditions_failing(conditions: list[dict], data: dict) -> list[str]:
    """The conditions that do not hold, as words for the run log ("matter.status is Open")."""
    failing = []
    for condition in conditions or []:
        field, op = str(condition.get("field", "")), str(condition.get("op", ""))
        actual, _ = lookup(data, field)
        if not _holds(op, actual, condition.get("value", "")):
            value = "" if op in _NO_VALUE else f" {condition.get('value', '')}"
            failing.append(f"{field} {CONDITION_OPS.get(op, op)}{value} (it is {_text(actual)!r})")
    return failing


def condition_errors(conditions: Any) -> list[str]:
    """What is wrong with a list of conditions, in plain words."""
    if not isinstance(conditions, list):
        return ["Conditions must be a list."]
    errors = []
    for number, condition in enumerate(conditions, 1):
        if not isinstance(condition, dict):
            errors.append(f"Condition {number} is not a field, a test and a value.")
            continue
        field, op = condition.get("field"), condition.get("op")
        if not isinstance(field, str) or not PATH.fullmatch(field):
            errors.append(f"Condition {number}: choose a field.")
        if op not in CONDITION_OPS:
            errors.append(f"Condition {number}: choose a test ({', '.join(CONDITION_OPS)}).")
            continue
        value = condition.get("value", "")
        if op not in _NO_VALUE and _empty(value):
            errors.append(f"Condition {number}: give a value to compare with.")
        elif op in ("greater_than", "less_than") and (
            _as_number(value) is None and as_date(value) is None
        ):
            errors.append(f"Condition {number}: '{value}' is not a number, an amount or a date.")
    return errors
