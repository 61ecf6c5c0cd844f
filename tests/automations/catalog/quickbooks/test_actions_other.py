"""QuickBooks send, update, find and find-or-create actions over real HTTP, and the plain-words
errors for inputs a firm can fix."""

import pytest

from automations.catalog.base import ActionError
from tests.automations.catalog.quickbooks import support as s

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("key", "entity", "make"),
    [
        ("send_invoice", "Invoice", lambda b, cid: s.invoice(b, cid)),
        (
            "send_sales_receipt",
            "SalesReceipt",
            lambda b, cid: b.act(
                "create_sales_receipt",
                customer_id=cid,
                lines=[{"description": "X", "qty": 1, "unit_price": 10}],
            )["SalesReceipt"],
        ),
    ],
)
def test_send_emails_the_form_once_and_a_dry_run_does_not(books, key, entity, make):
    form = make(books, s.customer_id(books, email=""))
    inputs = {"id": form["Id"], "email": "client@mail.example"}

    dry, ctx = books.run(f"quickbooks.{key}", inputs, dry_run=True)
    assert dry.summary.startswith("Would send")
    assert ctx.sent[0].path == f"{entity.lower()}/{form['Id']}/send"
    assert ctx.sent[0].params["sendTo"] == "client@mail.example"
    assert books.read(entity, form["Id"])["EmailStatus"] == "NotSet"

    result, _ = books.run(f"quickbooks.{key}", inputs)
    books.run(f"quickbooks.{key}", inputs)  # the same step again: replayed, not sent twice
    sent = books.read(entity, form["Id"])
    assert (sent["EmailStatus"], sent["BillEmail"]["Address"]) == (
        "EmailSent",
        "client@mail.example",
    )
    assert sent["SyncToken"] == str(int(form["SyncToken"]) + 1)
    assert result.output["email_status"] == "EmailSent"
    assert result.record_id == form["Id"]

    with pytest.raises(ActionError) as error:
        books.run(f"quickbooks.{key}", {"id": make(books, form["CustomerRef"]["value"])["Id"]})
    assert "no billing email" in error.value.message and error.value.fix


def test_update_customer_changes_only_what_is_mapped(books):
    cid = s.customer_id(books)
    inputs = {"customer_id": cid, "phone": "555-0199", "notes": "Prefers email"}
    dry, ctx = books.run("quickbooks.update_customer", inputs, dry_run=True)
    assert dry.output == {} and ctx.sent[0].body["sparse"] is True
    assert "PrimaryPhone" not in books.read("Customer", cid)

    result, _ = books.run("quickbooks.update_customer", inputs)
    raw = books.read("Customer", cid)
    assert raw["PrimaryPhone"]["FreeFormNumber"] == "555-0199"
    assert raw["Notes"] == "Prefers email"
    assert raw["PrimaryEmailAddr"]["Address"] == "olivia@mail.example"  # untouched
    assert (raw["SyncToken"], result.output["phone"]) == ("1", "555-0199")
    books.run("quickbooks.update_customer", inputs)  # replayed by requestid
    assert books.read("Customer", cid)["SyncToken"] == "1"


def test_update_invoice_is_sparse_and_mapped_lines_replace_the_lines(books):
    inv = s.invoice(books, s.customer_id(books))
    inputs = {
        "invoice_id": inv["Id"],
        "due_date": "2027-05-01",
        "lines": [{"description": "Advice (revised)", "qty": 3, "unit_price": "100"}],
    }
    dry, _ = books.run("quickbooks.update_invoice", inputs, dry_run=True)
    assert dry.output == {} and books.read("Invoice", inv["Id"])["SyncToken"] == "0"
    result, ctx = books.run("quickbooks.update_invoice", inputs)
    books.run("quickbooks.update_invoice", inputs)  # the same step again: replayed
    raw = books.read("Invoice", inv["Id"])
    assert (raw["DueDate"], raw["TotalAmt"], raw["SyncToken"]) == ("2027-05-01", 300, "1")
    assert [ln["Description"] for ln in raw["Line"] if ln.get("Description")] == [
        "Advice (revised)"
    ]
    assert raw["CustomerRef"] == inv["CustomerRef"]
    assert ctx.sent[0].body["SyncToken"] == "0" and ctx.sent[0].body["sparse"] is True
    assert result.summary == f"Updated invoice {inv['DocNumber']} {inv['Id']}"


FINDS = [
    ("find_customer", {"name": "olivia SMITH"}, "customer"),
    ("find_customer", {"email": "OLIVIA@mail.example"}, "customer"),
    ("find_customer", {"name": "Nobody"}, None),
    ("find_vendor", {"name": "Court Reporters Inc"}, "vendor"),
    ("find_vendor", {"name": "Nobody"}, None),
    ("find_invoice", {"number": "H-9"}, "invoice"),
    ("find_invoice", {"number": "H-10"}, None),
    ("find_account", {"name": "court fees and costs"}, "account"),
    ("find_account", {"name": "Nope"}, None),
    ("find_products", {"name": "Legal Services"}, "item"),
    ("find_products", {"name": "Nothing like it"}, None),
]


def test_finds_find_the_record_or_say_plainly_that_none_matched(books):
    cid = s.customer_id(books)
    ids = {
        "customer": cid,
        "vendor": s.vendor_id(books),
        "invoice": s.invoice(books, cid, doc_number="H-9")["Id"],
        "account": s.account_id(books, "Court Fees and Costs"),
        "item": s.item_id(books),
    }
    for key, inputs, found_id in FINDS:
        result, ctx = books.run(f"quickbooks.{key}", inputs)
        assert ctx.sent == [], key
        if found_id is None:
            assert (result.found, result.output) == (False, {}), (key, inputs)
            assert result.summary.startswith("No "), key
        else:
            assert result.found is True, (key, inputs)
            assert result.record_id == result.output["id"] == ids[found_id], (key, inputs)
            assert result.summary.startswith("Found"), key


def test_find_products_gives_invoice_lines_for_every_product_that_matches(books):
    result, _ = books.run("quickbooks.find_products", {"name": "services", "qty": "2"})
    names = {ln["description"] for ln in result.output["lines"]}
    assert names == {"Hourly legal services", "Flat-fee legal services"}
    assert result.output["count"] == 2
    legal = next(ln for ln in result.output["lines"] if ln["item_id"] == s.item_id(books))
    assert (legal["unit_price"], legal["qty"]) == ("350.00", "2")


@pytest.mark.parametrize("entity", ["Customer", "Vendor"])
def test_find_or_create_finds_first_and_creates_once(books, entity):
    key = f"quickbooks.find_or_create_{entity.lower()}"
    existing = s.customer_id(books) if entity == "Customer" else s.vendor_id(books)
    name = "Olivia Smith" if entity == "Customer" else "Court Reporters Inc"
    before = books.count(entity)

    found, ctx = books.run(key, {"display_name": f" {name.upper()} "})
    assert (found.record_id, found.output["created"], ctx.sent) == (existing, False, [])

    dry, ctx = books.run(key, {"display_name": "New Name"}, dry_run=True)
    assert dry.summary.startswith("Would create") and len(ctx.sent) == 1
    assert books.count(entity) == before

    made, _ = books.run(key, {"display_name": "New Name", "email": "new@mail.example"})
    again, _ = books.run(key, {"display_name": "New Name", "email": "new@mail.example"})
    assert made.output["created"] is True and again.output["created"] is False
    assert again.record_id == made.record_id
    assert books.count(entity) == before + 1
    assert books.read(entity, made.record_id)["PrimaryEmailAddr"]["Address"] == "new@mail.example"


def test_find_or_create_customer_matches_by_email_when_the_name_differs(books):
    cid = s.customer_id(books)
    result, ctx = books.run(
        "quickbooks.find_or_create_customer",
        {"display_name": "O. Smith", "email": "olivia@mail.example"},
    )
    assert (result.record_id, result.output["created"], ctx.sent) == (cid, False, [])


FIXABLE = [
    ("create_invoice", {"lines": [{"amount": "5"}]}, "Customer id is empty"),
    ("create_invoice", {"customer_id": "1"}, "no lines"),
    ("create_invoice", {"customer_id": "1", "amount": "ten"}, "not a number"),
    (
        "create_invoice",
        {"customer_id": "1", "lines": [{"qty": "2", "unit_price": "10", "amount": "25"}]},
        "not quantity",
    ),
    ("create_invoice", {"customer_id": "1", "amount": "5", "date": "31/12/2026"}, "not a date"),
    ("create_invoice", {"customer_id": "99999", "amount": "5"}, "QuickBooks refused"),
    ("create_payment", {"customer_id": "1", "amount": "-5"}, "not above zero"),
    (
        "create_journal_entry",
        {
            "lines": [
                {"posting_type": "Debit", "account_id": "1", "amount": "10"},
                {"posting_type": "Credit", "account_id": "2", "amount": "9"},
            ]
        },
        "do not equal",
    ),
    ("create_journal_entry", {"amount": "10"}, "no journal lines"),
    ("create_expense", {"payment_type": "Barter", "account_id": "1"}, "not a payment type"),
    (
        "create_expense",
        {"payment_type": "Cash", "account_id": "1", "amount": "5"},
        "no category",
    ),
    ("create_bill_item_based", {"vendor_id": "1", "amount": "5"}, "no product/service"),
    ("create_time_activity", {"employee_id": "1"}, "time is zero"),
    ("create_time_activity", {"hours": "1"}, "Employee id is empty"),
    ("create_customer", {"display_name": "X", "email": "not-an-email"}, "not an email"),
    (
        "create_product_service",
        {"name": "X", "income_account_id": "1", "type": "Gadget"},
        "not Service",
    ),
    ("update_customer", {"customer_id": "1"}, "Nothing to change"),
    ("update_customer", {"customer_id": "99999", "phone": "1"}, "No customer 99999"),
    ("update_invoice", {"invoice_id": "abc", "due_date": "2027-01-01"}, "not a QuickBooks id"),
    ("send_invoice", {"id": "99999"}, "No invoice 99999"),
    ("find_customer", {}, "Neither a name nor an email"),
    ("find_invoice", {}, "Invoice number is empty"),
]


def test_inputs_a_firm_can_fix_are_action_errors_with_a_fix(books):
    before = books.count("Invoice")
    for key, inputs, words in FIXABLE:
        with pytest.raises(ActionError) as error:
            books.run(f"quickbooks.{key}", inputs)
        assert words in error.value.message, (key, error.value.message)
        assert error.value.fix, key
    assert books.count("Invoice") == before


def test_a_name_already_taken_is_an_action_error_that_says_so(books):
    s.vendor_id(books, "Olivia Smith")
    with pytest.raises(ActionError) as error:
        books.run("quickbooks.create_customer", {"display_name": "Olivia Smith"})
    assert "6240" not in error.value.fix and "name" in error.value.fix


def test_an_inactive_customer_is_not_found_but_still_holds_its_name(books):
    cid = s.customer_id(books)
    books.act("update_customer", customer_id=cid, active=False)
    missing, _ = books.run("quickbooks.find_customer", {"name": "Olivia   Smith"})
    assert missing.found is False
    before = books.count("Customer")
    result, ctx = books.run("quickbooks.find_or_create_customer", {"display_name": "olivia smith"})
    assert (result.record_id, result.output["created"], result.output["active"]) == (
        cid,
        False,
        False,
    )
    assert ctx.sent == [] and books.count("Customer") == before
