"""What a person decides about a flagged bill when the planned repair is not what they want:
dismiss it with a reason, record that they put it right by hand, or say that an invoice no Clio
bill explains was made in the books on purpose. (Approving the repair runs it:
sync.drift.repair.flag_approve.)"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from sync.models import BooksOnlyInvoice, Drift, FlaggedBill


class FlagNotOpen(ValidationError):
    """The flag was closed (or its repair started) before this action reached it."""


def _lock_open(flag: FlaggedBill) -> FlaggedBill:
    # Row lock: two people pressing at once act one after the other, and the second one finds
    # the flag closed instead of closing it twice.
    locked = FlaggedBill.objects.select_for_update().get(pk=flag.pk)
    if locked.status == FlaggedBill.Status.REPAIRING:
        raise FlagNotOpen("The repair of this bill is running; wait for it to finish.")
    if locked.status != FlaggedBill.Status.OPEN:
        raise FlagNotOpen(
            f"This flag is already closed ({locked.get_status_display().lower()}); "
            "nothing was changed."
        )
    return locked


def _close(
    *,
    flag: FlaggedBill,
    actor: User,
    note: str,
    flag_status: str,
    drift_status: str,
    action: str,
) -> FlaggedBill:
    with transaction.atomic():
        locked = _lock_open(flag)
        now = timezone.now()
        before = {"status": locked.status}
        locked.status = flag_status
        locked.acted_by = actor
        locked.acted_at = now
        locked.action_note = note
        locked.closed_at = now
        locked.save(update_fields=["status", "acted_by", "acted_at", "action_note", "closed_at"])
        closed = locked.drifts.filter(status__in=Drift.OPEN_STATUSES).update(
            status=drift_status, closed_at=now
        )
        audit_record(
            firm=locked.firm,
            actor=actor,
            action=action,
            obj=locked,
            before=before,
            after={"status": flag_status, "note": note, "drifts_closed": closed},
        )
    return locked


def flag_dismiss(*, flag: FlaggedBill, actor: User, reason: str) -> FlaggedBill:
    """Close the flag and its drifts as dismissed: the difference is accepted as it stands."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this difference can stay as it is."})
    return _close(
        flag=flag,
        actor=actor,
        note=reason,
        flag_status=FlaggedBill.Status.DISMISSED,
        drift_status=Drift.Status.DISMISSED,
        action="flagged_bill.dismissed",
    )


def flag_resolve_by_hand(*, flag: FlaggedBill, actor: User, note: str) -> FlaggedBill:
    """Close the flag and its drifts as put right by a person, in Clio or in the books."""
    return _close(
        flag=flag,
        actor=actor,
        note=(note or "").strip(),
        flag_status=FlaggedBill.Status.RESOLVED_BY_HAND,
        drift_status=Drift.Status.RESOLVED_BY_HAND,
        action="flagged_bill.resolved_by_hand",
    )


def books_only_invoice_mark(*, flag: FlaggedBill, actor: User, note: str) -> BooksOnlyInvoice:
    """Say that the invoice of a flag no Clio bill explains was made in the books on purpose:
    the flag closes, and every reconcile from now on sets the invoice apart (outside Clio)
    instead of flagging it."""
    if not flag.is_books_only:
        raise ValidationError(
            "Only an invoice no Clio bill explains can be marked as made in the books; this "
            "flag is about a Clio bill."
        )
    note = (note or "").strip()
    with transaction.atomic():
        _close(
            flag=flag,
            actor=actor,
            note=note or "Made in the books on purpose.",
            flag_status=FlaggedBill.Status.OUTSIDE_CLIO,
            drift_status=Drift.Status.OUTSIDE_CLIO,
            action="flagged_bill.outside_clio",
        )
        mark, _ = BooksOnlyInvoice.objects.update_or_create(
            connection_id=flag.connection_id,
            remote_id=flag.remote_id,
            defaults={
                "firm_id": flag.firm_id,
                "number": flag.number,
                "client_name": flag.client_name,
                "note": note,
                "marked_by": actor,
                "marked_at": timezone.now(),
            },
        )
        audit_record(
            firm=flag.firm,
            actor=actor,
            action="books_only_invoice.marked",
            obj=mark,
            after={"remote_id": mark.remote_id, "number": mark.number, "note": note},
        )
    return mark


def books_only_invoice_unmark(*, mark: BooksOnlyInvoice, actor: User) -> None:
    """Take the mark back: the next reconcile compares the invoice again (and flags it if no
    Clio bill explains it and it is not history)."""
    with transaction.atomic():
        audit_record(
            firm=mark.firm,
            actor=actor,
            action="books_only_invoice.unmarked",
            obj=mark,
            before={"remote_id": mark.remote_id, "number": mark.number, "note": mark.note},
        )
        mark.delete()
