"""The editor's form: an automation as posted (name, trigger, condition rows, steps with one
input per action field), the edits its buttons make (add or remove a row, insert a picked field),
and what the template shows for each row, with its problems beside it.

Input names: `name`, `trigger`, `cond-<n>-field|op|value`, `step-<n>-action`,
`step-<n>-in-<field key>`, `step-<n>-pick-<field key>`, `step-<n>-on_not_found` (n from 1)."""

import re
from dataclasses import dataclass, field

from automations import mapping
from automations.catalog import registry
from automations.catalog.base import Action, Field
from automations.describe import Pick, picks_for_step
from automations.models import Automation
from automations.validation import MAX_CONDITIONS, MAX_STEPS, Problems

_STEP = re.compile(r"^step-(\d+)-action$")
_COND = re.compile(r"^cond-(\d+)-field$")


@dataclass
class Draft:
    name: str = ""
    trigger: str = ""
    conditions: list[dict] = field(default_factory=list)
    steps: list[dict] = field(default_factory=list)


def draft_from_automation(a: Automation) -> Draft:
    return Draft(a.name, a.trigger, list(a.conditions), [dict(s) for s in a.steps])


def _numbers(post, pattern: re.Pattern) -> list[int]:
    return sorted(int(m.group(1)) for key in post if (m := pattern.match(key)))


def _step_from_post(post, n: int) -> dict:
    action_id = post.get(f"step-{n}-action", "")
    action = registry.action(action_id)
    prefix = f"step-{n}-in-"
    keys = {f.key for f in action.fields} if action else set()
    inputs = {
        key[len(prefix) :]: value
        for key, value in post.items()
        if key.startswith(prefix) and key[len(prefix) :] in keys and value != ""
    }
    step = {"action": action_id, "inputs": inputs}
    if post.get(f"step-{n}-on_not_found") == "continue":
        step["on_not_found"] = "continue"
    return step


def draft_from_post(post) -> Draft:
    conditions = [
        {
            "field": post.get(f"cond-{n}-field", ""),
            "op": post.get(f"cond-{n}-op", ""),
            "value": post.get(f"cond-{n}-value", ""),
        }
        for n in _numbers(post, _COND)
    ]
    steps = [_step_from_post(post, n) for n in _numbers(post, _STEP)]
    return Draft(post.get("name", "").strip(), post.get("trigger", ""), conditions, steps)


def draft_edit(draft: Draft, command: str, post) -> Draft:
    """Apply one of the editor's buttons: add_step, remove_step:N, add_condition,
    remove_condition:N, insert:N:KEY (append the picked field to step N's input KEY)."""
    verb, _, arg = command.partition(":")
    if verb == "add_step" and len(draft.steps) < MAX_STEPS:
        draft.steps.append({"action": "", "inputs": {}})
    elif verb == "remove_step" and arg.isdigit() and 0 < int(arg) <= len(draft.steps):
        _step_remove(draft, int(arg))
    elif verb == "add_condition" and len(draft.conditions) < MAX_CONDITIONS:
        draft.conditions.append({"field": "", "op": "equals", "value": ""})
    elif verb == "remove_condition" and arg.isdigit() and 0 < int(arg) <= len(draft.conditions):
        del draft.conditions[int(arg) - 1]
    elif verb == "insert":
        _insert(draft, arg, post)
    return draft


_STEP_REF = re.compile(r"\{\{\s*steps\.(\d+)\.")


def _step_remove(draft: Draft, n: int) -> None:
    """Remove step n; later steps' references to the steps after it follow them down, and
    references to it are marked removed, for the check to point at."""

    def renumber(match: re.Match) -> str:
        k = int(match.group(1))
        to = "removed" if k == n else str(k - 1 if k > n else k)
        return "{{steps." + to + "."

    del draft.steps[n - 1]
    for step in draft.steps[n - 1 :]:
        inputs = step.get("inputs", {})
        step["inputs"] = {key: _STEP_REF.sub(renumber, str(v)) for key, v in inputs.items()}


def _insert(draft: Draft, arg: str, post) -> None:
    n, _, key = arg.partition(":")
    if not n.isdigit() or not 0 < int(n) <= len(draft.steps):
        return
    path = post.get(f"step-{n}-pick-{key}", "")
    if not path:
        return
    inputs = draft.steps[int(n) - 1].setdefault("inputs", {})
    current = inputs.get(key, "")
    inputs[key] = f"{current} {{{{{path}}}}}".strip() if current else f"{{{{{path}}}}}"


@dataclass
class InputRow:
    field: Field
    name: str
    value: str
    errors: list[str]


@dataclass
class StepRow:
    n: int
    action_id: str
    action: Action | None
    inputs: list[InputRow]
    picks: list[Pick]
    on_not_found: str
    errors: list[str]


@dataclass
class ConditionRow:
    n: int
    field: str
    op: str
    value: str
    errors: list[str]


def step_rows(draft: Draft, problems: Problems, sample: dict | None) -> list[StepRow]:
    rows = []
    for n, step in enumerate(draft.steps, start=1):
        action = registry.action(step.get("action", ""))
        inputs = step.get("inputs", {})
        fields = action.fields if action else ()
        rows.append(
            StepRow(
                n=n,
                action_id=step.get("action", ""),
                action=action,
                inputs=[
                    InputRow(
                        f,
                        f"step-{n}-in-{f.key}",
                        str(inputs.get(f.key, "")),
                        problems.get(f"steps.{n}.inputs.{f.key}", []),
                    )
                    for f in fields
                ],
                picks=picks_for_step(draft.trigger, draft.steps, n, sample),
                on_not_found=step.get("on_not_found", "stop"),
                errors=problems.get(f"steps.{n}.action", [])
                + problems.get(f"steps.{n}.inputs", [])
                + problems.get(f"steps.{n}.on_not_found", []),
            )
        )
    return rows


def condition_rows(draft: Draft, problems: Problems) -> list[ConditionRow]:
    return [
        ConditionRow(
            n,
            str(c.get("field", "")),
            str(c.get("op", "")),
            str(c.get("value", "")),
            problems.get(f"conditions.{n}", []),
        )
        for n, c in enumerate(draft.conditions, start=1)
    ]


def ops() -> list[tuple[str, str]]:
    return list(mapping.CONDITION_OPS.items())
