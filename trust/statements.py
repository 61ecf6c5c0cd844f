"""Bank statement import: a CSV through a column-mapping step, or an OFX file.

Parsing is pure (bytes in, lines or row-level errors out); the services below store the upload,
refuse a file imported before, and create the statement and its lines in one transaction, so a
file with any bad row imports nothing.
"""

import csv
import hashlib
import io
import re
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import limits
from accounts.models import Membership
from accounts.roles import TRUST_WRITE
from accounts.selectors import role_require
from accounts.services import audit_record
from trust import reconcile
from trust.models import (
    BankCsvMapping,
    BankStatement,
    StatementLine,
    StatementUpload,
    TrustAccount,
)
from trust.services_reconcile import (
    periods_assert_open,
    reconciliation_draft_ensure,
    statement_remove,
)

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
OVERLAP_CHOICES = [
    ("refuse", "Refuse this file"),
    ("replace", "Replace the statement already imported"),
]


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


def _stable_id(row: ParsedLine, seen: dict) -> str:
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
    lines, errors, seen = [], [], {}
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


# Services


def _duplicate_check(account: TrustAccount, sha256: str) -> None:
    earlier = (
        BankStatement.objects.filter(account=account, sha256=sha256)
        .select_related("imported_by")
        .first()
    )
    if earlier is not None:
        who = earlier.imported_by.email if earlier.imported_by else "someone"
        raise ValidationError(
            f"This file was already imported on {earlier.imported_at:%d %b %Y} by {who} as the "
            f"statement for {earlier.period_start:%d %b} to {earlier.period_end:%d %b %Y}."
        )


def statement_upload_create(
    *, member: Membership, account: TrustAccount, filename: str, content: bytes
) -> StatementUpload:
    role_require(member, TRUST_WRITE)
    if not content:
        raise ValidationError("Choose the statement file (CSV or OFX) to upload.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError("The file is larger than 5 MB; export one month at a time.")
    sha256 = hashlib.sha256(content).hexdigest()
    _duplicate_check(account, sha256)
    if not is_ofx(filename, content):
        read_csv(content)  # refuses a binary or unreadable file before it is kept
    return StatementUpload.objects.create(
        firm_id=account.firm_id,
        account=account,
        filename=filename[:255],
        content=content,
        sha256=sha256,
        uploaded_by=member.user,
    )


def statement_upload_discard(*, member: Membership, upload: StatementUpload) -> None:
    """Forget an upload that was never imported (a statement keeps its file)."""
    role_require(member, TRUST_WRITE)
    StatementUpload.objects.filter(pk=upload.pk, firm_id=member.firm_id, statement=None).delete()


def _balances(lines, opening: Decimal | None, closing: Decimal) -> Decimal:
    total = sum((ln.amount for ln in lines), reconcile.ZERO)
    if opening is None:
        return closing - total
    if opening + total != closing:
        raise ValidationError(
            f"The opening balance {reconcile.fmt(opening)} plus the lines "
            f"({reconcile.fmt(total)}) makes {reconcile.fmt(opening + total)}, not the closing "
            f"balance {reconcile.fmt(closing)}: check the balances against the statement, or "
            "look for a missing row."
        )
    return opening


def _lines_inside(lines, start: date, end: date) -> None:
    if end < start:
        raise ValidationError(
            f"The statement period ends ({end:%d %b %Y}) before it starts ({start:%d %b %Y})."
        )
    outside = [ln for ln in lines if not start <= ln.date <= end]
    if outside:
        raise ValidationError(
            f"{len(outside)} line(s) fall outside the statement period {start:%d %b %Y} to "
            f"{end:%d %b %Y}, e.g. {outside[0].date:%d %b %Y}: correct the period."
        )


def _overlaps_settle(member, account, start: date, end: date, on_overlap: str) -> None:
    """A statement already imported for some of the same days: refused (the default), or
    replaced when the person chose so. Never both kept: their lines would count twice."""
    overlaps = list(
        BankStatement.objects.filter(account=account, period_start__lte=end, period_end__gte=start)
    )
    if overlaps and on_overlap != "replace":
        first = overlaps[0]
        raise ValidationError(
            f"A statement for {first.period_start:%d %b} to {first.period_end:%d %b %Y} "
            f"({first.filename}, closing {reconcile.fmt(first.closing_balance)}) is already "
            "imported and overlaps this one; importing both would count those lines twice. "
            "Choose to replace it with this file, or keep it and leave this file out."
        )
    for statement in overlaps:
        statement_remove(member=member, statement=statement)


def _continuity_check(account, start: date, end: date, opening: Decimal, closing: Decimal):
    """A statement opens at the balance the one before it closed at (and closes at the one the
    next opens at): a gap means a statement is missing or a balance is wrong."""
    before = (
        BankStatement.objects.filter(account=account, period_end__lt=start)
        .order_by("-period_end", "-id")
        .first()
    )
    if before is not None and before.closing_balance != opening:
        raise ValidationError(
            f"This statement opens at {reconcile.fmt(opening)}, but the statement before it "
            f"({before.filename}, to {before.period_end:%d %b %Y}) closed at "
            f"{reconcile.fmt(before.closing_balance)}: a statement between them is missing, or "
            "a balance is wrong. Check the balances, or import the missing statement first."
        )
    after = (
        BankStatement.objects.filter(account=account, period_start__gt=end)
        .order_by("period_start", "id")
        .first()
    )
    if after is not None and after.opening_balance != closing:
        raise ValidationError(
            f"This statement closes at {reconcile.fmt(closing)}, but the statement after it "
            f"({after.filename}, from {after.period_start:%d %b %Y}) opens at "
            f"{reconcile.fmt(after.opening_balance)}: check the closing balance."
        )


def _months_open(account: TrustAccount, start: date, end: date) -> None:
    """Every month the statement touches must be open."""
    periods_assert_open(
        account=account,
        start=start,
        end=end,
        doing="importing a statement",
        remedy="Import statements for months that are not approved.",
    )


@dataclass(frozen=True)
class StatementFacts:
    lines: list[ParsedLine]
    period_start: date
    period_end: date
    closing_balance: Decimal
    opening_balance: Decimal | None = None
    bank_name: str = ""
    on_overlap: str = "refuse"  # or "replace" the statement already imported for those days


@transaction.atomic
def _statement_create(
    *, member: Membership, upload: StatementUpload, source: str, facts: StatementFacts
) -> BankStatement:
    account = upload.account
    _months_open(account, facts.period_start, facts.period_end)
    _duplicate_check(account, upload.sha256)
    _lines_inside(facts.lines, facts.period_start, facts.period_end)
    _overlaps_settle(member, account, facts.period_start, facts.period_end, facts.on_overlap)
    opening = _balances(facts.lines, facts.opening_balance, facts.closing_balance)
    _continuity_check(account, facts.period_start, facts.period_end, opening, facts.closing_balance)
    try:
        with transaction.atomic():
            statement = BankStatement.objects.create(
                firm_id=account.firm_id,
                account=account,
                upload=upload,
                period_start=facts.period_start,
                period_end=facts.period_end,
                opening_balance=opening,
                closing_balance=facts.closing_balance,
                source=source,
                bank_name=facts.bank_name,
                filename=upload.filename,
                sha256=upload.sha256,
                imported_by=member.user,
            )
            StatementLine.objects.bulk_create(
                StatementLine(firm_id=account.firm_id, statement=statement, **asdict(ln))
                for ln in facts.lines
            )
    except IntegrityError as exc:
        raise ValidationError(
            "This file was imported meanwhile, or two of its lines share one bank id."
        ) from exc
    reconciliation_draft_ensure(account=account, period_end=facts.period_end)
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust.statement_imported",
        obj=statement,
        after={"lines": len(facts.lines), "closing_balance": str(facts.closing_balance)},
    )
    return statement


def statement_import_csv(
    *,
    member: Membership,
    upload: StatementUpload,
    columns: CsvColumns,
    bank_name: str,
    closing_balance: Decimal,
    opening_balance: Decimal | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    on_overlap: str = "refuse",
) -> BankStatement:
    role_require(member, TRUST_WRITE)
    lines = parse_csv(bytes(upload.content), columns)
    facts = StatementFacts(
        lines=lines,
        period_start=period_start or min(ln.date for ln in lines),
        period_end=period_end or max(ln.date for ln in lines),
        closing_balance=closing_balance,
        opening_balance=opening_balance,
        bank_name=bank_name.strip(),
        on_overlap=on_overlap,
    )
    statement = _statement_create(
        member=member, upload=upload, source=BankStatement.Source.CSV, facts=facts
    )
    if bank_name.strip():
        csv_mapping_save(member=member, bank_name=bank_name, columns=columns)
    return statement


def statement_import_ofx(
    *, member: Membership, upload: StatementUpload, on_overlap: str = "refuse"
) -> BankStatement:
    role_require(member, TRUST_WRITE)
    parsed = parse_ofx(bytes(upload.content))
    if not parsed.lines and parsed.period_end is None:
        raise ValidationError("The OFX file has no transactions and no statement period.")
    facts = StatementFacts(
        lines=parsed.lines,
        period_start=parsed.period_start or min(ln.date for ln in parsed.lines),
        period_end=parsed.period_end or max(ln.date for ln in parsed.lines),
        closing_balance=parsed.closing_balance,
        bank_name=upload.account.institution,
        on_overlap=on_overlap,
    )
    return _statement_create(
        member=member, upload=upload, source=BankStatement.Source.OFX, facts=facts
    )


def csv_mapping_save(*, member: Membership, bank_name: str, columns: CsvColumns) -> BankCsvMapping:
    mapping, _ = BankCsvMapping.objects.update_or_create(
        firm_id=member.firm_id,
        bank_name=bank_name.strip()[:200],
        defaults={
            "date_column": columns.date,
            "date_format": columns.date_format,
            "amount_column": columns.amount,
            "debit_column": columns.debit,
            "credit_column": columns.credit,
            "description_column": columns.description,
            "reference_column": columns.reference,
            "payee_column": columns.payee,
            "decimal_separator": columns.decimal,
            "updated_by": member.user,
            "updated_at": timezone.now(),
        },
    )
    return mapping


def columns_from_mapping(mapping: BankCsvMapping | None, headers: list[str]) -> CsvColumns:
    """The saved choices for this bank, else a guess from the header names."""
    if mapping is not None:
        return CsvColumns(
            date=mapping.date_column,
            date_format=mapping.date_format,
            amount=mapping.amount_column,
            debit=mapping.debit_column,
            credit=mapping.credit_column,
            description=mapping.description_column,
            reference=mapping.reference_column,
            payee=mapping.payee_column,
            decimal=mapping.decimal_separator,
        )

    def guess(*names: str) -> str:
        for h in headers:
            if any(n in h.lower() for n in names):
                return h
        return ""

    amount = guess("amount")
    return CsvColumns(
        date=guess("date"),
        amount=amount,
        debit="" if amount else guess("debit", "withdrawal"),
        credit="" if amount else guess("credit", "deposit"),
        description=guess("description", "memo", "details", "narrative"),
        reference=guess("check", "cheque", "reference", "ref"),
        payee=guess("payee", "name"),
    )
