"""One matter's client ledger, as filtered on its page, as CSV and as PDF.

Both take the entries with their running balance (trust.selectors.ledger_entries), so the
balance column is the ledger's true balance after each entry even when the list is filtered."""

import io
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from accounts import csv_export
from trust.models import ClientLedger, TrustEntry
from trust.reports import esc, money_text, pdf_table

CENT = Decimal("0.01")

HEADER = [
    "date",
    "kind",
    "description",
    "payee",
    "reference",
    "in",
    "out",
    "balance",
    "source",
    "entry_id",
    "reverses",
    "reversed_by",
]


def _row(e: TrustEntry, reversed_by: dict[int, int]) -> list[str]:
    money_in = e.direction == TrustEntry.Direction.IN
    return [
        e.date.isoformat(),
        e.get_kind_display(),
        e.description,
        e.payee,
        e.reference,
        f"{e.amount}" if money_in else "",
        "" if money_in else f"{e.amount}",
        # SQLite hands the window sum back without its trailing zeros (60 for 60.00).
        f"{Decimal(e.running_balance).quantize(CENT)}",
        e.get_source_display(),
        str(e.pk),
        str(e.reverses_id or ""),
        str(reversed_by.get(e.pk, "")),
    ]


def ledger_csv(
    *, ledger: ClientLedger, entries: Iterable[TrustEntry], reversed_by: dict[int, int]
) -> str:
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(["trust_account", "matter", "client", *HEADER])
    client = str(ledger.matter.client or "")
    for e in entries:
        writer.writerow([ledger.account.name, str(ledger.matter), client, *_row(e, reversed_by)])
    return out.getvalue()


def ledger_pdf(
    *,
    ledger: ClientLedger,
    entries: Iterable[TrustEntry],
    reversed_by: dict[int, int],
    balance: Decimal,
    firm_name: str,
    filters: str,
) -> bytes:
    """Uncompressed like the reconciliation report, so the figures stay searchable."""
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(LETTER),
        pageCompression=0,
        title=f"Client ledger {ledger.matter}",
        author=firm_name,
        leftMargin=0.5 * inch,
        rightMargin=0.5 * inch,
    )
    rows = [["Date", "Kind", "Description", "Payee", "Reference", "In", "Out", "Balance"]]
    for e in entries:
        r = _row(e, reversed_by)
        note = f" (reverses #{e.reverses_id})" if e.reverses_id else ""
        note += " (reversed)" if e.pk in reversed_by else ""
        rows.append(
            [
                r[0],
                r[1][:22],
                (e.description + note)[:48],
                e.payee[:24],
                e.reference[:14],
                money_text(r[5]) if r[5] else "",
                money_text(r[6]) if r[6] else "",
                money_text(e.running_balance),
            ]
        )
    widths = [0.8, 1.5, 3.1, 1.6, 0.9, 0.9, 0.9, 1.0]
    flow = [
        Paragraph("Client trust ledger", styles["Title"]),
        Paragraph(f"<b>{esc(firm_name)}</b>", styles["BodyText"]),
        Paragraph(f"Matter: {esc(str(ledger.matter))}", styles["BodyText"]),
        Paragraph(f"Client: {esc(str(ledger.matter.client or '—'))}", styles["BodyText"]),
        Paragraph(f"Trust account: {esc(ledger.account.name)}", styles["BodyText"]),
        Paragraph(f"Current balance: {money_text(balance)}", styles["BodyText"]),
        Paragraph(f"Entries: {esc(filters)}", styles["BodyText"]),
        Spacer(1, 8),
        pdf_table(rows, [w * inch for w in widths]),
        Spacer(1, 8),
        Paragraph(
            f"Generated {timezone.localtime():%d %b %Y %H:%M %Z} by FirmSync. The balance column "
            "is the ledger's balance after each entry, counting every entry before it.",
            styles["Italic"],
        ),
    ]
    doc.build(flow)
    return out.getvalue()
