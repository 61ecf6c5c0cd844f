"""Reads for the duty calendar: the facts of a firm's trust accounts, in a fixed number of
queries however many accounts, deposits and ledgers there are, handed to the pure evaluator."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Round
from django.utils import timezone

from accounts.models import Membership
from trust.duties.evaluate import (
    HORIZON_DAYS,
    LEDGER_WATCH_KINDS,
    SOON_DAYS,
    AccountFacts,
    Deposit,
    DutyItem,
    LedgerFact,
    Status,
    evaluate,
)
from trust.duties.packs import Pack, pack_for
from trust.models import (
    ClientLedger,
    DutyRecord,
    EntryKind,
    Reconciliation,
    TrustAccount,
    TrustEntry,
)
from trust.selectors import MONEY, ZERO, signed


def _balance() -> Round:
    # Rounded to the cent in the query, as trust.selectors does: SQLite sums decimals as floats.
    return Round(Coalesce(Sum(signed("entries__")), Value(ZERO)), 2, output_field=MONEY)


# A deposit noticed more than this long ago is history: the calendar no longer lists it.
NOTICED_SHOWN_DAYS = 90


def duties_from(account: TrustAccount) -> date:
    return account.duties_from or timezone.localdate(account.created_at)


def _reconciled(account_ids: list[int]) -> dict[int, dict[date, date]]:
    out: dict[int, dict[date, date]] = defaultdict(dict)
    rows = Reconciliation.objects.filter(
        account_id__in=account_ids, status=Reconciliation.Status.APPROVED
    ).values_list("account_id", "period_end", "approved_at")
    for account_id, end, approved_at in rows:
        out[account_id][end] = timezone.localdate(approved_at)
    return out


def _records(account_ids: list[int]) -> tuple[dict, dict, set[int]]:
    """Filings by (account, rule, period end), notices by entry, and the held ledgers (a hold
    not followed by a release)."""
    filings: dict[int, dict[tuple[str, date], date]] = defaultdict(dict)
    notices: dict[int, date] = {}
    last_hold: dict[int, str] = {}
    rows = (
        DutyRecord.objects.filter(account_id__in=account_ids)
        .order_by("recorded_at", "id")
        .values_list(
            "account_id", "kind", "rule_id", "period_end", "entry_id", "ledger_id", "done_on"
        )
    )
    for account_id, kind, rule_id, end, entry_id, ledger_id, done_on in rows:
        if kind == DutyRecord.Kind.FILED:
            filings[account_id][(rule_id, end)] = done_on
        elif kind == DutyRecord.Kind.NOTICE:
            notices[entry_id] = done_on
        else:
            last_hold[ledger_id] = kind
    held = {lid for lid, kind in last_hold.items() if kind == DutyRecord.Kind.HOLD}
    return filings, notices, held


def _deposits(accounts: list[TrustAccount], notices: dict[int, date], as_of: date) -> dict:
    out: dict[int, list[Deposit]] = defaultdict(list)
    since = Q()
    for a in accounts:
        since |= Q(account_id=a.pk, date__gte=duties_from(a))
    rows = (
        TrustEntry.objects.filter(since, kind=EntryKind.DEPOSIT, ledger__isnull=False)
        .filter(reversed_by__isnull=True, date__lte=as_of)
        .values_list(
            "pk", "account_id", "ledger_id", "date", "amount", "ledger__matter__display_number"
        )
    )
    recent = as_of - timedelta(days=NOTICED_SHOWN_DAYS)
    for pk, account_id, ledger_id, day, amount, matter in rows:
        noticed = notices.get(pk)
        if noticed is None or noticed >= recent:
            out[account_id].append(Deposit(pk, ledger_id, day, amount, matter, noticed))
    return out


def _idle_by(accounts: list[TrustAccount], until: date) -> date | None:
    """The latest last movement that can still bring a ledger watch due by `until` (the
    shortest watch of the accounts' packs before it); None when no pack watches ledgers."""
    days = [
        r.days
        for jurisdiction in {a.jurisdiction for a in accounts}
        for r in pack_for(jurisdiction).rules
        if r.kind in LEDGER_WATCH_KINDS and r.days is not None
    ]
    return until - timedelta(days=min(days)) if days else None


def _ledgers(
    account_ids: list[int], held: set[int], idle_by: date | None
) -> dict[int, list[LedgerFact]]:
    out: dict[int, list[LedgerFact]] = defaultdict(list)
    ledgers = ClientLedger.objects.filter(account_id__in=account_ids)
    if idle_by is not None:
        # A ledger that moved after `idle_by` falls due after the horizon under every watch:
        # leaving it out before summing spares the console most of the firms' entries. Its
        # last movement is a LIMIT 1 per ledger on trust_entry_ledger_date, which PostgreSQL
        # cannot turn into a scan of every entry as it may an anti-join.
        last = TrustEntry.objects.filter(ledger_id=OuterRef("pk")).order_by("-date")
        ledgers = ledgers.annotate(moved=Subquery(last.values("date")[:1])).filter(
            moved__lte=idle_by
        )
    rows = (
        ledgers.annotate(balance=_balance(), last=Max("entries__date"))
        .filter(balance__gt=0)
        .values_list(
            "pk", "account_id", "matter__display_number", "matter__status", "balance", "last"
        )
    )
    for pk, account_id, matter, status, balance, last in rows:
        closed = (status or "").strip().lower() == "closed"
        out[account_id].append(LedgerFact(pk, matter, balance, last, closed, pk in held))
    return out


def account_facts_many(
    *, accounts: list[TrustAccount], as_of: date, horizon_days: int = HORIZON_DAYS
) -> list[AccountFacts]:
    """Four queries for any number of accounts: the facts `evaluate` needs with the same
    `horizon_days`."""
    ids = [a.pk for a in accounts]
    if not ids:
        return []
    reconciled = _reconciled(ids)
    filings, notices, held = _records(ids)
    deposits = _deposits(accounts, notices, as_of)
    until = as_of + timedelta(days=horizon_days)
    ledgers = _ledgers(ids, held, _idle_by(accounts, until))
    return [
        AccountFacts(
            account_id=a.pk,
            account_name=a.name,
            jurisdiction=a.jurisdiction,
            duties_from=duties_from(a),
            reconciled=reconciled[a.pk],
            filings=filings[a.pk],
            deposits=tuple(deposits[a.pk]),
            ledgers=tuple(ledgers[a.pk]),
        )
        for a in accounts
    ]


def duty_items_for_firm(
    *, firm_id: int, as_of: date, account_id: int | None = None
) -> list[DutyItem]:
    accounts = TrustAccount.objects.filter(firm_id=firm_id)
    if account_id is not None:
        accounts = accounts.filter(pk=account_id)
    items: list[DutyItem] = []
    for facts in account_facts_many(accounts=list(accounts), as_of=as_of):
        items += evaluate(facts, as_of=as_of)
    return sorted(items, key=lambda i: (i.due, i.account_name, i.rule.id, i.key))


def duty_items_for_member(
    *, member: Membership, as_of: date, account_id: int | None = None
) -> list[DutyItem]:
    return duty_items_for_firm(firm_id=member.firm_id, as_of=as_of, account_id=account_id)


def duties_overdue(*, member: Membership, as_of: date) -> list[DutyItem]:
    items = duty_items_for_member(member=member, as_of=as_of)
    return [i for i in items if i.status == Status.OVERDUE]


def packs_for_member(*, member: Membership) -> list[tuple[TrustAccount, Pack]]:
    return [
        (a, pack_for(a.jurisdiction)) for a in TrustAccount.objects.filter(firm_id=member.firm_id)
    ]


@dataclass(frozen=True)
class AccountDuties:
    account: TrustAccount
    pack: Pack
    duties_from: date
    overdue: list[DutyItem]
    due_soon: list[DutyItem]
    upcoming: list[DutyItem]
    held: list[ClientLedger]


def ledgers_held(*, account_ids: list[int]) -> list[ClientLedger]:
    """Ledgers whose last hold record is a hold (not yet released)."""
    _, _, held = _records(account_ids)
    return list(ClientLedger.objects.filter(pk__in=held).select_related("matter"))


def duty_calendar_for_member(*, member: Membership, as_of: date) -> list[AccountDuties]:
    """Per account of the firm: its pack, and its open items by status."""
    accounts = list(TrustAccount.objects.filter(firm_id=member.firm_id))
    facts = account_facts_many(accounts=accounts, as_of=as_of)
    held = ledgers_held(account_ids=[a.pk for a in accounts])
    out = []
    for account, f in zip(accounts, facts, strict=True):
        items = evaluate(f, as_of=as_of)
        out.append(
            AccountDuties(
                account=account,
                pack=f.pack,
                duties_from=f.duties_from,
                overdue=[i for i in items if i.status == Status.OVERDUE],
                due_soon=[i for i in items if i.status == Status.DUE_SOON],
                upcoming=[i for i in items if i.status == Status.UPCOMING],
                held=[lg for lg in held if lg.account_id == account.pk],
            )
        )
    return out


@dataclass(frozen=True)
class FirmDuties:
    """A firm's open duties, for the dashboard and the console."""

    overdue: int = 0
    # Open items due within SOON_DAYS (the trust duties page's "due soon"), earliest first.
    due_soon: tuple[DutyItem, ...] = ()


def duties_open_many(*, accounts: list[TrustAccount], as_of: date) -> dict[int, FirmDuties]:
    """Per firm of the accounts, its overdue items counted and its items due soon: the same
    fixed number of queries however many firms and accounts. Only the due-soon window is
    evaluated: what falls due later is neither."""
    firm_of = {a.pk: a.firm_id for a in accounts}
    overdue: dict[int, int] = dict.fromkeys(firm_of.values(), 0)
    soon: dict[int, list[DutyItem]] = {firm_id: [] for firm_id in firm_of.values()}
    for facts in account_facts_many(accounts=accounts, as_of=as_of, horizon_days=SOON_DAYS):
        firm_id = firm_of[facts.account_id]
        for item in evaluate(facts, as_of=as_of, horizon_days=SOON_DAYS):
            if item.status == Status.OVERDUE:
                overdue[firm_id] += 1
            elif item.status == Status.DUE_SOON:
                soon[firm_id].append(item)
    return {
        firm_id: FirmDuties(
            overdue[firm_id],
            tuple(sorted(items, key=lambda i: (i.due, i.account_name, i.rule.id, i.key))),
        )
        for firm_id, items in soon.items()
    }
