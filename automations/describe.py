"""Automations in words, and the choices the editor offers: triggers and actions by app, and the
fields a step may pick from (the trigger's, with a recent event's values, and earlier steps')."""

from dataclasses import dataclass

from automations.catalog import registry
from automations.catalog.base import Field
from automations.models import Automation
from automations.validation import EVENT_FIELDS, connect_advice


def app_name(app: str) -> str:
    return registry.APPS.get(app, app)


def trigger_words(trigger_id: str) -> str:
    t = registry.trigger(trigger_id)
    if t is None:
        return f"{trigger_id} (not available)"
    return f"{t.name} in {app_name(t.app)}"


def action_words(action_id: str) -> str:
    a = registry.action(action_id)
    if a is None:
        return f"{action_id} (not available)"
    return f"{a.name} in {app_name(a.app)}"


def automation_words(a: Automation) -> str:
    """“When New matter in Clio, Create customer in QuickBooks Online, then …”."""
    steps = [action_words(s.get("action", "")) for s in a.steps]
    then = ", then ".join(steps) if steps else "nothing yet"
    only = " (only if its conditions hold)" if a.conditions else ""
    return f"When {trigger_words(a.trigger)}{only}: {then}."


@dataclass(frozen=True)
class Choice:
    id: str
    name: str
    description: str
    available: bool  # the firm has connected its app


@dataclass(frozen=True)
class AppGroup:
    app: str
    name: str
    connected: bool
    advice: str
    choices: list[Choice]


def _groups(items: dict, connected: set[str]) -> list[AppGroup]:
    groups = []
    for app, name in registry.APPS.items():
        rows = [
            Choice(i.id, i.name, i.description, app in connected)
            for i in items.values()
            if i.app == app
        ]
        if rows:
            ok = app in connected
            groups.append(AppGroup(app, name, ok, "" if ok else connect_advice(app), rows))
    return groups


def trigger_groups(connected: set[str]) -> list[AppGroup]:
    return _groups(registry.TRIGGERS, connected)


def action_groups(connected: set[str]) -> list[AppGroup]:
    return _groups(registry.ACTIONS, connected)


def value_at(data: object, path: str) -> object:
    """The value at a dotted path of an event's data ("" when absent)."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part, "")
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return ""
    return data


@dataclass(frozen=True)
class Pick:
    path: str  # "matter.display_number"; "steps.1.id"
    label: str  # "Matter number — 00012-Smith"
    group: str  # "Trigger: New matter" / "Step 1: Create customer"


def _shown_value(value: object) -> str:
    if value in ("", None) or isinstance(value, (dict, list)):
        return ""
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _pick(field: Field, path: str, group: str, sample: dict | None) -> Pick:
    value = _shown_value(value_at(sample, field.key)) if sample is not None else ""
    return Pick(path, f"{field.label} — {value}" if value else field.label, group)


def picks_for_step(
    trigger_id: str, steps: list[dict], index: int, sample: dict | None
) -> list[Pick]:
    """What step `index` (1-based) may use: the trigger's fields (with the sample event's
    values), the event's own facts, and each earlier step's outputs."""
    picks: list[Pick] = []
    t = registry.trigger(trigger_id)
    if t is not None:
        group = f"Trigger: {t.name}"
        picks += [_pick(f, f.key, group, sample) for f in t.fields]
    picks += [Pick(f.key, f.label, "The event") for f in EVENT_FIELDS]
    for n, step in enumerate(steps[: index - 1], start=1):
        a = registry.action(step.get("action", ""))
        if a is not None:
            group = f"Step {n}: {a.name}"
            picks += [Pick(f"steps.{n}.{f.key}", f.label, group) for f in a.outputs]
    return picks


def condition_fields(trigger_id: str) -> list[Field]:
    t = registry.trigger(trigger_id)
    return list(t.fields) if t is not None else []
