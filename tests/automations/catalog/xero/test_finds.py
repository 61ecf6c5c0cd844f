"""Xero's find and find-or-create actions: found, not found, nothing made by a find."""

import pytest

from automations.catalog import registry
from tests.automations.catalog.xero.cases import contact, invoice

pytestmark = pytest.mark.django_db(transaction=True)


def _run(xero, action_id: str, inputs: dict, **kw):
    ctx = xero.ctx(**kw)
    return registry.ACTIONS[action_id].run(ctx, inputs), ctx


def test_find_contact_matches_number_email_or_name_ignoring_case_and_spacing(xero):
    contact(xero, "Someone Smith", "someone@mail.example")
    wanted = xero.act(
        "create_contact",
        contact={
            "Name": "Olivia  Smith",
            "EmailAddress": "olivia@mail.example",
            "ContactNumber": "clio-42",
        },
    )["Contact"]
    asked = [
        {"name": " olivia SMITH "},
        {"email_address": "OLIVIA@mail.example"},
        {"contact_number": "clio-42", "name": "Somebody Else"},
        {"name": "Nobody Here", "email_address": "olivia@mail.example"},
    ]

    for inputs in asked:
        result, ctx = _run(xero, "xero.find_contact", inputs)

        assert result.found is True and result.record_id == wanted["ContactID"], inputs
        assert result.output["contact_number"] == "clio-42" and ctx.sent == []
        assert result.record_url == f"https://go.xero.com/Contacts/View/{wanted['ContactID']}"


def test_find_contact_says_what_it_looked_for_when_nothing_matches(xero):
    contact(xero, "Olivia Smith", "olivia@mail.example")
    xero.act("create_contact", other=True, contact={"Name": "Nobody Here"})

    result, _ = _run(xero, "xero.find_contact", {"name": "Nobody Here", "contact_number": "c-9"})

    assert result.found is False and result.output == {}
    assert result.summary == "No contact numbered c-9 or named Nobody Here"


def test_find_or_create_contact_finds_before_it_adds(xero):
    existing = contact(xero, "Olivia Smith", "olivia@mail.example")
    before = xero.count("Contacts")

    found, _ = _run(xero, "xero.find_or_create_contact", {"name": "olivia smith"})
    dry, dry_ctx = _run(xero, "xero.find_or_create_contact", {"name": "Ben Ode"}, dry_run=True)
    assert xero.count("Contacts") == before
    made, _ = _run(
        xero, "xero.find_or_create_contact", {"name": "Ben Ode", "email_address": "ben@ode.example"}
    )
    again, _ = _run(xero, "xero.find_or_create_contact", {"name": "Ben Ode"}, key="step-2")

    assert found.found is True and found.record_id == existing
    assert dry.summary == "Would add contact Ben Ode" and dry_ctx.sent[0].body == {
        "Contacts": [{"Name": "Ben Ode"}]
    }
    assert made.found is None and xero.one("Contacts", made.record_id)["EmailAddress"] == (
        "ben@ode.example"
    )
    assert again.found is True and again.record_id == made.record_id
    assert xero.count("Contacts") == before + 1


def test_find_invoice_by_number_brings_its_lines(xero):
    made = invoice(xero, number="INV-0042")
    invoice(xero, number="INV-0043")

    result, _ = _run(xero, "xero.find_invoice", {"invoice_number": "INV-0042"})
    missing, _ = _run(xero, "xero.find_invoice", {"invoice_number": "INV-9999"})

    assert result.found is True and result.record_id == made["InvoiceID"]
    assert (
        result.output["total"] == "250.00" and result.output["lines"][0]["description"] == "Advice"
    )
    assert result.output["contact_name"] == "Rivera Holdings"
    assert missing.found is False and missing.summary == "No invoice numbered INV-9999"


FOUND = [
    ("xero.find_item", {"code": "FILING"}, ("code", "FILING")),
    ("xero.find_item", {"name": "Legal services (hourly)"}, ("code", "FEES")),
    ("xero.find_account", {"name": "Legal Fees"}, ("code", "200")),
    ("xero.find_account", {"code": "091"}, ("name", "Client Trust Account (IOLTA)")),
]
NOT_FOUND = [
    ("xero.find_item", {"code": "NOPE"}, "No item coded NOPE"),
    ("xero.find_account", {"name": "Nothing like it"}, "No account named Nothing like it"),
]


def test_items_and_accounts_are_found_by_code_or_name_or_not_at_all(xero):
    for action_id, inputs, (key, value) in FOUND:
        result, _ = _run(xero, action_id, inputs)
        assert result.found is True and result.output[key] == value and result.record_id, inputs
    for action_id, inputs, summary in NOT_FOUND:
        result, _ = _run(xero, action_id, inputs)
        assert result.found is False and result.summary == summary and result.output == {}


def test_a_tracking_option_already_there_is_returned_not_added_twice(xero):
    before = xero.get("TrackingCategories")["TrackingCategories"][0]["Options"]

    result, ctx = _run(
        xero,
        "xero.create_tracking_option",
        {"tracking_category": "Matter", "name": "2026-002 property CLOSING"},
    )

    assert result.found is True and result.output["name"] == "2026-002 Property closing"
    assert ctx.sent == []
    assert xero.get("TrackingCategories")["TrackingCategories"][0]["Options"] == before
