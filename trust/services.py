"""Writes to the trust journal. Entries are appended, never edited; a correction is a reversal.

Every entry FirmSync (or the API) makes that takes money off a client ledger first locks the
ledger row (`select_for_update`), then sums its entries and refuses an overdraft: ABA Model Rule
1.15 and every state rule built on it forbid a negative client balance, even when the pooled
account is positive. Ledgers are always locked in id order, so two opposite transfers cannot
deadlock. Entries from Clio (the record) are kept even when they overdraw; they raise a
TrustException at once instead.
"""

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date as Date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import limits
from accounts.bulk import bulk_upsert
from accounts.models import Membership, Role, User
from practice.models import Bill, Matter
from trust import reconcile
from trust.errors import TrustAlreadyReversed, TrustError, TrustOverdraft
from trust.models import (
    KINDS_IN,
    KINDS_WITHOUT_MATTER,
    ClientLedger,
    EntryKind,
    EntrySource,
    Reconciliation,
    TrustAccount,
    TrustEntry,
    TrustException,
)
from trust.selectors import ledger_balances
from trust.services_reconcile import period_assert_open

logger = logging.getLogger("firmsync.trust")

CENT = Decimal("0.01")
IN, OUT = TrustEntry.Direction.IN, TrustEntry.Direction.OUT


def usd(value: Decimal) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _amount(amount, most: Decimal = limits.MONEY_MAX) -> Decimal:
    """Whole cents, more than zero and at most `most` (the one money range, accounts.limits)."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise TrustError(f"{str(amount)[:40]!r} is not an amount of money.") from None
    if not value.is_finite() or value <= 0:
        raise TrustError("The amount must be more than $0.00.")
    if value > most:
        raise TrustError(
            f"{str(amount)[:40]} is more than FirmSync accepts for one entry ({usd(most)}); "
            "check the number of digits."
        )
    if value != value.quantize(CENT):
        raise TrustError(f"{value} has fractions of a cent; trust amounts are whole cents.")
    return value.quantize(CENT)


# What a Clio entry may be: anything the column holds (Clio is the record, its rows are kept).
COLUMN_MAX = Decimal("999999999999.99")

LOCKED_REMEDY = (
    "Date it in a month that is not approved; to correct an entry of a locked month, reverse it "
    "with an entry dated today."
)


def _date(day: Date | str) -> Date:
    """The entry's date inside the one window of dates (accounts.limits); an ISO string (as a
    caller holding a payload may pass) is read first."""
    try:
        return limits.date_in_window(Date.fromisoformat(day) if isinstance(day, str) else day)
    except ValueError:
        raise TrustError(f"{str(day)[:40]!r} is not a date (YYYY-MM-DD).") from None
    except ValidationError as exc:
        raise TrustError(exc.messages) from None


def _open(account_id: int, day: Date, what: str) -> None:
    """Refuse an entry dated inside an approved, locked reconciliation month. Call it inside the
    writing transaction (period_assert_open locks the month's row)."""
    period_assert_open(
        account_id=account_id,
        period_end=day,
        doing=f"{what} dated {day:%d %b %Y}",
        remedy=LOCKED_REMEDY,
    )


def _article(what: str) -> str:
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def _source_id(source: str, source_id: str | None) -> str:
    if source_id:
        return source_id
    if source == EntrySource.CLIO:
        raise TrustError("An entry from Clio needs the Clio transaction as its source_id.")
    return f"{source}:{uuid.uuid4()}"


# -- ledgers --------------------------------------------------------------------------------


def client_ledger_open(*, account: TrustAccount, matter: Matter) -> ClientLedger:
    """The matter's ledger in the account, opened on first use. Race safe: get_or_create falls
    back to reading the row when a concurrent caller's insert wins the unique constraint."""
    if matter.firm_id != account.firm_id:
        raise TrustError("The matter and the trust account belong to different firms.")
    ledger, _ = ClientLedger.objects.get_or_create(
        account=account, matter=matter, defaults={"firm_id": account.firm_id}
    )
    return ledger


def _lock(ledger_ids: Iterable[int]) -> dict[int, Decimal]:
    """Lock the ledgers (id order: no deadlock between two callers) and return their balances.
    `order_by("pk")` also keeps the lock off the matter rows the default ordering would join."""
    ids = sorted(set(ledger_ids))
    list(ClientLedger.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
    return ledger_balances(ledger_ids=ids)


def _refuse_overdraft(ledger: ClientLedger, balance: Decimal, amount: Decimal, what: str) -> None:
    if amount > balance:
        raise TrustOverdraft(
            f"{ledger.matter} has {usd(balance)} available in trust; this {what} of "
            f"{usd(amount)} would overdraw it."
        )


def _existing(firm_id: int, source: str, source_id: str) -> TrustEntry | None:
    """The entry an earlier request under this source id made, marked `replayed` so the API
    can answer a retry that raced its first call with 200, as it does any other retry."""
    found = TrustEntry.objects.filter(firm_id=firm_id, source=source, source_id=source_id).first()
    if found is not None:
        found.replayed = True
    return found


def _create(**fields) -> TrustEntry:
    """Insert one entry. A replayed source id (an API retry) returns the entry already made."""
    try:
        with transaction.atomic():
            return TrustEntry.objects.create(**fields)
    except IntegrityError:
        found = _existing(fields["firm_id"], fields["source"], fields["source_id"])
        if found is None:
            raise
        return found


@dataclass(frozen=True)
class _Memo:
    date: Date
    description: str = ""
    payee: str = ""
    reference: str = ""
    created_by: User | None = None
    source: str = EntrySource.FIRMSYNC
    source_id: str | None = None

    def fields(self) -> dict:
        return {
            "date": self.date,
            "description": self.description,
            "payee": self.payee,
            "reference": self.reference,
            "created_by": self.created_by,
            "source": self.source,
        }


def _post_in(*, ledger: ClientLedger, kind: str, amount, memo: _Memo) -> TrustEntry:
    amount, source_id = _amount(amount), _source_id(memo.source, memo.source_id)
    memo = replace(memo, date=_date(memo.date))
    with transaction.atomic():
        _open(ledger.account_id, memo.date, _article(EntryKind(kind).label.lower()))
        return _create(
            firm_id=ledger.firm_id,
            account_id=ledger.account_id,
            ledger=ledger,
            kind=kind,
            direction=IN,
            amount=amount,
            source_id=source_id,
            **memo.fields(),
        )


def _post_out(
    *, ledger: ClientLedger, kind: str, amount, memo: _Memo, bill: Bill | None = None
) -> TrustEntry:
    amount, source_id = _amount(amount), _source_id(memo.source, memo.source_id)
    memo = replace(memo, date=_date(memo.date))
    with transaction.atomic():
        balance = _lock([ledger.pk])[ledger.pk]
        # A retried request under the same key is answered with its entry, not checked again.
        found = memo.source_id and _existing(ledger.firm_id, memo.source, source_id)
        if found:
            return found
        _open(ledger.account_id, memo.date, _article(EntryKind(kind).label.lower()))
        _refuse_overdraft(ledger, balance, amount, EntryKind(kind).label.lower())
        return _create(
            firm_id=ledger.firm_id,
            account_id=ledger.account_id,
            ledger=ledger,
            kind=kind,
            direction=OUT,
            amount=amount,
            source_id=source_id,
            bill=bill,
            **memo.fields(),
        )


# -- money in and out of one ledger ---------------------------------------------------------


def trust_deposit_record(
    *,
    ledger: ClientLedger,
    amount: Decimal,
    date: Date,
    description: str = "",
    payee: str = "",
    reference: str = "",
    created_by: User | None = None,
    source: str = EntrySource.FIRMSYNC,
    source_id: str | None = None,
) -> TrustEntry:
    """Client money received into trust, deposited intact (no split deposits)."""
    memo = _Memo(date, description, payee, reference, created_by, source, source_id)
    return _post_in(ledger=ledger, kind=EntryKind.DEPOSIT, amount=amount, memo=memo)


def trust_disbursement_record(
    *,
    ledger: ClientLedger,
    amount: Decimal,
    date: Date,
    description: str = "",
    payee: str = "",
    reference: str = "",
    created_by: User | None = None,
    source: str = EntrySource.FIRMSYNC,
    source_id: str | None = None,
) -> TrustEntry:
    """A payment out of the client's money to a third party (a cheque or wire)."""
    memo = _Memo(date, description, payee, reference, created_by, source, source_id)
    return _post_out(ledger=ledger, kind=EntryKind.DISBURSEMENT, amount=amount, memo=memo)


def trust_refund_record(
    *,
    ledger: ClientLedger,
    amount: Decimal,
    date: Date,
    description: str = "",
    payee: str = "",
    reference: str = "",
    created_by: User | None = None,
    source: str = EntrySource.FIRMSYNC,
    source_id: str | None = None,
) -> TrustEntry:
    """Unused client money returned to the client."""
    memo = _Memo(date, description, payee, reference, created_by, source, source_id)
    return _post_out(ledger=ledger, kind=EntryKind.REFUND, amount=amount, memo=memo)


def trust_earned_fee_transfer(
    *,
    ledger: ClientLedger,
    amount: Decimal,
    date: Date,
    description: str = "",
    reference: str = "",
    created_by: User | None = None,
    source: str = EntrySource.FIRMSYNC,
    source_id: str | None = None,
) -> TrustEntry:
    """Earned, undisputed fees moved to the operating account (leaving them is commingling)."""
    memo = _Memo(date, description, "", reference, created_by, source, source_id)
    return _post_out(ledger=ledger, kind=EntryKind.EARNED_FEE, amount=amount, memo=memo)


def trust_bill_payment_record(
    *,
    ledger: ClientLedger,
    bill: Bill,
    amount: Decimal,
    date: Date,
    description: str = "",
    reference: str = "",
    created_by: User | None = None,
    source: str = EntrySource.FIRMSYNC,
    source_id: str | None = None,
) -> TrustEntry:
    """A bill of the matter paid from the client's trust money."""
    if bill.firm_id != ledger.firm_id or not bill.matters.filter(pk=ledger.matter_id).exists():
        raise TrustError("Trust money pays only a bill of the same matter.")
    if _amount(amount) > bill.balance:
        raise TrustError(
            f"{usd(_amount(amount))} is more than the {usd(bill.balance)} due on the bill."
        )
    text = description or f"Payment of bill {bill.number or bill.clio_id}"
    memo = _Memo(date, text, "", reference, created_by, source, source_id)
    return _post_out(
        ledger=ledger, kind=EntryKind.BILL_PAYMENT, amount=amount, memo=memo, bill=bill
    )


# -- between ledgers, and outside them ------------------------------------------------------


def trust_transfer_record(
    *,
    from_ledger: ClientLedger,
    to_ledger: ClientLedger,
    amount: Decimal,
    date: Date,
    description: str = "",
    reference: str = "",
    created_by: User | None = None,
    source: str = EntrySource.FIRMSYNC,
    source_id: str | None = None,
) -> tuple[TrustEntry, TrustEntry]:
    """Move money from one matter's ledger to another's in the same account: two legs sharing a
    transfer_group, `<source_id>:out` and `<source_id>:in`. Returns (out leg, in leg)."""
    if from_ledger.pk == to_ledger.pk:
        raise TrustError("A transfer needs two different matters.")
    if from_ledger.account_id != to_ledger.account_id:
        raise TrustError("Both matters' ledgers must be in the same trust account.")
    amount, key, date = _amount(amount), _source_id(source, source_id), _date(date)
    memo = _Memo(date, description, "", reference, created_by, source, key)
    group = uuid.uuid4()
    with transaction.atomic():
        balance = _lock([from_ledger.pk, to_ledger.pk])[from_ledger.pk]
        found = source_id and _existing(from_ledger.firm_id, source, f"{key}:out")
        if found:
            return found, _existing(from_ledger.firm_id, source, f"{key}:in")
        _open(from_ledger.account_id, date, "a transfer")
        _refuse_overdraft(from_ledger, balance, amount, "transfer")
        legs = [
            (from_ledger, EntryKind.TRANSFER_OUT, OUT, f"{key}:out"),
            (to_ledger, EntryKind.TRANSFER_IN, IN, f"{key}:in"),
        ]
        made = [
            TrustEntry.objects.create(
                firm_id=from_ledger.firm_id,
                account_id=from_ledger.account_id,
                ledger=ledger,
                kind=kind,
                direction=direction,
                amount=amount,
                source_id=leg_id,
                transfer_group=group,
                **memo.fields(),
            )
            for ledger, kind, direction, leg_id in legs
        ]
    return made[0], made[1]


def trust_bank_fee_record(
    *,
    account: TrustAccount,
    amount: Decimal,
    date: Date,
    description: str = "Bank fee",
    reference: str = "",
    created_by: User | None = None,
    source: str = EntrySource.FIRMSYNC,
    source_id: str | None = None,
) -> tuple[TrustEntry, TrustEntry]:
    """A bank charge, covered at once by the firm's own money (the one use of lawyer funds in
    trust the ABA rule allows), so no client pays it. On no ledger; returns (fee, cover)."""
    amount, key, date = _amount(amount), _source_id(source, source_id), _date(date)
    memo = _Memo(date, description, "", reference, created_by, source, key)
    with transaction.atomic():
        found = source_id and _existing(account.firm_id, source, f"{key}:fee")
        if found:
            return found, _existing(account.firm_id, source, f"{key}:cover")
        _open(account.pk, date, "a bank fee")
        made = [
            TrustEntry.objects.create(
                firm_id=account.firm_id,
                account=account,
                ledger=None,
                kind=kind,
                direction=direction,
                amount=amount,
                source_id=f"{key}:{suffix}",
                **memo.fields(),
            )
            for kind, direction, suffix in (
                (EntryKind.BANK_FEE, OUT, "fee"),
                (EntryKind.FIRM_FUNDS, IN, "cover"),
            )
        ]
    return made[0], made[1]


# -- reversals ------------------------------------------------------------------------------


def trust_entry_reverse(
    *,
    entry: TrustEntry,
    date: Date,
    description: str = "",
    created_by: User | None = None,
    source: str = EntrySource.FIRMSYNC,
    source_id: str | None = None,
) -> TrustEntry:
    """Correct a posted entry by an opposite one of the same amount on the same ledger, naming
    it in `reverses`. An entry is reversed once; a reversal that takes money off a ledger is
    refused like any withdrawal. A leg of a transfer reverses both legs (a single leg would
    create or destroy money); the reversal of `entry` is returned."""
    if entry.kind == EntryKind.REVERSAL:
        raise TrustError("A reversal cannot itself be reversed; post the entry again instead.")
    if entry.ledger_id is None:
        # The database keeps every entry but bank fees and firm funds on a client ledger
        # (trust_entry_client_money_on_a_ledger), so their corrections are entries of their own.
        raise TrustError(
            "Bank fees and the firm's own funds are on no client ledger and are not reversed; "
            "record the bank's refund of the fee as a new entry instead."
        )
    key, date = _source_id(source, source_id), _date(date)
    with transaction.atomic():
        _open(entry.account_id, date, "a reversal")
        legs = _legs(entry)
        balances = _lock(leg.ledger_id for leg in legs if leg.ledger_id)
        if TrustEntry.objects.filter(reverses__in=legs).exists():
            raise TrustAlreadyReversed(
                f"This {entry.get_kind_display().lower()} is already reversed."
            )
        for leg in legs:
            if leg.direction == IN and leg.ledger_id:
                ledger = ClientLedger.objects.select_related("matter").get(pk=leg.ledger_id)
                _refuse_overdraft(ledger, balances[leg.ledger_id], leg.amount, "reversal")
        made = {
            leg.pk: _reversal_of(
                leg,
                date,
                description,
                created_by,
                source,
                key if len(legs) == 1 else f"{key}:{leg.pk}",
            )
            for leg in legs
        }
    return made[entry.pk]


def _legs(entry: TrustEntry) -> list[TrustEntry]:
    if entry.transfer_group is None:
        return [entry]
    return list(
        TrustEntry.objects.filter(
            firm_id=entry.firm_id, transfer_group=entry.transfer_group, reverses__isnull=True
        ).order_by("pk")
    )


def _reversal_of(entry, date, description, created_by, source, source_id) -> TrustEntry:
    # The reverses column is unique: a concurrent second reversal of a ledger-less entry (no
    # ledger row to lock) fails here rather than posting twice.
    try:
        with transaction.atomic():
            return _reversal_create(entry, date, description, created_by, source, source_id)
    except IntegrityError:
        if TrustEntry.objects.filter(reverses=entry).exists():
            raise TrustAlreadyReversed("This entry is already reversed.") from None
        raise


def _reversal_create(entry, date, description, created_by, source, source_id) -> TrustEntry:
    return TrustEntry.objects.create(
        firm_id=entry.firm_id,
        account_id=entry.account_id,
        ledger_id=entry.ledger_id,
        kind=EntryKind.REVERSAL,
        direction=OUT if entry.direction == IN else IN,
        amount=entry.amount,
        date=date,
        description=description or f"Reversal of {entry.get_kind_display().lower()}",
        payee=entry.payee,
        reference=entry.reference,
        source=source,
        source_id=source_id,
        reverses=entry,
        bill_id=entry.bill_id,
        created_by=created_by,
    )


# -- Clio, the record -----------------------------------------------------------------------


@dataclass(frozen=True)
class ClioEntry:
    """One Clio bank transaction, mapped: `matter_id` is the mirror's Matter pk (None only for a
    bank fee or the firm's own money); source_id names the transaction (bank_transaction:123)."""

    source_id: str
    kind: str
    direction: str
    amount: Decimal
    date: Date
    matter_id: int | None = None
    description: str = ""
    payee: str = ""
    reference: str = ""
    transfer_group: uuid.UUID | None = None
    bill_id: int | None = None


@dataclass
class ImportResult:
    entries: dict[str, TrustEntry]  # every row's entry by source_id, new or already recorded
    created: int
    exceptions: list[TrustException]


def trust_entry_import(*, account: TrustAccount, row: ClioEntry) -> TrustEntry:
    """Record one Clio transaction exactly once (see trust_entries_import)."""
    return trust_entries_import(account=account, rows=[row]).entries[row.source_id]


def trust_entries_import(*, account: TrustAccount, rows: list[ClioEntry]) -> ImportResult:
    """Record Clio transactions, each exactly once however often (or concurrently) it is seen,
    in a fixed number of queries per call. Clio is the record: an entry that takes a ledger
    below zero is kept, and raises a TrustException (and an email to the accountants) at once."""
    rows = list({r.source_id: _clio_valid(r) for r in rows}.values())
    if not rows:
        return ImportResult({}, 0, [])
    firm_id = account.firm_id
    with transaction.atomic():
        ledgers = _ledgers_for(account, {r.matter_id for r in rows if r.matter_id})
        balances = _lock(ledgers.values())
        seen = _clio_entries(firm_id, [r.source_id for r in rows])
        new = [_clio_entry(account, ledgers, r) for r in rows if r.source_id not in seen]
        # Concurrent imports of the same ledger wait on its lock above; ON CONFLICT DO NOTHING
        # covers ledger-less entries, where the unique (firm, source, source_id) decides.
        bulk_upsert(TrustEntry, new, unique=("firm_id", "source", "source_id"), update=())
        entries = {**seen, **_clio_entries(firm_id, [e["source_id"] for e in new])}
        made = [entries[e["source_id"]] for e in new]
        exceptions = _overdrafts(made, balances) + _locked_month_entries(account, made)
        if exceptions:
            ids = [x.pk for x in exceptions]
            transaction.on_commit(lambda: trust_exceptions_email(exception_ids=ids))
    return ImportResult(entries, len(made), exceptions)


def _clio_valid(row: ClioEntry) -> ClioEntry:
    amount = _amount(row.amount, COLUMN_MAX)
    if row.matter_id is None and row.kind not in KINDS_WITHOUT_MATTER:
        raise TrustError(f"{row.source_id}: client money needs a matter.")
    if row.direction != (IN if row.kind in KINDS_IN else OUT) and row.kind != EntryKind.REVERSAL:
        raise TrustError(f"{row.source_id}: a {row.kind} cannot be money {row.direction}.")
    return replace(row, amount=amount)


def _ledgers_for(account: TrustAccount, matter_ids: set[int]) -> dict[int, int]:
    """matter pk → ledger pk, opening the missing ledgers in one insert."""
    if not matter_ids:
        return {}
    found = ClientLedger.objects.filter(account=account, matter_id__in=matter_ids)
    ledgers = dict(found.values_list("matter_id", "pk"))
    missing = matter_ids - ledgers.keys()
    if missing:
        ours = Matter.objects.filter(firm_id=account.firm_id, pk__in=missing)
        ClientLedger.objects.bulk_create(
            [
                ClientLedger(firm_id=account.firm_id, account=account, matter_id=pk)
                for pk in ours.values_list("pk", flat=True)
            ],
            ignore_conflicts=True,
        )
        ledgers = dict(found.values_list("matter_id", "pk"))
    if missing := matter_ids - ledgers.keys():
        raise TrustError(f"Matters {sorted(missing)} are not this firm's.")
    return ledgers


def _clio_entries(firm_id: int, source_ids: list[str]) -> dict[str, TrustEntry]:
    found = TrustEntry.objects.filter(
        firm_id=firm_id, source=EntrySource.CLIO, source_id__in=source_ids
    )
    return {e.source_id: e for e in found}


def _clio_entry(account: TrustAccount, ledgers: dict[int, int], r: ClioEntry) -> dict:
    """The row of a new entry (a dict: a backfill writes tens of thousands at once)."""
    return {
        "firm_id": account.firm_id,
        "account_id": account.pk,
        "ledger_id": ledgers.get(r.matter_id) if r.matter_id else None,
        "kind": r.kind,
        "direction": r.direction,
        "amount": r.amount,
        "date": r.date,
        "description": r.description[:255],
        "payee": r.payee[:200],
        "reference": r.reference[:100],
        "source": EntrySource.CLIO,
        "source_id": r.source_id,
        "transfer_group": r.transfer_group,
        "bill_id": r.bill_id,
    }


def _overdrafts(made: list[TrustEntry], balances: dict[int, Decimal]) -> list[TrustException]:
    """Walk the new entries in ledger order from the balances before them; every withdrawal that
    leaves its ledger below zero raises an exception."""
    raised = []
    for entry in sorted((e for e in made if e.ledger_id), key=lambda e: (e.date, e.pk)):
        balances[entry.ledger_id] += entry.signed_amount
        if entry.direction == OUT and balances[entry.ledger_id] < 0:
            raised.append(
                TrustException(
                    firm_id=entry.firm_id,
                    entry=entry,
                    ledger_id=entry.ledger_id,
                    balance_after=balances[entry.ledger_id],
                )
            )
    if raised:
        TrustException.objects.bulk_create(raised)
        logger.warning("trust_overdraft_from_clio exceptions=%s", len(raised))
        raised = list(
            TrustException.objects.filter(
                entry__in=[x.entry for x in raised], kind=TrustException.Kind.OVERDRAFT
            )
        )
    return raised


def _locked_month_entries(account: TrustAccount, made: list[TrustEntry]) -> list[TrustException]:
    """Clio is the record, so an entry it dates inside an approved, locked month is kept, never
    refused: the month's signed figures no longer hold, and a compliance exception says so at
    once (the firm corrects it with an entry in an open month and notes how)."""
    if not made:
        return []
    locked = set(
        Reconciliation.objects.filter(
            account=account,
            status=Reconciliation.Status.APPROVED,
            period_end__gte=reconcile.month_end(min(e.date for e in made)),
            period_end__lte=reconcile.month_end(max(e.date for e in made)),
        ).values_list("period_end", flat=True)
    )
    raised = [
        TrustException(
            firm_id=e.firm_id, kind=TrustException.Kind.LOCKED_MONTH, entry=e, ledger_id=e.ledger_id
        )
        for e in made
        if reconcile.month_end(e.date) in locked
    ]
    if not raised:
        return []
    TrustException.objects.bulk_create(raised)
    logger.warning("trust_entry_in_locked_month_from_clio exceptions=%s", len(raised))
    return list(
        TrustException.objects.filter(
            entry__in=[x.entry for x in raised], kind=TrustException.Kind.LOCKED_MONTH
        )
    )


def _trust_contacts(firm_id: int) -> list[str]:
    """The firm's accountants, else its admins: who answers for an overdrawn client ledger."""
    people = Membership.objects.filter(firm_id=firm_id, role__in=[Role.ACCOUNTANT, Role.ADMIN])
    emails = {role: [] for role in (Role.ACCOUNTANT, Role.ADMIN)}
    for role, email in people.values_list("role", "user__email"):
        emails[role].append(email)
    return emails[Role.ACCOUNTANT] or emails[Role.ADMIN]


def trust_exceptions_email(*, exception_ids: list[int]) -> int:
    """One plain-text email per exception to the firm's accountants (admins if none)."""
    raised = TrustException.objects.filter(pk__in=exception_ids).select_related(
        "firm", "entry", "ledger__matter", "ledger__account"
    )
    sent = 0
    for x in raised:
        sent += send_mail(
            subject=_exception_subject(x),
            message=render_to_string(_exception_template(x), _exception_context(x)),
            from_email=None,
            recipient_list=_trust_contacts(x.firm_id),
        )
    return sent


def _exception_subject(x: TrustException) -> str:
    if x.is_locked_month:
        return f"[FirmSync] Trust entry in the locked month {x.entry.date:%B %Y}"
    return f"[FirmSync] Trust overdraft: {x.ledger.matter} is at {usd(x.balance_after)}"


def _exception_template(x: TrustException) -> str:
    return "trust/email/locked_month.txt" if x.is_locked_month else "trust/email/overdraft.txt"


def _exception_context(x: TrustException) -> dict:
    link = f"/trust/ledgers/{x.ledger_id}/" if x.ledger_id else "/trust/#exceptions"
    return {
        "firm": x.firm,
        "ledger": x.ledger,
        "entry": x.entry,
        "amount": usd(x.entry.amount),
        "balance": usd(x.balance_after) if x.balance_after is not None else "",
        "link": f"{settings.SITE_URL}{link}",
    }


# -- compliance exceptions ------------------------------------------------------------------


def trust_exception_resolve(
    *, exception: TrustException, member: Membership, note: str
) -> TrustException:
    """Acknowledge an exception once it is put right (the money restored, the locked month
    corrected in an open one), with a note that says how: the note is the firm's record of the
    correction. A second acknowledgement changes nothing."""
    note = (note or "").strip()
    if not note:
        raise TrustError("Say how the exception was put right (the note is kept on record).")
    if exception.firm_id != member.firm_id:
        raise TrustError("This exception belongs to another firm.")
    # A conditional UPDATE: of two people acknowledging at once, the first note is kept.
    TrustException.objects.filter(pk=exception.pk, resolved_at__isnull=True).update(
        resolved_by=member.user, resolved_at=timezone.now(), resolution=note
    )
    exception.refresh_from_db()
    return exception
