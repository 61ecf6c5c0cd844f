"""Reads behind the client-ledger page, the trust overview and the trust API, scoped to the
member's firm. Each costs a fixed number of queries, however many entries or ledgers it covers."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Page
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce, Round
from django.http import Http404

from accounts.models import Membership
from trust.models import (
    ClientLedger,
    TrustAccount,
    TrustEntry,
    TrustException,
    TrustRequest,
    TrustRequestPayment,
)
from trust.selectors import MONEY, ZERO, AccountTotals, balance_month_ends, ledger_entries, signed
from trust.selectors_reconcile import MonthRow, month_list


def _balance(prefix: str = "", **conditions) -> Round:
    # Rounded to the cent in the query: SQLite sums decimals as floats (see trust.selectors).
    condition = Q(**conditions) if conditions else None
    total = Coalesce(Sum(signed(prefix), filter=condition), Value(ZERO), output_field=MONEY)
    return Round(total, 2, output_field=MONEY)


# -- access ---------------------------------------------------------------------------------


def trust_entry_get_for_member(*, member: Membership, entry_id: int) -> TrustEntry:
    """One journal entry of the member's firm; 404 when missing or another firm's."""
    found = (
        TrustEntry.objects.filter(firm_id=member.firm_id, pk=entry_id)
        .select_related("ledger__matter", "account")
        .first()
    )
    if found is None:
        raise Http404("No such trust entry.")
    return found


def trust_exception_get_for_member(*, member: Membership, exception_id: int) -> TrustException:
    found = TrustException.objects.filter(firm_id=member.firm_id, pk=exception_id).first()
    if found is None:
        raise Http404("No such trust exception.")
    return found


def trust_entries_by_key(*, member: Membership, source: str, key: str) -> list[TrustEntry]:
    """The entries a write under this idempotency key made: one entry, or the two legs of a
    transfer (`key:out`, `key:in`) or a bank fee (`key:fee`, `key:cover`)."""
    ids = [key, *(f"{key}:{leg}" for leg in ("out", "in", "fee", "cover"))]
    return list(
        TrustEntry.objects.filter(firm_id=member.firm_id, source=source, source_id__in=ids)
        .select_related("ledger__matter", "account")
        .order_by("pk")
    )


def trust_reversal_by_key(*, entry: TrustEntry, source: str, key: str) -> TrustEntry | None:
    """The reversal of `entry` an earlier request under this key made (a transfer's legs are
    reversed under `key:<leg id>`)."""
    return (
        TrustEntry.objects.filter(
            firm_id=entry.firm_id,
            reverses=entry,
            source=source,
            source_id__in=[key, f"{key}:{entry.pk}"],
        )
        .select_related("ledger__matter", "account")
        .first()
    )


# -- lists ----------------------------------------------------------------------------------


def client_ledgers_for_member(
    *,
    member: Membership,
    account_id: int | None = None,
    search: str = "",
    hide_zero: bool = False,
) -> QuerySet[ClientLedger]:
    """The firm's client ledgers with `balance` annotated, in one query."""
    qs = (
        ClientLedger.objects.filter(firm_id=member.firm_id)
        .select_related("matter__client", "account")
        .annotate(balance=_balance("entries__"))
        .order_by("account__name", "matter__display_number", "pk")
    )
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if search:
        qs = qs.filter(
            Q(matter__display_number__icontains=search)
            | Q(matter__description__icontains=search)
            | Q(matter__client__name__icontains=search)
        )
    if hide_zero:
        qs = qs.exclude(balance=ZERO)
    return qs


def trust_entries_for_member(
    *,
    member: Membership,
    ledger_id: int | None = None,
    account_id: int | None = None,
    kind: str | None = None,
) -> QuerySet[TrustEntry]:
    """The firm's journal, newest first."""
    qs = TrustEntry.objects.filter(firm_id=member.firm_id).order_by("-date", "-id")
    if ledger_id is not None:
        qs = qs.filter(ledger_id=ledger_id)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def trust_exceptions_open(*, member: Membership, ledger: ClientLedger | None = None) -> list:
    qs = TrustException.objects.filter(firm_id=member.firm_id, resolved_at__isnull=True)
    if ledger is not None:
        qs = qs.filter(ledger=ledger)
    related = ("entry__account", "ledger__matter__client")
    return list(qs.select_related(*related).order_by("-raised_at", "pk"))


def account_totals_many(*, account_ids: list[int]) -> dict[int, AccountTotals]:
    """`account_totals` for many accounts in one query; an account without entries is $0."""
    rows = (
        TrustEntry.objects.filter(account_id__in=account_ids)
        .order_by()
        .values("account_id")
        .annotate(
            journal=_balance(),
            client_ledgers=_balance(ledger__isnull=False),
            firm_funds=_balance(ledger__isnull=True),
        )
    )
    found = {
        r["account_id"]: AccountTotals(r["journal"], r["client_ledgers"], r["firm_funds"])
        for r in rows
    }
    return {pk: found.get(pk, AccountTotals(ZERO, ZERO, ZERO)) for pk in account_ids}


def account_journals_many(*, account_ids: list[int]) -> dict[int, Decimal]:
    """Each account's journal balance (what the bank should hold), in one query: the dashboard's
    and the console's figure, without the two splits `account_totals_many` sums besides."""
    rows = (
        TrustEntry.objects.filter(account_id__in=account_ids)
        .order_by()
        .values("account_id")
        .annotate(journal=_balance())
        .values_list("account_id", "journal")
    )
    return {**dict.fromkeys(account_ids, ZERO), **dict(rows)}


# -- the ledger page ------------------------------------------------------------------------


@dataclass
class LedgerView:
    page: Page
    balance: Decimal
    exceptions: list[TrustException]
    # entry id → the id of its reversal, for the entries on the page
    reversed_by: dict[int, int] = field(default_factory=dict)
    # entries on the page awaiting Clio whose reversal (or reversed entry) is not in Clio
    # either: the pair moves no money, so there is nothing to enter in Clio
    netted: set[int] = field(default_factory=set)


def ledger_view(
    *,
    member: Membership,
    ledger: ClientLedger,
    date_from: date | None = None,
    date_to: date | None = None,
    kinds: list[str] | None = None,
    page: int | str = 1,
    per_page: int = 50,
) -> LedgerView:
    """A page of the ledger's entries with their running balance, the ledger's balance, its open
    exceptions and which entries on the page are reversed: six queries (seven with a kind
    filter), whatever the ledger holds."""
    entries = ledger_entries(
        ledger=ledger,
        date_from=date_from,
        date_to=date_to,
        kinds=kinds,
        page=page,
        per_page=per_page,
    )
    ids = [e.pk for e in entries]
    missing = Q(awaits_clio=True, clio_confirmation__isnull=True)
    reversals = TrustEntry.objects.filter(reverses_id__in=ids).values_list(
        "reverses_id", "pk", ExpressionWrapper(missing, output_field=BooleanField())
    )
    reversed_by, missing_reversal = {}, set()
    for reversed_id, pk, reversal_missing in reversals:
        reversed_by[reversed_id] = pk
        if reversal_missing:
            missing_reversal.add(reversed_id)
    netted = {
        e.pk
        for e in entries
        if e.is_awaiting_clio
        and (e.pk in missing_reversal or (e.reverses_id and e.reverses.is_awaiting_clio))
    }
    totals = TrustEntry.objects.filter(ledger=ledger).aggregate(balance=_balance())
    exceptions = trust_exceptions_open(member=member, ledger=ledger)
    return LedgerView(entries, totals["balance"], exceptions, reversed_by, netted)


# -- the overview ---------------------------------------------------------------------------


@dataclass
class AccountSummary:
    account: TrustAccount
    totals: AccountTotals
    open_months: list[MonthRow]
    month_ends: list[tuple[date, Decimal]]


def account_summaries(*, member: Membership, today: date) -> list[AccountSummary]:
    """Per trust account (primary first): totals, months not yet approved, 12 month-ends."""
    accounts = list(TrustAccount.objects.filter(firm_id=member.firm_id))
    totals = account_totals_many(account_ids=[a.pk for a in accounts])
    return [
        AccountSummary(
            account=a,
            totals=totals[a.pk],
            open_months=[
                m
                for m in month_list(account=a, today=today)
                if not (m.reconciliation and m.reconciliation.is_locked)
            ],
            month_ends=balance_month_ends(account=a, today=today),
        )
        for a in accounts
    ]


# -- trust requests ---------------------------------------------------------------------------


def trust_requests_with_owed(qs: QuerySet[TrustRequest]) -> QuerySet[TrustRequest]:
    """Requests with `paid_so_far` (what deposits not reversed have paid toward each) and `owed`
    (what is still asked for; nothing once cancelled or paid), in the same query."""
    # A payment from a deposit reversed since (a bounced cheque) no longer counts.
    counted = Q(payments__entry__reversed_by__isnull=True)
    paid = Round(
        Coalesce(Sum("payments__amount", filter=counted), Value(ZERO), output_field=MONEY),
        2,
        output_field=MONEY,
    )
    return qs.annotate(paid_so_far=paid).annotate(
        owed=Case(
            When(Q(cancelled_at__isnull=False) | Q(paid_by__isnull=False), then=Value(ZERO)),
            default=F("amount") - F("paid_so_far"),
            output_field=MONEY,
        )
    )


@dataclass(frozen=True)
class RequestEvent:
    when: datetime
    what: str  # created, payment, settled, cancelled
    amount: Decimal | None = None
    entry: TrustEntry | None = None
    by: str = ""
    note: str = ""
    reversed_by: int | None = None  # a payment's deposit was reversed by this entry: not counted


@dataclass
class RequestHistory:
    request: TrustRequest
    events: list[RequestEvent]


def trust_request_histories(*, member: Membership, ledger: ClientLedger) -> list[RequestHistory]:
    """Each trust request made through FirmSync for the ledger's matter, newest first, with its
    history: made, every deposit applied to it, paid or cancelled. Two queries."""
    requests = list(
        trust_requests_with_owed(
            TrustRequest.objects.filter(firm_id=member.firm_id, matter_id=ledger.matter_id)
        )
        .select_related("created_by", "cancelled_by")
        .order_by("-created_at", "-id")  # a summing query does not take Meta.ordering
    )
    payments: dict[int, list[TrustRequestPayment]] = {r.pk: [] for r in requests}
    for p in TrustRequestPayment.objects.filter(
        firm_id=member.firm_id, request_id__in=list(payments)
    ).select_related("entry__reversed_by"):
        payments[p.request_id].append(p)
    return [RequestHistory(r, _request_events(r, payments[r.pk])) for r in requests]


def _who(user) -> str:
    return (user.get_full_name() or user.email) if user else ""


def _reversal(payment: TrustRequestPayment) -> int | None:
    try:
        return payment.entry.reversed_by.pk  # loaded by select_related: no query
    except ObjectDoesNotExist:
        return None


def _request_events(req: TrustRequest, payments: list[TrustRequestPayment]) -> list[RequestEvent]:
    events = [RequestEvent(req.created_at, "created", req.amount, by=_who(req.created_by))]
    events += [
        RequestEvent(p.applied_at, "payment", p.amount, entry=p.entry, reversed_by=_reversal(p))
        for p in payments
    ]
    if req.paid_at:
        events.append(RequestEvent(req.paid_at, "settled"))
    if req.cancelled_at:
        by = _who(req.cancelled_by)
        events.append(RequestEvent(req.cancelled_at, "cancelled", by=by, note=req.cancel_reason))
    return events
