"""Reads of trust money, scoped to the member's firm. Balances are summed from entries, never
stored; every list here costs a fixed number of queries, however many entries it covers."""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.http import Http404
from django.utils import timezone

from accounts.models import Membership
from trust.models import ClientLedger, TrustAccount, TrustEntry, TrustException

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def signed(prefix: str = "") -> Case:
    """An entry's amount with its sign: money in is positive, money out negative."""
    return Case(
        When(**{f"{prefix}direction": TrustEntry.Direction.IN}, then=F(f"{prefix}amount")),
        default=-F(f"{prefix}amount"),
        output_field=MONEY,
    )


def _cents(expression) -> Round:
    # SQLite sums decimals as floats (-0.9 comes back as -0.900000000000001); rounding to the
    # cent in the query makes both databases answer exact cents. A no-op on PostgreSQL.
    return Round(expression, 2, output_field=MONEY)


def _total(prefix: str = "", **conditions) -> Round:
    condition = Q(**conditions) if conditions else None
    return _cents(Coalesce(Sum(signed(prefix), filter=condition), Value(ZERO), output_field=MONEY))


# -- access ---------------------------------------------------------------------------------


def trust_account_get_for_member(*, member: Membership, account_id: int) -> TrustAccount:
    """One trust account of the member's firm; 404 when missing or another firm's (the same
    answer, so ids reveal nothing)."""
    found = TrustAccount.objects.filter(firm_id=member.firm_id, pk=account_id).first()
    if found is None:
        raise Http404("No such trust account.")
    return found


def client_ledger_get_for_member(*, member: Membership, ledger_id: int) -> ClientLedger:
    """One client ledger of the member's firm, with its matter and account; 404 as above."""
    found = (
        ClientLedger.objects.filter(firm_id=member.firm_id, pk=ledger_id)
        .select_related("matter", "account")
        .first()
    )
    if found is None:
        raise Http404("No such client ledger.")
    return found


# -- balances -------------------------------------------------------------------------------


def ledger_balance(*, ledger: ClientLedger) -> Decimal:
    return TrustEntry.objects.filter(ledger=ledger).aggregate(total=_total())["total"]


def ledger_balances(*, ledger_ids) -> dict[int, Decimal]:
    """Balances of many ledgers in one query; a ledger without entries is $0.00."""
    ids = list(ledger_ids)
    rows = (
        TrustEntry.objects.filter(ledger_id__in=ids)
        .order_by()
        .values("ledger_id")
        .annotate(total=_total())
        .values_list("ledger_id", "total")
    )
    return {**dict.fromkeys(ids, ZERO), **dict(rows)}


def client_ledgers_list(*, member: Membership, account: TrustAccount) -> QuerySet[ClientLedger]:
    """The account's client ledgers with `balance` annotated, in one query."""
    return (
        ClientLedger.objects.filter(firm_id=member.firm_id, account=account)
        .select_related("matter")
        .annotate(balance=_total("entries__"))
        .order_by("matter__display_number", "pk")
    )


@dataclass(frozen=True)
class AccountTotals:
    journal: Decimal  # every entry of the account: what the bank should hold
    client_ledgers: Decimal  # the sum of every client ledger
    firm_funds: Decimal  # the firm's own money (covering bank fees), on no ledger

    @property
    def balanced(self) -> bool:
        return self.journal == self.client_ledgers + self.firm_funds


def account_totals(*, account: TrustAccount) -> AccountTotals:
    """The journal and its two halves, in one query (two legs of a three-way reconciliation)."""
    totals = TrustEntry.objects.filter(account=account).aggregate(
        journal=_total(),
        client_ledgers=_total(ledger__isnull=False),
        firm_funds=_total(ledger__isnull=True),
    )
    return AccountTotals(**totals)


def trust_exceptions_open_count(*, member: Membership) -> int:
    return trust_exceptions_open_counts(firm_ids=[member.firm_id])[member.firm_id]


def trust_exceptions_open_counts(*, firm_ids: list[int]) -> dict[int, int]:
    """Open compliance exceptions per firm, in one query; a firm without any has 0."""
    rows = (
        TrustException.objects.filter(firm_id__in=firm_ids, resolved_at__isnull=True)
        .order_by()
        .values("firm_id")
        .annotate(n=Count("id"))
        .values_list("firm_id", "n")
    )
    return {**dict.fromkeys(firm_ids, 0), **dict(rows)}


def trust_accounts_for_firms(*, firm_ids: list[int]) -> list[TrustAccount]:
    """The firms' trust accounts, primary first, then by name: one query."""
    return list(
        TrustAccount.objects.filter(firm_id__in=firm_ids).order_by("firm_id", "-is_primary", "name")
    )


# -- awaiting Clio ----------------------------------------------------------------------------


def awaiting_clio_to_enter(
    qs: QuerySet[TrustEntry], *, upto: date | None = None
) -> QuerySet[TrustEntry]:
    """`qs` less each entry made here and reversed here while neither it nor its reversal is in
    Clio (the reversal dated by `upto`, when given): together they move no money, so Clio has
    nothing to be told. Once Clio shows one of them, the other is Clio's to enter again."""
    missing = Q(awaits_clio=True, clio_confirmation__isnull=True)
    reversal = TrustEntry.objects.filter(missing, reverses=OuterRef("pk"))
    if upto is not None:
        reversal = reversal.filter(date__lte=upto)
    reversed_one = TrustEntry.objects.filter(missing, pk=OuterRef("reverses_id"))
    return qs.exclude(Exists(reversal)).exclude(Exists(reversed_one))


# -- entries with a running balance ---------------------------------------------------------


def ledger_entries(
    *,
    ledger: ClientLedger,
    date_from: date | None = None,
    date_to: date | None = None,
    kinds: list[str] | None = None,
    page: int | str = 1,
    per_page: int = 50,
) -> Page:
    """A page of the ledger's entries oldest first, each with `running_balance` = the ledger's
    balance after it. The filters choose which entries are listed, never what the balance
    counts. Three queries however long the ledger (the count, the page, the balance before it),
    and with a kind filter a fourth: the amounts between the page's first and last rows, which
    the filter leaves out but which still move the balance.

    A long-running matter holds thousands of entries, so nothing sums the whole ledger row by
    row (a running-sum window costs every entry on every page): the page is found on the
    (ledger, date, id) index and its opening balance is one sum of the entries before it."""
    listed = TrustEntry.objects.filter(ledger=ledger)
    if date_from:
        listed = listed.filter(date__gte=date_from)
    if date_to:
        listed = listed.filter(date__lte=date_to)
    if kinds:
        listed = listed.filter(kind__in=list(kinds))
    found = Paginator(listed.order_by("date", "id").values_list("id", flat=True), per_page)
    numbered = found.get_page(page)
    # The page's ids stay a subquery (LIMIT/OFFSET inside IN): one query for the rows.
    rows = list(
        TrustEntry.objects.filter(id__in=numbered.object_list)
        .select_related("created_by", "reverses__clio_confirmation", "clio_confirmation")
        .order_by("date", "id")
    )
    _running_balances(ledger, rows, gaps=bool(kinds))
    return Page(rows, numbered.number, found)


def _running_balances(ledger: ClientLedger, rows: list[TrustEntry], *, gaps: bool) -> None:
    """Set each row's running balance: the sum of every entry before the first row, then each
    entry up to the last. Without `gaps` the rows are every entry in between (a date range
    keeps a run of the ledger's order whole)."""
    if not rows:
        return
    first, last = rows[0], rows[-1]
    everything = TrustEntry.objects.filter(ledger=ledger)
    before = Q(date__lt=first.date) | Q(date=first.date, id__lt=first.pk)
    balance = everything.filter(before).aggregate(balance=_total())["balance"]
    moves: Iterable[tuple[int, Decimal]] = [(r.pk, r.signed_amount) for r in rows]
    if gaps:
        upto = Q(date__lt=last.date) | Q(date=last.date, id__lte=last.pk)
        moves = (
            everything.exclude(before)
            .filter(upto)
            .order_by("date", "id")
            .values_list("id", signed())
        )
    after = {}
    for pk, amount in moves:
        balance += amount
        after[pk] = balance
    for row in rows:
        row.running_balance = after[row.pk]


# -- month ends for a chart -----------------------------------------------------------------


def month_ends(*, months: int = 12, today: date | None = None) -> list[date]:
    """The last `months` month-ends up to today, oldest first; the current month ends today."""
    today = today or timezone.localdate()
    ends, year, month = [today], today.year, today.month
    for _ in range(months - 1):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        ends.append(date(year, month, calendar.monthrange(year, month)[1]))
    return ends[::-1]


def balance_month_ends(
    *,
    account: TrustAccount,
    ledger: ClientLedger | None = None,
    months: int = 12,
    today: date | None = None,
) -> list[tuple[date, Decimal]]:
    """The balance at each of the last `months` month-ends (the account's, or one ledger's): one
    query, a filtered sum per month-end."""
    ends = month_ends(months=months, today=today)
    qs = TrustEntry.objects.filter(account=account)
    if ledger is not None:
        qs = qs.filter(ledger=ledger)
    sums = qs.aggregate(**{f"m{i}": _total(date__lte=end) for i, end in enumerate(ends)})
    return [(end, sums[f"m{i}"]) for i, end in enumerate(ends)]
