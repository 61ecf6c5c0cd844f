"""Payments found only in the books: a person says what became of each one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from accounts.decorators import client_ip, member_required
from accounts.roles import TRUST_WRITE
from sync.books_payments import selectors
from sync.books_payments import services as services_books
from sync.forms import BooksPaymentResolveForm


def _status_page() -> str:
    # The card lives on the Sync status page; the dashboard stands in wherever that page is absent.
    try:
        return reverse("sync_status")
    except NoReverseMatch:
        return reverse("dashboard")


@require_POST
@member_required(TRUST_WRITE)
def books_payment_resolve(request, payment_id: int):
    payment = selectors.books_only_payment_get_for_member(
        member=request.membership, payment_id=payment_id
    )
    form = BooksPaymentResolveForm(request.POST)
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        messages.error(request, "Not marked dealt with: " + " ".join(errors))
        return redirect(_status_page())
    try:
        done = services_books.books_only_payment_resolve(
            payment=payment,
            actor=request.user,
            resolution=form.resolution(),
            ip=client_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_status_page())
    who = f" from {done.customer_name}" if done.customer_name else ""
    messages.success(
        request, f"The {done.amount:,.2f} payment{who} is marked dealt with: {done.resolution}."
    )
    return redirect(_status_page())
