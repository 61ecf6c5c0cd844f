"""Three-way trust reconciliation and statement matching, as pure functions (no database).

Three-way reconciliation (ABA Model Rule on Financial Recordkeeping; Rules Regulating The
Florida Bar 5-1.2): (A) the bank statement balance adjusted for deposits in transit and
outstanding cheques, (B) the trust journal balance and (C) the total of every client ledger
must agree at the end of each month. FirmSync also sets the books' trust liability beside them.
Every difference is itemised with what it means and what to do about it.
"""

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import combinations
from operator import attrgetter
from typing import NamedTuple

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


# A month is reconciled within this many days of its end (most state bars ask for monthly
# reconciliation, promptly once the statement arrives: ABA Model Rule 1.15 and e.g. Cal. Rule
# 1.15(d)(1)); an unapproved month older than that is overdue.
RECONCILE_WITHIN_DAYS = 30


def month_standing(period_end: date, today: date) -> str:
    """'due' while an unapproved month is within RECONCILE_WITHIN_DAYS of its end, then
    'overdue'. Worked example: on 4 Dec, November (ended 30 Nov) is due, October (ended 31 Oct,
    34 days ago) is overdue."""
    return "overdue" if (today - period_end).days > RECONCILE_WITHIN_DAYS else "due"


@dataclass(frozen=True)
class Item:
    """A journal entry not yet cleared by the bank, or a bank line not yet in the journal.
    `amount` is signed: money into the account positive, money out negative."""

    date: date
    amount: Decimal
    description: str = ""
    reference: str = ""
    key: str = ""
    reverses: str = ""


@dataclass(frozen=True)
class LedgerBalance:
    label: str
    balance: Decimal


@dataclass(frozen=True)
class Inputs:
    period_end: date
    statement_balance: Decimal
    outstanding: Sequence[Item]  # journal entries the bank has not cleared by period end
    bank_only: Sequence[Item]  # statement lines that no journal entry clears
    journal_balance: Decimal
    client_ledgers: Sequence[LedgerBalance]
    firm_funds_balance: Decimal = ZERO  # the firm's own money held to cover bank fees
    books_balance: Decimal | None = None  # None: the books were not read for the period end
    # Where the account's record is: Clio (it keeps the account), or FirmSync's own entries;
    # None: not said (no note).
    kept_in_clio: bool | None = None
    awaiting_clio: Sequence[Item] = ()  # entries made in FirmSync that Clio does not have yet


@dataclass(frozen=True)
class Difference:
    kind: str
    amount: Decimal
    explanation: str


@dataclass(frozen=True)
class Result:
    statement_balance: Decimal
    deposits_in_transit: tuple[Item, ...]
    outstanding_withdrawals: tuple[Item, ...]
    deposits_in_transit_total: Decimal
    outstanding_withdrawals_total: Decimal  # a positive amount, subtracted from the bank
    adjusted_bank_balance: Decimal
    journal_balance: Decimal
    client_ledger_total: Decimal
    firm_funds_balance: Decimal
    ledger_total: Decimal  # client ledgers plus the firm's own bank-fee money
    books_balance: Decimal | None
    bank_only: tuple[Item, ...]
    differences: tuple[Difference, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def ties(self) -> bool:
        return not self.differences


def without_reversed_pairs(items: Iterable[Item]) -> list[Item]:
    """Drop an outstanding entry and its reversal when neither reached the bank: a cheque written
    by mistake and reversed before it was presented never touches the bank balance."""
    items = list(items)
    keys = {i.key for i in items if i.key}
    cancelled = {i.key for i in items if i.reverses in keys} | {
        i.reverses for i in items if i.reverses in keys
    }
    return [i for i in items if not (i.key and i.key in cancelled)]


def reconcile(inputs: Inputs) -> Result:
    outstanding = without_reversed_pairs(inputs.outstanding)
    dit = tuple(i for i in outstanding if i.amount > 0)
    owd = tuple(i for i in outstanding if i.amount < 0)
    dit_total = money(sum((i.amount for i in dit), ZERO))
    owd_total = money(-sum((i.amount for i in owd), ZERO))
    adjusted = money(inputs.statement_balance + dit_total - owd_total)
    client_total = money(sum((lb.balance for lb in inputs.client_ledgers), ZERO))
    ledger_total = money(client_total + inputs.firm_funds_balance)
    journal = money(inputs.journal_balance)
    differences = [
        *_bank_differences(adjusted, journal, inputs.bank_only),
        *_ledger_differences(journal, ledger_total, inputs),
    ]
    notes = []
    if inputs.books_balance is None:
        notes.append(
            f"The books' trust liability was not read for {inputs.period_end:%d %B %Y}, so it "
            "is not part of this reconciliation. Read it from the books and prepare again."
        )
    else:
        differences += _books_differences(journal, money(inputs.books_balance))
    notes += _record_notes(inputs)
    return Result(
        statement_balance=money(inputs.statement_balance),
        deposits_in_transit=dit,
        outstanding_withdrawals=owd,
        deposits_in_transit_total=dit_total,
        outstanding_withdrawals_total=owd_total,
        adjusted_bank_balance=adjusted,
        journal_balance=journal,
        client_ledger_total=client_total,
        firm_funds_balance=money(inputs.firm_funds_balance),
        ledger_total=ledger_total,
        books_balance=None if inputs.books_balance is None else money(inputs.books_balance),
        bank_only=tuple(inputs.bank_only),
        differences=tuple(differences),
        notes=tuple(notes),
    )


def _record_notes(inputs: Inputs):
    """Which record this account keeps, and the entries made in FirmSync that Clio still lacks:
    counted here (journal and client ledgers), not yet in Clio's ledgers."""
    if inputs.kept_in_clio is None:
        return
    if not inputs.kept_in_clio:
        yield "This account is not kept in Clio: FirmSync's entries are its record."
        return
    yield "Clio keeps this account and is its record; entries made here are linked to Clio's."
    if inputs.awaiting_clio:
        n = len(inputs.awaiting_clio)
        total = money(sum((abs(i.amount) for i in inputs.awaiting_clio), ZERO))
        listed = "; ".join(
            f"{i.date:%d %b %Y} {fmt(i.amount)} {i.description}".strip()
            for i in inputs.awaiting_clio
        )
        yield (
            f"{n} entr{'y' if n == 1 else 'ies'} made in FirmSync ({fmt(total)} moved) "
            f"{'is' if n == 1 else 'are'} awaiting Clio: counted here, not yet in Clio's "
            f"ledgers. Enter {'it' if n == 1 else 'them'} in Clio: {listed}."
        )


def _bank_differences(adjusted: Decimal, journal: Decimal, bank_only: Sequence[Item]):
    """Adjusted bank minus journal, explained line by line by what the bank shows and the
    journal does not; whatever is left is unexplained."""
    for line in bank_only:
        what = "took" if line.amount < 0 else "received"
        yield Difference(
            "bank_only",
            money(line.amount),
            f"On {line.date:%d %b %Y} the bank {what} {fmt(abs(line.amount))} "
            f"({line.description or 'no description'}) that is not in the trust journal. "
            + (
                "If it is a bank fee, record it as a bank fee and cover it with firm funds."
                if line.amount < 0
                else "Record the deposit on the client's ledger, or find the entry it belongs to."
            ),
        )
    rest = money(adjusted - journal - sum((i.amount for i in bank_only), ZERO))
    if rest:
        side = "higher" if rest > 0 else "lower"
        yield Difference(
            "bank_unexplained",
            rest,
            f"The adjusted bank balance is {fmt(abs(rest))} {side} than the trust journal with "
            "no statement line to explain it. Look for an entry recorded at a different amount "
            "than the bank shows, or a statement line matched to the wrong entry.",
        )


def _ledger_differences(journal: Decimal, ledger_total: Decimal, inputs: Inputs):
    rest = money(journal - ledger_total)
    if rest:
        yield Difference(
            "journal_ledgers",
            rest,
            f"The trust journal and the client ledgers differ by {fmt(rest)}: an entry is in the "
            "journal but on no client ledger. Put it on the ledger of the matter it belongs to.",
        )
    for lb in inputs.client_ledgers:
        if lb.balance < 0:
            yield Difference(
                "client_overdrawn",
                money(lb.balance),
                f"{lb.label} is overdrawn by {fmt(-lb.balance)}: another client's money paid "
                "for it. No client ledger may go below zero (ABA Model Rule 1.15); restore the "
                "money at once and tell the bar where your state requires it.",
            )
    if inputs.firm_funds_balance < 0:
        yield Difference(
            "firm_funds_short",
            money(inputs.firm_funds_balance),
            f"Bank fees exceed the firm's own money in trust by {fmt(-inputs.firm_funds_balance)}"
            ", so client money paid them. Deposit that much of the firm's money to cover them.",
        )


def _books_differences(journal: Decimal, books: Decimal):
    rest = money(books - journal)
    if rest:
        side = "more" if rest > 0 else "less"
        yield Difference(
            "books_journal",
            rest,
            f"The books show {fmt(abs(rest))} {side} trust liability than the trust journal. "
            "Look for trust entries not yet synced to the books, or entries made in the books "
            "directly.",
        )


# Matching statement lines to journal entries.


class Candidate(NamedTuple):
    """A statement line or a journal entry as matching sees it. A tuple, not a dataclass: a month
    brings tens of thousands, built straight from database rows (`Candidate._make`)."""

    id: int
    date: date
    amount: Decimal  # signed, as the bank sees the account
    reference: str = ""
    payee: str = ""
    description: str = ""


@dataclass(frozen=True)
class Proposal:
    line_id: int
    entry_ids: tuple[int, ...]


DATE_WINDOW_DAYS = 5
# A cheque with the same number may be presented long after it was written.
CHEQUE_WINDOW_DAYS = 90
# Deposit batches are searched among at most this many entries of one day (2^12 subsets).
BATCH_LIMIT = 12


# Bank descriptions, payees and references repeat from line to line ("Reference transaction",
# the same few payees), so each distinct text is read once.
@lru_cache(maxsize=65536)
def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit()).lstrip("0")


@lru_cache(maxsize=65536)
def _words(text: str) -> frozenset[str]:
    return frozenset(
        w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split() if len(w) > 2
    )


def _score(line: Candidate, entry: Candidate) -> tuple:
    same_ref = bool(_digits(line.reference)) and _digits(line.reference) == _digits(entry.reference)
    line_words = _words(f"{line.payee} {line.description} {line.reference}")
    payee_hit = bool(_words(entry.payee) & line_words)
    return (not same_ref, not payee_hit, abs((line.date - entry.date).days), entry.id)


def propose_matches(
    lines: Sequence[Candidate], entries: Sequence[Candidate], window_days: int = DATE_WINDOW_DAYS
) -> list[Proposal]:
    """One-to-one first (same amount; same cheque number within 90 days, else within the window,
    with cheque number, payee and then nearest date breaking ties), then deposit batches: several
    same-day entries that sum to one line."""
    index = _SingleIndex(entries)
    proposals: list[Proposal] = []
    unmatched: list[Candidate] = []
    for line in sorted(lines, key=attrgetter("date", "id")):
        best = index.best(line, window_days)
        if best is None:
            unmatched.append(line)
            continue
        index.take(best)
        proposals.append(Proposal(line.id, (best.id,)))
    free_by_day: dict[date, list[Candidate]] = {}
    for e in entries:
        if e.id not in index.taken:
            free_by_day.setdefault(e.date, []).append(e)
    for line in unmatched:
        batch = _batch(line, free_by_day, window_days)
        if batch:
            for entry_id in batch:
                index.taken.add(entry_id)
            for day, group in list(free_by_day.items()):
                free_by_day[day] = [e for e in group if e.id not in index.taken]
            proposals.append(Proposal(line.id, batch))
    return proposals


class _Days:
    """Entries by day, each day's ids ascending; taken ids are skipped as they reach the front."""

    def __init__(self):
        self.days: dict[date, list[Candidate]] = {}
        self.front: dict[date, int] = {}

    def add(self, e: Candidate) -> None:
        self.days.setdefault(e.date, []).append(e)

    def seal(self) -> None:
        for group in self.days.values():
            group.sort(key=lambda e: e.id)
        self.front = dict.fromkeys(self.days, 0)

    def first(self, day: date, taken: set[int]) -> Candidate | None:
        group = self.days.get(day)
        if not group:
            return None
        k = self.front[day]
        while k < len(group) and group[k].id in taken:
            k += 1
        self.front[day] = k
        return group[k] if k < len(group) else None


class _SingleIndex:
    """The one-to-one rule of `_score`, answered from indexes instead of a scan: a month whose
    thousands of entries share a few amounts and days (retainers, standard fees) stays linear.

    Ties break as `_score` orders them: same cheque number, then a payee word in the line, then
    the nearest date, then the lowest entry id."""

    def __init__(self, entries: Iterable[Candidate]):
        self.taken: set[int] = set()
        self.by_ref: dict[tuple[Decimal, str], list[Candidate]] = {}
        self.by_word: dict[tuple[Decimal, str], _Days] = {}
        self.by_amount: dict[Decimal, _Days] = {}
        for e in entries:
            ref = _digits(e.reference)
            if ref:
                self.by_ref.setdefault((e.amount, ref), []).append(e)
            for word in _words(e.payee):
                _days_of(self.by_word, (e.amount, word)).add(e)
            _days_of(self.by_amount, e.amount).add(e)
        for days in (*self.by_word.values(), *self.by_amount.values()):
            days.seal()

    def take(self, e: Candidate) -> None:
        self.taken.add(e.id)

    def best(self, line: Candidate, window: int) -> Candidate | None:
        ref = _digits(line.reference)
        if ref:
            cheques = [
                e
                for e in self.by_ref.get((line.amount, ref), ())
                if e.id not in self.taken
                and -window <= (line.date - e.date).days <= CHEQUE_WINDOW_DAYS
            ]
            if cheques:
                return min(cheques, key=lambda e: _score(line, e))
        words = _words(f"{line.payee} {line.description} {line.reference}")
        named = [self.by_word[k] for w in words if (k := (line.amount, w)) in self.by_word]
        if named:
            found = self._nearest(line, named, window)
            if found is not None:
                return found
        same = self.by_amount.get(line.amount)
        return self._nearest(line, [same], window) if same else None

    def _nearest(self, line: Candidate, indexes: list[_Days], window: int) -> Candidate | None:
        """The lowest-id free entry on the nearest day that has one."""
        for gap in range(window + 1):
            days = (line.date,) if gap == 0 else (line.date - _DAY * gap, line.date + _DAY * gap)
            found = None
            for idx in indexes:
                for day in days:
                    e = idx.first(day, self.taken)
                    if e is not None and (found is None or e.id < found.id):
                        found = e
            if found is not None:
                return found
        return None


_DAY = timedelta(days=1)


def _days_of(index: dict, key) -> _Days:
    # Not setdefault(key, _Days()): that builds a _Days for every entry, kept or not.
    days = index.get(key)
    if days is None:
        days = index[key] = _Days()
    return days


def _batch(
    line: Candidate, free_by_day: dict[date, list[Candidate]], window: int
) -> tuple[int, ...]:
    by_day: dict[date, list[Candidate]] = {}
    for gap in range(-window, window + 1):
        day = line.date + _DAY * gap
        same_sign = [e for e in free_by_day.get(day, ()) if (e.amount > 0) == (line.amount > 0)]
        if same_sign:
            by_day[day] = same_sign
    for day in sorted(by_day, key=lambda d: (abs((line.date - d).days), d)):
        group = sorted(by_day[day], key=lambda e: e.id)[:BATCH_LIMIT]
        for size in range(2, len(group) + 1):
            for combo in combinations(group, size):
                if sum((e.amount for e in combo), ZERO) == line.amount:
                    return tuple(e.id for e in combo)
    return ()
