"""Trust requests: the list every member sees, the form that sends one through Clio, and the
button that cancels one; and the button on a month's reconciliation that reads the books' trust
liability for it (the trust app never calls a provider)."""

import uuid
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import limits
from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from sync.forms import TrustRequestForm
from sync.models import Provider
from sync.providers.errors import ProviderAuthError, ProviderError
from sync.trust_books import selectors
from sync.trust_books import services as services_trust
from trust.reconcile import month_end
from trust.selectors import trust_account_get_for_member


def _page(
    request,
    form: TrustRequestForm | None,
    status: int = 200,
    cancel_error: tuple[int, list[str]] | None = None,
):
    rows = list(selectors.trust_requests_for_member(member=request.membership))
    can_write = request.membership.role in TRUST_WRITE
    if can_write and form is None:
        form = TrustRequestForm(firm_id=request.membership.firm_id, initial={"key": uuid.uuid4()})
    context = {
        "unpaid": [r for r in rows if r.is_open],
        "paid": [r for r in rows if r.is_paid],
        "cancelled": [r for r in rows if r.is_cancelled],
        "form": form if can_write else None,
        "can_write": can_write,
        "open_ids": {r.pk for r in rows if r.is_open},
        "cancel_error_for": cancel_error[0] if cancel_error else None,
        "cancel_error": " ".join(cancel_error[1]) if cancel_error else "",
    }
    return render(request, "trust/requests.html", context, status=status)


@member_required(ANY_MEMBER)
def trust_requests(request):
    return _page(request, None)


@require_POST
@member_required(TRUST_WRITE)
def trust_request_create(request):
    form = TrustRequestForm(request.POST, firm_id=request.membership.firm_id)
    if not form.is_valid():
        return _page(request, form)
    d = form.cleaned_data
    try:
        req = services_trust.trust_request_create(
            member=request.membership,
            matter=d["matter"],
            kind=d["kind"],
            amount=d["amount"],
            due_date=d["due_date"],
            memo=d["memo"],
            key=d["key"],
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc.messages)
        return _page(request, form)
    messages.success(
        request,
        f"Clio is asking {req.matter.client.name} for {req.amount} ({req.get_kind_display()}).",
    )
    return redirect("trust_requests")


@require_POST
@member_required(TRUST_WRITE)
def trust_request_cancel(request, request_id: int):
    try:
        req = services_trust.trust_request_cancel(
            member=request.membership,
            request_id=request_id,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        return _page(request, None, status=400, cancel_error=(request_id, exc.messages))
    messages.success(
        request,
        f"The {req.get_kind_display().lower()} request for {req.matter.display_number} is "
        "cancelled; a later deposit will not be applied to it.",
    )
    return redirect("trust_requests")


@require_POST
@member_required(TRUST_WRITE)
def books_balance_read(request, account_id: int, year: int, month: int):
    """Read the account's trust liability from the books as of the month's last day; the
    month's three-way reconciliation sets it beside the journal and the client ledgers."""
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    if not 1 <= month <= 12 or not limits.DATE_MIN.year <= year <= limits.date_max().year:
        raise Http404("No such month.")
    period_end = month_end(date(year, month, 1))
    back = redirect("trust_reconcile_month", account_id=account.pk, year=year, month=month)
    try:
        read = services_trust.books_trust_balance_read(
            firm=request.membership.firm, as_of=period_end, account=account
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ProviderError as exc:
        auth = isinstance(exc, ProviderAuthError)
        hint = " Reconnect them on the Bill Syncing page." if auth else " Try again in a minute."
        messages.error(request, f"The books could not be read: {exc.message}.{hint}")
    else:
        messages.success(
            request,
            f"Read {read.amount:,} from {Provider(read.provider).label} ({read.books_account}) as "
            f"of {period_end:%d %b %Y}.",
        )
    return back
