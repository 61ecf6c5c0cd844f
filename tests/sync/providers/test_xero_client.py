"""The Xero client against the sandbox over real HTTP."""

import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sync.providers.errors import ProviderError
from sync.providers.xero import mapping
from sync.providers.xero.client import XeroClient
from sync.providers.xero.mapping import JournalLineIn, LineIn
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 3, 2)


def _client(base: str, preset: str, account: str) -> XeroClient:
    control(base, "xero", "seed", {"preset": preset, "account": account})
    app_id = control(base, "xero", "apps", {"redirect_uris": [f"{base}/cb"]})["client_id"]
    raw = control(base, "xero", "tokens", {"client_id": app_id, "account": account})
    access = raw["access_token"]
    return XeroClient(
        api_base=f"{base}/sandbox/xero/api", token=lambda: access, tenant_id=raw["tenantId"]
    )


@pytest.fixture
def books(live_server, settings):
    use_sandboxes(settings, live_server.url)
    return _client(live_server.url, "reference", "Client Test Books")


@pytest.fixture
def demo(live_server, settings):
    use_sandboxes(settings, live_server.url)
    return _client(live_server.url, "demo", "Lakeside Legal")


def _invoice(client, contact_id, amount="250.00", number="", key="inv", status="AUTHORISED"):
    lines = [LineIn(amount=Decimal(amount), account_code="200", description="Advice")]
    payload = mapping.invoice_payload(
        contact_id=contact_id, lines=lines, number=number, txn_date=TODAY, status=status
    )
    return client.create("Invoices", payload, key=key)


def _contact(client, name="Walk-in Client"):
    return client.create("Contacts", mapping.contact_payload(name=name), key=f"c-{name}")


def test_it_finds_a_contact_typed_with_other_case_and_spacing_instead_of_duplicating(demo):
    client = demo
    contacts = client.read_all("Contacts")
    typed = next(c for c in contacts if "  " in c.name or c.name.isupper())
    variant = " " + " ".join(typed.name.split()).swapcase() + " "
    found, created = client.contact_find_or_create(name=variant, key="c-1")
    assert not created and found.id == typed.id
    assert len(client.read_all("Contacts")) == len(contacts)


def test_a_contact_is_created_once_and_found_by_number_and_email(books):
    client = books
    made, created = client.contact_find_or_create(
        name="Olivia  Smith", email="olivia@mail.example", number="clio-42", key="c-1"
    )
    assert created and made.name == "Olivia Smith" and made.number == "clio-42"
    by_number = client.contact_find(number="clio-42", name="Somebody Else")
    by_email = client.contact_find(email="OLIVIA@mail.example")
    again, created = client.contact_find_or_create(name="olivia smith", key="c-2")
    assert by_number.id == by_email.id == again.id == made.id and not created
    renamed = client.update("Contacts", made.id, {"Name": "Olivia Smith-Jones"}, key="c-3")
    assert renamed.name == "Olivia Smith-Jones" and renamed.version


def test_invoice_status_changes_and_payments_move_the_balance(books):
    client = books
    contact = _contact(client)
    draft = _invoice(client, contact.id, number="FS-1", status="DRAFT")
    assert draft.status == "DRAFT" and draft.total == Decimal("250.00")
    assert client.invoice_find("FS-1").id == draft.id
    approved = client.invoice_status_set(draft.id, "AUTHORISED", key="approve")
    assert approved.status == "AUTHORISED" and approved.balance == Decimal("250.00")
    payment = client.payment_create(
        invoice_id=draft.id, account_code="090", amount=Decimal("100.10"), txn_date=TODAY, key="p"
    )
    assert payment.amount == Decimal("100.10") and payment.invoice_id == draft.id
    assert client.get("Invoices", draft.id).balance == Decimal("149.90")
    with pytest.raises(ProviderError) as err:
        client.invoice_status_set(draft.id, "VOIDED", key="void-early")
    assert "payments" in err.value.message
    assert client.payment_delete(payment.id, key="p-del").status == "DELETED"
    assert client.get("Invoices", draft.id).balance == Decimal("250.00")
    assert client.invoice_status_set(draft.id, "VOIDED", key="void").status == "VOIDED"
    other = _invoice(client, contact.id, number="FS-2", status="DRAFT", key="inv-2")
    assert client.invoice_status_set(other.id, "DELETED", key="del").status == "DELETED"
    again, created = client.find_or_create("Invoices", {"InvoiceNumber": "FS-1"}, key="x")
    assert not created and again.id == draft.id


def test_a_repeated_write_with_the_same_key_creates_once(books):
    client = books
    contact = _contact(client)
    first = _invoice(client, contact.id, key="same-key")
    second = _invoice(client, contact.id, key="same-key")
    assert first.id == second.id and first.number == second.number
    assert len(client.read_all("Invoices")) == 1


def test_save_many_returns_each_elements_errors_without_stopping_the_others(books):
    client = books
    contact = _contact(client)
    _invoice(client, contact.id, number="DUP-1", key="first")
    lines = [LineIn(amount=Decimal("10"), account_code="200")]
    elements = [
        mapping.invoice_payload(
            contact_id=contact.id,
            lines=lines,
            txn_date=TODAY,
            number="DUP-1" if n == 51 else f"B-{n}",
            status="AUTHORISED",
        )
        for n in range(55)
    ]
    results = client.save_many("Invoices", elements, key="batch-1", create_only=True)
    assert len(results) == 55 and [r.key for r in results] == [str(n) for n in range(55)]
    failed = [r for r in results if not r.ok]
    assert [r.key for r in failed] == ["51"]
    assert "unique" in failed[0].error_message and failed[0].error_code == "ValidationError"
    assert results[54].ok and results[54].entity.number == "B-54"
    assert results[54].entity.total == Decimal("10.00")
    assert len(client.read_all("Invoices")) == 55


def test_credit_note_allocation_journal_items_accounts_and_bank(books):
    client = books
    contact = _contact(client)
    invoice = _invoice(client, contact.id, amount="300")
    credit = client.create(
        "CreditNotes",
        mapping.credit_note_payload(
            contact_id=contact.id, lines=[LineIn(Decimal("50"), "200")], txn_date=TODAY
        ),
        key="cn",
    )
    assert credit.total == Decimal("50.00") and credit.balance == Decimal("50.00")
    allocation = client.credit_note_allocate(
        credit.id, invoice_id=invoice.id, amount=Decimal("50"), txn_date=TODAY, key="alloc"
    )
    assert allocation["Amount"] == Decimal("50.00")
    assert client.get("Invoices", invoice.id).balance == Decimal("250.00")
    assert client.get("CreditNotes", credit.id).balance == Decimal("0.00")
    journal = client.create(
        "ManualJournals",
        mapping.manual_journal_payload(
            narration="Fee transfer",
            txn_date=TODAY,
            lines=[JournalLineIn(Decimal("25"), "090"), JournalLineIn(Decimal("-25"), "200")],
        ),
        key="mj",
    )
    assert journal.label == "Fee transfer" and journal.status == "POSTED"
    item, created = client.find_or_create("Items", {"Code": "TRAVEL", "Name": "Travel"}, key="i")
    same, created_again = client.find_or_create("Items", {"Code": "TRAVEL", "Name": "T"}, key="j")
    assert created and not created_again and same.id == item.id
    fees, created = client.find_or_create("Accounts", {"Code": "200", "Name": "x"}, key="a")
    assert not created and fees.label == "200"
    received = client.create(
        "BankTransactions",
        mapping.bank_transaction_payload(
            kind="RECEIVE",
            contact_id=contact.id,
            bank_account_code="091",
            lines=[LineIn(Decimal("500"), "850", "Retainer")],
            txn_date=TODAY,
            reference="Retainer",
        ),
        key="bt",
    )
    assert received.total == Decimal("500.00") and received.label == "Retainer"
    transfer = client.create(
        "BankTransfers",
        mapping.bank_transfer_payload(
            from_code="091", to_code="090", amount=Decimal("120.50"), txn_date=TODAY
        ),
        key="tr",
    )
    assert transfer.total == Decimal("120.50") and transfer.id


def test_modified_since_returns_exactly_the_changed_records(books):
    client = books
    old = _contact(client, "Old Client")
    _contact(client, "Kept Client")
    time.sleep(1.1)  # If-Modified-Since has whole seconds
    since = datetime.now(UTC)
    time.sleep(1.1)
    new = _contact(client, "New Client")
    client.update("Contacts", old.id, {"EmailAddress": "old@mail.example"}, key="touch")
    changed = client.read_all("Contacts", modified_since=since)
    assert {c.id for c in changed} == {new.id, old.id}
    assert client.read_all("Invoices", modified_since=since) == []
