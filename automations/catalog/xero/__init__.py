"""Xero's triggers and actions (see automations.catalog.base)."""

from automations.catalog.base import Action, Trigger
from automations.catalog.xero import actions_contacts, actions_documents, actions_money
from automations.catalog.xero.triggers import TRIGGERS as _TRIGGERS

TRIGGERS: list[Trigger] = list(_TRIGGERS)
ACTIONS: list[Action] = [
    *actions_contacts.ACTIONS,
    *actions_documents.ACTIONS,
    *actions_money.ACTIONS,
]
