"""Xero's wire values as the catalog reads and writes them (pure functions)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from automations.catalog.xero import wire


def test_ms_json_and_iso_dates_read_as_aware_datetimes():
    assert wire.ms_datetime("/Date(1573755038314+0000)/") == datetime(
        2019, 11, 14, 18, 10, 38, 314000, tzinfo=UTC
    )
    assert wire.iso_date("/Date(1764547200000+0000)/") == "2025-12-01"
    assert wire.ms_datetime("2026-11-02T10:00:00") == datetime(2026, 11, 2, 10, tzinfo=UTC)
    assert wire.ms_datetime("soon") is None and wire.iso_date(None) == ""


def test_if_modified_since_is_utc_to_the_second():
    at = datetime.fromisoformat("2026-12-05T12:30:45.987654+02:00")
    assert wire.modified_since_header(at) == "2026-12-05T10:30:45"


@pytest.mark.parametrize(
    ("value", "sent"),
    [
        (Decimal("250.00"), 250),
        (Decimal("1.5"), 1.5),
        (Decimal("0.1"), 0.1),
        (Decimal("85.2500"), 85.25),
    ],
)
def test_numbers_go_out_as_json_numbers_that_read_back_exactly(value, sent):
    out = wire.wire_number(value)
    assert out == sent and Decimal(repr(out)) == value


def test_a_number_a_float_cannot_hold_exactly_is_refused():
    with pytest.raises(ValueError):
        wire.wire_number(Decimal("12345678901234567.89"))


def test_money_reads_as_decimal_strings_and_links_use_the_web_base():
    assert wire.amount(0.1 + 0.2) == "0.30" and wire.amount(None) == "0.00"
    assert wire.web_url("", "contact", "c-1") == "https://go.xero.com/Contacts/View/c-1"
    assert wire.web_url("https://xero.test/", "ACCPAY", "b-2") == (
        "https://xero.test/AccountsPayable/View.aspx?InvoiceID=b-2"
    )
    assert wire.where_string('Smith "Jr"') == '"Smith \\"Jr\\""'
