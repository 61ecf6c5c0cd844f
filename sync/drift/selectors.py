"""Reads for the flagged-bills queue, one flag (its side-by-side view is sync.drift.sides), the
drift list and the receivables (AR) comparison.

Every list here runs a fixed number of queries however many rows a firm has: the Clio bill a row
names comes in as an annotation, a page's drifts in one prefetch, counts as grouped aggregates.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import cast
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import Membership
from practice.models import Bill
from sync.models import BooksOnlyInvoice, Drift, FlaggedBill, ReconcileRun

CENT = Decimal("0.01")
AR_HISTORY_DAYS = 30
# Hourly runs would put 720 points on a 30-day chart; the latest 120 read better and cost less.
AR_HISTORY_RUNS = 120

# -- filters -------------------------------------------------------------------------------------

# key: (label, at least this many days old, younger than this many days)
AGE_BUCKETS: dict[str, tuple[str, int, int | None]] = {
    "day": ("Less than a day", 0, 1),
    "week": ("1 to 7 days", 1, 7),
    "month": ("8 to 30 days", 7, 30),
    "older": ("More than 30 days", 30, None),
}
FLAG_STATES = {"open": "Open", "closed": "Closed", "all": "All"}
FLAG_SORTS = {
    "newest": ("-flagged_at", "-id"),
    "oldest": ("flagged_at", "id"),
    "amount_desc": ("-amount", "-flagged_at", "-id"),
    "amount_asc": ("amount", "-flagged_at", "-id"),
}
DRIFT_STATES = {"open": "Open", "closed": "Closed", "all": "All"}


@dataclass(frozen=True)
class FlagFilters:
    kind: str = ""
    client: str = ""
    age: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    state: str = "open"
    sort: str = "newest"

    @property
    def narrowed(self) -> bool:
        """True when anything but the default view of open flags is asked for."""
        return bool(
            self.kind
            or self.client
            or self.age
            or self.amount_min is not None
            or self.amount_max is not None
            or self.state != "open"
        )


def _money(raw: str) -> Decimal:
    value = Decimal(raw.replace(",", "").replace("$", "").strip())
    if not value.is_finite() or value < 0:
        raise InvalidOperation
    return value.quantize(CENT)


def flag_filters_parse(params) -> tuple[FlagFilters, dict[str, str]]:
    """Filters from a query string. Unknown values are dropped and named in the errors, so a page
    can show them and the API can refuse them."""
    errors: dict[str, str] = {}
    values: dict = {}
    for name, allowed in (
        ("kind", Drift.Kind.values),
        ("age", AGE_BUCKETS),
        ("state", FLAG_STATES),
        ("sort", FLAG_SORTS),
    ):
        raw = params.get(name, "").strip()
        if raw and raw not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."
        elif raw:
            values[name] = raw
    values["client"] = params.get("client", "").strip()[:100]
    for name in ("amount_min", "amount_max"):
        raw = params.get(name, "").strip()
        if not raw:
            continue
        try:
            values[name] = _money(raw)
        except (InvalidOperation, ValueError):
            errors[name] = "Enter an amount such as 250 or 1200.50."
    filters = FlagFilters(**values)
    if (
        filters.amount_min is not None
        and filters.amount_max is not None
        and filters.amount_min > filters.amount_max
    ):
        errors["amount_max"] = "The largest amount is below the smallest."
    return filters, errors


# -- flagged bills -------------------------------------------------------------------------------


def _bill_pk(firm_field: str = "firm_id") -> Subquery:
    """The id of our mirror of the Clio bill a row names, for a link to its page."""
    bills = Bill.objects.filter(firm_id=OuterRef(firm_field), clio_id=OuterRef("bill_clio_id"))
    return Subquery(bills.values("pk")[:1])


def _flags(member: Membership) -> QuerySet[FlaggedBill]:
    return FlaggedBill.objects.filter(firm_id=member.firm_id)


def flags_list(*, member: Membership, filters: FlagFilters) -> QuerySet[FlaggedBill]:
    """The firm's flagged bills, filtered and sorted, each with its drifts (one prefetch) and the
    id of the Clio bill's page."""
    qs = _flags(member)
    if filters.state == "open":
        qs = qs.filter(status__in=FlaggedBill.OPEN_STATUSES)
    elif filters.state == "closed":
        qs = qs.exclude(status__in=FlaggedBill.OPEN_STATUSES)
    if filters.kind:
        qs = qs.filter(Exists(Drift.objects.filter(flag_id=OuterRef("pk"), kind=filters.kind)))
    if filters.client:
        qs = qs.filter(client_name__icontains=filters.client)
    if filters.age:
        qs = qs.filter(**_age_range(filters.age))
    if filters.amount_min is not None:
        qs = qs.filter(amount__gte=filters.amount_min)
    if filters.amount_max is not None:
        qs = qs.filter(amount__lte=filters.amount_max)
    drifts = Drift.objects.order_by("kind", "id").only("id", "flag_id", "kind", "summary")
    return (
        qs.annotate(bill_pk=_bill_pk())
        .select_related("acted_by")
        .prefetch_related(Prefetch("drifts", queryset=drifts))
        .order_by(*FLAG_SORTS.get(filters.sort, FLAG_SORTS["newest"]))
    )


def _age_range(age: str, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    _, older_than, younger_than = AGE_BUCKETS[age]
    found = {"flagged_at__lte": now - timedelta(days=older_than)}
    if younger_than is not None:
        found["flagged_at__gt"] = now - timedelta(days=younger_than)
    return found


def flag_kind_counts(*, member: Membership) -> dict[str, int]:
    """Open flags per drift class (a flag with two classes counts under both): one query."""
    grouped = (
        Drift.objects.filter(firm_id=member.firm_id, flag__status__in=FlaggedBill.OPEN_STATUSES)
        .values("kind")
        .annotate(n=Count("flag_id", distinct=True))
        .order_by()
    )
    return {g["kind"]: g["n"] for g in grouped}


def flags_open_counts(*, firm_ids: list[int]) -> dict[int, int]:
    """Open flagged bills per firm (the queue's default view), in one query."""
    rows = (
        FlaggedBill.objects.filter(firm_id__in=firm_ids, status__in=FlaggedBill.OPEN_STATUSES)
        .order_by()
        .values("firm_id")
        .annotate(n=Count("id"))
        .values_list("firm_id", "n")
    )
    return {**dict.fromkeys(firm_ids, 0), **dict(rows)}


def flag_get_for_member(*, member: Membership, flag_id: int) -> FlaggedBill:
    """One flagged bill of the member's firm; missing and another firm's give the same 404."""
    found = (
        _flags(member)
        .filter(pk=flag_id)
        .annotate(bill_pk=_bill_pk())
        .select_related("connection", "acted_by")
        .first()
    )
    if found is None:
        raise Http404("No such flagged bill.")
    return found


# -- one flag ------------------------------------------------------------------------------------


def flag_drifts(*, flag: FlaggedBill) -> list[Drift]:
    return list(flag.drifts.order_by("kind", "id"))


def repair_steps(flag: FlaggedBill) -> list[str]:
    steps = (flag.planned_repair or {}).get("steps") or []
    return [
        str(s.get("summary") or s.get("text") or s) if isinstance(s, dict) else str(s)
        for s in steps
    ]


# -- drifts --------------------------------------------------------------------------------------


def drifts_list(*, member: Membership, state: str = "open", kind: str = "") -> QuerySet[Drift]:
    qs = Drift.objects.filter(firm_id=member.firm_id)
    if state == "open":
        qs = qs.filter(status__in=Drift.OPEN_STATUSES)
    elif state == "closed":
        qs = qs.exclude(status__in=Drift.OPEN_STATUSES)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.annotate(bill_pk=_bill_pk()).order_by("-last_seen_at", "-id")


def drift_kind_counts(*, member: Membership) -> dict[str, int]:
    """Open drifts per class: one query."""
    grouped = (
        Drift.objects.filter(firm_id=member.firm_id, status__in=Drift.OPEN_STATUSES)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {g["kind"]: g["n"] for g in grouped}


def drift_get_for_member(*, member: Membership, drift_id: int) -> Drift:
    """One drift of the member's firm; missing and another firm's give the same 404."""
    found = (
        Drift.objects.filter(firm_id=member.firm_id, pk=drift_id)
        .annotate(bill_pk=_bill_pk())
        .first()
    )
    if found is None:
        raise Http404("No such drift.")
    return found


# -- reconcile runs and the AR comparison --------------------------------------------------------


def _runs(member: Membership) -> QuerySet[ReconcileRun]:
    return ReconcileRun.objects.filter(firm_id=member.firm_id).select_related("started_by")


def reconcile_runs(*, member: Membership) -> QuerySet[ReconcileRun]:
    return _runs(member).order_by("-started_at", "-id")


def reconcile_latest(*, member: Membership) -> ReconcileRun | None:
    return reconcile_runs(member=member).first()


def reconcile_run_get_for_member(*, member: Membership, run_id: int) -> ReconcileRun:
    found = _runs(member).filter(pk=run_id).first()
    if found is None:
        raise Http404("No such reconcile run.")
    return found


def _dec(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else "0")).quantize(CENT)
    except InvalidOperation:
        return Decimal("0.00")


@dataclass
class ArRow:
    contact_clio_id: int | None
    name: str
    clio: Decimal
    books: Decimal
    drifts: list[Drift] = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        return self.books - self.clio


@dataclass(frozen=True)
class OutsideRow:
    """An invoice in the books outside Clio, with a balance: history, or made there on purpose."""

    remote_id: str
    number: str
    date: str
    client_name: str
    total: Decimal
    balance: Decimal
    why: str  # history, marked
    mark: BooksOnlyInvoice | None = None

    @property
    def why_words(self) -> str:
        if self.why == "marked":
            return "Made in the books on purpose"
        return "Before the sync start date"


@dataclass(frozen=True)
class ArComparison:
    run: ReconcileRun | None
    rows: list[ArRow]
    unlinked_drifts: list[Drift]
    outside: list[OutsideRow] = field(default_factory=list)

    @property
    def outside_total(self) -> Decimal:
        """The books' receivables on invoices outside Clio: apart from the comparison."""
        if self.run is None or self.run.ar_outside is None:
            return Decimal("0.00")
        return self.run.ar_outside

    @property
    def outside_count(self) -> int:
        return self.run.outside_count if self.run is not None else 0

    @property
    def total_clio(self) -> Decimal:
        return sum((r.clio for r in self.rows), Decimal("0.00"))

    @property
    def total_books(self) -> Decimal:
        return sum((r.books for r in self.rows), Decimal("0.00"))

    @property
    def total_difference(self) -> Decimal:
        return self.total_books - self.total_clio

    @property
    def differing(self) -> list[ArRow]:
        return [r for r in self.rows if r.difference]


def _open_drifts_with_client(member: Membership) -> list[Drift]:
    """Open drifts, each with the Clio id of its bill's client (annotated: one query)."""
    client = Bill.objects.filter(firm_id=OuterRef("firm_id"), clio_id=OuterRef("bill_clio_id"))
    return list(
        Drift.objects.filter(firm_id=member.firm_id, status__in=Drift.OPEN_STATUSES)
        .annotate(client_clio_id=Subquery(client.values("client__clio_id")[:1]))
        .annotate(bill_pk=_bill_pk())
        .order_by("-amount", "id")
    )


def ar_comparison(*, member: Membership) -> ArComparison:
    """Clio's receivables against the books' per client, from the latest successful run, each
    client with the open drifts on its bills: two queries."""
    run = (
        _runs(member)
        .filter(status=ReconcileRun.Status.SUCCEEDED)
        .order_by("-started_at", "-id")
        .first()
    )
    if run is None:
        return ArComparison(None, [], [])
    rows = [
        ArRow(
            r.get("contact_clio_id"), r.get("name") or "", _dec(r.get("clio")), _dec(r.get("books"))
        )
        for r in run.ar_by_client or []
    ]
    by_id = {r.contact_clio_id: r for r in rows if r.contact_clio_id is not None}
    by_name = {r.name.casefold(): r for r in rows if r.name}
    unlinked: list[Drift] = []
    for drift in _open_drifts_with_client(member):
        client_clio_id = drift.client_clio_id  # type: ignore[attr-defined]  # annotated above
        row = by_id.get(client_clio_id) or by_name.get(drift.client_name.casefold())
        (row.drifts if row else unlinked).append(drift)
    rows.sort(key=lambda r: (-abs(r.difference), r.name.casefold()))
    return ArComparison(run, rows, unlinked, _outside_rows(member, run))


def _outside_rows(member: Membership, run: ReconcileRun) -> list[OutsideRow]:
    """The run's invoices outside Clio, each marked one with its mark as it stands now: one
    query."""
    marks = {
        m.remote_id: m
        for m in books_only_invoices(member=member).filter(connection_id=run.connection_id)
    }
    return [
        OutsideRow(
            remote_id=str(o.get("remote_id", "")),
            number=str(o.get("number", "")),
            date=str(o.get("date", "")),
            client_name=str(o.get("client_name", "")),
            total=_dec(o.get("total")),
            balance=_dec(o.get("balance")),
            why=str(o.get("why", "")),
            mark=marks.get(str(o.get("remote_id", ""))),
        )
        for o in run.outside_clio or []
    ]


# -- invoices made in the books on purpose --------------------------------------------------------


def books_only_invoices(*, member: Membership) -> QuerySet[BooksOnlyInvoice]:
    return BooksOnlyInvoice.objects.filter(firm_id=member.firm_id).select_related("marked_by")


def books_only_get_for_member(*, member: Membership, mark_id: int) -> BooksOnlyInvoice:
    """One mark of the member's firm; missing and another firm's give the same 404."""
    found = books_only_invoices(member=member).filter(pk=mark_id).first()
    if found is None:
        raise Http404("No such invoice mark.")
    return found


@dataclass(frozen=True)
class ArPoint:
    at: datetime
    clio: Decimal
    books: Decimal

    @property
    def difference(self) -> Decimal:
        return self.books - self.clio


def ar_history(*, member: Membership, days: int = AR_HISTORY_DAYS) -> list[ArPoint]:
    """The firm's total AR on both sides at each successful run of the last `days` days (at most
    the latest AR_HISTORY_RUNS), oldest first: one query."""
    since = timezone.now() - timedelta(days=days)
    runs = (
        ReconcileRun.objects.filter(
            firm_id=member.firm_id,
            status=ReconcileRun.Status.SUCCEEDED,
            started_at__gte=since,
            ar_clio__isnull=False,
            ar_books__isnull=False,
        )
        .order_by("-started_at", "-id")
        .values_list("started_at", "finished_at", "ar_clio", "ar_books")[:AR_HISTORY_RUNS]
    )
    # The filter above keeps only runs with both totals.
    points = [
        ArPoint(finished or started, cast(Decimal, clio), cast(Decimal, books))
        for started, finished, clio, books in runs
    ]
    return points[::-1]


def ar_latest_many(*, firm_ids: list[int]) -> dict[int, ArPoint | None]:
    """Per firm, both sides' receivables at its latest successful reconcile (the run the
    Receivables page compares), or None before the first: one query."""
    latest = (
        ReconcileRun.objects.filter(
            firm_id=OuterRef("firm_id"), status=ReconcileRun.Status.SUCCEEDED
        )
        .order_by("-started_at", "-id")
        .values("pk")[:1]
    )
    runs = ReconcileRun.objects.filter(
        firm_id__in=firm_ids,
        pk=Subquery(latest),
        ar_clio__isnull=False,
        ar_books__isnull=False,
    ).values_list("firm_id", "started_at", "finished_at", "ar_clio", "ar_books")
    found: dict[int, ArPoint | None] = dict.fromkeys(firm_ids)
    for firm_id, started, finished, clio, books in runs:
        found[firm_id] = ArPoint(finished or started, _dec(clio), _dec(books))
    return found


def ar_chart(points: list[ArPoint]) -> dict:
    """The chart script's data, money as strings: it never goes through a float here."""
    return {
        "labels": [timezone.localtime(p.at).strftime("%Y-%m-%d %H:%M") for p in points],
        "difference": [str(p.difference.quantize(CENT)) for p in points],
        "clio": [str(p.clio.quantize(CENT)) for p in points],
        "books": [str(p.books.quantize(CENT)) for p in points],
    }


def filter_query(filters: FlagFilters, **override) -> str:
    """The queue's query string with one value changed (sort links, pages)."""
    values = {
        "kind": filters.kind,
        "client": filters.client,
        "age": filters.age,
        "amount_min": "" if filters.amount_min is None else str(filters.amount_min),
        "amount_max": "" if filters.amount_max is None else str(filters.amount_max),
        "state": "" if filters.state == "open" else filters.state,
        "sort": "" if filters.sort == "newest" else filters.sort,
        **override,
    }
    return urlencode({k: v for k, v in values.items() if v})
