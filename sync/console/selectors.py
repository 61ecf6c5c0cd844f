"""What needs attention in each firm, read for many firms at once: the firm dashboard's cards
(one firm) and the console (every firm a person belongs to).

Each figure comes from the selector its own page uses (the Trust page's totals, the
reconciliation months, the flagged-bill queue, the Receivables comparison, the Sync page's
connections and failed records), in its many-firm form: the whole read is a fixed number of
queries, however many firms, accounts or records there are. Only firms in the memberships given
are read; callers pass the signed-in person's own memberships."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery

from accounts.models import Membership
from accounts.roles import SEE_FLAGS
from sync.drift.selectors import ArPoint, ar_latest_many, flags_open_counts
from sync.models import Connection, Side, SyncOperation, SyncRun
from sync.selectors import WorkerStatus, connections_active_many
from trust.duties.evaluate import DutyItem
from trust.duties.selectors import FirmDuties, duties_open_many
from trust.models import TrustAccount
from trust.selectors import trust_accounts_for_firms, trust_exceptions_open_counts
from trust.selectors_ledger import account_journals_many
from trust.selectors_reconcile import MonthToApprove, months_to_approve_many

DUE_SOON_SHOWN = 3
NO_DUTIES = FirmDuties()  # a firm without trust accounts


@dataclass(frozen=True)
class TrustBalance:
    account: TrustAccount
    balance: Decimal  # the journal: what the bank should hold


@dataclass(frozen=True)
class SyncHealth:
    clio: Connection | None
    books: Connection | None
    failed: int
    latest: SyncRun | None
    worker: WorkerStatus

    @property
    def problems(self) -> list[str]:
        return self.connection_problems + self.run_problems

    @property
    def connection_problems(self) -> list[str]:
        found = []
        for conn, name in ((self.clio, "Clio"), (self.books, "QuickBooks Online or Xero")):
            if conn is None:
                found.append(f"{name} is not connected.")
            elif conn.status != Connection.Status.CONNECTED:
                label = conn.get_status_display().lower()
                found.append(f"{conn.get_provider_display()}: {label}.")
        return found

    @property
    def run_problems(self) -> list[str]:
        found = []
        if self.failed:
            found.append(f"{self.failed} record{'s' if self.failed != 1 else ''} failed to sync.")
        if self.latest is not None and self.latest.status == SyncRun.Status.FAILED:
            found.append("The last sync run failed.")
        if self.worker.last_beat_at is not None and not self.worker.healthy:
            found.append("The task worker is stopped.")
        return found

    @property
    def healthy(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class FirmHealth:
    member: Membership
    balances: list[TrustBalance]
    exceptions_open: int
    duties_overdue: int  # trust duties of the accounts' rule packs (trust.duties)
    # Their open items due within the trust duties page's "due soon" window, earliest first.
    duties_due_soon: tuple[DutyItem, ...]
    # Months not yet approved, of every trust account, newest first.
    months: list[tuple[TrustAccount, MonthToApprove]]
    flags_open: int | None  # None: the member's role does not review flagged bills
    ar: ArPoint | None  # None: no successful reconcile yet
    sync: SyncHealth

    @property
    def months_due(self) -> list[tuple[TrustAccount, MonthToApprove]]:
        return [(a, m) for a, m in self.months if m.standing == "due"]

    @property
    def months_overdue(self) -> list[tuple[TrustAccount, MonthToApprove]]:
        return [(a, m) for a, m in self.months if m.standing == "overdue"]

    @property
    def duties_due_soon_shown(self) -> tuple[DutyItem, ...]:
        """The console's cell lists the first few; the rest are on the trust duties page."""
        return self.duties_due_soon[:DUE_SOON_SHOWN]

    @property
    def duties_due_soon_more(self) -> int:
        return max(0, len(self.duties_due_soon) - DUE_SOON_SHOWN)

    @property
    def attention(self) -> int:
        """How many things ask for someone: sorts the console's busiest firms first."""
        return (
            self.exceptions_open
            + self.duties_overdue
            + len(self.months_overdue)
            + (self.flags_open or 0)
            + len(self.sync.problems)
        )


def firm_health_many(
    *, memberships: list[Membership], today: date, worker: WorkerStatus
) -> list[FirmHealth]:
    """The figures for each membership's firm, in the order given."""
    firm_ids = [m.firm_id for m in memberships]
    accounts = trust_accounts_for_firms(firm_ids=firm_ids)
    account_ids = [a.pk for a in accounts]
    journals = account_journals_many(account_ids=account_ids)
    months = months_to_approve_many(account_ids=account_ids, today=today)
    exceptions = trust_exceptions_open_counts(firm_ids=firm_ids)
    duties = duties_open_many(accounts=accounts, as_of=today)
    flags = flags_open_counts(firm_ids=firm_ids)
    ar = ar_latest_many(firm_ids=firm_ids)
    conns = connections_active_many(firm_ids=firm_ids)
    failed = _failed_counts(firm_ids=firm_ids)
    latest = _latest_runs(firm_ids=firm_ids)
    by_firm: dict[int, list[TrustAccount]] = {firm_id: [] for firm_id in firm_ids}
    for a in accounts:
        by_firm[a.firm_id].append(a)
    found = []
    for m in memberships:
        mine = by_firm[m.firm_id]
        found.append(
            FirmHealth(
                member=m,
                balances=[TrustBalance(a, journals[a.pk]) for a in mine],
                exceptions_open=exceptions[m.firm_id],
                duties_overdue=duties.get(m.firm_id, NO_DUTIES).overdue,
                duties_due_soon=duties.get(m.firm_id, NO_DUTIES).due_soon,
                months=sorted(
                    ((a, month) for a in mine for month in months[a.pk]),
                    key=lambda x: x[1].period_end,
                    reverse=True,
                ),
                flags_open=flags[m.firm_id] if m.role in SEE_FLAGS else None,
                ar=ar[m.firm_id],
                sync=SyncHealth(
                    clio=conns[m.firm_id][Side.PRACTICE],
                    books=conns[m.firm_id][Side.BOOKS],
                    failed=failed[m.firm_id],
                    latest=latest.get(m.firm_id),
                    worker=worker,
                ),
            )
        )
    return found


def _failed_counts(*, firm_ids: list[int]) -> dict[int, int]:
    """Failed records per firm: what the Sync page lists under Failed."""
    rows = (
        SyncOperation.objects.filter(firm_id__in=firm_ids, status=SyncOperation.Status.FAILED)
        .order_by()
        .values("firm_id")
        .annotate(n=Count("id"))
        .values_list("firm_id", "n")
    )
    return {**dict.fromkeys(firm_ids, 0), **dict(rows)}


def _latest_runs(*, firm_ids: list[int]) -> dict[int, SyncRun]:
    """Each firm's newest sync run (the Sync page's current run), in one query."""
    newest = (
        SyncRun.objects.filter(firm_id=OuterRef("firm_id"))
        .order_by("-started_at", "-id")
        .values("pk")[:1]
    )
    runs = SyncRun.objects.filter(firm_id__in=firm_ids, pk=Subquery(newest))
    return {r.firm_id: r for r in runs}
