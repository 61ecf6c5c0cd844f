"""Bad or missing inputs, and what Xero refuses, become an ActionError with a fix."""

from types import SimpleNamespace

import pytest

from automations.catalog import registry
from automations.catalog.base import ActionError, Ctx
from tests.automations.catalog.xero.cases import LINES, contact, invoice

# Refused before anything is asked of Xero: (action, inputs, words of the message).
OURS = [
    ("xero.create_invoice", {"contact_name": "A"}, "There are no line items"),
    ("xero.create_invoice", {"lines": LINES}, "No contact was given"),
    ("xero.create_invoice", {"contact_name": "A", "lines": LINES, "date": "next week"},
     "“next week” is not a date"),
    ("xero.create_invoice", {"contact_name": "A", "lines": [{"description": "x",
     "unit_amount": "lots"}]}, "Line 1: unit price must be a number"),
    ("xero.create_invoice", {"contact_name": "A", "lines": [{"unit_amount": "1"}]},
     "Line 1 has no description"),
    ("xero.create_invoice", {"contact_name": "A", "lines": LINES, "status": "PAID"},
     "Status “PAID” is not one Xero knows"),
    ("xero.create_contact", {"email_address": "a@b.example"}, "Name is empty"),
    ("xero.update_contact", {"contact_id": "7d3c6e2a-0000-4000-8000-000000000000"},
     "Nothing to change was given"),
    ("xero.update_invoice", {"invoice_id": "7d3c6e2a-0000-4000-8000-000000000000"},
     "Nothing to change was given"),
    ("xero.create_payment", {"invoice_number": "INV-1", "amount": "0", "account": "090"},
     "is not above zero"),
    ("xero.create_payment", {"invoice_number": "INV-1", "account": "090"}, "Amount is empty"),
    ("xero.create_manual_journal", {"narration": "N", "lines": [{"account_code": "200",
     "line_amount": "10"}, {"account_code": "091", "line_amount": "-9.99"}]},
     "add up to 0.01, not zero"),
    ("xero.create_item", {"code": "X" * 31}, "longer than 30 characters"),
    ("xero.find_contact", {}, "Nothing to look for was given"),
    ("xero.find_item", {}, "Nothing to look for was given"),
]  # fmt: skip


@pytest.mark.parametrize(("action_id", "inputs", "words"), OURS)
def test_a_step_with_bad_inputs_is_refused_before_xero_is_asked(action_id, inputs, words):
    # No client to call: asking Xero anything would fail the test.
    ctx = Ctx(firm_id=1, app="xero", client=SimpleNamespace(http=None), idempotency_key="k")

    with pytest.raises(ActionError) as raised:
        registry.ACTIONS[action_id].run(ctx, inputs)

    assert words in raised.value.message and raised.value.fix and ctx.sent == []


def _draft_number(xero) -> dict:
    return {"invoice_number": invoice(xero, status="DRAFT")["InvoiceNumber"]}


# Refused on what Xero holds: (a function of the org giving action and inputs, words, sent).
THEIRS = [
    (lambda x: ("xero.create_invoice", {"contact_name": "A", "lines": LINES,
     "invoice_number": invoice(x)["InvoiceNumber"]}), "Invoice # must be unique.", True),
    (lambda x: ("xero.create_contact", {"name": "Dee Dupe", "_": contact(x, "Dee Dupe")}),
     "is already assigned to another contact", True),
    (lambda x: ("xero.update_contact", {"contact_id": "7d3c6e2a-0000-4000-8000-000000000000",
     "name": "X"}), "Xero refused to update the contact", True),
    (lambda x: ("xero.create_payment", {**_draft_number(x), "amount": "10", "account": "090"}),
     "Payments can only be made against Authorised documents", True),
    (lambda x: ("xero.create_tracking_option", {"tracking_category": "Region", "name": "W"}),
     "Xero has no tracking category “Region”", False),
    (lambda x: ("xero.email_invoice", _draft_number(x)),
     "Xero emails only approved sales invoices", False),
    (lambda x: ("xero.email_invoice", {"invoice_number": "INV-404"}),
     "Xero has no invoice numbered INV-404", False),
]  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_what_xero_refuses_comes_back_in_its_words_with_a_fix(xero):
    for make, words, sent in THEIRS:
        action_id, inputs = make(xero)
        ctx = xero.ctx(f"step-{len(words)}")

        with pytest.raises(ActionError) as raised:
            registry.ACTIONS[action_id].run(ctx, inputs)

        assert words in raised.value.message and raised.value.fix, action_id
        assert bool(ctx.sent) is sent, action_id
