"""Xero's triggers and actions (see automations.catalog.base).

Every Xero event is `{"id", "<record>": {...}, "contact": {...}}`, the record named in Xero's
words (contact, invoice, quote, purchase_order, bank_transaction, payment, account, credit_note;
a payment adds the `invoice` it pays), its fields Xero's in snake case, money as Decimal strings.
Triggers poll with If-Modified-Since (triggers.py); actions write one element per call with the
step's Idempotency-Key and summarizeErrors=false (common.save).
"""

from automations.catalog.base import Action, Trigger
from automations.catalog.xero import actions_contacts, actions_documents, actions_money
from automations.catalog.xero.triggers import TRIGGERS as _TRIGGERS

TRIGGERS: list[Trigger] = list(_TRIGGERS)
ACTIONS: list[Action] = [
    *actions_contacts.ACTIONS,
    *actions_documents.ACTIONS,
    *actions_money.ACTIONS,
]
