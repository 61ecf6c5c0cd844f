"""Bank statement files read: a CSV through a column mapping, or an OFX file. Pure: bytes in,
lines (or row-level errors) out, with every date inside the one window and every amount inside
the one money range (accounts.limits); trust.statements stores what is read."""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from accounts import limits
from trust import reconcile

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROW_ERRORS = 20
DATE_FORMATS = [
    ("%Y-%m-%d", "YYYY-MM-DD (2026-03-31)"),
    ("%m/%d/%Y", "MM/DD/YYYY (03/31/2026)"),
    ("%d/%m/%Y", "DD/MM/YYYY (31/03/2026)"),
    ("%m/%d/%y", "MM/DD/YY (03/31/26)"),
    ("%d.%m.%Y", "DD.MM.YYYY (31.03.2026)"),
    ("%Y/%m/%d", "YYYY/MM/DD (2026/03/31)"),
    ("%d %b %Y", "DD Mon YYYY (31 Mar 2026)"),
]
DATE_FORMAT_LABELS = dict(DATE_FORMATS)
NOT_CSV = (
    "This file cannot be read as a CSV statement (it looks binary, or a cell is far longer "
    "than any bank writes): export the statement again as CSV or OFX."
)


@dataclass(frozen=True)
class CsvColumns:
    date: str
    date_format: str = "%Y-%m-%d"
    amount: str = ""
    debit: str = ""  # money out, as a positive number
    credit: str = ""  # money in
    description: str = ""
    reference: str = ""
    payee: str = ""
    decimal: str = "auto"  # ".", "," or "auto": read from the amount cells (detect_decimal)


@dataclass(frozen=True)
class ParsedLine:
    date: date
    amount: Decimal
    description: str = ""
    payee: str = ""
    reference: str = ""
    bank_id: str = ""


@dataclass(frozen=True)
class ParsedStatement:
    lines: list[ParsedLine]
    period_start: date | None = None
    period_end: date | None = None
    closing_balance: Decimal | None = None


def is_ofx(filename: str, content: bytes) -> bool:
    head = content[:2048].upper()
    return filename.lower().endswith((".ofx", ".qfx")) or b"OFXHEADER" in head or b"<OFX>" in head


def decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1")


def read_csv(content: bytes) -> tuple[list[str], list[list[str]]]:
    """The header row and the data rows (blank rows dropped); the separator is sniffed because
    banks export with commas, semicolons or tabs."""
    if b"\x00" in content[:MAX_UPLOAD_BYTES]:
        raise ValidationError(NOT_CSV)
    text = decode(content)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    except csv.Error as exc:  # a NUL byte, a cell past csv.field_size_limit() (131,072), …
        raise ValidationError(f"{NOT_CSV} ({exc})") from None
    if not rows:
        raise ValidationError("The file is empty: export the statement again as CSV.")
    headers = [h.strip()[:200] for h in rows[0]]
    twice = sorted({h for h in headers if h and headers.count(h) > 1})
    if twice:
        raise ValidationError(
            f"The header row names the column “{twice[0]}” more than once, so which one holds "
            "what is ambiguous: give each column its own name, then upload the file again."
        )
    return headers, rows[1:]


DECIMAL_SEPARATORS = [
    ("auto", "Read it from the file"),
    (".", "Dot: 1,234.56"),
    (",", "Comma: 1.234,56"),
]
# A number as banks write it, once the currency sign, the spaces and the sign are taken off:
# digits, optionally grouped in thousands by the other separator, optionally up to two decimals.
_NUMBER = {
    ".": re.compile(r"^(\d+|\d{1,3}(,\d{3})+)(\.\d{1,2})?$"),
    ",": re.compile(r"^(\d+|\d{1,3}(\.\d{3})+)(,\d{1,2})?$"),
}
# Cents after a separator at the end: which separator marks the decimals in this cell.
_CENTS = {".": re.compile(r"\.\d{1,2}\)?-?$"), ",": re.compile(r",\d{1,2}\)?-?$")}


def parse_amount(raw: str, decimal: str = ".") -> Decimal | None:
    """'1,234.56', '$1,234.56', '(12.00)', '12.00-' and '-12' all read with a dot for decimals;
    '1.234,56' and '12,50' with a comma. Blank is None. Anything else (a comma where no
    thousands can be, '1e20', three decimals) raises InvalidOperation: a separator is never
    dropped silently, so 12,50 cannot become 1,250.00."""
    text = raw.strip().replace(" ", "").replace("\u00a0", "")
    for symbol in "$€£":
        text = text.replace(symbol, "")
    if not text:
        return None
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()")
    if text.endswith("-"):
        negative, text = True, text[:-1]
    elif text.startswith(("-", "+")):
        negative, text = text.startswith("-"), text[1:]
    if not _NUMBER[decimal].match(text):
        raise InvalidOperation(raw)
    other = "," if decimal == "." else "."
    value = Decimal(text.replace(other, "").replace(decimal, "."))
    return limits.money_in_range(-value if negative else value, signed=True)


def detect_decimal(cells: list[str]) -> str:
    """The decimal separator the amount cells use; refused when they disagree (some 12.50, some
    12,50) rather than guessed. Cells without cents (1,250 or 100) say nothing: a dot then."""
    seen = {sep for cell in cells for sep, cents in _CENTS.items() if cents.search(cell.strip())}
    if len(seen) > 1:
        raise ValidationError(
            "Some amounts in this file use a dot for the cents (12.50) and some a comma (12,50): "
            "choose the decimal separator the file uses, or correct the file."
        )
    return seen.pop() if seen else "."


def _stable_id(row: ParsedLine, seen: dict[str, int]) -> str:
    """A CSV has no bank id; the same row in a re-export hashes the same. Identical rows on one
    day (two equal deposits) are told apart by their order."""
    base = f"{row.date}|{row.amount}|{row.description}|{row.reference}|{row.payee}"
    seen[base] = seen.get(base, 0) + 1
    return "csv:" + hashlib.sha256(f"{base}|{seen[base]}".encode()).hexdigest()[:32]


def _missing_columns(headers: list[str], columns: CsvColumns) -> list[str]:
    if not columns.date:
        return ["Choose the column that holds the date."]
    if not columns.amount and not (columns.debit and columns.credit):
        return ["Choose an Amount column, or both a Debit (money out) and a Credit column."]
    named = [
        columns.date,
        columns.amount,
        columns.debit,
        columns.credit,
        columns.description,
        columns.reference,
        columns.payee,
    ]
    return [
        f"The column “{c}” is not in this file; its columns are: {', '.join(headers)}."
        for c in named
        if c and c not in headers
    ]


def parse_csv(content: bytes, columns: CsvColumns) -> list[ParsedLine]:
    """Every row or none: raises ValidationError listing each bad row (file line number, what is
    wrong, what to do) when any row is bad."""
    headers, rows = read_csv(content)
    problems = _missing_columns(headers, columns)
    if problems:
        raise ValidationError(problems)
    index = {h: i for i, h in enumerate(headers)}
    if columns.decimal not in (".", ","):
        columns = replace(columns, decimal=_file_decimal(rows, index, columns))
    lines, errors, seen = [], [], {}  # type: list[ParsedLine], list[str], dict[str, int]
    for number, row in enumerate(rows, start=2):
        try:
            parsed = _parse_row(row, index, columns, len(headers))
        except ValueError as exc:
            errors.append(f"Row {number}: {exc}")
            continue
        if parsed is not None:
            lines.append(replace(parsed, bank_id=_stable_id(parsed, seen)))
    if errors:
        more = len(errors) - MAX_ROW_ERRORS
        extra = [f"…and {more} more rows with problems."] if more > 0 else []
        raise ValidationError(
            [
                "Nothing was imported: fix these rows or the column choices, then import again.",
                *errors[:MAX_ROW_ERRORS],
                *extra,
            ]
        )
    if not lines:
        raise ValidationError("The file has a header row but no transactions.")
    return lines


def _file_decimal(rows, index, columns: CsvColumns) -> str:
    amounts = [columns.amount] if columns.amount else [columns.debit, columns.credit]
    return detect_decimal([_cell(row, index, c) for row in rows for c in amounts if c])


def _cell(row: list[str], index: dict, column: str) -> str:
    return row[index[column]].strip() if column and index[column] < len(row) else ""


def _parse_row(row, index, columns: CsvColumns, width: int) -> ParsedLine | None:
    used = [columns.date, columns.amount, columns.debit, columns.credit, columns.description]
    used += [columns.reference, columns.payee]
    if len(row) <= max(index[c] for c in used if c):
        raise ValueError(
            f"it has {len(row)} cells but the header has {width}: the row is cut short or uses "
            "another separator."
        )
    day = _row_date(_cell(row, index, columns.date), columns.date_format)
    amount = _row_amount(row, index, columns)
    if amount == 0:
        return None  # a zero line (some banks list balance notes) moves no money
    return ParsedLine(
        date=day,
        amount=amount,
        description=_cell(row, index, columns.description)[:255],
        payee=_cell(row, index, columns.payee)[:200],
        reference=_cell(row, index, columns.reference)[:100],
    )


def _row_date(raw: str, date_format: str) -> date:
    try:
        day = datetime.strptime(raw, date_format).date()
    except ValueError:
        label = DATE_FORMAT_LABELS.get(date_format, date_format)
        raise ValueError(
            f"the date “{raw[:40]}” does not match the date format {label}; choose the format "
            "the file uses, or correct the date."
        ) from None
    return _in_window(day)


def _in_window(day: date) -> date:
    try:
        return limits.date_in_window(day, what="the date")
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None


def _row_amount(row, index, columns: CsvColumns) -> Decimal:
    cells = [columns.amount] if columns.amount else [columns.debit, columns.credit]
    values = []
    for column in cells:
        raw = _cell(row, index, column)
        try:
            values.append(parse_amount(raw, columns.decimal))
        except InvalidOperation:
            example = "-1250.00 or -1,250.00" if columns.decimal == "." else "-1250,00"
            raise ValueError(
                f"the amount “{raw[:40]}” in column “{column}” is not an amount of money with "
                f"“{columns.decimal}” for the cents; use digits with an optional minus sign, "
                f"e.g. {example}, or choose the decimal separator the file uses."
            ) from None
        except ValidationError as exc:
            raise ValueError(f"in column “{column}”: {exc.messages[0]}") from None
    if columns.amount:
        if values[0] is None:
            raise ValueError(f"the amount column “{columns.amount}” is empty.")
        return values[0]
    debit, credit = values
    if debit is None and credit is None:
        raise ValueError(f"both “{columns.debit}” and “{columns.credit}” are empty.")
    return (credit or reconcile.ZERO) - abs(debit or reconcile.ZERO)


def parse_ofx(content: bytes) -> ParsedStatement:
    """OFX 1.x (SGML) or 2.x (XML) bank statement: lines keep the bank's FITID, and the ledger
    balance is the statement's closing balance. https://ofxtools.readthedocs.io/en/latest/parser.html
    """
    from ofxtools.Parser import OFXTree

    tree = OFXTree()
    try:
        tree.parse(io.BytesIO(content))
        statement = tree.convert().statements[0]
    except Exception as exc:  # ofxtools raises a range of parse errors; all mean "not readable"
        raise ValidationError(f"This OFX file could not be read ({exc}).") from exc
    txns = statement.banktranlist
    lines, errors = [], []
    for number, t in enumerate(txns or [], start=1):
        try:
            line = _ofx_line(t)
        except ValueError as exc:
            errors.append(f"Transaction {number} ({str(t.fitid)[:40]}): {exc}")
            continue
        if line is not None:
            lines.append(line)
    start, end = (_ofx_day(getattr(txns, f, None), errors) for f in ("dtstart", "dtend"))
    closing = _ofx_money(getattr(getattr(statement, "ledgerbal", None), "balamt", None), errors)
    if errors:
        raise ValidationError(
            ["Nothing was imported: the OFX file has values FirmSync cannot take.", *errors[:20]]
        )
    return ParsedStatement(lines=lines, period_start=start, period_end=end, closing_balance=closing)


def _ofx_line(t) -> ParsedLine | None:
    """One transaction, its amount read like a CSV cell: whole cents within the money range (an
    OFX amount of 1.005 is refused, never rounded)."""
    if not t.trnamt:
        return None
    if t.dtposted is None:
        raise ValueError("it has no date posted.")
    try:
        amount = limits.money_in_range(t.trnamt, what="the amount", signed=True)
    except ValidationError as exc:
        raise ValueError(exc.messages[0]) from None
    return ParsedLine(
        date=_in_window(t.dtposted.date()),
        amount=amount,
        description=(t.memo or t.name or "")[:255],
        payee=(t.name or "")[:200],
        reference=(t.checknum or t.refnum or "")[:100],
        bank_id=f"ofx:{t.fitid}"[:100],
    )


def _ofx_day(value, errors: list[str]) -> date | None:
    if value is None:
        return None
    try:
        return _in_window(value.date())
    except ValueError as exc:
        errors.append(f"The statement period: {exc}")
        return None


def _ofx_money(value, errors: list[str]) -> Decimal | None:
    if value is None:
        errors.append("The statement has no ledger balance (LEDGERBAL), so no closing balance.")
        return None
    try:
        return limits.money_in_range(value, what="The closing balance", signed=True)
    except ValidationError as exc:
        errors.append(exc.messages[0])
        return None
