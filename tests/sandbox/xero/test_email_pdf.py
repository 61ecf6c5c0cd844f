"""`POST Invoices/{id}/Email` (Xero's rules, 204) and documents as PDF."""

import re

import pytest

from tests.sandbox.xero.conftest import ctl, messages
from tests.sandbox.xero.test_collections_polling import line
from tests.sandbox.xero.test_quotes_orders import order, quote


def emailed_invoice(xero, status="AUTHORISED", email="billing@client.example", **extra):
    contact = xero.put("Contacts", {"Contacts": [{"Name": "Mail Client", "EmailAddress": email}]})
    contact = contact.json()["Contacts"][0]
    return xero.invoice(status=status, contact=contact, **extra)


def send(xero, key):
    return xero.post(f"Invoices/{key}/Email", {})


def test_an_authorised_invoice_is_emailed_and_marked_sent(xero):
    inv = emailed_invoice(xero)
    resp = send(xero, inv["InvoiceID"])
    assert resp.status_code == 204 and resp.content == b""
    after = xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert after["SentToContact"] is True
    sent = xero.client.get("/sandbox/xero/_control/emails", {"tenant_id": xero.tenant}).json()
    assert [(e["To"], e["InvoiceNumber"]) for e in sent["Emails"]] == [
        ("billing@client.example", inv["InvoiceNumber"])
    ]


def test_paid_and_submitted_invoices_may_be_emailed_too(xero):
    paid = emailed_invoice(xero)
    xero.pay(paid["InvoiceID"], 100)
    assert send(xero, paid["InvoiceID"]).status_code == 204
    submitted = xero.invoice(
        status="SUBMITTED", contact={"ContactID": paid["Contact"]["ContactID"]}
    )
    assert send(xero, submitted["InvoiceID"]).status_code == 204


@pytest.mark.parametrize("status", ["DRAFT", "VOIDED"])
def test_drafts_and_voided_invoices_are_not_emailed(xero, status):
    inv = emailed_invoice(xero, status="DRAFT" if status == "DRAFT" else "AUTHORISED")
    if status == "VOIDED":
        xero.post(f"Invoices/{inv['InvoiceID']}", {"Status": "VOIDED"})
    resp = send(xero, inv["InvoiceID"])
    assert resp.status_code == 400 and resp.json()["Type"] == "ValidationException"
    assert messages(resp) == ["Invoice not of valid status for sending by email"]
    assert resp.json()["Elements"][0]["InvoiceID"] == inv["InvoiceID"]


def test_a_bill_is_not_emailed(xero):
    contact = xero.put(
        "Contacts", {"Contacts": [{"Name": "Vendor", "EmailAddress": "ap@vendor.example"}]}
    ).json()["Contacts"][0]
    bill = xero.put(
        "Invoices",
        {"Invoices": [{"Type": "ACCPAY", "Contact": {"ContactID": contact["ContactID"]},
                       "Status": "AUTHORISED", "LineItems": [line("310")]}]},
    ).json()["Invoices"][0]  # fmt: skip
    assert messages(send(xero, bill["InvoiceID"])) == [
        "Only sales invoices (Type ACCREC) can be sent by email."
    ]


def test_a_contact_without_an_email_address_gets_no_email(xero):
    inv = xero.invoice()  # its contact has no EmailAddress
    assert messages(send(xero, inv["InvoiceID"])) == [
        "The contact for this invoice does not have an email address."
    ]
    xero.post(f"Contacts/{inv['Contact']['ContactID']}", {"EmailAddress": "late@client.example"})
    assert send(xero, inv["InvoiceID"]).status_code == 204


def test_email_of_an_unknown_invoice_is_404_and_a_bad_body_is_400(xero):
    assert send(xero, "00000000-0000-0000-0000-000000000042").status_code == 404
    inv = emailed_invoice(xero)
    bad = xero.client.post(
        f"/sandbox/xero/api/api.xro/2.0/Invoices/{inv['InvoiceID']}/Email",
        "{nope",
        content_type="application/json",
        **xero.headers(),
    )
    assert bad.status_code == 400 and bad.json()["Type"] == "ValidationException"


def test_an_email_repeated_with_its_idempotency_key_is_sent_once(xero):
    inv = emailed_invoice(xero)
    for _ in range(2):
        assert xero.post(f"Invoices/{inv['InvoiceID']}/Email", {}, Idempotency_Key="e-1")
    sent = xero.client.get("/sandbox/xero/_control/emails", {"tenant_id": xero.tenant}).json()
    assert len(sent["Emails"]) == 1


def assert_valid_pdf(raw: bytes) -> str:
    """Header, objects where the cross-reference table says they are, trailer, %%EOF."""
    assert raw.startswith(b"%PDF-1.") and raw.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", raw).group(1))
    assert raw[startxref:].startswith(b"xref")
    header = re.match(rb"xref\s+0 (\d+)\s+", raw[startxref:])
    count = int(header.group(1))
    table = raw[startxref + header.end() :].split(b"\n")[:count]
    for n, entry in enumerate(table[1:], start=1):
        offset = int(entry[:10])
        assert raw[offset:].startswith(f"{n} 0 obj".encode()), n
    for stream in re.finditer(rb"<< /Length (\d+) >>\nstream\n", raw):
        length = int(stream.group(1))
        assert raw[stream.end() + length :].startswith(b"\nendstream")
    return raw.decode("latin-1")


def test_an_invoice_as_pdf_carries_its_number_contact_and_lines(xero):
    inv = emailed_invoice(xero, number="INV-(7)")
    resp = xero.client.get(
        f"/sandbox/xero/api/api.xro/2.0/Invoices/{inv['InvoiceID']}",
        **{**xero.headers(), "HTTP_ACCEPT": "application/pdf"},
    )
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    text = assert_valid_pdf(resp.content)
    assert r"INV-\(7\)" in text and "Mail Client" in text and "Advice" in text
    assert "Total USD: 100.00" in text


@pytest.mark.parametrize("plural", ["Invoices", "CreditNotes", "Quotes", "PurchaseOrders"])
def test_the_sdk_pdf_path_serves_each_document_kind(xero, plural):
    if plural == "Quotes":
        doc, key, number = quote(xero), "QuoteID", "QuoteNumber"
    elif plural == "PurchaseOrders":
        doc, key, number = order(xero), "PurchaseOrderID", "PurchaseOrderNumber"
    elif plural == "CreditNotes":
        body = {"Type": "ACCRECCREDIT", "Contact": {"Name": "Credit Me"},
                "LineItems": [line(amount=15)]}  # fmt: skip
        doc = xero.put("CreditNotes", {"CreditNotes": [body]}).json()["CreditNotes"][0]
        key, number = "CreditNoteID", "CreditNoteNumber"
    else:
        doc, key, number = xero.invoice(), "InvoiceID", "InvoiceNumber"
    resp = xero.client.get(
        f"/sandbox/xero/api/api.xro/2.0/{plural}/{doc[key]}/pdf",
        **{**xero.headers(), "HTTP_ACCEPT": "application/pdf"},
    )
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    text = assert_valid_pdf(resp.content)
    assert doc[number] in text and doc["Contact"]["Name"] in text


def test_a_long_invoice_runs_onto_a_second_page(xero):
    lines = [line(amount=n + 1, description=f"Entry {n}") for n in range(60)]
    inv = xero.invoice(LineItems=lines)
    resp = xero.client.get(
        f"/sandbox/xero/api/api.xro/2.0/Invoices/{inv['InvoiceID']}/pdf",
        **{**xero.headers(), "HTTP_ACCEPT": "application/pdf"},
    )
    text = assert_valid_pdf(resp.content)
    assert "/Count 2" in text and "Entry 59" in text and "Page 2 of 2" in text


def test_pdf_of_an_unknown_document_is_404(xero):
    resp = xero.client.get(
        "/sandbox/xero/api/api.xro/2.0/Quotes/00000000-0000-0000-0000-000000000009/pdf",
        **{**xero.headers(), "HTTP_ACCEPT": "application/pdf"},
    )
    assert resp.status_code == 404


def test_the_pdf_needs_a_token(xero):
    inv = xero.invoice()
    resp = xero.client.get(
        f"/sandbox/xero/api/api.xro/2.0/Invoices/{inv['InvoiceID']}/pdf",
        HTTP_ACCEPT="application/pdf",
        HTTP_XERO_TENANT_ID=xero.tenant,
    )
    assert resp.status_code == 401


def test_another_organisation_cannot_read_or_email_the_invoice(client, db):
    from tests.sandbox.xero.conftest import Xero

    owner = Xero(client, preset="demo")
    owner.tokens = ctl(client, "tokens", {"client_id": owner.app["client_id"]})  # both orgs
    inv = emailed_invoice(owner)
    owner.tenant = owner.orgs[1]["tenantId"]  # the old books, connected by the same consent
    assert owner.get(f"Invoices/{inv['InvoiceID']}").status_code == 404
    assert send(owner, inv["InvoiceID"]).status_code == 404
    pdf = owner.client.get(
        f"/sandbox/xero/api/api.xro/2.0/Invoices/{inv['InvoiceID']}/pdf",
        **{**owner.headers(), "HTTP_ACCEPT": "application/pdf"},
    )
    assert pdf.status_code == 404
