"""Writes for reconciliation: matching statement lines to journal entries, preparing a month's
three-way figures and approving them. Approval locks the month."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.bulk import bulk_upsert
from accounts.models import Membership
from accounts.roles import TRUST_WRITE
from accounts.selectors import role_require
from accounts.services import audit_record
from trust import reconcile
from trust import selectors_reconcile as sel
from trust.errors import TrustPeriodLocked
from trust.models import (
    BankStatement,
    Reconciliation,
    StatementLine,
    StatementMatch,
    StatementUpload,
    TrustAccount,
    TrustEntry,
)


def _who(user) -> str:
    return (user.get_full_name() or user.email) if user else "someone"


def period_assert_open(
    *,
    account: TrustAccount | None = None,
    account_id: int | None = None,
    period_end: date,
    doing: str,
    remedy: str = "",
) -> None:
    """An approved month is signed off: nothing that changes its figures may happen. Call it
    inside the writing transaction: the month's row is locked, so an approval waits for the write
    (and then finds its figures changed) or the write waits for the approval (and is refused)."""
    month = reconcile.month_end(period_end)
    locked = (
        Reconciliation.objects.select_for_update(of=("self",))
        .filter(
            account_id=account.pk if account is not None else account_id,
            period_end=month,
            status=Reconciliation.Status.APPROVED,
        )
        .select_related("approved_by")
        .first()
    )
    if locked is not None:
        raise TrustPeriodLocked(
            f"{month:%B %Y} was approved by {_who(locked.approved_by)} on "
            f"{locked.approved_at:%d %b %Y} and is locked, so {doing} is not allowed."
            + (f" {remedy}" if remedy else "")
        )


def periods_assert_open(
    *, account: TrustAccount, start: date, end: date, doing: str, remedy: str = ""
) -> None:
    """period_assert_open for every month from `start` to `end`, in one query."""
    first = (
        Reconciliation.objects.filter(
            account=account,
            period_end__gte=reconcile.month_end(start),
            period_end__lte=reconcile.month_end(end),
            status=Reconciliation.Status.APPROVED,
        )
        .order_by("period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    if first is not None:
        period_assert_open(account=account, period_end=first, doing=doing, remedy=remedy)


def reconciliation_draft_ensure(*, account: TrustAccount, period_end: date) -> Reconciliation:
    rec, _ = Reconciliation.objects.get_or_create(
        account=account,
        period_end=reconcile.month_end(period_end),
        defaults={"firm_id": account.firm_id},
    )
    return rec


# Matching


@transaction.atomic
def statement_match(
    *,
    member: Membership,
    line: StatementLine,
    entries: list[TrustEntry],
    method: str = StatementMatch.Method.MANUAL,
    ip: str | None = None,
) -> list[StatementMatch]:
    role_require(member, TRUST_WRITE)
    # Lock the line so that two people matching it at once cannot both succeed.
    line = StatementLine.objects.select_for_update().select_related("statement").get(pk=line.pk)
    account = line.statement.account
    period_assert_open(account=account, period_end=line.statement.period_end, doing="matching")
    _match_check(line, entries, account)
    try:
        with transaction.atomic():
            made = [
                StatementMatch.objects.create(
                    firm_id=line.firm_id, line=line, entry=e, method=method, matched_by=member.user
                )
                for e in entries
            ]
    except IntegrityError as exc:
        raise ValidationError("One of these entries was matched meanwhile; reload.") from exc
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust.statement_line_matched",
        obj=line,
        after={"entries": [e.pk for e in entries], "method": method},
        ip=ip,
    )
    return made


def _match_check(line: StatementLine, entries: list[TrustEntry], account: TrustAccount) -> None:
    if not entries:
        raise ValidationError("Choose at least one journal entry to match this line with.")
    if line.matches.exists():
        raise ValidationError("This line is already matched; unmatch it first.")
    if any(e.account_id != account.pk for e in entries):
        raise ValidationError("Every entry must be in the statement's trust account.")
    taken = [e for e in entries if StatementMatch.objects.filter(entry=e).exists()]
    if taken:
        raise ValidationError(f"The entry of {taken[0].date:%d %b %Y} is already matched.")
    total = sum((e.signed_amount for e in entries), reconcile.ZERO)
    if total != line.amount:
        raise ValidationError(
            f"The chosen entries add up to {reconcile.fmt(total)} but the bank line is "
            f"{reconcile.fmt(line.amount)}: choose entries that sum to the line exactly."
        )


@transaction.atomic
def statement_unmatch(
    *, member: Membership, line: StatementLine, ip: str | None = None
) -> StatementLine:
    role_require(member, TRUST_WRITE)
    line = StatementLine.objects.select_for_update().select_related("statement").get(pk=line.pk)
    account = line.statement.account
    period_assert_open(account=account, period_end=line.statement.period_end, doing="unmatching")
    before = list(line.matches.values_list("entry_id", flat=True))
    if not before:
        raise ValidationError("This line is not matched.")
    line.matches.all().delete()
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust.statement_line_unmatched",
        obj=line,
        before={"entries": before},
        ip=ip,
    )
    return line


@transaction.atomic
def statement_auto_match(
    *, member: Membership, account: TrustAccount, period_end: date, ip: str | None = None
) -> int:
    """Matches what can be matched without doubt for the month's statements; returns how many
    lines were matched."""
    role_require(member, TRUST_WRITE)
    period_end = reconcile.month_end(period_end)
    period_assert_open(account=account, period_end=period_end, doing="matching")
    statements = list(sel.statements_for_month(account=account, period_end=period_end))
    # Lock the month's lines (two auto-matches at once queue here), then read which are still
    # unmatched in a fresh query, after any earlier holder has committed.
    month = StatementLine.objects.filter(statement__in=statements)
    list(month.select_for_update().values_list("id", flat=True))
    lines = list(
        map(
            reconcile.Candidate._make,
            month.filter(matches__isnull=True)
            .order_by("date", "id")
            .values_list("id", "date", "amount", "reference", "payee", "description"),
        )
    )
    if not lines:
        return 0
    upto = max(ln.date for ln in lines) + timedelta(days=reconcile.DATE_WINDOW_DAYS)
    candidates = sel.unmatched_candidates(account=account, upto=upto)
    proposals = reconcile.propose_matches(lines, candidates)
    _matches_create(account, member, proposals)
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust.statement_auto_matched",
        obj=account,
        after={"period_end": period_end.isoformat(), "lines": len(proposals)},
        ip=ip,
    )
    return len(proposals)


def _matches_create(account, member, proposals) -> None:
    rows = [{"line_id": p.line_id, "entry_id": e} for p in proposals for e in p.entry_ids]
    same = {
        "firm_id": account.firm_id,
        "method": StatementMatch.Method.AUTO,
        "matched_by_id": member.user.pk,
    }
    try:
        with transaction.atomic():
            bulk_upsert(StatementMatch, rows, unique=(), same=same)
    except IntegrityError as exc:
        # Someone matched one of these entries by hand meanwhile: the error undoes the rest.
        raise ValidationError("Entries were matched by hand meanwhile; auto-match again.") from exc


# Prepare and approve


def _money(value) -> str | None:
    return None if value is None else str(value)


def _items(items) -> list[dict]:
    return [
        {
            "date": i.date.isoformat(),
            "amount": str(i.amount),
            "description": i.description,
            "reference": i.reference,
        }
        for i in items
    ]


def figures_compute(*, account: TrustAccount, period_end: date, statement: BankStatement) -> dict:
    """The month's three-way figures as a JSON snapshot (money as strings, never floats)."""
    ledgers = sel.ledger_balances(account=account, period_end=period_end)
    books = sel.books_balance(account=account, period_end=period_end)
    result = reconcile.reconcile(
        sel.reconciliation_inputs(
            account=account,
            period_end=period_end,
            statement=statement,
            ledgers=ledgers,
            books=books,
        )
    )
    return {
        "period_end": period_end.isoformat(),
        "statement": {
            "id": statement.pk,
            "filename": statement.filename,
            "period_start": statement.period_start.isoformat(),
            "period_end": statement.period_end.isoformat(),
        },
        "statement_balance": _money(result.statement_balance),
        "deposits_in_transit": _items(result.deposits_in_transit),
        "deposits_in_transit_total": _money(result.deposits_in_transit_total),
        "outstanding_withdrawals": _items(result.outstanding_withdrawals),
        "outstanding_withdrawals_total": _money(result.outstanding_withdrawals_total),
        "adjusted_bank_balance": _money(result.adjusted_bank_balance),
        "bank_only": _items(result.bank_only),
        "journal_balance": _money(result.journal_balance),
        "client_ledgers": [
            {"matter": r.matter, "client": r.client, "balance": _money(r.balance)}
            for r in ledgers
            if r.ledger_id
        ],
        "client_ledger_total": _money(result.client_ledger_total),
        "firm_funds_balance": _money(result.firm_funds_balance),
        "ledger_total": _money(result.ledger_total),
        "books_balance": _money(result.books_balance),
        "books": None
        if books is None
        else {
            "provider": books.provider,
            "account": books.books_account,
            "as_of": str(books.as_of),
        },
        "differences": [
            {"kind": d.kind, "amount": _money(d.amount), "explanation": d.explanation}
            for d in result.differences
        ],
        "notes": list(result.notes),
        "ties": result.ties,
    }


def _statement_required(account: TrustAccount, period_end: date) -> BankStatement:
    statement = sel.statement_for_month(account=account, period_end=period_end)
    if statement is None:
        raise ValidationError(
            f"Import the bank statement that ends in {period_end:%B %Y} first: the "
            "reconciliation starts from the bank's closing balance."
        )
    return statement


@transaction.atomic
def reconciliation_prepare(
    *, member: Membership, account: TrustAccount, period_end: date, ip: str | None = None
) -> Reconciliation:
    role_require(member, TRUST_WRITE)
    period_end = reconcile.month_end(period_end)
    period_assert_open(account=account, period_end=period_end, doing="preparing it again")
    statement = _statement_required(account, period_end)
    rec = reconciliation_draft_ensure(account=account, period_end=period_end)
    rec = Reconciliation.objects.select_for_update().get(pk=rec.pk)
    rec.figures = figures_compute(account=account, period_end=period_end, statement=statement)
    rec.status = Reconciliation.Status.PREPARED
    rec.prepared_by, rec.prepared_at = member.user, timezone.now()
    rec.approved_by = rec.approved_at = None
    rec.save()
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust.reconciliation_prepared",
        obj=rec,
        after={"ties": rec.figures["ties"], "adjusted_bank": rec.figures["adjusted_bank_balance"]},
        ip=ip,
    )
    return rec


@transaction.atomic
def reconciliation_approve(
    *, member: Membership, reconciliation: Reconciliation, ip: str | None = None
) -> Reconciliation:
    role_require(member, TRUST_WRITE)
    rec = Reconciliation.objects.select_for_update().get(pk=reconciliation.pk)
    if rec.status == Reconciliation.Status.APPROVED:
        raise ValidationError(
            f"{rec.period_end:%B %Y} is already approved by {_who(rec.approved_by)}."
        )
    if rec.status != Reconciliation.Status.PREPARED:
        raise ValidationError("Prepare the reconciliation before it can be approved.")
    if rec.prepared_by_id == member.user_id:
        raise ValidationError(
            "You prepared this reconciliation, so someone else must approve it: trust "
            "reconciliations are reviewed by a second person (segregation of duties)."
        )
    statement = _statement_required(rec.account, rec.period_end)
    current = figures_compute(account=rec.account, period_end=rec.period_end, statement=statement)
    if current != rec.figures:
        raise ValidationError(
            "The figures changed since the reconciliation was prepared (new entries, matches or "
            "a newer books balance). Prepare it again, then approve."
        )
    rec.status = Reconciliation.Status.APPROVED
    rec.approved_by, rec.approved_at = member.user, timezone.now()
    rec.save()
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust.reconciliation_approved",
        obj=rec,
        after={"prepared_by": rec.prepared_by_id},
        ip=ip,
    )
    return rec


# Removing a statement


@transaction.atomic
def statement_remove(
    *, member: Membership, statement: BankStatement, ip: str | None = None
) -> BankStatement:
    """Take an imported statement out (a wrong file, a wrong month, a typo in a date): its lines
    and their matches go, the journal entries stay. Refused while any month it covers is
    approved; a draft reconciliation left without a statement goes with it."""
    role_require(member, TRUST_WRITE)
    account = statement.account
    periods_assert_open(
        account=account,
        start=statement.period_start,
        end=statement.period_end,
        doing="removing a statement",
        remedy="Its figures are signed off; a correction belongs in an open month.",
    )
    before = {
        "filename": statement.filename,
        "period_start": statement.period_start.isoformat(),
        "period_end": statement.period_end.isoformat(),
        "closing_balance": str(statement.closing_balance),
        "lines": statement.lines.count(),
    }
    upload_id, month = statement.upload_id, reconcile.month_end(statement.period_end)
    StatementMatch.objects.filter(line__statement=statement).delete()
    statement.delete()
    if upload_id:
        StatementUpload.objects.filter(pk=upload_id).delete()
    if not sel.statements_for_month(account=account, period_end=month).exists():
        Reconciliation.objects.filter(
            account=account, period_end=month, status=Reconciliation.Status.DRAFT
        ).delete()
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust.statement_removed",
        obj=account,
        before=before,
        ip=ip,
    )
    return statement
