"""One home for every trust dollar. Clio's API cannot create bank transactions, so an entry made
in FirmSync for an account Clio keeps is *awaiting Clio* (`TrustEntry.awaits_clio`) until the
same money is typed into Clio. When the trust pull then reads that transaction, it is linked to
the entry (a ClioConfirmation) instead of becoming a second entry: the money is counted once.
An entry not seen in Clio after the firm's number of days raises a compliance exception that
says exactly what to enter in Clio."""

from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from trust.events import trust_exceptions_publish
from trust.models import ClioConfirmation, EntrySource, TrustAccount, TrustEntry, TrustException
from trust.selectors import awaiting_clio_to_enter

NETTED = (
    "Reversed in FirmSync before it reached Clio: the entry and its reversal move no money, so "
    "there is nothing to enter in Clio."
)
# How far apart the date typed into Clio may be from the entry's: a deposit is often entered
# in Clio on the day the bank shows it, a few days after the cheque was recorded here.
MATCH_DAYS = 7
X = TrustException.Kind


@dataclass(frozen=True)
class ClioRow:
    """What matching needs of one Clio transaction (a trust.services_clio.ClioEntry)."""

    source_id: str
    ledger_id: int | None
    direction: str
    amount: object
    date: Date
    reference: str


def awaiting_for(*, account: TrustAccount, rows: list[ClioRow]) -> list[TrustEntry]:
    """The account's entries still awaiting Clio that one of `rows` could be, oldest first."""
    if not rows:
        return []
    days = timedelta(days=MATCH_DAYS)
    return list(
        TrustEntry.objects.filter(
            account=account,
            awaits_clio=True,
            clio_confirmation__isnull=True,
            date__gte=min(r.date for r in rows) - days,
            date__lte=max(r.date for r in rows) + days,
        ).order_by("date", "id")
    )


def clio_matches(*, rows: list[ClioRow], awaiting: list[TrustEntry]) -> dict[str, TrustEntry]:
    """Clio source id → the awaiting entry it is (pure). The same ledger (the matter in the same
    account; none for a bank fee), direction and amount, dated within MATCH_DAYS, and the same
    reference when both carry one. Of several, the same reference first, then the nearest date,
    then the oldest; each entry is taken once."""
    found: dict[str, TrustEntry] = {}
    taken: set[int] = set()
    for row in sorted(rows, key=lambda r: (r.date, r.source_id)):
        fits = [e for e in awaiting if e.pk not in taken and _fits(e, row)]
        if not fits:
            continue
        best = min(
            fits,
            key=lambda e: (
                not (row.reference and e.reference == row.reference),
                abs((e.date - row.date).days),
                e.pk,
            ),
        )
        found[row.source_id] = best
        taken.add(best.pk)
    return found


def _fits(entry: TrustEntry, row: ClioRow) -> bool:
    if (entry.ledger_id, entry.direction, entry.amount) != (
        row.ledger_id,
        row.direction,
        row.amount,
    ):
        return False
    if abs((entry.date - row.date).days) > MATCH_DAYS:
        return False
    return not (entry.reference and row.reference and entry.reference != row.reference)


def clio_confirmations_record(*, firm_id: int, found: dict[str, TrustEntry], dates: dict) -> None:
    """Link each matched Clio transaction to its entry, and close the entry's not-in-Clio
    exception if one was raised: the money is in Clio now."""
    if not found:
        return
    ClioConfirmation.objects.bulk_create(
        [
            ClioConfirmation(
                firm_id=firm_id, entry=entry, clio_source_id=source_id, clio_date=dates[source_id]
            )
            for source_id, entry in found.items()
        ],
        ignore_conflicts=True,
    )
    TrustException.objects.filter(
        entry__in=[e.pk for e in found.values()], kind=X.NOT_IN_CLIO, resolved_at__isnull=True
    ).update(resolved_at=timezone.now(), resolution="Entered in Clio; FirmSync linked it.")


def confirmed_entries(*, firm_id: int, source_ids: list[str]) -> dict[str, TrustEntry]:
    """Clio source id → the FirmSync entry it was linked to before, for a transaction read again."""
    rows = ClioConfirmation.objects.filter(
        firm_id=firm_id, clio_source_id__in=source_ids
    ).select_related("entry")
    return {c.clio_source_id: c.entry for c in rows}


def trust_awaiting_clio_flag(*, firm_id: int, days: int) -> list[TrustException]:
    """Raise a not-in-Clio exception, once, for each entry still awaiting Clio more than `days`
    after it was made. Returns those raised now."""
    cutoff = timezone.now() - timedelta(days=days)
    late = TrustEntry.objects.filter(
        Q(source=EntrySource.FIRMSYNC) | Q(source=EntrySource.API),
        firm_id=firm_id,
        awaits_clio=True,
        clio_confirmation__isnull=True,
        posted_at__lte=cutoff,
    ).exclude(exceptions__kind=X.NOT_IN_CLIO)
    late = awaiting_clio_to_enter(late)
    raised = [
        TrustException(firm_id=firm_id, kind=X.NOT_IN_CLIO, entry=e, ledger_id=e.ledger_id)
        for e in late
    ]
    TrustException.objects.bulk_create(raised, ignore_conflicts=True)
    made = list(
        TrustException.objects.filter(
            entry__in=[x.entry_id for x in raised], kind=X.NOT_IN_CLIO
        ).select_related("entry__account", "ledger__matter")
    )
    trust_exceptions_publish(made)
    return made


def awaiting_clio_reversed(*, entry: TrustEntry, reversal: TrustEntry) -> None:
    """`entry` was just reversed by `reversal`. When neither is in Clio the two net to nothing:
    a not-in-Clio exception already raised for `entry` no longer asks for anything, and is
    closed saying why (the pair is never flagged again: trust_awaiting_clio_flag)."""
    if not (entry.awaits_clio and reversal.awaits_clio):
        return
    if ClioConfirmation.objects.filter(entry=entry).exists():
        return
    TrustException.objects.filter(entry=entry, kind=X.NOT_IN_CLIO, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=NETTED
    )
