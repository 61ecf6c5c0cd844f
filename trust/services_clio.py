"""Clio is the record of trust money: its bank transactions are imported into the journal
exactly once, kept even when they overdraw a ledger or land in a locked month, and each such
entry raises a compliance exception that is emailed to the accountants and acknowledged with a
note of how it was put right."""

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import date as Date
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.bulk import bulk_upsert
from accounts.limits import usd
from accounts.models import Membership, Role
from practice.models import Matter
from trust import reconcile
from trust import services_awaiting as awaiting
from trust.amounts import amount_valid
from trust.errors import TrustError
from trust.events import trust_exceptions_publish
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
from trust.services import IN, OUT, ledgers_lock

logger = logging.getLogger("firmsync.trust")

# What a Clio entry may be: anything the column holds (Clio is the record, its rows are kept).
COLUMN_MAX = Decimal("999999999999.99")


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
        balances = ledgers_lock(ledgers.values())
        seen = _clio_entries(firm_id, [r.source_id for r in rows])
        seen |= awaiting.confirmed_entries(
            firm_id=firm_id, source_ids=[r.source_id for r in rows if r.source_id not in seen]
        )
        fresh = [r for r in rows if r.source_id not in seen]
        linked = _link_awaiting(account, ledgers, fresh)
        new = [_clio_entry(account, ledgers, r) for r in fresh if r.source_id not in linked]
        # Concurrent imports of the same ledger wait on its lock above; ON CONFLICT DO NOTHING
        # covers ledger-less entries, where the unique (firm, source, source_id) decides.
        bulk_upsert(TrustEntry, new, unique=("firm_id", "source", "source_id"), update=())
        entries = {**seen, **linked, **_clio_entries(firm_id, [e["source_id"] for e in new])}
        made = [entries[e["source_id"]] for e in new]
        exceptions = _overdrafts(made, balances) + _locked_month_entries(account, made)
        if exceptions:
            ids = [x.pk for x in exceptions]
            transaction.on_commit(lambda: trust_exceptions_email(exception_ids=ids))
            trust_exceptions_publish(exceptions)
    return ImportResult(entries, len(made), exceptions)


def _link_awaiting(
    account: TrustAccount, ledgers: dict[int, int], rows: list[ClioEntry]
) -> dict[str, TrustEntry]:
    """The Clio transactions that are entries made in FirmSync and awaiting Clio, linked to
    them rather than recorded a second time (trust.services_awaiting)."""
    wanted = [
        awaiting.ClioRow(
            r.source_id,
            ledgers.get(r.matter_id) if r.matter_id else None,
            r.direction,
            r.amount,
            r.date,
            r.reference,
        )
        for r in rows
    ]
    found = awaiting.clio_matches(
        rows=wanted, awaiting=awaiting.awaiting_for(account=account, rows=wanted)
    )
    awaiting.clio_confirmations_record(
        firm_id=account.firm_id, found=found, dates={r.source_id: r.date for r in rows}
    )
    return found


def _clio_valid(row: ClioEntry) -> ClioEntry:
    amount = amount_valid(row.amount, COLUMN_MAX)
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
    on_ledgers = [(e.ledger_id, e) for e in made if e.ledger_id is not None]
    for ledger_id, entry in sorted(on_ledgers, key=lambda pair: (pair[1].date, pair[1].pk)):
        balances[ledger_id] += entry.signed_amount
        if entry.direction == OUT and balances[ledger_id] < 0:
            raised.append(
                TrustException(
                    firm_id=entry.firm_id,
                    entry=entry,
                    ledger_id=ledger_id,
                    balance_after=balances[ledger_id],
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
    emails: dict[str, list[str]] = {Role.ACCOUNTANT: [], Role.ADMIN: []}
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
    if x.kind == TrustException.Kind.NOT_IN_CLIO:
        return f"[FirmSync] Trust entry not in Clio yet: {x.entry}"
    if x.is_locked_month:
        return f"[FirmSync] Trust entry in the locked month {x.entry.date:%B %Y}"
    # An overdraft always names its ledger and the balance it left (trust_entries_import).
    assert x.ledger is not None and x.balance_after is not None
    return f"[FirmSync] Trust overdraft: {x.ledger.matter} is at {usd(x.balance_after)}"


def _exception_template(x: TrustException) -> str:
    if x.kind == TrustException.Kind.NOT_IN_CLIO:
        return "trust/email/not_in_clio.txt"
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
        "instruction": x.instruction,
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
