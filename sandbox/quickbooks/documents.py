"""Sales forms as the customer sees them: `POST /<form>/{id}/send[?sendTo=]` and
`GET /<form>/{id}/pdf` for Invoice, SalesReceipt and Estimate (developer.intuit.com entity
pages: "Send an invoice", "Get an invoice as PDF", and the same for sales receipts and
estimates).

Sending marks the form emailed (EmailStatus EmailSent, DeliveryInfo) and, with `sendTo`, sets
its BillEmail; the change fires the Emailed webhook operation. The PDF is a small, valid PDF 1.4
document (one page, Helvetica) with the form's title, number, dates, customer, lines and totals.
"""

import re
from decimal import Decimal

from django.views.decorators.csrf import csrf_exempt

from sandbox.quickbooks import clock, faults
from sandbox.quickbooks.entities import BY_SEGMENT
from sandbox.quickbooks.gate import api_call, envelope
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.store import record_get, record_save

FORMS = {"Invoice": "INVOICE", "SalesReceipt": "SALES RECEIPT", "Estimate": "ESTIMATE"}
EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def _form(segment: str) -> str:
    spec = BY_SEGMENT.get(segment.lower())
    if spec is None or spec.name not in FORMS:
        raise faults.QBOFault(
            10000,
            "An application error has occurred while processing your request",
            f"System Failure Error: Could not find resource for relative : /{segment}",
            status=400,
            kind="SystemFault",
        )
    return spec.name


def _record(company: Company, entity: str, rid: str, *, lock=False) -> Record:
    rec = record_get(company, entity, rid, lock=lock)
    if rec is None or rec.deleted:
        raise faults.not_found(entity)
    return rec


@csrf_exempt
def send_view(request, realm: str, segment: str, rid: str):
    endpoint = f"POST {segment.lower()}/send"
    return api_call(request, realm, endpoint, lambda c: _send(request, c, segment, rid))


def _send(request, company: Company, segment: str, rid: str):
    entity = _form(segment)
    if request.method != "POST":
        raise faults.unsupported(request.method)
    rec = _record(company, entity, rid, lock=True)
    data = {k: v for k, v in rec.data.items() if k not in ("Id", "SyncToken", "MetaData")}
    to = request.GET.get("sendTo")
    if to is not None:
        if not EMAIL.match(to.strip()):
            raise faults.business(f"Invalid email address: {to[:100]}")
        data["BillEmail"] = {"Address": to.strip()}
    if not (data.get("BillEmail") or {}).get("Address"):
        raise faults.business("An email address is required to send this transaction.")
    data["EmailStatus"] = "EmailSent"
    data["DeliveryInfo"] = {"DeliveryType": "Email", "DeliveryTime": clock.meta_time(clock.now())}
    return 200, envelope(entity, record_save(rec, data, "Emailed").data)


@csrf_exempt
def pdf_view(request, realm: str, segment: str, rid: str):
    endpoint = f"GET {segment.lower()}/pdf"
    return api_call(request, realm, endpoint, lambda c: _pdf(request, c, segment, rid))


def _pdf(request, company: Company, segment: str, rid: str):
    entity = _form(segment)
    if request.method != "GET":
        raise faults.unsupported(request.method)
    rec = _record(company, entity, rid)
    return 200, pdf_bytes(document_lines(company, entity, rec.data))


def _customer_name(company: Company, data: dict) -> str:
    customer = (data.get("CustomerRef") or {}).get("value")
    found = record_get(company, "Customer", customer) if customer else None
    if found is not None:
        return found.data.get("DisplayName", "")
    return (data.get("CustomerRef") or {}).get("name", "")


def _amount(value) -> str:
    return f"{Decimal(str(value or 0)).quantize(Decimal('0.01')):,}"


def document_lines(company: Company, entity: str, data: dict) -> list[str]:
    """The text of the form, top to bottom."""
    out = [company.name, "", f"{FORMS[entity]}  No. {data.get('DocNumber') or data['Id']}"]
    out.append(f"Date: {data.get('TxnDate', '')}")
    if data.get("DueDate"):
        out.append(f"Due date: {data['DueDate']}")
    if data.get("ExpirationDate"):
        out.append(f"Expiration date: {data['ExpirationDate']}")
    out += [f"Bill to: {_customer_name(company, data)}", ""]
    out.append("Description | Qty | Rate | Amount")
    for line in data.get("Line") or []:
        if line.get("DetailType") == "SubTotalLineDetail":
            continue
        detail = line.get("SalesItemLineDetail") or {}
        name = line.get("Description") or (detail.get("ItemRef") or {}).get("name", "")
        qty, rate = detail.get("Qty", ""), detail.get("UnitPrice", "")
        out.append(f"{name} | {qty} | {rate} | {_amount(line.get('Amount'))}")
    out += ["", f"Total: {_amount(data.get('TotalAmt'))}"]
    if entity == "Invoice":
        out.append(f"Balance due: {_amount(data.get('Balance'))}")
    if data.get("CustomerMemo"):
        out.append(str((data["CustomerMemo"] or {}).get("value", "")))
    return out


def _pdf_text(text: str) -> str:
    raw = text.encode("cp1252", "replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF 1.4 file: catalog, pages, page, Helvetica, one content stream, and a
    cross-reference table with the real byte offsets."""
    shown = lines[:60]  # one Letter page at 12 points a line
    text = ["BT", "/F1 11 Tf", "14 TL", "56 740 Td"]
    for i, line in enumerate(shown):
        text.append(f"({_pdf_text(line[:110])}) {'Tj' if i == 0 else chr(39)}")
    text.append("ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
