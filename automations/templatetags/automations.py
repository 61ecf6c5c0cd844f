"""What the run log shows: an action's name for its id, and JSON as it is sent."""

import json

from django import template

from automations.describe import action_words

register = template.Library()


@register.filter
def action_name(action_id: str) -> str:
    return action_words(action_id)


@register.filter
def as_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)
