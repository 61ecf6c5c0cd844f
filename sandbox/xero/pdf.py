"""Documents as PDF: `GET Invoices/{id}` (and CreditNotes, Quotes, PurchaseOrders) with
`Accept: application/pdf`, or the SDKs' `.../{id}/pdf` path [XERO-SPEC getInvoiceAsPdf, x-path].

Xero renders its branding theme; the sandbox writes a plain one-font PDF 1.4 by hand (no
dependency): title, number, dates, contact, one row per line, totals. Text is left uncompressed so
a test (or a person) can find the number and contact in the bytes.
"""

from sandbox.xero import store

TITLES = {
    "ACCREC": "INVOICE",
    "ACCPAY": "BILL",
    "ACCRECCREDIT": "CREDIT NOTE",
    "ACCPAYCREDIT": "CREDIT NOTE",
    "Quote": "QUOTE",
    "PurchaseOrder": "PURCHASE ORDER",
}
NUMBERS = ("InvoiceNumber", "CreditNoteNumber", "QuoteNumber", "PurchaseOrderNumber")
ROWS_PER_PAGE = 40
PAGE = (612, 792)  # US Letter, points


def _esc(text) -> str:
    """A PDF literal string: latin-1 only, with \\ ( ) escaped."""
    raw = str(text if text is not None else "")
    raw = raw.encode("latin-1", "replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _money(value) -> str:
    return f"{store.money(value if value is not None else 0):,.2f}"


def _day(value) -> str:
    day = store.parse_date(value) if value else None
    return day.isoformat() if day else ""


def _head(org, kind: str, doc: dict) -> list[str]:
    title = TITLES.get(doc.get("Type") or kind, kind.upper())
    number = next((doc[k] for k in NUMBERS if doc.get(k)), "")
    rows = [title, org.name, f"Number: {number}", f"Date: {_day(doc.get('Date'))}"]
    for label, key in (
        ("Due", "DueDate"),
        ("Expires", "ExpiryDate"),
        ("Delivery", "DeliveryDate"),
    ):
        if doc.get(key):
            rows.append(f"{label}: {_day(doc[key])}")
    if doc.get("Reference"):
        rows.append(f"Reference: {doc['Reference']}")
    contact = doc.get("Contact") or {}
    rows += [f"To: {contact.get('Name', '')}", f"Status: {doc.get('Status', '')}", ""]
    return [*rows, "Description | Qty | Unit price | Amount"]


def _rows(doc: dict) -> list[str]:
    rows = []
    for line in doc.get("LineItems") or []:
        rows.append(
            f"{line.get('Description') or line.get('ItemCode') or ''} | "
            f"{line.get('Quantity', 1)} | {_money(line.get('UnitAmount'))} | "
            f"{_money(line.get('LineAmount'))}"
        )
    rows += ["", f"Subtotal: {_money(doc.get('SubTotal'))}", f"Tax: {_money(doc.get('TotalTax'))}"]
    rows.append(f"Total {doc.get('CurrencyCode', 'USD')}: {_money(doc.get('Total'))}")
    if "AmountDue" in doc:
        rows.append(f"Amount due: {_money(doc.get('AmountDue'))}")
    return rows


def _stream(rows: list[str], page: int, pages: int) -> bytes:
    parts = ["BT", "/F1 11 Tf", "14 TL", f"50 {PAGE[1] - 60} Td"]
    for text in rows:
        parts.append(f"({_esc(text)}) Tj T*")
    parts.append(f"(Page {page} of {pages}) Tj")
    parts.append("ET")
    return "\n".join(parts).encode("latin-1")


def render(org, kind: str, doc: dict) -> bytes:
    """The document as a valid PDF: objects, a cross-reference table with exact offsets, trailer."""
    rows = _head(org, kind, doc) + _rows(doc)
    chunks = [rows[i : i + ROWS_PER_PAGE] for i in range(0, len(rows), ROWS_PER_PAGE)]
    count = len(chunks)
    page_ids = [4 + 2 * i for i in range(count)]
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{p} 0 R".encode() for p in page_ids)
        + f"] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for n, chunk in enumerate(chunks, start=1):
        content = _stream(chunk, n, count)
        contents = page_ids[n - 1] + 1
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE[0]} {PAGE[1]}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {contents} 0 R >>".encode()
        )
        objects.append(
            f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"
        )
    return _assemble(objects)


def _assemble(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


PDF_KINDS = ("Invoices", "CreditNotes", "Quotes", "PurchaseOrders")  # XERO-SPEC .../{id}/pdf


def wants_pdf(request) -> bool:
    return "application/pdf" in request.headers.get("Accept", "").lower()


def response(org, kind: str, doc: dict):
    from django.http import HttpResponse

    number = next((doc[k] for k in NUMBERS if doc.get(k)), doc.get(f"{kind}ID", kind))
    resp = HttpResponse(render(org, kind, doc), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{_esc(number).replace(chr(34), "")}.pdf"'
    return resp
