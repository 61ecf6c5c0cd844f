"""xero's triggers and actions (see automations.catalog.base)."""

from automations.catalog.base import Action, Trigger

TRIGGERS: list[Trigger] = []
ACTIONS: list[Action] = []
