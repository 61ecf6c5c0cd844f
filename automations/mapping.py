"""Templates, mapping and conditions: the engine's half, in signature only on this branch."""

from typing import Any

from automations.catalog.base import Action

# Each condition's operator, with the words the page shows for it.
CONDITION_OPS: dict[str, str] = {
    "equals": "is",
    "not_equals": "is not",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
    "greater_than": "is greater than",
    "less_than": "is less than",
}


def render(template: str, context: dict) -> Any:
    """The template with each `{{path}}` replaced by the context's value at that path."""
    raise NotImplementedError


def template_errors(text: str) -> str | None:
    """What is wrong with a template's syntax, in plain words, or None."""
    raise NotImplementedError


def template_paths(text: str) -> list[str]:
    """The dotted paths a template refers to, in order."""
    raise NotImplementedError


def inputs_build(action: Action, mapping: dict, context: dict) -> tuple[dict, list[str]]:
    """The action's inputs rendered from `mapping` over `context`, and the problems found."""
    raise NotImplementedError


def conditions_hold(conditions: list[dict], data: dict) -> bool:
    """Whether every condition holds for the event's data."""
    raise NotImplementedError


def condition_errors(conditions: list[dict]) -> list[str]:
    """What is wrong with the conditions, in plain words (empty when they are valid)."""
    raise NotImplementedError
