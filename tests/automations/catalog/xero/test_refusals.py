"""Bad or missing inputs, and what Xero refuses, become an ActionError with a fix."""

import pytest

from automations.catalog import registry
from automations.catalog.base import ActionError
from tests.automations.catalog.xero.cases import LINES, contact, invoice


def _draft_number(xero) -> dict:
    return {"invoice_number": invoice(xero, status="DRAFT")["InvoiceNumber"]}


# (action, inputs or a function of the org making them, words of the message, sent to Xero)
CASES = [
    ("xero.create_invoice", {"contact_name": "A"}, "There are no line items", False),
    ("xero.create_invoice", {"lines": LINES}, "No contact was given", False),
    ("xero.create_invoice", {"contact_name": "A", "lines": LINES, "date": "next week"},
     "“next week” is not a date", False),
    ("xero.create_invoice", {"contact_name": "A", "lines": [{"description": "x",
     "unit_amount": "lots"}]}, "Line 1: unit price must be a number", False),
    ("xero.create_invoice", {"contact_name": "A", "lines": LINES, "status": "PAID"},
     "Status “PAID” is not one Xero knows", False),
    ("xero.create_invoice", lambda x: {"contact_name": "A", "lines": LINES,
     "invoice_number": invoice(x)["InvoiceNumber"]}, "Invoice # must be unique.", True),
    ("xero.create_contact", {"email_address": "a@b.example"}, "Name is empty", False),
    ("xero.create_contact", lambda x: {"name": "Rivera Holdings", "_": contact(x)},
     "is already assigned to another contact", True),
    ("xero.update_contact", {"contact_id": "7d3c6e2a-0000-4000-8000-000000000000",
     "name": "X"}, "Xero refused to update the contact", True),
    ("xero.update_contact", {"contact_id": "7d3c6e2a-0000-4000-8000-000000000000"},
     "Nothing to change was given", False),
    ("xero.create_payment", {"invoice_number": "INV-1", "amount": "0", "account": "090"},
     "is not above zero", False),
    ("xero.create_payment", lambda x: {**_draft_number(x), "amount": "10", "account": "090"},
     "Payments can only be made against Authorised documents", True),
    ("xero.create_manual_journal", {"narration": "N", "lines": [{"account_code": "200",
     "line_amount": "10"}, {"account_code": "091", "line_amount": "-9.99"}]},
     "add up to 0.01, not zero", False),
    ("xero.create_tracking_option", {"tracking_category": "Region", "name": "West"},
     "Xero has no tracking category “Region”", False),
    ("xero.email_invoice", _draft_number, "Xero emails only approved sales invoices", False),
    ("xero.email_invoice", {"invoice_number": "INV-404"}, "Xero has no invoice numbered", False),
    ("xero.find_contact", {}, "Nothing to look for was given", False),
]  # fmt: skip


@pytest.mark.parametrize(("action_id", "inputs", "words", "sent"), CASES)
def test_a_step_that_cannot_be_done_says_why_and_how_to_fix_it(
    xero, action_id, inputs, words, sent
):
    given = inputs(xero) if callable(inputs) else inputs
    ctx = xero.ctx()

    with pytest.raises(ActionError) as raised:
        registry.ACTIONS[action_id].run(ctx, given)

    assert words in raised.value.message and raised.value.fix
    assert bool(ctx.sent) is sent
