"""Reads of the payments found only in the books."""

from django.http import Http404

from accounts.models import Firm, Membership
from sync.models import BooksOnlyPayment


def books_only_payments_open(*, firm: Firm) -> list[BooksOnlyPayment]:
    """Payments found only in the books that nobody has dealt with yet, newest first."""
    rows = BooksOnlyPayment.objects.filter(firm=firm, resolved_at__isnull=True)
    return list(rows.select_related("connection").order_by("-date", "-detected_at", "-pk"))


def books_only_payment_get_for_member(*, member: Membership, payment_id: int) -> BooksOnlyPayment:
    """One of the member's firm's books-only payments; missing and another firm's give one 404."""
    found = BooksOnlyPayment.objects.filter(firm_id=member.firm_id, pk=payment_id).first()
    if found is None:
        raise Http404("No such payment.")
    return found


BOOKS_PAYMENT_STATES = {"open": "Not dealt with yet", "resolved": "Dealt with", "all": "All"}


def books_only_payments_list(*, member: Membership, state: str = "open"):
    """The firm's books-only payments, newest first: open ones, dealt-with ones, or all."""
    rows = BooksOnlyPayment.objects.filter(firm_id=member.firm_id)
    if state == "open":
        rows = rows.filter(resolved_at__isnull=True)
    elif state == "resolved":
        rows = rows.filter(resolved_at__isnull=False)
    return rows.select_related("connection", "resolved_by").order_by("-date", "-detected_at", "-pk")
