"""Sync settings refuse numbers and dates the database cannot hold or no books would use, with a
clear field error (page form and API), never a 500."""

import pytest
from django.urls import reverse

from sync import books
from sync.forms import SyncSettingsForm
from sync.models import SyncSettings
from tests.conftest import client_for

FACTS = books.BooksFacts(provider="quickbooks", name="Books", home_currency="USD")


def _form(**data):
    base = {"start_date": "2026-01-01", "contacts_scope": SyncSettings.Contacts.APPROVED_UNPAID}
    base["trust_matter_by"] = SyncSettings.TrustMatterBy.SUB_CUSTOMER
    return SyncSettingsForm({**base, **data}, facts=FACTS)


@pytest.mark.parametrize("number", ["2147483648", "99999999999999999999"])
def test_the_form_refuses_a_starting_number_past_the_column(number):
    form = _form(starting_invoice_number=number)
    assert not form.is_valid()
    assert "less than or equal to 2147483647" in form.errors["starting_invoice_number"][0]


def test_the_form_takes_the_largest_number_the_column_holds():
    form = _form(starting_invoice_number="2147483647")
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_form_refuses_a_start_date_outside_the_window(day):
    form = _form(start_date=day)
    assert not form.is_valid()
    assert "outside the dates FirmSync accepts" in form.errors["start_date"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starting_invoice_number": 2147483648}, "starting_invoice_number"),
        ({"start_date": "0001-01-01"}, "start_date"),
    ],
)
def test_the_api_answers_400_for_an_out_of_range_setting(admin, body, field):
    response = client_for(admin).patch(
        reverse("api_sync_settings"), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
