"""Writes for the duty calendar: a deposit noticed to the client, a periodic duty done, a
disputed amount held in trust (or released), an account's jurisdiction. Each is audited; the
records themselves are append-only."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import limits
from accounts.models import Membership
from accounts.roles import MANAGE_FIRM, TRUST_WRITE
from accounts.selectors import role_require
from accounts.services import audit_record
from trust.duties.evaluate import periods
from trust.duties.packs import PACKS, Jurisdiction, RuleKind, pack_for
from trust.duties.selectors import duties_from
from trust.errors import TrustError
from trust.models import ClientLedger, DutyRecord, EntryKind, TrustAccount, TrustEntry


def _in_window(day: date, what: str) -> date:
    """Inside the dates FirmSync accepts (accounts.limits), or a refusal the forms show."""
    try:
        return limits.date_in_window(day, what=what)
    except ValidationError as exc:
        raise TrustError(exc.messages) from exc


def _day_checked(day: date, *, not_before: date | None = None, what: str) -> date:
    _in_window(day, f"The {what} date")
    if day > timezone.localdate():
        raise TrustError(f"The {what} date is in the future; record it once it is done.")
    if not_before is not None and day < not_before:
        raise TrustError(f"The {what} date is before {not_before:%d %b %Y}.")
    return day


def _audit(member: Membership, record: DutyRecord, ip: str | None) -> None:
    audit_record(
        firm=member.firm,
        actor=member.user,
        action=f"trust.duty_{record.kind}",
        obj=record,
        after={
            "rule": record.rule_id,
            "done_on": record.done_on.isoformat(),
            "period_end": record.period_end.isoformat() if record.period_end else None,
            "entry": record.entry_id,
            "ledger": record.ledger_id,
            "note": record.note,
        },
        ip=ip,
    )


def _notice_rule(account: TrustAccount) -> str:
    for rule in pack_for(account.jurisdiction).rules:
        if rule.kind == RuleKind.DEPOSIT_NOTICE:
            return rule.id
    return "notice"


@transaction.atomic
def deposit_notice_record(
    *,
    member: Membership,
    entry: TrustEntry,
    noticed_on: date,
    note: str = "",
    ip: str | None = None,
) -> DutyRecord:
    """The client was told of this deposit on `noticed_on`. Once per deposit."""
    role_require(member, TRUST_WRITE)
    if entry.firm_id != member.firm_id:
        raise TrustError("This entry belongs to another firm.")
    if entry.kind != EntryKind.DEPOSIT or entry.ledger_id is None:
        raise TrustError("Only a deposit to a client ledger is noticed to the client.")
    _day_checked(noticed_on, not_before=entry.date, what="notice")
    if DutyRecord.objects.filter(entry=entry, kind=DutyRecord.Kind.NOTICE).exists():
        raise TrustError("The notice of this deposit is already recorded.")
    try:
        with transaction.atomic():
            record = DutyRecord.objects.create(
                firm_id=member.firm_id,
                account_id=entry.account_id,
                rule_id=_notice_rule(entry.account),
                kind=DutyRecord.Kind.NOTICE,
                entry=entry,
                ledger_id=entry.ledger_id,
                done_on=noticed_on,
                note=note.strip(),
                recorded_by=member.user,
            )
    except IntegrityError as exc:  # recorded by someone else a moment ago
        raise TrustError("The notice of this deposit is already recorded.") from exc
    _audit(member, record, ip)
    return record


@transaction.atomic
def duty_filing_record(
    *,
    member: Membership,
    account: TrustAccount,
    rule_id: str,
    period_end: date,
    done_on: date,
    note: str = "",
    ip: str | None = None,
) -> DutyRecord:
    """A periodic duty (a certificate, an affirmation, a review) done for one period."""
    role_require(member, TRUST_WRITE)
    if account.firm_id != member.firm_id:
        raise TrustError("This trust account belongs to another firm.")
    pack = pack_for(account.jurisdiction)
    rule = next((r for r in pack.rules if r.id == rule_id), None)
    if rule is None or rule.kind != RuleKind.FILING or rule.every is None:
        raise TrustError(f"{pack.name} has no periodic duty “{rule_id}” to record.")
    _in_window(period_end, "The period's end")
    ends = {end for _, end in periods(rule.every, duties_from(account), period_end)}
    if period_end not in ends:
        raise TrustError(f"{period_end:%d %b %Y} does not end a period of “{rule.title}”.")
    _day_checked(done_on, what="filing")
    try:
        with transaction.atomic():
            record = DutyRecord.objects.create(
                firm_id=member.firm_id,
                account=account,
                rule_id=rule.id,
                kind=DutyRecord.Kind.FILED,
                period_end=period_end,
                done_on=done_on,
                note=note.strip(),
                recorded_by=member.user,
            )
    except IntegrityError as exc:
        raise TrustError(f"“{rule.title}” is already recorded for that period.") from exc
    _audit(member, record, ip)
    return record


@transaction.atomic
def ledger_hold_record(
    *, member: Membership, ledger: ClientLedger, hold: bool, note: str, ip: str | None = None
) -> DutyRecord:
    """Hold a ledger's money in trust because an amount is disputed (it leaves the distribution
    watch), or release it once the dispute is settled. The note says what is disputed."""
    role_require(member, TRUST_WRITE)
    if ledger.firm_id != member.firm_id:
        raise TrustError("This client ledger belongs to another firm.")
    if not note.strip():
        raise TrustError("Say what is disputed, or how it was settled (the note is kept).")
    ClientLedger.objects.select_for_update().filter(pk=ledger.pk).first()
    last = (
        DutyRecord.objects.filter(ledger=ledger, kind__in=["hold", "release"])
        .order_by("-recorded_at", "-id")
        .values_list("kind", flat=True)
        .first()
    )
    if hold and last == DutyRecord.Kind.HOLD:
        raise TrustError("This ledger is already held as disputed.")
    if not hold and last != DutyRecord.Kind.HOLD:
        raise TrustError("This ledger is not held.")
    record = DutyRecord.objects.create(
        firm_id=member.firm_id,
        account_id=ledger.account_id,
        rule_id="hold",
        kind=DutyRecord.Kind.HOLD if hold else DutyRecord.Kind.RELEASE,
        ledger=ledger,
        done_on=timezone.localdate(),
        note=note.strip(),
        recorded_by=member.user,
    )
    _audit(member, record, ip)
    return record


@transaction.atomic
def trust_account_jurisdiction_set(
    *,
    member: Membership,
    account: TrustAccount,
    jurisdiction: str,
    duties_from: date | None = None,
    ip: str | None = None,
) -> TrustAccount:
    """Choose the rule pack an account follows, and from which day its duties are tracked."""
    role_require(member, MANAGE_FIRM)
    if account.firm_id != member.firm_id:
        raise TrustError("This trust account belongs to another firm.")
    if jurisdiction not in {j.value for j in PACKS} | {""}:
        raise TrustError("Choose one of the listed jurisdictions.")
    if duties_from is not None:
        _in_window(duties_from, "The day duties are tracked from")
    before = {"jurisdiction": account.jurisdiction, "duties_from": str(account.duties_from)}
    account = TrustAccount.objects.select_for_update().get(pk=account.pk)
    account.jurisdiction = jurisdiction or Jurisdiction.ABA.value
    account.duties_from = duties_from or account.duties_from or timezone.localdate()
    account.save(update_fields=["jurisdiction", "duties_from"])
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust.account_jurisdiction_set",
        obj=account,
        before=before,
        after={"jurisdiction": account.jurisdiction, "duties_from": str(account.duties_from)},
        ip=ip,
    )
    return account
