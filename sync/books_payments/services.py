"""Writes for payments found only in the books: a person says what became of each one."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from sync.models import BooksOnlyPayment

RESOLUTION_MAX = 255  # BooksOnlyPayment.resolution


def books_only_payment_resolve(
    *, payment: BooksOnlyPayment, actor: User, resolution: str, ip: str | None = None
) -> BooksOnlyPayment:
    """Mark a books-only payment dealt with, saying how; it leaves the warning card."""
    resolution = " ".join(resolution.split())
    if not resolution:
        raise ValidationError("Say what became of this payment.")
    if len(resolution) > RESOLUTION_MAX:
        raise ValidationError(f"Keep the reason under {RESOLUTION_MAX} characters.")
    with transaction.atomic():
        # Two people on the same card: the second is told, not silently overwritten.
        locked = BooksOnlyPayment.objects.select_for_update().get(pk=payment.pk)
        if locked.resolved_at is not None:
            raise ValidationError(f"This payment was already dealt with: {locked.resolution}.")
        locked.resolved_at = timezone.now()
        locked.resolved_by = actor
        locked.resolution = resolution
        locked.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        audit_record(
            firm=locked.firm,
            actor=actor,
            action="books_payment.resolved",
            obj=locked,
            after={"resolution": resolution, "amount": str(locked.amount)},
            ip=ip,
        )
    return locked
