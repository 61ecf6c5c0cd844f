"""Record retention: no trust record is deleted before its rule pack's retention period ends.

The period runs from the record's anchor: for money (accounts, ledgers, entries) the last
activity of its ledger or account, because the ABA counts from the end of the representation
(FIELD.md R4) and the last movement is the latest day FirmSync can see; for the other records,
their own date. The years come from the account's pack (trust.duties.packs).

Enforced where every delete passes: a `pre_delete` receiver (trust.apps). The house style keeps
rules out of signals, but a delete reaches these rows through cascades (a firm, an account) and
queryset deletes that no service sees, and Django sends `pre_delete` for each row in all of
those. PostgreSQL adds its own floor (migrations 0002 and 0010)."""

from datetime import date

from django.db.models import Max
from django.utils import timezone

from trust.duties.packs import Pack, pack_for
from trust.errors import TrustRecordRetained
from trust.models import (
    ClientLedger,
    ClioConfirmation,
    DutyRecord,
    Reconciliation,
    TrustAccount,
    TrustEntry,
    TrustException,
    TrustRequest,
    TrustRequestPayment,
)

RETAINED_MODELS = (
    TrustAccount,
    ClientLedger,
    TrustEntry,
    Reconciliation,
    TrustException,
    TrustRequest,
    TrustRequestPayment,
    ClioConfirmation,
    DutyRecord,
)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a year without one
        return d.replace(year=d.year + years, day=28)


def _last_activity(**where) -> date | None:
    return TrustEntry.objects.filter(**where).aggregate(last=Max("date"))["last"]


def _latest(*days: date | None) -> date:
    return max(d for d in days if d is not None)


def _firm_pack(firm_id: int) -> Pack | None:
    """The firm's longest-keeping pack, for records tied to a matter rather than an account."""
    packs = [
        pack_for(j)
        for j in TrustAccount.objects.filter(firm_id=firm_id).values_list("jurisdiction", flat=True)
    ]
    return max(packs, key=lambda p: p.retention_years, default=None)


def anchor_and_pack(obj) -> tuple[date, Pack] | None:
    """From when, and under which pack, the record is kept; None for a record not retained (a
    draft reconciliation, a trust request that never reached Clio)."""
    local = timezone.localdate
    if isinstance(obj, TrustAccount):
        return _latest(local(obj.created_at), _last_activity(account=obj)), pack_for(
            obj.jurisdiction
        )
    if isinstance(obj, ClientLedger):
        return _latest(local(obj.opened_at), _last_activity(ledger=obj)), pack_for(
            obj.account.jurisdiction
        )
    if isinstance(obj, TrustEntry):
        where = {"ledger_id": obj.ledger_id} if obj.ledger_id else {"account_id": obj.account_id}
        return _latest(obj.date, _last_activity(**where)), pack_for(obj.account.jurisdiction)
    if isinstance(obj, Reconciliation):
        if obj.status == Reconciliation.Status.DRAFT:
            return None
        return obj.period_end, pack_for(obj.account.jurisdiction)
    if isinstance(obj, TrustException | ClioConfirmation):
        return anchor_and_pack(obj.entry)
    if isinstance(obj, DutyRecord):
        return _latest(obj.done_on, local(obj.recorded_at)), pack_for(obj.account.jurisdiction)
    if isinstance(obj, TrustRequestPayment):
        return anchor_and_pack(obj.entry)
    if isinstance(obj, TrustRequest) and obj.clio_id is not None:
        pack = _firm_pack(obj.firm_id)
        return local(obj.created_at), pack or pack_for("")
    return None


def retained_until(obj) -> date | None:
    found = anchor_and_pack(obj)
    if found is None:
        return None
    anchor, pack = found
    return add_years(anchor, pack.retention_years)


def retention_assert_deletable(obj, *, today: date | None = None) -> None:
    """Refuse, with the rule and the day it ends, to delete a record still in its period."""
    found = anchor_and_pack(obj)
    if found is None:
        return
    anchor, pack = found
    until = add_years(anchor, pack.retention_years)
    if (today or timezone.localdate()) < until:
        raise TrustRecordRetained(
            f"{obj._meta.verbose_name.capitalize()} “{obj}” is a trust record kept until "
            f"{until:%d %b %Y} ({pack.retention_years} years under {pack.name}: "
            f"{pack.retention_citation}) and cannot be deleted before then."
        )


def refuse_early_delete(sender, instance, **kwargs) -> None:
    retention_assert_deletable(instance)
