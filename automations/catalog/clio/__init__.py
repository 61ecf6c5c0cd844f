"""Clio's triggers and actions (see automations.catalog.base)."""

from automations.catalog.base import Action, Trigger
from automations.catalog.clio import actions_documents, actions_find, actions_records, actions_work
from automations.catalog.clio.triggers import TRIGGERS as _TRIGGERS

TRIGGERS: list[Trigger] = list(_TRIGGERS)
ACTIONS: list[Action] = [
    *actions_work.ACTIONS,
    *actions_records.ACTIONS,
    *actions_documents.ACTIONS,
    *actions_find.ACTIONS,
]
