"""The QuickBooks Online client against the sandbox over real HTTP."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from sync.providers.errors import ProviderConflict, ProviderError
from sync.providers.quickbooks import mapping
from sync.providers.quickbooks.client import QuickBooksClient
from sync.providers.quickbooks.mapping import BatchItem, JournalLineIn, LineIn
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


def _client(base: str, preset: str) -> tuple[QuickBooksClient, str]:
    realm = control(base, "quickbooks", "seed", {"preset": preset})["realmId"]
    # A bare client has no budget (the product's clients pace themselves at 10 a second): these
    # tests are about finding and writing, not pacing, which tests/sync/providers covers apart.
    control(base, "quickbooks", "limits", {"lifted": True})
    app_id = control(base, "quickbooks", "apps", {"redirect_uris": [f"{base}/cb"]})["client_id"]
    access = control(base, "quickbooks", "tokens", {"client_id": app_id, "account": realm})[
        "access_token"
    ]
    client = QuickBooksClient(
        api_base=f"{base}/sandbox/quickbooks/api", realm_id=realm, token=lambda: access
    )
    return client, realm


@pytest.fixture
def books(live_server, settings):
    use_sandboxes(settings, live_server.url)
    client, realm = _client(live_server.url, "reference")
    return live_server.url, client, realm


@pytest.fixture
def demo(live_server, settings):
    use_sandboxes(settings, live_server.url)
    client, realm = _client(live_server.url, "demo")
    return live_server.url, client, realm


def _custom_numbers_on(base: str, realm: str) -> None:
    control(
        base,
        "quickbooks",
        "actions",
        {
            "action": "set_preferences",
            "realm_id": realm,
            "preferences": {"SalesFormsPrefs": {"CustomTxnNumbers": True}},
        },
    )


def _item(client: QuickBooksClient) -> str:
    return client.query("SELECT * FROM Item MAXRESULTS 1")["Item"][0]["Id"]


def _invoice(client, customer_id, item_id, number="", amount="250.00", key="inv"):
    lines = [LineIn(amount=Decimal(amount), item_id=item_id, description="Advice")]
    payload = mapping.sales_payload(customer_id=customer_id, lines=lines, number=number)
    return client.create("Invoice", payload, key=key)


def test_it_finds_a_customer_typed_with_other_case_and_spacing_instead_of_duplicating(demo):
    _, client, _ = demo
    typed = client.query("SELECT * FROM Customer WHERE DisplayName LIKE '%  %'")["Customer"][0]
    variant = "  " + " ".join(typed["DisplayName"].split()).upper() + " "
    found, created = client.customer_find_or_create(name=variant, key="c-1")
    assert not created and found.id == typed["Id"]
    again, created = client.find_or_create(
        "Customer", mapping.customer_payload(name=variant.lower()), key="c-2"
    )
    assert not created and again.id == typed["Id"]
    count = client.query("SELECT COUNT(*) FROM Customer")["totalCount"]
    assert count == 42


def test_it_creates_a_customer_once_and_finds_it_by_email(books):
    _, client, _ = books
    made, created = client.customer_find_or_create(
        name="Olivia Smith: Estate", email="olivia@mail.example", key="c-1"
    )
    assert created and made.name == "Olivia Smith - Estate" and made.version == "0"
    same, created = client.customer_find_or_create(name="olivia  smith - estate", key="c-2")
    assert not created and same.id == made.id
    assert client.customer_find_by_email("olivia@mail.example").id == made.id
    by_email, created = client.customer_find_or_create(
        name="O. Smith", email="olivia@mail.example", key="c-3"
    )
    assert not created and by_email.id == made.id
    irish, created = client.customer_find_or_create(name="Seán O'Brien", key="c-4")
    again, created_again = client.customer_find_or_create(name="SEÁN  o'brien", key="c-5")
    assert created and not created_again and again.id == irish.id


def test_names_are_made_acceptable_to_quickbooks_and_compared_as_a_person_would():
    assert mapping.display_name("  Smith:\tEstate\n ") == "Smith - Estate"
    assert mapping.name_key("ANNA   smith ") == mapping.name_key("anna smith")
    assert mapping.quote("O'Brien") == "'O\\'Brien'"
    assert mapping.money(120.1) == Decimal("120.10") and mapping.money(None) == Decimal("0.00")


def test_a_sparse_update_moves_the_sync_token_and_a_stale_one_is_a_conflict(books):
    _, client, _ = books
    made = client.create("Customer", mapping.customer_payload(name="Ada Lane"), key="c-1")
    changed = client.update("Customer", made.id, made.version, {"Notes": "vip"}, key="c-2")
    assert changed.version == "1" and changed.raw["Notes"] == "vip"
    assert changed.name == "Ada Lane"  # sparse: DisplayName kept
    with pytest.raises(ProviderConflict) as err:
        client.update("Customer", made.id, made.version, {"Notes": "late"}, key="c-3")
    assert err.value.code == "5010"
    assert client.get("Customer", made.id).raw["Notes"] == "vip"


def test_a_repeated_write_with_the_same_key_creates_once(books):
    _, client, _ = books
    customer = client.create("Customer", mapping.customer_payload(name="Once"), key="c-1")
    first = _invoice(client, customer.id, _item(client), key="inv-same")
    second = _invoice(client, customer.id, _item(client), key="inv-same")
    assert first.id == second.id
    assert client.query("SELECT COUNT(*) FROM Invoice")["totalCount"] == 1


def test_invoice_found_by_number_paid_voided_and_deleted(books):
    _, client, _ = books
    customer = client.create("Customer", mapping.customer_payload(name="Pay Co"), key="c-1")
    invoice = _invoice(client, customer.id, _item(client), number="H-7", amount="300.00")
    assert client.invoice_find("H-7").id == invoice.id and invoice.total == Decimal("300.00")
    again, created = client.find_or_create("Invoice", invoice.raw | {"Id": None}, key="x")
    assert not created and again.id == invoice.id
    payment = client.payment_create(
        customer_id=customer.id, invoice_id=invoice.id, amount=Decimal("120.50"), key="p-1"
    )
    assert payment.invoice_ids == (invoice.id,) and payment.total == Decimal("120.50")
    paid = client.get("Invoice", invoice.id)
    assert paid.balance == Decimal("179.50") and paid.status == "partial"
    second = client.payment_create(
        customer_id=customer.id, invoice_id=invoice.id, amount=Decimal("9.50"), key="p-2"
    )
    assert client.get("Invoice", invoice.id).balance == Decimal("170.00")
    client.delete("Payment", second.id, second.version, key="p-2-del")
    assert client.get("Invoice", invoice.id).balance == Decimal("179.50")
    voided = client.void("Payment", payment.id, payment.version, key="p-void")
    assert voided.voided and voided.total == 0
    assert client.get("Invoice", invoice.id).balance == Decimal("300.00")
    current = client.get("Invoice", invoice.id)
    assert client.void("Invoice", current.id, current.version, key="i-void").status == "voided"
    current = client.get("Invoice", invoice.id)
    client.delete("Invoice", current.id, current.version, key="i-del")
    assert client.invoice_find("H-7") is None


def test_credit_memo_journal_entry_item_account_and_vendor(books):
    _, client, _ = books
    customer = client.create("Customer", mapping.customer_payload(name="Memo Co"), key="c-1")
    lines = [LineIn(amount=Decimal("40"), item_id=_item(client))]
    memo = client.create(
        "CreditMemo",
        mapping.sales_payload(customer_id=customer.id, lines=lines, number="CM-1"),
        key="cm-1",
    )
    assert memo.total == Decimal("40.00") and client.find_by_number("CreditMemo", "CM-1")
    accounts = client.query("SELECT * FROM Account WHERE AccountType = 'Bank'")["Account"]
    income = client.find_by_name("Account", "legal fee income")
    assert income is not None and income.kind == "Income"
    journal = client.create(
        "JournalEntry",
        mapping.journal_entry_payload(
            number="JE-1",
            lines=[
                JournalLineIn(Decimal("10"), accounts[0]["Id"], "Debit"),
                JournalLineIn(Decimal("10"), income.id, "Credit"),
            ],
        ),
        key="je-1",
    )
    assert [line.posting for line in journal.lines] == ["Debit", "Credit"]
    with pytest.raises(ProviderError) as err:
        client.create(
            "JournalEntry",
            mapping.journal_entry_payload(
                lines=[JournalLineIn(Decimal("10"), accounts[0]["Id"], "Debit")]
            ),
            key="je-2",
        )
    assert err.value.code == "6000"
    vendor, created = client.find_or_create("Vendor", {"DisplayName": "Court Clerk"}, key="v-1")
    again, created_again = client.find_or_create("Vendor", {"DisplayName": "COURT  CLERK"}, key="v")
    assert created and not created_again and again.id == vendor.id
    fee = {"Name": "Filing fee", "Type": "Service", "IncomeAccountRef": {"value": income.id}}
    item, created = client.find_or_create("Item", fee, key="i-1")
    same, created_again = client.find_or_create("Item", fee | {"Name": "filing FEE"}, key="i-2")
    assert created and not created_again and same.id == item.id and item.kind == "Service"


def test_a_batch_reports_each_item_and_a_failing_one_does_not_stop_its_siblings(books):
    base, client, realm = books
    _custom_numbers_on(base, realm)
    customer = client.create("Customer", mapping.customer_payload(name="Batch Co"), key="c-1")
    item = _item(client)
    _invoice(client, customer.id, item, number="1001", key="first")
    items = [
        BatchItem(
            key=f"b{n}",
            entity="Invoice",
            operation="create",
            payload=mapping.sales_payload(
                customer_id=customer.id,
                lines=[LineIn(amount=Decimal("10"), item_id=item)],
                number="1001" if n == 3 else str(2000 + n),
            ),
        )
        for n in range(33)
    ]
    results = client.batch(items, key="batch-1")
    assert len(results) == 33
    failed = results["b3"]
    assert not failed.ok and failed.error_code == "6140" and "1001" in failed.error_message
    assert all(r.ok and r.entity_id for k, r in results.items() if k != "b3")
    assert results["b32"].entity.number == "2032"
    assert client.query("SELECT COUNT(*) FROM Invoice")["totalCount"] == 33
    first, second = results["b0"].entity, results["b1"].entity
    stale = {"Id": second.id, "SyncToken": "9", "sparse": True, "PrivateNote": "late"}
    follow_up = client.batch(
        [
            BatchItem("void", "Invoice", "void", {"Id": first.id, "SyncToken": first.version}),
            BatchItem("stale", "Invoice", "update", stale),
        ],
        key="batch-2",
    )
    assert follow_up["void"].ok and follow_up["void"].entity.status == "voided"
    assert not follow_up["stale"].ok and follow_up["stale"].error_code == "5010"


def test_changed_records_by_last_updated_time_and_cdc_are_exactly_the_changes(books):
    _, client, _ = books
    old = client.create("Customer", mapping.customer_payload(name="Old"), key="c-1")
    kept = client.create("Customer", mapping.customer_payload(name="Kept"), key="c-2")
    time.sleep(1.1)  # LastUpdatedTime has whole seconds
    since = datetime.now(UTC).replace(microsecond=0)
    new = client.create("Customer", mapping.customer_payload(name="New"), key="c-3")
    client.update("Customer", old.id, old.version, {"Notes": "moved"}, key="c-4")
    assert {c.id for c in client.changed("Customer", since)} == {new.id, old.id}
    changes = client.cdc(["Customer", "Invoice"], since)
    assert {(c.entity, c.id) for c in changes} == {("Customer", new.id), ("Customer", old.id)}
    assert kept.id not in {c.id for c in changes}
    with pytest.raises(ProviderError) as err:
        client.cdc(["Customer"], datetime.now(UTC) - timedelta(days=31))
    assert err.value.code == "2010"
