"""Every trigger and action, by id ("clio.new_matter"). An app module adds itself with one line."""

from automations.catalog import clio, quickbooks, xero
from automations.catalog.base import Action, Trigger

APPS = {"clio": "Clio", "quickbooks": "QuickBooks Online", "xero": "Xero"}
_MODULES = (clio, quickbooks, xero)

TRIGGERS: dict[str, Trigger] = {t.id: t for m in _MODULES for t in m.TRIGGERS}
ACTIONS: dict[str, Action] = {a.id: a for m in _MODULES for a in m.ACTIONS}


def trigger(trigger_id: str) -> Trigger | None:
    return TRIGGERS.get(trigger_id)


def action(action_id: str) -> Action | None:
    return ACTIONS.get(action_id)
