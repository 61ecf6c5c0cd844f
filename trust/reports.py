"""The signed reconciliation report (PDF) and the client-ledger listing (CSV) for a month.

Both are drawn from the reconciliation's snapshot, so the report always shows the figures that
were prepared and approved, not whatever the journal says today.
"""

import io
from decimal import Decimal

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from accounts import csv_export
from trust.models import Reconciliation
from trust.selectors_reconcile import LedgerRow

NOT_READ = "Not read"


def money_text(value) -> str:
    return NOT_READ if value is None else f"{Decimal(value):,.2f}"


def _who(user, when) -> str:
    if user is None:
        return "Not yet"
    name = user.get_full_name() or user.email
    return f"{name} ({user.email}) on {timezone.localtime(when):%d %b %Y %H:%M %Z}"


def pdf_table(rows, widths, header=True, total=False) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style.append(("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9))
    if total:
        style.append(("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9))
    table.setStyle(TableStyle(style))
    return table


def _items(title: str, items: list[dict], empty: str, styles) -> list:
    flow = [Paragraph(title, styles["Heading3"])]
    if not items:
        return [*flow, Paragraph(empty, styles["BodyText"])]
    rows = [["Date", "Description", "Reference", "Amount"]]
    rows += [
        [i["date"], i["description"][:70], i["reference"], money_text(i["amount"])] for i in items
    ]
    return [*flow, pdf_table(rows, [0.9 * inch, 3.9 * inch, 0.9 * inch, 1.1 * inch])]


def _summary(f: dict) -> Table:
    rows = [
        ["Bank", "", ""],
        [
            "Statement balance",
            f"statement ending {f['statement']['period_end']}",
            money_text(f["statement_balance"]),
        ],
        ["Add: deposits in transit", "", money_text(f["deposits_in_transit_total"])],
        [
            "Less: outstanding cheques and withdrawals",
            "",
            money_text(f["outstanding_withdrawals_total"]),
        ],
        ["Adjusted bank balance", "(A)", money_text(f["adjusted_bank_balance"])],
        ["Trust journal balance", "(B)", money_text(f["journal_balance"])],
        ["Client ledgers total", "(C)", money_text(f["client_ledger_total"])],
        ["Firm funds held for bank charges", "", money_text(f["firm_funds_balance"])],
        ["Books' trust liability", _books_source(f), money_text(f["books_balance"])],
    ]
    table = pdf_table(rows, [3.0 * inch, 2.6 * inch, 1.2 * inch], header=True)
    table.setStyle(TableStyle([("FONT", (0, 4), (-1, 6), "Helvetica-Bold", 9)]))
    return table


def _books_source(f: dict) -> str:
    books = f.get("books")
    if not books:
        return "not read for the period end"
    return f"{books['provider']}: {books['account']} as of {books['as_of']}"[:60]


def reconciliation_pdf(*, reconciliation: Reconciliation, firm_name: str) -> bytes:
    """Uncompressed, so the figures stay searchable as text in the file itself."""
    rec, f = reconciliation, reconciliation.figures
    styles = getSampleStyleSheet()
    account = rec.account
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        pageCompression=0,
        title=f"Trust reconciliation {rec.period_end:%B %Y}",
        author=firm_name,
        leftMargin=0.7 * inch,
        rightMargin=0.7 * inch,
    )
    bank = " · ".join(
        x
        for x in (
            account.institution,
            f"account ending {account.account_number_last4}"
            if account.account_number_last4
            else "",
        )
        if x
    )
    flow = [
        Paragraph("Three-way trust account reconciliation", styles["Title"]),
        Paragraph(f"<b>{esc(firm_name)}</b>", styles["BodyText"]),
        Paragraph(f"Trust account: {esc(account.name)} {esc(bank)}", styles["BodyText"]),
        Paragraph(
            f"Period: month ending {rec.period_end:%d %B %Y} · Status: {rec.get_status_display()}",
            styles["BodyText"],
        ),
        Spacer(1, 10),
        _summary(f),
        Spacer(1, 6),
        Paragraph(_verdict(f), styles["BodyText"]),
        *_items("Deposits in transit", f["deposits_in_transit"], "None.", styles),
        *_items(
            "Outstanding cheques and withdrawals", f["outstanding_withdrawals"], "None.", styles
        ),
        *_items("Bank lines not in the trust journal", f["bank_only"], "None.", styles),
        Paragraph("Client ledgers at the period end", styles["Heading3"]),
        _ledger_table(f),
        Paragraph("Differences", styles["Heading3"]),
        *_differences(f, styles),
        Paragraph("Sign-off", styles["Heading3"]),
        Paragraph(
            f"Prepared by: {esc(_who(rec.prepared_by, rec.prepared_at))}", styles["BodyText"]
        ),
        Paragraph(
            f"Approved by: {esc(_who(rec.approved_by, rec.approved_at))}", styles["BodyText"]
        ),
        Spacer(1, 8),
        Paragraph(
            f"Generated {timezone.localtime():%d %b %Y %H:%M %Z} by FirmSync from the figures "
            f"prepared on {timezone.localtime(rec.prepared_at):%d %b %Y}. Statement file: "
            f"{esc(f['statement']['filename'])}.",
            styles["Italic"],
        ),
    ]
    doc.build(flow)
    return out.getvalue()


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _verdict(f: dict) -> str:
    if f["ties"]:
        return "<b>The adjusted bank balance, the trust journal and the client ledgers agree.</b>"
    return "<b>The balances do not agree: each difference is listed below.</b>"


def _ledger_table(f: dict) -> Table:
    rows = [["Matter", "Client", "Balance"]]
    rows += [
        [c["matter"][:60], c["client"][:40], money_text(c["balance"])] for c in f["client_ledgers"]
    ]
    rows.append(["Client ledgers total", "", money_text(f["client_ledger_total"])])
    return pdf_table(rows, [3.4 * inch, 2.2 * inch, 1.2 * inch], total=True)


def _differences(f: dict, styles) -> list:
    flow = [
        Paragraph(f"{money_text(d['amount'])}: {esc(d['explanation'])}", styles["BodyText"])
        for d in f["differences"]
    ] or [Paragraph("None.", styles["BodyText"])]
    return flow + [Paragraph(esc(n), styles["BodyText"]) for n in f["notes"]]


def ledgers_csv(*, rows: list[LedgerRow], account_name: str, period_end) -> str:
    """The client-ledger trial balance at a month end, one matter a row, total last."""
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(["trust_account", "period_end", "matter", "client", "balance"])
    total = Decimal("0.00")
    for r in rows:
        writer.writerow([account_name, period_end.isoformat(), r.matter, r.client, f"{r.balance}"])
        total += r.balance
    writer.writerow([account_name, period_end.isoformat(), "Total", "", f"{total}"])
    return out.getvalue()
