"""Whether an automation can run as written: its trigger and actions exist, its apps are
connected, its templates and conditions are sound and name fields that will be there.

Problems come back keyed by where they are, so the page shows each beside its input and the API
returns them as `details`: "name", "trigger", "conditions", "conditions.1", "steps",
"steps.1.action", "steps.1.inputs.display_name". Each says what is wrong and how to fix it."""

import json

from automations import mapping
from automations.catalog import registry
from automations.catalog.base import Action, Field, Trigger
from sync.models import Connection

MAX_STEPS = 10
MAX_CONDITIONS = 10
ON_NOT_FOUND = ("stop", "continue")
# What every template may name besides the event's fields (mapping.render puts it in the context).
EVENT_FIELDS = (
    Field("event.id", "Event id", "id"),
    Field("event.occurred_at", "When it happened", "datetime"),
    Field("event.date", "The day it happened", "date"),
    Field("event.month", "The month it happened (2026-12)"),
    Field("event.summary", "Event summary"),
    Field("event.record_id", "Record id", "id"),
    Field("event.record_url", "Record link"),
)
# Short names for the "connect" advice: the place to connect is the Bill Syncing page.
APP_SHORT = {"clio": "Clio", "quickbooks": "QuickBooks", "xero": "Xero"}

Problems = dict[str, list[str]]


def connect_advice(app: str) -> str:
    return f"Connect {APP_SHORT.get(app, app)} on Bill Syncing first."


def apps_connected(firm_id: int) -> set[str]:
    """The apps the firm has a working connection to (one query)."""
    return set(
        Connection.objects.filter(firm_id=firm_id, status=Connection.Status.CONNECTED).values_list(
            "provider", flat=True
        )
    )


def _paths_known(keys: set[str], lines: set[str], path: str) -> bool:
    """A path names a field, or a key inside a "lines" field (`lines.0.amount`)."""
    return path in keys or any(path.startswith(f"{key}.") for key in lines)


def trigger_paths(trigger: Trigger) -> tuple[set[str], set[str]]:
    fields = (*trigger.fields, *EVENT_FIELDS)
    return {f.key for f in fields}, {f.key for f in fields if f.type == "lines"}


def step_paths(index: int, action: Action) -> tuple[set[str], set[str]]:
    """The paths a later step may name from step `index` (1-based) made with `action`."""
    keys = {f"steps.{index}.{f.key}" for f in action.outputs}
    lines = {f"steps.{index}.{f.key}" for f in action.outputs if f.type == "lines"}
    return keys, lines


def _add(problems: Problems, where: str, message: str) -> None:
    problems.setdefault(where, []).append(message)


def _template_check(
    problems: Problems, where: str, text: object, keys: set[str], lines: set[str]
) -> None:
    if not isinstance(text, str):
        _add(problems, where, "Give text: a value, or fields picked from the list.")
        return
    error = mapping.template_errors(text)
    if error:
        _add(problems, where, f"{error} Write fields as {{{{matter.display_number}}}}.")
        return
    for path in mapping.template_paths(text):
        if not _paths_known(keys, lines, path):
            _add(
                problems,
                where,
                f"“{path}” is not a field of the trigger or of an earlier step. "
                "Pick one from the list beside this input.",
            )


def _conditions_check(problems: Problems, conditions: object, trigger: Trigger | None) -> None:
    if not isinstance(conditions, list) or not all(isinstance(c, dict) for c in conditions):
        _add(problems, "conditions", "Give a list of conditions, each a field, an op and a value.")
        return
    if len(conditions) > MAX_CONDITIONS:
        _add(problems, "conditions", f"Use at most {MAX_CONDITIONS} conditions.")
    for message in mapping.condition_errors(conditions) if conditions else ():
        _add(problems, "conditions", message)
    if trigger is None:
        return
    keys, lines = trigger_paths(trigger)
    for n, condition in enumerate(conditions, start=1):
        path = condition.get("field", "")
        if path and not _paths_known(keys, lines, path):
            _add(
                problems,
                f"conditions.{n}",
                f"“{path}” is not a field of {trigger.name}. Choose one from the list.",
            )


def _inputs_check(
    problems: Problems, n: int, action: Action, inputs: object, paths: tuple[set[str], set[str]]
) -> None:
    where = f"steps.{n}"
    if not isinstance(inputs, dict):
        _add(problems, f"{where}.inputs", "Give the inputs as an object: field key → template.")
        return
    known = {f.key: f for f in action.fields}
    for key, text in inputs.items():
        if key not in known:
            _add(problems, f"{where}.inputs.{key}", f"{action.name} has no field “{key}”.")
        elif text != "":
            _template_check(problems, f"{where}.inputs.{key}", text, *paths)


def _required_check(problems: Problems, n: int, action: Action, inputs: dict) -> None:
    for f in action.fields:
        if f.required and not str(inputs.get(f.key, "")).strip():
            _add(
                problems,
                f"steps.{n}.inputs.{f.key}",
                f"{f.label} is required: type a value or pick a field.",
            )


def _steps_check(problems: Problems, steps: object, trigger: Trigger | None, complete: bool):
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        _add(problems, "steps", "Give a list of steps, each an action and its inputs.")
        return set()
    if not steps:
        _add(problems, "steps", "Add at least one step: what should happen in which app.")
    if len(steps) > MAX_STEPS:
        _add(problems, "steps", f"Use at most {MAX_STEPS} steps.")
    keys, lines = trigger_paths(trigger) if trigger else (set(), set())
    apps: set[str] = set()
    for n, step in enumerate(steps, start=1):
        action = registry.action(str(step.get("action", "")))
        if action is None:
            _add(problems, f"steps.{n}.action", "Choose an action for this step.")
            continue
        apps.add(action.app)
        if step.get("on_not_found", "stop") not in ON_NOT_FOUND:
            _add(problems, f"steps.{n}.on_not_found", "Say stop or continue.")
        inputs = step.get("inputs", {})
        _inputs_check(problems, n, action, inputs, (set(keys), set(lines)))
        if complete and isinstance(inputs, dict):
            _required_check(problems, n, action, inputs)
        more_keys, more_lines = step_paths(n, action)
        keys |= more_keys
        lines |= more_lines
    return apps


def automation_problems(
    *, firm_id: int, name: str, trigger: str, conditions: object, steps: object, complete: bool
) -> Problems:
    """Everything wrong with the automation, by where it is. `complete=False` (a draft from a
    recipe) lets required inputs wait to be mapped and apps wait to be connected."""
    problems: Problems = {}
    for where, value in (("name", name), ("conditions", conditions), ("steps", steps)):
        if "\\u0000" in json.dumps(value, default=str):
            _add(problems, where, "Remove the NUL character (\\0): it cannot be stored.")
    if problems:
        return problems
    if not name.strip():
        _add(problems, "name", "Give the automation a name, e.g. “New matter → sub-customer”.")
    found = registry.trigger(trigger)
    if found is None:
        _add(problems, "trigger", "Choose what starts the automation: a trigger in one app.")
    _conditions_check(problems, conditions, found)
    apps = _steps_check(problems, steps, found, complete)
    if not complete:
        return problems  # a draft may wait for its apps to be connected, as for its mappings
    connected = apps_connected(firm_id)
    if found is not None and found.app not in connected:
        _add(problems, "trigger", connect_advice(found.app))
    for app in sorted(apps - connected - ({found.app} if found else set())):
        _add(problems, "steps", connect_advice(app))
    return problems


def steps_clean(steps: list[dict]) -> list[dict]:
    """The steps as stored: known keys only, empty inputs left out."""
    cleaned = []
    for step in steps:
        inputs = {k: v for k, v in (step.get("inputs") or {}).items() if v != ""}
        row = {"action": step["action"], "inputs": inputs}
        if step.get("on_not_found", "stop") != "stop":
            row["on_not_found"] = step["on_not_found"]
        cleaned.append(row)
    return cleaned


def conditions_clean(conditions: list[dict]) -> list[dict]:
    return [
        {"field": c.get("field", ""), "op": c.get("op", ""), "value": c.get("value", "")}
        for c in conditions
    ]
