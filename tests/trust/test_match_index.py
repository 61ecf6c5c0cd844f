"""Statement matching answered from indexes gives exactly what scoring every pair gives."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from trust.reconcile import (
    CHEQUE_WINDOW_DAYS,
    DATE_WINDOW_DAYS,
    Candidate,
    Proposal,
    _batch,
    _digits,
    _score,
    propose_matches,
)

START = date(2026, 3, 1)


def by_scoring_every_pair(lines, entries, window=DATE_WINDOW_DAYS) -> list[Proposal]:
    """The rule written out plainly: every line against every free entry of its amount."""
    free = {e.id: e for e in entries}
    proposals, unmatched = [], []
    for line in sorted(lines, key=lambda x: (x.date, x.id)):

        def near(e, line=line):
            gap = (line.date - e.date).days
            if _digits(line.reference) and _digits(line.reference) == _digits(e.reference):
                return -window <= gap <= CHEQUE_WINDOW_DAYS
            return abs(gap) <= window

        found = [e for e in free.values() if e.amount == line.amount and near(e)]
        if not found:
            unmatched.append(line)
            continue
        best = min(found, key=lambda e, line=line: _score(line, e))
        del free[best.id]
        proposals.append(Proposal(line.id, (best.id,)))
    for line in unmatched:
        by_day: dict = {}
        for e in free.values():
            by_day.setdefault(e.date, []).append(e)
        batch = _batch(line, by_day, window)
        if batch:
            for entry_id in batch:
                del free[entry_id]
            proposals.append(Proposal(line.id, batch))
    return proposals


def candidates(draw, n, first_id):
    rows = []
    for k in range(n):
        rows.append(
            Candidate(
                id=first_id + k,
                date=START + timedelta(days=draw(st.integers(0, 12))),
                amount=Decimal(draw(st.sampled_from(["500.00", "-250.00", "1000.00", "250.00"]))),
                reference=draw(st.sampled_from(["", "1001", "CHK 1002", "0001001"])),
                payee=draw(st.sampled_from(["", "Ada Smith", "Jones LLP", "smith"])),
                description=draw(st.sampled_from(["", "retainer", "Smith deposit", "Jones"])),
            )
        )
    return rows


@st.composite
def months(draw):
    entries = candidates(draw, draw(st.integers(0, 25)), 1)
    lines = candidates(draw, draw(st.integers(0, 25)), 1000)
    return lines, entries


@settings(max_examples=300, deadline=None)
@given(months())
def test_it_matches_as_scoring_every_pair_does(month):
    lines, entries = month
    assert propose_matches(lines, entries) == by_scoring_every_pair(lines, entries)
