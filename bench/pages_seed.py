"""The data behind the page figures (bench/pages.py), written straight to the bench database in
bulk, as the trust pull would have left it: Clio-kept trust accounts whose entries came from
Clio, append-only, every client ledger at or above zero after each entry (the overdraft guard's
rule), reversals naming the entry they reverse.

- `long_matter`: one matter of a long-running case with `entries` ledger entries over ten years.
- `accountant_firms`: an accountant who belongs to `firms` firms, each with two trust accounts,
  40 client ledgers with a year of entries (about 2,000 a firm), approved and unapproved
  months, open exceptions, flagged bills, failed sync records, sync runs, both connections and a
  receivables compare: every figure the console reads has rows behind it."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Firm, Membership, Role, User
from practice.models import Contact, Matter
from sync.models import (
    Connection,
    FlaggedBill,
    Provider,
    ReconcileRun,
    Side,
    SyncOperation,
    SyncRun,
)
from trust.models import ClientLedger, EntryKind, Reconciliation, TrustAccount, TrustEntry
from trust.models import TrustException as Exc

IN, OUT = TrustEntry.Direction.IN, TrustEntry.Direction.OUT
CENT = Decimal("0.01")
# Each of the accountant's firms: a busy year of a small practice's trust money.
FIRM_LEDGERS = 40
LEDGER_ENTRIES = 50


@dataclass(frozen=True)
class LongMatter:
    firm: Firm
    admin: User
    ledger: ClientLedger
    entries: int


@dataclass(frozen=True)
class AccountantFirms:
    accountant: User
    firms: list[Firm]


def _tag() -> str:
    # The bench database is kept between runs and entries cannot be deleted: each run's rows
    # are new ones, named apart.
    return secrets.token_hex(4)


def _user(role: str, tag: str) -> User:
    return User.objects.create_user(email=f"{role}+{tag}@bench.test", password=None)


def _firm(name: str, tag: str) -> Firm:
    # The bench's people have no authenticator app; the pages are the same once one is set up.
    return Firm.objects.create(name=name, slug=f"bench-{tag}", require_mfa=False)


def _ledger(firm: Firm, account: TrustAccount, n: int, tag: str) -> ClientLedger:
    client = Contact.objects.create(
        firm=firm, clio_id=10_000 + n, type="Person", name=f"Client {n} {tag}"
    )
    matter = Matter.objects.create(
        firm=firm,
        client=client,
        clio_id=20_000 + n,
        display_number=f"{n:05d}-Bench",
        description="Estate administration",
        status="open",
    )
    return ClientLedger.objects.create(firm=firm, account=account, matter=matter)


def _entries(ledger: ClientLedger, count: int, start: date, days: int, seed: int) -> list:
    """`count` entries from `start` over `days` days: deposits, disbursements that never take
    the ledger below zero, and every 40th disbursement reversed a few days later."""
    made, balance, prefix = [], Decimal("0.00"), f"bench:{ledger.pk}"
    for i in range(count):
        on = start + timedelta(days=i * days // count)
        amount = Decimal(100 + (i * 7919 + seed) % 4900) + Decimal((i * 37) % 100) * CENT
        deposit = i % 3 == 0 or amount > balance
        balance += amount if deposit else -amount
        made.append(
            TrustEntry(
                firm_id=ledger.firm_id,
                account_id=ledger.account_id,
                ledger=ledger,
                kind=EntryKind.DEPOSIT if deposit else EntryKind.DISBURSEMENT,
                direction=IN if deposit else OUT,
                amount=amount,
                date=on,
                description="Retainer" if deposit else "Court and expert fees",
                payee=f"Payee {i % 50}",
                reference=f"CHK {i}",
                source="clio",
                source_id=f"{prefix}:{i}",
            )
        )
    return made


def _reversals(entries: list[TrustEntry]) -> list[TrustEntry]:
    # A reversed disbursement puts its money back: no ledger can go below zero by it.
    return [
        TrustEntry(
            firm_id=e.firm_id,
            account_id=e.account_id,
            ledger_id=e.ledger_id,
            kind=EntryKind.REVERSAL,
            direction=IN,
            amount=e.amount,
            date=e.date + timedelta(days=3),
            description="Reversal of disbursement",
            reference=e.reference,
            source="clio",
            source_id=f"{e.source_id}:reversal",
            reverses=e,
        )
        for k, e in enumerate(x for x in entries if x.direction == OUT)
        if k % 40 == 39
    ]


def _post(entries: list[TrustEntry]) -> list[TrustEntry]:
    TrustEntry.objects.bulk_create(entries, batch_size=2000)
    TrustEntry.objects.bulk_create(_reversals(entries), batch_size=2000)
    return entries


@transaction.atomic
def long_matter(*, entries: int = 10_000) -> LongMatter:
    tag = _tag()
    firm, admin = _firm(f"Bench Long Matter LLP {tag}", tag), _user("admin", tag)
    Membership.objects.create(firm=firm, user=admin, role=Role.ADMIN)
    account = TrustAccount.objects.create(
        firm=firm, clio_id=1, name="IOLTA Trust Account", is_primary=True
    )
    ledger = _ledger(firm, account, 1, tag)
    # Reversals come on top: the ledger holds `entries` in all.
    first = round(entries / (1 + 1 / 50))
    posted = _post(_entries(ledger, first, timezone.localdate() - timedelta(days=3650), 3640, 1))
    extra = entries - TrustEntry.objects.filter(ledger=ledger).count()
    if extra > 0:
        _post(_entries_after(ledger, posted, extra))
    return LongMatter(firm, admin, ledger, TrustEntry.objects.filter(ledger=ledger).count())


def _entries_after(ledger: ClientLedger, posted: list[TrustEntry], count: int) -> list:
    """Deposits to make up the count, dated on the last day: only money in."""
    last = max(e.date for e in posted)
    return [
        TrustEntry(
            firm_id=ledger.firm_id,
            account_id=ledger.account_id,
            ledger=ledger,
            kind=EntryKind.DEPOSIT,
            direction=IN,
            amount=Decimal("25.00"),
            date=last,
            description="Retainer top-up",
            source="clio",
            source_id=f"bench:{ledger.pk}:top-up:{i}",
        )
        for i in range(count)
    ]


@transaction.atomic
def accountant_firms(*, firms: int = 50) -> AccountantFirms:
    tag = _tag()
    accountant = _user("accountant", tag)
    made = []
    for n in range(firms):
        firm = _firm(f"Bench Client Firm {n:02d} {tag}", f"{tag}-{n}")
        admin = _user(f"admin{n}", tag)
        Membership.objects.create(firm=firm, user=admin, role=Role.ADMIN)
        Membership.objects.create(firm=firm, user=accountant, role=Role.ACCOUNTANT)
        _firm_data(firm, admin, n)
        made.append(firm)
    return AccountantFirms(accountant, made)


def _firm_data(firm: Firm, admin: User, n: int) -> None:
    today = timezone.localdate()
    accounts = [
        TrustAccount.objects.create(firm=firm, clio_id=1, name="IOLTA", is_primary=True),
        TrustAccount.objects.create(firm=firm, clio_id=2, name="Interest-bearing trust"),
    ]
    ledgers = [_ledger(firm, accounts[k % 2], k, f"{n}") for k in range(FIRM_LEDGERS)]
    entries = []
    for k, ledger in enumerate(ledgers):
        entries += _entries(ledger, LEDGER_ENTRIES, today - timedelta(days=400), 390, n * 100 + k)
    _post(entries)
    _months_approved(firm, accounts[0], admin, today)
    for e in entries[:2]:
        Exc.objects.create(firm=firm, kind=Exc.Kind.LOCKED_MONTH, entry=e, ledger_id=e.ledger_id)
    _sync_rows(firm)


def _months_approved(firm: Firm, account: TrustAccount, admin: User, today: date) -> None:
    """The primary account's months approved up to three months ago: the last ones are due or
    overdue, as in a firm that reconciles a little late."""
    end = today.replace(day=1) - timedelta(days=1)
    ends = []
    for _ in range(14):
        ends.append(end)
        end = end.replace(day=1) - timedelta(days=1)
    preparer = User.objects.create_user(email=f"preparer+{secrets.token_hex(4)}@bench.test")
    Reconciliation.objects.bulk_create(
        Reconciliation(
            firm=firm,
            account=account,
            period_end=e,
            status=Reconciliation.Status.APPROVED,
            prepared_by=preparer,
            approved_by=admin,
        )
        for e in ends[3:]
    )


def _sync_rows(firm: Firm) -> None:
    Connection.objects.create(
        firm=firm, provider=Provider.CLIO, side=Side.PRACTICE, external_id=f"us:{firm.slug}"
    )
    books = Connection.objects.create(
        firm=firm, provider=Provider.QUICKBOOKS, side=Side.BOOKS, external_id=f"realm-{firm.slug}"
    )
    SyncRun.objects.bulk_create(
        SyncRun(firm=firm, status=SyncRun.Status.SUCCEEDED) for _ in range(20)
    )
    SyncOperation.objects.bulk_create(
        SyncOperation(
            firm=firm,
            connection=books,
            entity="bill",
            action="create",
            local_id=str(k),
            source_version="e1",
            idempotency_key=secrets.token_hex(16),
            payload={},
            fingerprint="f",
            status=SyncOperation.Status.FAILED if k % 25 == 0 else SyncOperation.Status.DONE,
        )
        for k in range(100)
    )
    for _ in range(3):
        ReconcileRun.objects.create(
            firm=firm,
            connection=books,
            status="succeeded",
            finished_at=timezone.now(),
            ar_clio=Decimal("12650.00"),
            ar_books=Decimal("12500.00"),
        )
    FlaggedBill.objects.bulk_create(
        FlaggedBill(
            firm=firm,
            connection=books,
            bill_clio_id=500_000 + k,
            remote_id=str(9000 + k),
            number=str(1042 + k),
            client_name="Ada Lovelace",
            amount=Decimal("150.00"),
            reason="The invoice has a payment, so FirmSync will not rewrite its lines.",
        )
        for k in range(2)
    )


def connections_retire(*, firms: list[Firm]) -> int:
    """Mark the seeded firms' connections disconnected once measured. An update, not
    connection_disconnect: there is no token to revoke at a provider."""
    return Connection.objects.filter(firm__in=firms).update(
        status=Connection.Status.DISCONNECTED, disconnected_at=timezone.now()
    )
