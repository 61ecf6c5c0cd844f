"""Bills held for approval: the firm's rules (SyncSettings.approval_*) that keep a Clio bill out
of the books until a person approves it on the Bills for approval page.

A bill not yet in the books is held (a BillApproval in status held) when any rule matches:

- amount: its total is over `approval_amount_over`;
- discount: its discount or write-down is over `approval_discount_percent` of its fees, where
  fees = the sum of its positive lines (its subtotal when no lines are mirrored), and
  discount or write-down = the bill-level discount (subtotal + tax - total, what Clio takes off
  the subtotal) + every negative line (a write-down Clio bills as a line of its own).
  Worked example: lines 1,000.00 and -150.00, subtotal 850.00, no tax, a 10 % discount making
  the total 765.00 → (850 - 765) + 150 = 235.00 off 1,000.00 of fees = 23.5 %;
- watch list: its client, or one of its matters, is on the firm's watch list;
- first bill: it is the first bill of one of its matters (no earlier bill of that matter, by
  issue date then Clio id, other than void or deleted ones).

The plan re-checks every held bill each time: if no rule matches any more (a setting changed, the
bill was edited) the hold is released and the bill is sent. An approved bill goes to the books
and stays approved; a rejected one stays out, with its reason, until someone re-opens it.
Bills already in the books are never held.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from practice.models import Bill
from sync.models import BillApproval, SyncSettings

GONE = ("void", "deleted")
HUNDRED = Decimal(100)
BLOCKING = (BillApproval.Status.HELD, BillApproval.Status.REJECTED)
CHUNK = 5000


@dataclass(frozen=True)
class BillFacts:
    """What the rules look at, for one bill."""

    total: Decimal
    sub_total: Decimal
    total_tax: Decimal
    line_totals: tuple[Decimal, ...]
    client_clio_id: int | None
    matter_clio_ids: tuple[int, ...]
    first_of_matter: bool


def discount_share(facts: BillFacts) -> Decimal:
    """The discount and write-downs as a percentage of the fees (see the module docstring)."""
    positive = sum((t for t in facts.line_totals if t > 0), Decimal(0))
    fees = positive if facts.line_totals else facts.sub_total
    if fees <= 0:
        return Decimal(0)
    taken = facts.sub_total + facts.total_tax - facts.total
    written_down = -sum((t for t in facts.line_totals if t < 0), Decimal(0))
    return (max(taken, Decimal(0)) + written_down) * HUNDRED / fees


def rules_on(cfg: SyncSettings) -> bool:
    return bool(
        cfg.approval_amount_over is not None
        or cfg.approval_discount_percent is not None
        or cfg.approval_watch_clients
        or cfg.approval_watch_matters
        or cfg.approval_first_bill
    )


def rules_matched(*, facts: BillFacts, cfg: SyncSettings) -> list[dict]:
    """Each rule that holds the bill, as {rule, why}; [] when it may go to the books."""
    matched = []
    over = cfg.approval_amount_over
    if over is not None and facts.total > over:
        matched.append({"rule": "amount", "why": f"Total {facts.total:,.2f} is over {over:,.2f}."})
    limit = cfg.approval_discount_percent
    share = discount_share(facts)
    if limit is not None and share > limit:
        matched.append(
            {"rule": "discount", "why": f"Discount or write-down {share:.1f} % is over {limit} %."}
        )
    if facts.client_clio_id is not None and facts.client_clio_id in cfg.approval_watch_clients:
        matched.append({"rule": "watch_client", "why": "The client is on the watch list."})
    if set(facts.matter_clio_ids) & set(cfg.approval_watch_matters):
        matched.append({"rule": "watch_matter", "why": "A matter is on the watch list."})
    if cfg.approval_first_bill and facts.first_of_matter:
        matched.append({"rule": "first_bill", "why": "The first bill of a new matter."})
    return matched


RULE_LABELS = {
    "amount": "Over the amount",
    "discount": "Discount or write-down",
    "watch_client": "Client watched",
    "watch_matter": "Matter watched",
    "first_bill": "First bill of a matter",
}


def _matters(bills: list) -> dict[int, list[tuple[int, int, str]]]:
    """Bill pk → [(matter pk, matter clio id, display number)], in one query."""
    through = Bill.matters.through
    out: dict[int, list[tuple[int, int, str]]] = {}
    for start in range(0, len(bills), CHUNK):  # bounded IN lists
        rows = through.objects.filter(
            bill_id__in=[b.pk for b in bills[start : start + CHUNK]]
        ).values_list("bill_id", "matter_id", "matter__clio_id", "matter__display_number")
        for bill_id, matter_id, clio_id, number in rows:
            out.setdefault(bill_id, []).append((matter_id, clio_id, number or ""))
    return out


def _firsts(matter_ids: set[int]) -> dict[int, int]:
    """Matter pk → the pk of its first bill (issue date, then Clio id; void/deleted skipped)."""
    through = Bill.matters.through
    ids = sorted(matter_ids)
    firsts: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):  # bounded IN lists
        rows = (
            through.objects.filter(matter_id__in=ids[start : start + CHUNK])
            .exclude(bill__state__in=GONE)
            .order_by("matter_id", "bill__issued_at", "bill__clio_id")
            .values_list("matter_id", "bill_id")
        )
        for matter_id, bill_id in rows:
            firsts.setdefault(matter_id, bill_id)
    return firsts


def _facts(bill, matters: list[tuple[int, int, str]], firsts: dict[int, int]) -> BillFacts:
    lines = getattr(bill, "line_values", None)
    if lines is None:
        totals = tuple(bill.lines.values_list("total", flat=True))
    else:
        totals = tuple(line[6] for line in lines)
    return BillFacts(
        total=bill.total,
        sub_total=bill.sub_total,
        total_tax=bill.total_tax,
        line_totals=totals,
        client_clio_id=bill.client.clio_id if bill.client else None,
        matter_clio_ids=tuple(clio_id for _, clio_id, _ in matters),
        first_of_matter=any(firsts.get(pk) == bill.pk for pk, _, _ in matters),
    )


def _hold(row: BillApproval | None, firm_id: int, bill, matters, rules: list[dict]) -> None:
    values = {
        "number": (bill.number or "")[:50],
        "client_name": (bill.client.name if bill.client else "")[:255],
        "matter_names": ", ".join(n for _, _, n in matters)[:500],
        "amount": bill.total,
        "rules": rules,
    }
    if row is None:
        BillApproval.objects.create(firm_id=firm_id, bill_clio_id=bill.clio_id, **values)
        return
    if row.status == BillApproval.Status.RELEASED:
        values.update(status=BillApproval.Status.HELD, held_at=timezone.now())
    elif all(getattr(row, k) == v for k, v in values.items()):
        return
    BillApproval.objects.filter(pk=row.pk).update(**values)


def _rows(firm_id: int, bills: list) -> dict[int, BillApproval]:
    """The approval rows of `bills`, by Clio id, read in bounded IN lists."""
    out: dict[int, BillApproval] = {}
    for start in range(0, len(bills), CHUNK):
        chunk = [b.clio_id for b in bills[start : start + CHUNK]]
        for found in BillApproval.objects.filter(firm_id=firm_id, bill_clio_id__in=chunk):
            out[found.bill_clio_id] = found
    return out


def bills_approval_gate(*, firm_id: int, cfg: SyncSettings, bills: list, linked: set[str]):
    """The bills of `bills` that may go to the books: a bill not yet in the books that a rule
    matches is held (or stays held) and left out, a rejected one stays out, an approved one goes.
    Held bills no rule matches any more are released. With every rule off and nothing held this
    costs one query."""
    on = rules_on(cfg)
    if not on and not BillApproval.objects.filter(firm_id=firm_id, status__in=BLOCKING).exists():
        return bills
    candidates = [b for b in bills if str(b.clio_id) not in linked]
    rows = _rows(firm_id, candidates)
    matters = _matters(candidates) if on else {}
    firsts = (
        _firsts({m for ms in matters.values() for m, _, _ in ms}) if cfg.approval_first_bill else {}
    )
    holding: set[int] = set()
    releasing: list[int] = []
    for bill in candidates:
        row = rows.get(bill.clio_id)
        if row is not None and row.status == BillApproval.Status.APPROVED:
            continue
        if row is not None and row.status == BillApproval.Status.REJECTED:
            holding.add(bill.clio_id)
            continue
        found = on and bill.state not in GONE
        rules = (
            rules_matched(facts=_facts(bill, matters.get(bill.pk, []), firsts), cfg=cfg)
            if found
            else []
        )
        if rules:
            _hold(row, firm_id, bill, matters.get(bill.pk, []), rules)
            holding.add(bill.clio_id)
        elif row is not None and row.status == BillApproval.Status.HELD:
            releasing.append(row.pk)
    if releasing:
        BillApproval.objects.filter(pk__in=releasing, status=BillApproval.Status.HELD).update(
            status=BillApproval.Status.RELEASED
        )
    return [b for b in bills if b.clio_id not in holding]


def blocked_bill_ids(*, firm_id: int) -> set[int]:
    """Bills held or rejected: neither they nor their payments go to the books."""
    return set(
        BillApproval.objects.filter(firm_id=firm_id, status__in=BLOCKING).values_list(
            "bill_clio_id", flat=True
        )
    )
