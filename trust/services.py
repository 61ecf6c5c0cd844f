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
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import limits
from accounts.limits import usd
from accounts.models import User
from practice.models import Bill, Matter
from trust.amounts import amount_valid
from trust.errors import TrustAlreadyReversed, TrustError, TrustOverdraft
from trust.models import (
    ClientLedger,
    EntryKind,
    EntrySource,
    TrustAccount,
    TrustEntry,
)
from trust.selectors import ledger_balances
from trust.services_awaiting import awaiting_clio_reversed
from trust.services_reconcile import period_assert_open

logger = logging.getLogger("firmsync.trust")

IN, OUT = TrustEntry.Direction.IN, TrustEntry.Direction.OUT


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


def ledgers_lock(ledger_ids: Iterable[int]) -> dict[int, Decimal]:
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


def _second_leg(firm_id: int, source: str, key: str) -> TrustEntry:
    """The second leg of a pair already made (a transfer's in-leg, a bank fee's cover): both
    legs are written in one transaction, so the first found means the second exists."""
    leg = _existing(firm_id, source, key)
    if leg is None:
        raise TrustError(f"{key} is missing from the journal although its first leg is there.")
    return leg


def _existing(firm_id: int, source: str, source_id: str) -> TrustEntry | None:
    """The entry an earlier request under this source id made, marked `replayed` so the API
    can answer a retry that raced its first call with 200, as it does any other retry."""
    found = TrustEntry.objects.filter(firm_id=firm_id, source=source, source_id=source_id).first()
    if found is not None:
        found.replayed = True
    return found


def _awaits_clio(account_id: int) -> bool:
    """Whether an entry made here must also be entered in Clio: the account is one Clio keeps
    (read from Clio's bank accounts), and Clio is the record of its money. An account of
    FirmSync's own (no Clio) has FirmSync's entries as its record."""
    return TrustAccount.objects.filter(pk=account_id, clio_id__isnull=False).exists()


def _create(**fields) -> TrustEntry:
    """Insert one entry. A replayed source id (an API retry) returns the entry already made."""
    fields["awaits_clio"] = _awaits_clio(fields["account_id"])
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
    amount, source_id = amount_valid(amount), _source_id(memo.source, memo.source_id)
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
    amount, source_id = amount_valid(amount), _source_id(memo.source, memo.source_id)
    memo = replace(memo, date=_date(memo.date))
    with transaction.atomic():
        balance = ledgers_lock([ledger.pk])[ledger.pk]
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
    if amount_valid(amount) > bill.balance:
        raise TrustError(
            f"{usd(amount_valid(amount))} is more than the {usd(bill.balance)} due on the bill."
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
    amount, key, date = amount_valid(amount), _source_id(source, source_id), _date(date)
    memo = _Memo(date, description, "", reference, created_by, source, key)
    group = uuid.uuid4()
    with transaction.atomic():
        balance = ledgers_lock([from_ledger.pk, to_ledger.pk])[from_ledger.pk]
        found = source_id and _existing(from_ledger.firm_id, source, f"{key}:out")
        if found:
            return found, _second_leg(from_ledger.firm_id, source, f"{key}:in")
        _open(from_ledger.account_id, date, "a transfer")
        _refuse_overdraft(from_ledger, balance, amount, "transfer")
        legs = [
            (from_ledger, EntryKind.TRANSFER_OUT, OUT, f"{key}:out"),
            (to_ledger, EntryKind.TRANSFER_IN, IN, f"{key}:in"),
        ]
        awaits = _awaits_clio(from_ledger.account_id)
        made = [
            TrustEntry.objects.create(
                firm_id=from_ledger.firm_id,
                account_id=from_ledger.account_id,
                awaits_clio=awaits,
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
    amount, key, date = amount_valid(amount), _source_id(source, source_id), _date(date)
    memo = _Memo(date, description, "", reference, created_by, source, key)
    with transaction.atomic():
        found = source_id and _existing(account.firm_id, source, f"{key}:fee")
        if found:
            return found, _second_leg(account.firm_id, source, f"{key}:cover")
        _open(account.pk, date, "a bank fee")
        made = [
            TrustEntry.objects.create(
                firm_id=account.firm_id,
                account=account,
                awaits_clio=account.clio_id is not None,
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
        balances = ledgers_lock(leg.ledger_id for leg in legs if leg.ledger_id)
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
        for leg in legs:
            awaiting_clio_reversed(entry=leg, reversal=made[leg.pk])
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
        awaits_clio=_awaits_clio(entry.account_id),
    )
