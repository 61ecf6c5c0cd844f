"""Bank statement import: the services store the upload, refuse a file imported before, and
create the statement and its lines in one transaction, so a file with any bad row imports
nothing. Reading the files is trust.statement_files (pure).
"""

import hashlib
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

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
from trust.statement_files import (
    MAX_UPLOAD_BYTES,
    CsvColumns,
    ParsedLine,
    is_ofx,
    parse_csv,
    parse_ofx,
    read_csv,
)

OVERLAP_CHOICES = [
    ("refuse", "Refuse this file"),
    ("replace", "Replace the statement already imported"),
]


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
    if parsed.closing_balance is None:
        raise ValidationError("The OFX file has no closing balance (LEDGERBAL).")
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
