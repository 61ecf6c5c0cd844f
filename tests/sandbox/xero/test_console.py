"""The console: browse an organisation's books and act as the bookkeeper."""

from urllib.parse import unquote_plus

from tests.sandbox.xero.conftest import Xero


def test_the_console_lists_organisations_and_books(client, db):
    xero = Xero(client, preset="demo")
    page = client.get("/sandbox/xero/")
    assert page.status_code == 200 and "Lakeside Legal (Old books)" in page.content.decode()
    books = client.get(f"/sandbox/xero/console/{xero.tenant}/")
    assert "INV-0001" in books.content.decode()
    contacts = client.get(f"/sandbox/xero/console/{xero.tenant}/", {"tab": "Contact"})
    assert "blue heron holdings llc" in contacts.content.decode().lower()


def test_the_console_pays_an_invoice_under_the_api_rules(client, db):
    xero = Xero(client)
    inv = xero.invoice(amount=80)
    url = f"/sandbox/xero/console/{xero.tenant}/act"
    done = client.post(
        url, {"action": "pay_invoice", "invoice_id": inv["InvoiceID"], "amount": "30"}
    )
    assert done.status_code == 302 and "done" in done["Location"]
    assert xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]["AmountDue"] == 50.0
    too_much = client.post(
        url, {"action": "pay_invoice", "invoice_id": inv["InvoiceID"], "amount": "500"}
    )
    assert "exceeds" in too_much["Location"]


def test_the_console_creates_an_invoice_by_hand(client, db):
    xero = Xero(client)
    url = f"/sandbox/xero/console/{xero.tenant}/act"
    form = {
        "action": "create_invoice",
        "contact_name": "Walk-in",
        "description": "Will",
        "amount": "450",
        "account_code": "200",
        "invoice_number": "HAND-1",
        "approve": "1",
    }
    assert "done" in client.post(url, form)["Location"]
    inv = xero.get("Invoices/HAND-1").json()["Invoices"][0]
    assert (inv["Status"], inv["Total"], inv["Contact"]["Name"]) == ("AUTHORISED", 450.0, "Walk-in")
    assert "must be unique" in unquote_plus(client.post(url, form)["Location"])


def test_the_console_shows_quotes_and_emails_an_invoice(client, db):
    xero = Xero(client)
    xero.put("Quotes", {"Quotes": [{"Contact": {"Name": "Prospect"}, "Date": "2026-03-01"}]})
    quotes = client.get(f"/sandbox/xero/console/{xero.tenant}/", {"tab": "Quote"})
    assert "QU-0001" in quotes.content.decode()
    contact = xero.put(
        "Contacts", {"Contacts": [{"Name": "Mailable", "EmailAddress": "m@client.example"}]}
    ).json()["Contacts"][0]
    inv = xero.invoice(contact=contact)
    assert (
        'value="email_invoice"'
        in client.get(f"/sandbox/xero/console/{xero.tenant}/").content.decode()
    )
    url = f"/sandbox/xero/console/{xero.tenant}/act"
    done = client.post(url, {"action": "email_invoice", "invoice_id": inv["InvoiceID"]})
    assert "done" in done["Location"]
    assert xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]["SentToContact"] is True
