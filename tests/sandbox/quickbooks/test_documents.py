"""`POST /<form>/{id}/send` and `GET /<form>/{id}/pdf` for invoices, sales receipts and
estimates: the form is marked emailed, and the PDF is a real PDF with the form's contents."""

import re
import zlib

import pytest
from django.test import Client

from tests.sandbox.quickbooks.conftest import invoice_body

FORMS = [("Invoice", "INVOICE"), ("SalesReceipt", "SALES RECEIPT"), ("Estimate", "ESTIMATE")]


def _form(qbo, books, entity, **extra):
    body = invoice_body(books, (2, 350), (1, 125), **extra)
    body["Line"][0]["Description"] = "Motion to compel (draft)"
    return qbo.create(entity, body)


def _raw(qbo, method, path):
    client = Client(raise_request_exception=False)
    call = client.post if method == "POST" else client.get
    return call(qbo.url(path), **qbo._headers())


def _pdf_text(pdf: bytes) -> str:
    """The text a viewer draws: every string shown with Tj or ' in the content streams."""
    shown = []
    for match in re.finditer(rb"stream\n(.*?)\nendstream", pdf, re.DOTALL):
        data = match.group(1)
        if data.startswith(b"x\x9c"):
            data = zlib.decompress(data)
        for text in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*(?:Tj|')", data):
            shown.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return "\n".join(shown)


def _check_structure(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-1.") and pdf.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF", pdf).group(1))
    assert pdf[startxref:].startswith(b"xref\n")
    rows = re.findall(rb"(\d{10}) 00000 n ", pdf[startxref:])
    assert rows
    for number, offset in enumerate(rows, start=1):
        assert pdf[int(offset) :].startswith(b"%d 0 obj" % number)
    assert b"/Type /Catalog" in pdf and b"/Type /Page " in pdf


@pytest.mark.parametrize(("entity", "title"), FORMS)
def test_pdf_carries_number_customer_and_lines(qbo, books, entity, title):
    form = _form(qbo, books, entity, DocNumber="H-77")
    response = _raw(qbo, "GET", f"{entity.lower()}/{form['Id']}/pdf?minorversion=75")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    _check_structure(pdf)
    text = _pdf_text(pdf)
    assert f"{title}  No. H-77" in text
    assert "Bill to: Olivia Smith" in text
    assert "Motion to compel (draft) | 2 | 350 | 700.00" in text
    assert "Legal Services | 1 | 125 | 125.00" in text
    assert "Total: 825.00" in text


def test_pdf_of_a_missing_or_unsupported_form_is_a_fault(qbo, books):
    missing = _raw(qbo, "GET", "invoice/424242/pdf")
    assert missing.status_code == 400 and missing["Content-Type"] == "application/json"
    assert missing.json()["Fault"]["Error"][0]["code"] == "610"
    unsupported = _raw(qbo, "GET", "bill/1/pdf")
    assert unsupported.status_code == 400
    assert unsupported.json()["Fault"]["Error"][0]["code"] == "10000"
    assert _raw(qbo, "POST", "invoice/1/pdf").status_code == 400


@pytest.mark.parametrize(("entity", "title"), FORMS)
def test_send_marks_the_form_emailed(qbo, books, entity, title):
    form = _form(qbo, books, entity)
    assert form["EmailStatus"] == "NotSet"
    response = _raw(qbo, "POST", f"{entity.lower()}/{form['Id']}/send?sendTo=olivia@mail.example")
    assert response.status_code == 200, response.content
    sent = response.json()[entity]
    assert sent["EmailStatus"] == "EmailSent" and sent["SyncToken"] == "1"
    assert sent["BillEmail"] == {"Address": "olivia@mail.example"}
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email"
    again = _raw(qbo, "POST", f"{entity.lower()}/{form['Id']}/send")
    assert again.status_code == 200 and again.json()[entity]["SyncToken"] == "2"


def test_send_faults(qbo, books):
    form = _form(qbo, books, "SalesReceipt")
    no_address = _raw(qbo, "POST", f"salesreceipt/{form['Id']}/send")
    assert no_address.json()["Fault"]["Error"][0]["code"] == "6000"
    bad = _raw(qbo, "POST", f"salesreceipt/{form['Id']}/send?sendTo=not-an-address")
    assert bad.status_code == 400 and bad.json()["Fault"]["Error"][0]["code"] == "6000"
    missing = _raw(qbo, "POST", "estimate/999999/send?sendTo=a@b.example")
    assert missing.json()["Fault"]["Error"][0]["code"] == "610"
    other = _raw(qbo, "POST", f"creditmemo/{form['Id']}/send?sendTo=a@b.example")
    assert other.status_code == 400 and other.json()["Fault"]["Error"][0]["code"] == "10000"


@pytest.mark.parametrize(("method", "path"), [("GET", "pdf"), ("POST", "send?sendTo=a@b.ex")])
def test_another_realms_token_or_none_is_refused(qbo, books, method, path):
    form = _form(qbo, books, "Invoice")
    other = qbo.control("seed", {"preset": "reference", "account": "Other LLP"})["realmId"]
    token = qbo.control("tokens", {"client_id": qbo.app["client_id"], "account": other})
    client = Client(raise_request_exception=False)
    call = client.post if method == "POST" else client.get
    url = qbo.url(f"invoice/{form['Id']}/{path}")
    foreign = call(url, **qbo._headers(token["access_token"]))
    assert foreign.status_code == 403
    assert foreign.json()["Fault"]["Error"][0]["code"] == "3100"
    assert call(url).status_code == 401
    assert qbo.get(f"invoice/{form['Id']}").json()["Invoice"]["SyncToken"] == "0"
