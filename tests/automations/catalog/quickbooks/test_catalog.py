"""The QuickBooks catalog as the page and the catalog API list it, and its pure wire helpers."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from automations.catalog.base import ActionError
from automations.catalog.quickbooks import ACTIONS, TRIGGERS, build, records, wire
from automations.catalog.registry import ACTIONS as ALL_ACTIONS
from automations.catalog.registry import TRIGGERS as ALL_TRIGGERS

TRIGGER_IDS = {
    "quickbooks.new_account",
    "quickbooks.new_bill",
    "quickbooks.new_customer",
    "quickbooks.new_estimate",
    "quickbooks.new_expense",
    "quickbooks.new_invoice",
    "quickbooks.new_sales_receipt",
    "quickbooks.new_payment",
    "quickbooks.new_purchase_order",
    "quickbooks.updated_customer",
    "quickbooks.new_vendor",
}


def test_every_trigger_and_action_of_the_issue_is_registered():
    assert {t.id for t in TRIGGERS} == TRIGGER_IDS
    assert len(ACTIONS) == len({a.id for a in ACTIONS}) == 26
    for wanted in (
        "create_customer",
        "send_invoice",
        "create_time_activity",
        "find_invoice",
        "find_or_create_customer",
        "create_invoice",
    ):
        assert ALL_ACTIONS[f"quickbooks.{wanted}"].app == "quickbooks"
    assert set(ALL_TRIGGERS) >= TRIGGER_IDS


def test_every_action_outputs_its_record_id_and_link_and_says_its_kind():
    kinds = {"create", "update", "find", "find_or_create", "send"}
    for action in ACTIONS:
        keys = {f.key for f in action.outputs}
        assert {"id", "url"} <= keys, action.id
        assert action.kind in kinds, action.id
        assert action.kind != "find" or action.key.startswith("find_"), action.id
        assert len({f.key for f in action.fields}) == len(action.fields), action.id


def test_triggers_wake_on_the_entity_they_read():
    wakes = {t.key: t.wakes_on for t in TRIGGERS}
    assert wakes["new_expense"] == ("Purchase",)
    assert wakes["updated_customer"] == ("Customer",)
    assert wakes["new_sales_receipt"] == ("SalesReceipt",)


def test_query_times_are_utc_seconds_cut_down_not_rounded():
    at = datetime(2026, 12, 5, 2, 31, 5, 900000, tzinfo=timezone(timedelta(hours=-8)))
    assert wire.query_time(at) == "2026-12-05T10:31:05+00:00"
    assert wire.iso("2026-12-05T02:31:05-08:00") == "2026-12-05T10:31:05+00:00"
    assert wire.parse_time("2026-12-05T02:31:05-08:00") == datetime(
        2026, 12, 5, 10, 31, 5, tzinfo=UTC
    )


def test_web_links_use_the_web_base_or_quickbooks_own_host():
    assert wire.web_url("", "Invoice", "59") == "https://app.qbo.intuit.com/app/invoice?txnId=59"
    assert wire.web_url("http://x/", "Customer", "7") == "http://x/app/customerdetail?nameId=7"


def test_query_literals_escape_apostrophes():
    assert wire.quote("O'Brien & Co") == "'O\\'Brien & Co'"


def test_sales_lines_compute_amount_from_quantity_and_rate_without_floats():
    lines = build.sales_lines(
        {"lines": [{"qty": "3", "unit_price": "33.335", "item_id": "4"}, {"amount": "0.10"}]}
    )
    assert lines[0]["Amount"] == 100.01  # 3 x 33.335 = 100.005, half up
    assert lines[0]["SalesItemLineDetail"] == {
        "ItemRef": {"value": "4"},
        "Qty": 3,
        "UnitPrice": 33.335,
    }
    assert lines[1] == {
        "Amount": 0.1,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {},
    }


def test_one_line_from_the_action_fields_when_no_lines_are_mapped():
    [line] = build.sales_lines({"description": "Advice", "amount": "1,250.00"}, "9")
    assert line["Amount"] == 1250.0 and line["Description"] == "Advice"
    assert line["SalesItemLineDetail"]["ItemRef"] == {"value": "9"}


def test_expense_lines_are_billable_to_the_customer_only_when_asked():
    inputs = {"customer_id": "5", "lines": [{"account_id": "9", "amount": "10"}]}
    [line] = build.expense_lines(inputs, items=False)
    assert line["AccountBasedExpenseLineDetail"] == {
        "AccountRef": {"value": "9"},
        "CustomerRef": {"value": "5"},
        "BillableStatus": "NotBillable",
    }
    [line] = build.expense_lines({**inputs, "billable": True}, items=False)
    assert line["AccountBasedExpenseLineDetail"]["BillableStatus"] == "Billable"


def test_journal_lines_must_balance_to_the_cent():
    inputs = {"debit_account_id": "1", "credit_account_id": "2", "amount": "0.30"}
    lines = build.journal_lines(inputs)
    assert [ln["JournalEntryLineDetail"]["PostingType"] for ln in lines] == ["Debit", "Credit"]
    assert {ln["Amount"] for ln in lines} == {0.3}
    with pytest.raises(ActionError):
        build.journal_lines(
            {
                "lines": [
                    {"posting_type": "debit", "account_id": "1", "amount": "0.10"},
                    {"posting_type": "debit", "account_id": "1", "amount": "0.20"},
                    {"posting_type": "credit", "account_id": "2", "amount": "0.31"},
                ]
            }
        )


def test_records_turn_numbers_into_decimal_strings_and_refs_into_ids():
    raw = {
        "Id": "59",
        "SyncToken": "0",
        "DocNumber": "1001",
        "TxnDate": "2026-03-01",
        "TotalAmt": 250.1,
        "Balance": 0.3,
        "CustomerRef": {"value": "58", "name": "Olivia Smith"},
        "MetaData": {"CreateTime": "2026-03-01T10:00:00-08:00"},
        "Line": [
            {"Amount": 250.1, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}},
            {"Amount": 250.1, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
        ],
    }
    flat = records.sales(raw)
    assert (flat["total"], flat["balance"], flat["customer_name"]) == (
        "250.10",
        "0.30",
        "Olivia Smith",
    )
    assert flat["created_at"] == "2026-03-01T18:00:00+00:00"
    assert len(flat["lines"]) == 1  # the subtotal line is QuickBooks' own
    assert Decimal(flat["lines"][0]["amount"]) == Decimal("250.10")


def test_triggers_wake_on_entities_quickbooks_sends_webhooks_for():
    from sandbox.quickbooks.webhooks import SUPPORTED

    for trigger in TRIGGERS:
        wanted = "Update" if trigger.key.startswith("updated_") else "Create"
        for entity in trigger.wakes_on:
            assert wanted in SUPPORTED[entity], trigger.id


def test_lines_mapped_as_json_text_are_read_as_a_list():
    text = '[{"posting_type": "Debit", "account_id": "1", "amount": "5"},'
    text += ' {"posting_type": "Credit", "account_id": "2", "amount": "5"}]'
    assert len(build.journal_lines({"lines": text})) == 2
    assert build.sales_lines({"lines": '[{"amount": "7.25"}]'})[0]["Amount"] == 7.25
    with pytest.raises(ActionError):
        build.sales_lines({"lines": "[not json"})


def test_an_expense_paid_to_a_customer_names_them_as_its_customer():
    from automations.catalog.base import Ctx
    from automations.catalog.quickbooks.triggers import event_data

    raw = {
        "Id": "7",
        "PaymentType": "Cash",
        "TotalAmt": 12,
        "EntityRef": {"value": "58", "name": "Olivia Smith", "type": "Customer"},
        "MetaData": {"CreateTime": "2026-03-01T10:00:00-08:00"},
    }
    data = event_data(Ctx(firm_id=1, app="quickbooks", client=None), "Purchase", raw)
    assert data["customer"] == {"id": "58", "name": "Olivia Smith"}
    assert data["vendor"] == {"id": "", "name": ""}
    assert data["url"] == "https://app.qbo.intuit.com/app/expense?txnId=7"
