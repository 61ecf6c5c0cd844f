"""Reads for bank statements, matching and three-way reconciliation, scoped to the member's firm.
'Missing' and 'another firm's' give the same 404."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.http import Http404

from accounts import limits
from accounts.models import Membership
from trust import reconcile
from trust.models import (
    BankCsvMapping,
    BankStatement,
    BooksTrustBalance,
    ClientLedger,
    Reconciliation,
    StatementLine,
    StatementMatch,
    StatementUpload,
    TrustAccount,
    TrustEntry,
)
from trust.selectors import awaiting_clio_to_enter

SIGNED = Case(
    When(direction=TrustEntry.Direction.IN, then=F("amount")),
    default=-F("amount"),
    output_field=DecimalField(max_digits=14, decimal_places=2),
)


def account_list(*, member: Membership) -> QuerySet[TrustAccount]:
    return TrustAccount.objects.filter(firm_id=member.firm_id)


def upload_get_for_member(*, member: Membership, upload_id: int) -> StatementUpload:
    found = (
        StatementUpload.objects.filter(firm_id=member.firm_id, pk=upload_id)
        .select_related("account")
        .first()
    )
    if found is None:
        raise Http404("No such upload.")
    return found


def line_get_for_member(*, member: Membership, line_id: int) -> StatementLine:
    found = (
        StatementLine.objects.filter(firm_id=member.firm_id, pk=line_id)
        .select_related("statement__account")
        .first()
    )
    if found is None:
        raise Http404("No such statement line.")
    return found


def reconciliation_list(*, member: Membership) -> QuerySet[Reconciliation]:
    return Reconciliation.objects.filter(firm_id=member.firm_id).select_related(
        "account", "prepared_by", "approved_by"
    )


def reconciliation_get_for_member(*, member: Membership, reconciliation_id: int) -> Reconciliation:
    found = reconciliation_list(member=member).filter(pk=reconciliation_id).first()
    if found is None:
        raise Http404("No such reconciliation.")
    return found


def reconciliation_for_month(*, account: TrustAccount, period_end: date) -> Reconciliation | None:
    return (
        Reconciliation.objects.filter(account=account, period_end=period_end)
        .select_related("prepared_by", "approved_by")
        .first()
    )


def csv_mapping_for_bank(*, firm_id: int, bank_name: str) -> BankCsvMapping | None:
    qs = BankCsvMapping.objects.filter(firm_id=firm_id)
    return qs.filter(bank_name__iexact=bank_name.strip()).first() or (
        None if bank_name.strip() else qs.order_by("-updated_at").first()
    )


def statements_for_month(*, account: TrustAccount, period_end: date) -> QuerySet[BankStatement]:
    start = period_end.replace(day=1)
    return BankStatement.objects.filter(
        account=account, period_end__gte=start, period_end__lte=period_end
    ).select_related("imported_by")


def statement_for_month(*, account: TrustAccount, period_end: date) -> BankStatement | None:
    """The statement whose balance the month is reconciled to: the last one ending in it."""
    return statements_for_month(account=account, period_end=period_end).first()


@dataclass(frozen=True)
class MonthRow:
    period_end: date
    reconciliation: Reconciliation | None
    statement_count: int


# Ten years of months at most: a list page, whatever dates the database holds.
MONTHS_LISTED = 120


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_of(index: int) -> date:
    return reconcile.month_end(date(index // 12, index % 12 + 1, 1))


def month_list(*, account: TrustAccount, today: date) -> list[MonthRow]:
    """Every month from the account's first entry or statement up to last month, newest first,
    with its reconciliation if there is one: the months not yet reconciled stand out. Bounded
    to the window of dates (accounts.limits) and to MONTHS_LISTED, so a stray date already in
    the database (0001-01-01, 9999-12-31) cannot make the list endless; months are counted as
    integers, so no date arithmetic runs past year 9999."""
    low, high = limits.DATE_MIN, limits.date_max(today)
    firsts = [
        TrustEntry.objects.filter(account=account, date__range=(low, high)).order_by("date"),
        BankStatement.objects.filter(account=account, period_end__range=(low, high)).order_by(
            "period_end"
        ),
    ]
    starts = [
        d
        for d in (
            firsts[0].values_list("date", flat=True).first(),
            firsts[1].values_list("period_end", flat=True).first(),
        )
        if d is not None
    ]
    recs = {
        r.period_end: r
        for r in Reconciliation.objects.filter(account=account, period_end__range=(low, high))
    }
    counts: dict[date, int] = {}
    for end, n in (
        BankStatement.objects.filter(account=account, period_end__range=(low, high))
        .values_list("period_end")
        .annotate(n=Count("id"))
        .values_list("period_end", "n")
    ):
        month = reconcile.month_end(end)
        counts[month] = counts.get(month, 0) + n
    return [
        MonthRow(month, recs.get(month), counts.get(month, 0))
        for month in _months_listed(starts=starts, rec_months=list(recs), today=today)
    ]


def _months_listed(*, starts: list[date], rec_months: list[date], today: date) -> list[date]:
    """The month-ends `month_list` shows, newest first: from the earliest of `starts` (first
    entry, first statement) and the reconciled months, up to last month."""
    last = reconcile.month_end(today.replace(day=1) - timedelta(days=1))
    end = _month_index(max([last, *rec_months]))
    begin = _month_index(min([*starts, *rec_months])) if starts or rec_months else end
    begin = max(begin, end - MONTHS_LISTED + 1)
    return [_month_of(i) for i in range(end, begin - 1, -1)]


@dataclass(frozen=True)
class MonthToApprove:
    account_id: int
    period_end: date
    standing: str  # due, overdue (trust.reconcile.month_standing)


def _first_dates(*, account_ids: list[int], low: date, high: date) -> dict[int, list[date]]:
    """Each account's first entry and first statement dated in the window, in one query. Each is
    a LIMIT 1 subquery per account, which reads the start of trust_entry_account_date instead of
    grouping every entry of every account (the console reads a hundred accounts)."""
    first_entry = TrustEntry.objects.filter(account_id=OuterRef("pk"), date__range=(low, high))
    first_statement = BankStatement.objects.filter(
        account_id=OuterRef("pk"), period_end__range=(low, high)
    )
    rows = (
        TrustAccount.objects.filter(pk__in=account_ids)
        .order_by()
        .annotate(
            entry=Subquery(first_entry.order_by("date").values("date")[:1]),
            statement=Subquery(first_statement.order_by("period_end").values("period_end")[:1]),
        )
        .values_list("pk", "entry", "statement")
    )
    found = {pk: [d for d in (entry, statement) if d is not None] for pk, entry, statement in rows}
    return {pk: found.get(pk, []) for pk in account_ids}


def months_to_approve_many(
    *, account_ids: list[int], today: date
) -> dict[int, list[MonthToApprove]]:
    """Per account, the months `month_list` shows that are not approved yet, newest first, each
    due or overdue: two queries for any number of accounts (the dashboard and the console)."""
    low, high = limits.DATE_MIN, limits.date_max(today)
    starts = _first_dates(account_ids=account_ids, low=low, high=high)
    recs: dict[int, dict[date, bool]] = {pk: {} for pk in account_ids}
    for account_id, end, status in Reconciliation.objects.filter(
        account_id__in=account_ids, period_end__range=(low, high)
    ).values_list("account_id", "period_end", "status"):
        recs[account_id][end] = status == Reconciliation.Status.APPROVED
    return {
        pk: [
            MonthToApprove(pk, m, reconcile.month_standing(m, today))
            for m in _months_listed(starts=starts[pk], rec_months=list(recs[pk]), today=today)
            if not recs[pk].get(m)
        ]
        for pk in account_ids
    }


def statements_list(*, account: TrustAccount, limit: int = 200) -> list[BankStatement]:
    """The account's statements, newest first, those dated outside the window of dates first of
    all (so a typo can be found and removed)."""
    low, high = limits.DATE_MIN, limits.date_max()
    qs = BankStatement.objects.filter(account=account).select_related("imported_by")
    odd = list(qs.exclude(period_end__range=(low, high)).order_by("-period_end", "-id")[:limit])
    usual = qs.filter(period_end__range=(low, high)).order_by("-period_end", "-id")
    return odd + list(usual[: limit - len(odd)])


def statement_get_for_member(*, member: Membership, statement_id: int) -> BankStatement:
    found = (
        BankStatement.objects.filter(firm_id=member.firm_id, pk=statement_id)
        .select_related("account")
        .first()
    )
    if found is None:
        raise Http404("No such statement.")
    return found


def _internal_transfer_ids(account: TrustAccount) -> set[int]:
    """Both legs of a transfer between two matters of the same account never reach the bank."""
    groups = (
        TrustEntry.objects.filter(account=account, transfer_group__isnull=False)
        .values("transfer_group")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .values_list("transfer_group", flat=True)
    )
    return set(
        TrustEntry.objects.filter(account=account, transfer_group__in=list(groups)).values_list(
            "id", flat=True
        )
    )


def bank_start(*, account: TrustAccount) -> date | None:
    """Entries before the first imported statement are taken as cleared before FirmSync had the
    bank's records: there is no line to match them against."""
    first = BankStatement.objects.filter(account=account).order_by("period_start").first()
    return first.period_start if first else None


def outstanding_entries(*, account: TrustAccount, period_end: date, cutoff: date) -> list:
    """Journal entries up to `period_end` that no statement line up to `cutoff` (the bank
    statement's own end) has cleared."""
    start = bank_start(account=account)
    # NOT EXISTS, not the outer join `exclude()` makes of the reverse one-to-one: that joined
    # every entry of the month to its match, line, ledger and matter before dropping the cleared.
    cleared = StatementMatch.objects.filter(entry=OuterRef("pk"), line__date__lte=cutoff)
    qs = (
        TrustEntry.objects.filter(account=account, date__lte=period_end)
        .filter(~Exists(cleared))
        .exclude(id__in=_internal_transfer_ids(account))
        .select_related("ledger__matter")
    )
    if start is not None:
        qs = qs.filter(date__gte=start)
    return list(qs.order_by("date", "id"))


def bank_only_lines(*, account: TrustAccount, period_end: date, cutoff: date) -> list:
    """Statement lines up to `cutoff` that no journal entry up to `period_end` clears."""
    # NOT EXISTS per line: `exclude()` read every match of every firm's entries up to the date.
    cleared = StatementMatch.objects.filter(line=OuterRef("pk"), entry__date__lte=period_end)
    return list(
        StatementLine.objects.filter(statement__account=account, date__lte=cutoff)
        .filter(~Exists(cleared))
        .order_by("date", "id")
    )


def journal_balance(*, account: TrustAccount, period_end: date) -> Decimal:
    total = TrustEntry.objects.filter(account=account, date__lte=period_end).aggregate(
        t=Sum(SIGNED)
    )["t"]
    return reconcile.money(total or 0)


@dataclass(frozen=True)
class LedgerRow:
    ledger_id: int | None
    matter: str
    client: str
    balance: Decimal


def _matter_label(number: str | None, description: str | None) -> str:
    return f"{number or ''} {description or ''}".strip()


def ledger_balances(*, account: TrustAccount, period_end: date) -> list[LedgerRow]:
    """Each client ledger's balance at the end of `period_end`, by matter number; the firm's own
    bank-fee money (entries on no ledger) is the row with ledger_id None, listed last."""
    # Summed by ledger alone, then named: grouping by the matter and client names sorted every
    # one of the account's entries (30,000 at the busiest firm) by those names first.
    entries = TrustEntry.objects.filter(account=account, date__lte=period_end).order_by()
    sums = dict(
        entries.values("ledger_id")
        .annotate(balance=Sum(SIGNED))
        .values_list("ledger_id", "balance")
    )
    named = (
        ClientLedger.objects.filter(pk__in=entries.values("ledger_id"))
        .order_by("matter__display_number", "id")
        .values_list("id", "matter__display_number", "matter__description", "matter__client__name")
    )
    found = [
        LedgerRow(pk, _matter_label(number, text), client or "", reconcile.money(sums[pk] or 0))
        for pk, number, text, client in named
    ]
    if None in sums:
        firm_funds = reconcile.money(sums[None] or 0)
        found.append(LedgerRow(None, "Firm funds for bank charges", "", firm_funds))
    return found


def books_balance(*, account: TrustAccount, period_end: date) -> BooksTrustBalance | None:
    return (
        BooksTrustBalance.objects.filter(account=account, as_of=period_end)
        .order_by("-read_at", "-id")
        .first()
    )


def _item(entry: TrustEntry) -> reconcile.Item:
    who = entry.payee or (str(entry.ledger.matter) if entry.ledger_id else "")
    return reconcile.Item(
        entry.date,
        entry.signed_amount,
        " · ".join(x for x in (entry.get_kind_display(), who, entry.description) if x),
        entry.reference,
        key=str(entry.pk),
        reverses=str(entry.reverses_id or ""),
    )


def reconciliation_inputs(
    *,
    account: TrustAccount,
    period_end: date,
    statement: BankStatement,
    ledgers: list[LedgerRow],
    books: BooksTrustBalance | None,
) -> reconcile.Inputs:
    """The month's inputs; `ledgers` and `books` are `ledger_balances` and `books_balance` for
    the same month, which the caller shows beside the figures and so reads only once."""
    cutoff = min(statement.period_end, period_end)
    outstanding = outstanding_entries(account=account, period_end=period_end, cutoff=cutoff)
    lines = bank_only_lines(account=account, period_end=period_end, cutoff=cutoff)
    return reconcile.Inputs(
        period_end=period_end,
        statement_balance=statement.closing_balance,
        outstanding=[_item(e) for e in outstanding],
        bank_only=[
            reconcile.Item(ln.date, ln.amount, ln.description or ln.payee, ln.reference)
            for ln in lines
        ],
        journal_balance=journal_balance(account=account, period_end=period_end),
        client_ledgers=[
            reconcile.LedgerBalance(r.matter, r.balance) for r in ledgers if r.ledger_id
        ],
        firm_funds_balance=sum((r.balance for r in ledgers if r.ledger_id is None), reconcile.ZERO),
        books_balance=books.amount if books else None,
        kept_in_clio=account.clio_id is not None,
        awaiting_clio=[_item(e) for e in awaiting_clio(account=account, period_end=period_end)],
    )


def awaiting_clio(*, account: TrustAccount, period_end: date) -> list[TrustEntry]:
    """The account's entries made in FirmSync up to `period_end` that Clio does not have yet
    (an entry reversed by then, neither in Clio, is nothing to enter)."""
    missing = TrustEntry.objects.filter(
        account=account, date__lte=period_end, awaits_clio=True, clio_confirmation__isnull=True
    )
    return list(
        awaiting_clio_to_enter(missing, upto=period_end)
        .select_related("ledger__matter")
        .order_by("date", "id")
    )


def _unmatched(account: TrustAccount, upto: date) -> QuerySet[TrustEntry]:
    qs = TrustEntry.objects.filter(
        account=account, date__lte=upto, statement_match__isnull=True
    ).exclude(id__in=_internal_transfer_ids(account))
    start = bank_start(account=account)
    if start is not None:
        qs = qs.filter(date__gte=start - timedelta(days=reconcile.CHEQUE_WINDOW_DAYS))
    return qs.order_by("date", "id")


def unmatched_entries(*, account: TrustAccount, upto: date) -> list[TrustEntry]:
    """Entries the bank has not cleared yet, up to a date, for matching by hand."""
    return list(_unmatched(account, upto).select_related("ledger__matter"))


def unmatched_candidates(*, account: TrustAccount, upto: date) -> list[reconcile.Candidate]:
    """The same entries as matching candidates: rows, not model instances, for a month of tens
    of thousands."""
    rows = (
        _unmatched(account, upto)
        .annotate(signed=SIGNED)
        .values_list("id", "date", "signed", "reference", "payee", "description")
    )
    return list(map(reconcile.Candidate._make, rows))


def statement_lines(*, statements) -> QuerySet[StatementLine]:
    return (
        StatementLine.objects.filter(statement__in=statements)
        .prefetch_related("matches__entry__ledger__matter")
        .annotate(n_matches=Count("matches"))
        .order_by("date", "id")
    )
