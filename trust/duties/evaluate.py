"""The duty calendar of one trust account as of a date: a pure function of its rule pack and the
facts read from its records (selectors.py). No database, no clock: every date comes in as an
argument, so the rules are tested with worked examples that just meet and just miss each
deadline (tests/trust/duties/)."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from trust.duties.packs import Every, Pack, Rule, RuleKind, pack_for

SOON_DAYS = 14  # due within two weeks: "due soon", and a reminder goes out
HORIZON_DAYS = 60  # the calendar looks this far ahead


class Status(StrEnum):
    DONE = "done"  # done on or before its due date
    LATE = "late"  # done, after its due date
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    UPCOMING = "upcoming"


OPEN = frozenset({Status.OVERDUE, Status.DUE_SOON, Status.UPCOMING})
# Rules that watch money sitting on a ledger (_ledger_watch): due N days after its last movement.
LEDGER_WATCH_KINDS = frozenset({RuleKind.DISTRIBUTION, RuleKind.DORMANT_LEDGER})


@dataclass(frozen=True)
class Deposit:
    entry_id: int
    ledger_id: int
    date: date
    amount: Decimal
    matter: str
    noticed_on: date | None = None


@dataclass(frozen=True)
class LedgerFact:
    ledger_id: int
    matter: str
    balance: Decimal
    last_activity: date
    matter_closed: bool = False
    held: bool = False  # an amount is disputed: it stays in trust


@dataclass(frozen=True)
class AccountFacts:
    account_id: int
    account_name: str
    jurisdiction: str
    duties_from: date
    reconciled: dict[date, date] = field(default_factory=dict)  # month end -> approved on
    filings: dict[tuple[str, date], date] = field(default_factory=dict)  # (rule, end) -> done on
    deposits: tuple[Deposit, ...] = ()
    ledgers: tuple[LedgerFact, ...] = ()

    @property
    def pack(self) -> Pack:
        return pack_for(self.jurisdiction)


@dataclass(frozen=True)
class DutyItem:
    rule: Rule
    account_id: int
    account_name: str
    key: str  # stable across runs: what a reminder is recorded against
    subject: str
    due: date
    status: Status
    done_on: date | None = None
    period_end: date | None = None
    entry_id: int | None = None
    ledger_id: int | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


# -- dates ------------------------------------------------------------------------------------


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _period_end(every: Every, start: date) -> date:
    if every == Every.MONTH:
        return month_end(start)
    if every == Every.QUARTER:
        return month_end(date(start.year, (start.month - 1) // 3 * 3 + 3, 1))
    if every == Every.YEAR:
        return date(start.year, 12, 31)
    return date(start.year + 1, 12, 31)


def periods(every: Every, first: date, until: date) -> list[tuple[date, date]]:
    """(start, end) of each period from the one holding `first` to the one holding `until`.
    Two-year periods count from `first`'s year (the year duties began)."""
    out: list[tuple[date, date]] = []
    start = first.replace(day=1) if every != Every.TWO_YEARS else date(first.year, 1, 1)
    if every == Every.QUARTER:
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    if every == Every.YEAR:
        start = date(start.year, 1, 1)
    while start <= until:
        end = _period_end(every, start)
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def period_due(rule: Rule, period_end: date) -> date:
    if rule.due_on is not None:
        return date(period_end.year, *rule.due_on)
    return period_end + timedelta(days=rule.due_after_days)


def status_of(*, due: date, done_on: date | None, as_of: date) -> Status:
    """Done on the due date meets it; done the day after is late. Not done: overdue from the
    day after the due date, due soon within SOON_DAYS of it."""
    if done_on is not None and done_on <= as_of:
        return Status.DONE if done_on <= due else Status.LATE
    if as_of > due:
        return Status.OVERDUE
    return Status.DUE_SOON if (due - as_of).days <= SOON_DAYS else Status.UPCOMING


# -- rules ------------------------------------------------------------------------------------


def _item(facts: AccountFacts, rule: Rule, **kw) -> DutyItem:
    return DutyItem(rule=rule, account_id=facts.account_id, account_name=facts.account_name, **kw)


def _periodic(rule: Rule, facts: AccountFacts, as_of: date, until: date) -> list[DutyItem]:
    assert rule.every is not None
    items = []
    for start, end in periods(rule.every, facts.duties_from, until):
        due = period_due(rule, end)
        if due > until:
            continue
        if rule.kind == RuleKind.RECONCILIATION:
            done = facts.reconciled.get(month_end(end))
        else:
            done = facts.filings.get((rule.id, end))
        label = _period_label(rule.every, start, end)
        items.append(
            _item(
                facts,
                rule,
                key=f"{rule.id}:{facts.account_id}:{end.isoformat()}",
                subject=label,
                due=due,
                status=status_of(due=due, done_on=done, as_of=as_of),
                done_on=done,
                period_end=end,
            )
        )
    return items


def _period_label(every: Every, start: date, end: date) -> str:
    if every == Every.MONTH:
        return f"{end:%B %Y}"
    if every == Every.QUARTER:
        return f"Q{(end.month - 1) // 3 + 1} {end.year}"
    if every == Every.YEAR:
        return str(end.year)
    return f"{start.year} to {end.year}"


def _notices(rule: Rule, facts: AccountFacts, as_of: date, until: date) -> list[DutyItem]:
    assert rule.days is not None
    items = []
    for d in facts.deposits:
        due = d.date + timedelta(days=rule.days)
        if d.date < facts.duties_from or due > until:
            continue
        items.append(
            _item(
                facts,
                rule,
                key=f"{rule.id}:{facts.account_id}:entry-{d.entry_id}",
                subject=f"Deposit of {d.amount:,.2f} on {d.date:%d %b %Y} · {d.matter}",
                due=due,
                status=status_of(due=due, done_on=d.noticed_on, as_of=as_of),
                done_on=d.noticed_on,
                entry_id=d.entry_id,
                ledger_id=d.ledger_id,
            )
        )
    return items


def _ledger_watch(rule: Rule, facts: AccountFacts, as_of: date, until: date) -> list[DutyItem]:
    """Money sitting on a ledger: on a closed matter and undisputed (distribution), or on any
    ledger with no activity (dormant). Open until the money moves; a movement starts a new
    item (the key holds the last activity's date)."""
    assert rule.days is not None
    items = []
    for lg in facts.ledgers:
        if lg.balance <= 0:
            continue
        if rule.kind == RuleKind.DISTRIBUTION and (not lg.matter_closed or lg.held):
            continue
        due = lg.last_activity + timedelta(days=rule.days)
        if due > until:
            continue
        items.append(
            _item(
                facts,
                rule,
                key=f"{rule.id}:{facts.account_id}:ledger-{lg.ledger_id}:"
                f"{lg.last_activity.isoformat()}",
                subject=f"{lg.matter}: {lg.balance:,.2f} since {lg.last_activity:%d %b %Y}",
                due=due,
                status=status_of(due=due, done_on=None, as_of=as_of),
                ledger_id=lg.ledger_id,
            )
        )
    return items


def evaluate(
    facts: AccountFacts, *, as_of: date, horizon_days: int = HORIZON_DAYS
) -> list[DutyItem]:
    """Every duty of the account's pack that falls due by `as_of` + `horizon_days`, done or
    not, earliest due first."""
    until = as_of + timedelta(days=horizon_days)
    items: list[DutyItem] = []
    for rule in facts.pack.rules:
        if rule.kind in (RuleKind.RECONCILIATION, RuleKind.FILING):
            items += _periodic(rule, facts, as_of, until)
        elif rule.kind == RuleKind.DEPOSIT_NOTICE:
            items += _notices(rule, facts, as_of, until)
        else:
            items += _ledger_watch(rule, facts, as_of, until)
    return sorted(items, key=lambda i: (i.due, i.rule.id, i.key))
