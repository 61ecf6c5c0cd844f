"""Compare Clio bills with the invoices in the books. Pure: no database, no HTTP.

Both sides arrive as neutral dataclasses (sync.providers.documents) and leave as findings: one per
drift class per bill or invoice, each with the differences, a plain explanation and the repair that
fits, safe or for a person. QuickBooks has no drafts; Xero's SUBMITTED counts as draft.
"""

from datetime import date
from decimal import Decimal

from sync.providers.documents import (
    GONE,
    WORDS,
    BooksInvoice,
    ClioBill,
    Doc,
    Finding,
    Line,
    Options,
    qty_text,
    text,
)


def _diff(field_: str, clio, books, line: int | None = None) -> dict:
    return {"field": field_, "line": line, "clio": str(clio), "books": str(books)}


def _repair(kind: str, summary: str, safe: bool) -> dict:
    return {"kind": kind, "summary": summary, "safe": safe}


# -- per bill ------------------------------------------------------------------------------------


def line_differences(clio: tuple[Line, ...], books: tuple[Line, ...]) -> list[dict]:
    out: list[dict] = []
    for n, (c, b) in enumerate(zip(clio, books, strict=False), start=1):
        if text(c.description) != text(b.description):
            out.append(_diff("description", text(c.description), text(b.description), n))
        if c.amount != b.amount:
            out.append(_diff("amount", f"{c.amount:.2f}", f"{b.amount:.2f}", n))
        # Quantity and rate only when both sides state them exactly (Line.exact).
        if c.exact and b.exact and (c.quantity, c.rate) != (b.quantity, b.rate):
            if c.quantity != b.quantity:
                out.append(_diff("quantity", qty_text(c.quantity), qty_text(b.quantity), n))
            if c.rate != b.rate:
                out.append(_diff("rate", f"{c.rate:.2f}", f"{b.rate:.2f}", n))
    for n in range(len(books) + 1, len(clio) + 1):
        out.append(_diff("line", clio[n - 1].description, "(missing)", n))
    for n in range(len(clio) + 1, len(books) + 1):
        out.append(_diff("line", "(missing)", books[n - 1].description, n))
    return out


def _field_differences(bill: ClioBill, inv: BooksInvoice, prefix: str = "") -> list[dict]:
    c, b = bill.doc, inv.doc
    out = []
    replaced = bool(bill.replaced_remote_id)
    # The invoice carries Clio's number behind the firm's prefix (C-1042 for bill 1042).
    # A credit-and-replace repair gives the new invoice the number with "-R" (the old invoice
    # keeps the number) and, in a closed period, the first open day.
    number = f"{prefix}{c.number}"[:21]
    numbers = {text(number), text(f"{number}-R")[:21]} if replaced else {text(number)}
    if text(b.number) not in numbers and c.number:
        out.append(_diff("number", number, b.number))
    if c.date and c.date != b.date and not (replaced and b.date and b.date > c.date):
        out.append(_diff("date", c.date, b.date or ""))
    if c.due and c.due != b.due:
        out.append(_diff("due", c.due, b.due or ""))
    if bill.customer_remote_id and bill.customer_remote_id != b.customer:
        out.append(_diff("customer", c.customer_name, b.customer_name or b.customer))
    return out


def _totals(c: Doc, b: Doc) -> list[dict]:
    return [
        _diff(name, f"{getattr(c, name):.2f}", f"{getattr(b, name):.2f}")
        for name in ("subtotal", "tax", "total")
        if getattr(c, name) != getattr(b, name)
    ]


def compare_bill(bill: ClioBill, inv: BooksInvoice | None, opts: Options) -> list[Finding]:
    """Every drift between one Clio bill and its invoice (None: not in the books)."""
    c = bill.doc
    base = {
        "key": f"bill:{bill.clio_id}",
        "bill_clio_id": bill.clio_id,
        "remote_id": inv.remote_id if inv else bill.remote_id,
        "number": c.number,
        "client_name": c.customer_name,
    }
    if inv is None or inv.doc.status == "deleted":
        if c.status in GONE or not bill.in_scope:
            return []
        return [_missing(bill, base, opts)]
    b = inv.doc
    if c.status in GONE:
        if b.status in GONE:
            return []
        return [_voided_in_clio(bill, inv, base, opts)]
    if b.status in GONE:
        return [_voided_in_books(bill, inv, base, opts)]
    found: list[Finding] = []
    if opts.has_drafts and (c.status == "draft") != (b.status == "draft"):
        found.append(_status(bill, inv, base, opts))
    lines = line_differences(c.lines, b.lines)
    if lines:
        found.append(_lines(bill, inv, base, opts, lines + _totals(c, b)))
    elif _totals(c, b):
        found.append(_totals_finding(bill, inv, base, opts))
    fields = _field_differences(bill, inv, opts.number_prefix)
    if fields:
        found.append(_fields(bill, inv, base, opts, fields))
    if not lines and c.status != "draft" and (c.paid, c.balance) != (b.paid, b.balance):
        found.append(_payment(bill, inv, base, opts))
    return found


def _locked_repair(inv: BooksInvoice, opts: Options, what: str) -> dict:
    return _repair(
        "credit_and_replace",
        f"{opts.books_name} will not let the invoice change ({inv.locked}). Plan: a credit note "
        f"for the old invoice and a replacement invoice with {what}; a person approves it.",
        False,
    )


def _missing(bill, base, opts) -> Finding:
    c = bill.doc
    return Finding(
        kind="missing",
        **base,
        summary=f"Bill {c.number or bill.clio_id} for {c.customer_name} is approved in Clio "
        f"({c.total:.2f}) but is not in {opts.books_name}: the firm's books understate "
        "income and receivables by that much.",
        differences=[_diff("invoice", c.number, "(none)")],
        amount=c.balance,
        repair=_repair("create_invoice", f"Create the invoice in {opts.books_name}.", True),
    )


def _voided_in_clio(bill, inv, base, opts) -> Finding:
    c, b = bill.doc, inv.doc
    if inv.payment_ids or b.paid or inv.period_locked:
        why = "payments are allocated to it" if (inv.payment_ids or b.paid) else inv.locked
        repair = _repair(
            "void_after_unapply",
            f"{opts.books_name} will not void it while {why}: a person decides whether to "
            "remove the payments first.",
            False,
        )
    else:
        repair = _repair("void_invoice", f"Void the invoice in {opts.books_name}.", True)
    return Finding(
        kind="status",
        **base,
        summary=f"Bill {c.number} was voided in Clio, but {opts.books_name} still has it "
        f"{WORDS[b.status]} for {b.total:.2f}: receivables are overstated and the client may "
        "be chased for a bill the firm cancelled.",
        differences=[_diff("status", WORDS[c.status], WORDS[b.status])],
        amount=b.balance,
        repair=repair,
    )


def _voided_in_books(bill, inv, base, opts) -> Finding:
    c, b = bill.doc, inv.doc
    return Finding(
        kind="status",
        **base,
        summary=f"Bill {c.number} is {WORDS[c.status]} in Clio, but someone voided it in "
        f"{opts.books_name}: {c.balance:.2f} of receivables is missing from the books.",
        differences=[_diff("status", WORDS[c.status], WORDS[b.status])],
        amount=c.balance,
        repair=_repair(
            "recreate_invoice",
            f"A voided invoice cannot be reopened in {opts.books_name}: a person decides "
            "whether to issue it again.",
            False,
        ),
    )


def _status(bill, inv, base, opts) -> Finding:
    c, b = bill.doc, inv.doc
    if c.status != "draft":
        summary = (
            f"Approved in Clio{_on(c.date)}, still Draft in {opts.books_name}: the client cannot "
            "be sent this invoice and it is not in receivables."
        )
        safe = not inv.period_locked
        repair = _repair(
            "authorise",
            f"Approve the draft in {opts.books_name}." if safe else _locked(inv, opts),
            safe,
        )
    else:
        summary = (
            f"Still a draft in Clio, but approved in {opts.books_name}: receivables include "
            f"{b.balance:.2f} the firm has not billed yet."
        )
        repair = _repair(
            "return_to_draft",
            f"{opts.books_name} cannot turn an approved invoice back into a draft: a person "
            "decides whether to void it or approve the bill in Clio.",
            False,
        )
    return Finding(
        kind="status",
        **base,
        summary=summary,
        differences=[_diff("status", WORDS[c.status], WORDS[b.status])],
        amount=c.total,
        repair=repair,
    )


def _on(day: date | None) -> str:
    return f" (bill dated {day.isoformat()})" if day else ""


def _locked(inv, opts) -> str:
    return f"{opts.books_name} refuses changes to it ({inv.locked}); a person decides."


def _lines(bill, inv, base, opts, differences) -> Finding:
    c, b = bill.doc, inv.doc
    only_words = all(d["field"] == "description" for d in differences)
    if only_words:
        summary = (
            f"The wording of {_count(differences)} on invoice {b.number or c.number} differs "
            f"from Clio: the client sees different descriptions than the firm billed."
        )
    else:
        summary = (
            f"The lines of invoice {b.number or c.number} differ from the Clio bill: Clio bills "
            f"{c.total:.2f}, {opts.books_name} has {b.total:.2f}, so income and receivables "
            f"are off by {abs(c.total - b.total):.2f}."
        )
    repair = (
        _locked_repair(inv, opts, "Clio's lines")
        if inv.locked
        else _repair("update_invoice", "Write Clio's lines to the invoice.", True)
    )
    return Finding(
        kind="lines",
        **base,
        summary=summary,
        differences=differences,
        amount=abs(c.total - b.total),
        repair=repair,
    )


def _count(differences: list[dict]) -> str:
    n = len({d["line"] for d in differences})
    return "one line" if n == 1 else f"{n} lines"


def _totals_finding(bill, inv, base, opts) -> Finding:
    c, b = bill.doc, inv.doc
    repair = (
        _locked_repair(inv, opts, "Clio's totals")
        if inv.locked
        else _repair("update_invoice", "Write the bill to the invoice again.", True)
    )
    return Finding(
        kind="totals",
        **base,
        summary=f"The lines agree but the totals do not: Clio {c.total:.2f} (tax "
        f"{c.tax:.2f}), {opts.books_name} {b.total:.2f} (tax {b.tax:.2f}); usually a tax "
        "setting. Income, tax owed and receivables differ by the gap.",
        differences=_totals(c, b),
        amount=abs(c.total - b.total),
        repair=repair,
    )


def _fields(bill, inv, base, opts, differences) -> Finding:
    names = ", ".join(d["field"] for d in differences)
    date_moved = any(d["field"] == "date" for d in differences)
    stuck = bool(inv.locked) and (date_moved or inv.period_locked)
    repair = (
        _repair("update_invoice", f"Write Clio's {names} to the invoice.", True)
        if not stuck
        else _repair("update_invoice", _locked(inv, opts), False)
    )
    return Finding(
        kind="fields",
        **base,
        summary=f"The invoice's {names} differ{'s' if len(differences) == 1 else ''} from Clio: "
        "reports and statements in the books will not match what the client received.",
        differences=differences,
        amount=Decimal("0.00"),
        repair=repair,
    )


def _payment(bill, inv, base, opts) -> Finding:
    c, b = bill.doc, inv.doc
    diffs = [_diff("paid", f"{c.paid:.2f}", f"{b.paid:.2f}")]
    diffs.append(_diff("balance", f"{c.balance:.2f}", f"{b.balance:.2f}"))
    gap = abs(c.paid - b.paid)
    if c.paid > b.paid:
        summary = (
            f"Clio shows {c.paid:.2f} paid on bill {c.number}, {opts.books_name} only "
            f"{b.paid:.2f}: the books still chase {gap:.2f} the client has paid, and that cash "
            "is missing from the bank account."
        )
        safe = not inv.period_locked
        repair = _repair(
            "apply_payment",
            f"Record the missing payment in {opts.books_name}." if safe else _locked(inv, opts),
            safe,
        )
    else:
        summary = (
            f"{opts.books_name} shows {b.paid:.2f} paid on invoice {b.number}, Clio only "
            f"{c.paid:.2f}: Clio still chases {gap:.2f} the books call paid. Record the payment "
            "in Clio, or remove it from the books if it was entered by mistake."
        )
        repair = _repair(
            "record_in_clio",
            "Record the payment in Clio (FirmSync does not write to Clio); a person confirms.",
            False,
        )
    return Finding(
        kind="payment", **base, summary=summary, differences=diffs, amount=gap, repair=repair
    )


# -- across the books ----------------------------------------------------------------------------

HISTORY = "history"  # dated before the sync start date: the books' past, before FirmSync
MARKED = "marked"  # made in the books on purpose, as someone at the firm said


def outside_clio(
    bills: list[ClioBill], invoices: list[BooksInvoice], *, start: date, marked: set[str]
) -> tuple[list[BooksInvoice], list[tuple[BooksInvoice, str]]]:
    """(the invoices Clio answers for, the ones outside Clio with why). An invoice a bill explains
    is always Clio's; of the others, one the firm marked as made in the books on purpose, or one
    dated before the sync start date (the books' history), is outside: never compared, never
    flagged, its receivables a line of their own."""
    explained = {r for b in bills for r in (b.remote_id, b.replaced_remote_id) if r}
    inside: list[BooksInvoice] = []
    outside: list[tuple[BooksInvoice, str]] = []
    for inv in invoices:
        if inv.remote_id in explained:
            inside.append(inv)
        elif inv.remote_id in marked:
            outside.append((inv, MARKED))
        elif inv.doc.date is not None and inv.doc.date < start:
            outside.append((inv, HISTORY))
        else:
            inside.append(inv)
    return inside, outside


def outside_receivables(outside: list[tuple[BooksInvoice, str]]) -> tuple[Decimal, list[dict]]:
    """(the books' AR on invoices outside Clio, those with a balance as rows; money as strings)."""
    owed = [
        (inv, why) for inv, why in outside if inv.doc.status in ("open", "paid") and inv.doc.balance
    ]
    total = sum((inv.doc.balance for inv, _ in owed), Decimal("0.00"))
    rows = [
        {
            "remote_id": inv.remote_id,
            "number": inv.doc.number,
            "date": inv.doc.date.isoformat() if inv.doc.date else "",
            "client_name": inv.doc.customer_name,
            "total": f"{inv.doc.total:.2f}",
            "balance": f"{inv.doc.balance:.2f}",
            "why": why,
        }
        for inv, why in sorted(owed, key=lambda o: (o[0].doc.date or date.min, o[0].doc.number))
    ]
    return total, rows


def compare_all(
    bills: list[ClioBill], invoices: list[BooksInvoice], opts: Options
) -> list[Finding]:
    """Every finding for a firm: per bill, the invoices no bill explains, numbers used twice."""
    by_id = {inv.remote_id: inv for inv in invoices}
    found: list[Finding] = []
    explained: set[str] = set()
    for bill in bills:
        explained.update(r for r in (bill.remote_id, bill.replaced_remote_id) if r)
        found.extend(compare_bill(bill, by_id.get(bill.remote_id), opts))
    for inv in invoices:
        if inv.remote_id not in explained and inv.doc.status not in GONE:
            found.append(_unexplained(inv, opts))
    found.extend(duplicate_numbers(invoices, opts))
    return found


def _unexplained(inv: BooksInvoice, opts: Options) -> Finding:
    b = inv.doc
    return Finding(
        kind="unexplained",
        key=f"invoice:{inv.remote_id}",
        bill_clio_id=None,
        remote_id=inv.remote_id,
        number=b.number,
        client_name=b.customer_name,
        summary=f"Invoice {b.number or inv.remote_id} for {b.customer_name or 'a customer'} "
        f"({b.total:.2f}) is in {opts.books_name} but no Clio bill explains it: receivables "
        f"in the books include {b.balance:.2f} that Clio does not know about.",
        differences=[_diff("invoice", "(none)", b.number or inv.remote_id)],
        amount=b.balance,
        repair=_repair(
            "void_unexplained",
            f"Void it in {opts.books_name} if it was made by mistake; a person decides.",
            False,
        ),
    )


def duplicate_numbers(invoices: list[BooksInvoice], opts: Options) -> list[Finding]:
    seen: dict[str, list[BooksInvoice]] = {}
    for inv in invoices:
        if inv.doc.number and inv.doc.status not in GONE:
            seen.setdefault(text(inv.doc.number).casefold(), []).append(inv)
    out = []
    for same in seen.values():
        if len(same) < 2:
            continue
        number = same[0].doc.number
        out.append(
            Finding(
                kind="duplicate_number",
                key=f"number:{text(number).casefold()}",
                bill_clio_id=None,
                remote_id=",".join(sorted(i.remote_id for i in same))[:64],
                number=number,
                client_name=same[0].doc.customer_name,
                summary=f"Number {number} is used by {len(same)} invoices in {opts.books_name}: "
                "payments and statements may land on the wrong one, and one of them is not "
                "what Clio billed.",
                differences=[
                    _diff("number", number, f"{i.doc.number} ({i.doc.total:.2f})") for i in same
                ],
                amount=sum((i.doc.balance for i in same), Decimal("0.00")),
                repair=_repair(
                    "void_unexplained",
                    "Void the copy that no Clio bill explains; a person decides.",
                    False,
                ),
            )
        )
    return out


# -- receivables ---------------------------------------------------------------------------------


def receivables(
    bills: list[ClioBill], invoices: list[BooksInvoice], names: dict[str, tuple[int, str]]
) -> tuple[Decimal, Decimal, list[dict]]:
    """(Clio AR, books AR, per client). Clio: approved, unvoided bills' balance by client; books:
    open invoices' balance by customer, mapped to the Clio client through `names`
    (remote customer id → (contact Clio id, name)); customers no contact explains stay apart."""
    rows: dict[str, dict] = {}
    for bill in bills:
        c = bill.doc
        if c.status in ("open", "paid"):
            row = rows.setdefault(c.customer, _ar_row(c.customer, c.customer_name))
            row["clio"] += c.balance
    for inv in invoices:
        b = inv.doc
        if b.status not in ("open", "paid"):
            continue
        clio_id, name = names.get(b.customer, (None, b.customer_name))
        key = str(clio_id) if clio_id is not None else f"books:{b.customer}"
        row = rows.setdefault(key, _ar_row(clio_id, name))
        row["books"] += b.balance
    clio = sum((r["clio"] for r in rows.values()), Decimal("0.00"))
    books = sum((r["books"] for r in rows.values()), Decimal("0.00"))
    out = [
        {**r, "clio": f"{r['clio']:.2f}", "books": f"{r['books']:.2f}"}
        for r in sorted(rows.values(), key=lambda r: (r["name"] or "").casefold())
        if r["clio"] or r["books"]
    ]
    return clio, books, out


def _ar_row(clio_id, name: str) -> dict:
    as_int = int(clio_id) if clio_id not in (None, "") else None
    return {"contact_clio_id": as_int, "name": name, "clio": Decimal(0), "books": Decimal(0)}
