"""The Webhooks pages (admins): subscriptions, their secrets (shown once), the delivery log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import client_ip, member_required
from accounts.roles import MANAGE_FIRM
from hooks import selectors, services
from hooks.forms import SubscriptionEditForm, SubscriptionForm
from hooks.models import Delivery
from hooks.sending import BACKOFF

LOG_ROWS = 100


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@member_required(MANAGE_FIRM)
def webhooks(request):
    member = request.membership
    form = SubscriptionForm(request.POST or None)
    new = None
    if request.method == "POST" and form.is_valid():
        try:
            new = services.subscription_create(
                member=member, ip=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return render(
        request,
        "hooks/webhooks.html",
        {
            "form": SubscriptionForm() if new else form,
            "subscriptions": selectors.subscription_list(member=member),
            "new": new[0] if new else None,
            "new_secret": new[1] if new else None,
        },
    )


def _detail(request, sub, *, form=None, new_secret=None, status=200):
    status_filter = request.GET.get("status", "")
    if status_filter not in Delivery.Status.values:
        status_filter = ""
    log = selectors.delivery_list(
        member=request.membership, subscription_id=sub.pk, status=status_filter or None
    )
    initial = {
        "url": sub.url,
        "description": sub.description,
        "events": sub.events,
        "active": sub.active,
    }
    return render(
        request,
        "hooks/webhook_detail.html",
        {
            "sub": sub,
            "form": form or SubscriptionEditForm(initial=initial),
            "deliveries": log[:LOG_ROWS],
            "statuses": Delivery.Status.choices,
            "status_filter": status_filter,
            "new_secret": new_secret,
            "retries": len(BACKOFF),
        },
        status=status,
    )


@member_required(MANAGE_FIRM)
def webhook_detail(request, subscription_id: int):
    member = request.membership
    sub = selectors.subscription_get_for_member(member=member, subscription_id=subscription_id)
    if request.method != "POST":
        return _detail(request, sub)
    form = SubscriptionEditForm(request.POST)
    if not form.is_valid():
        return _detail(request, sub, form=form, status=400)
    try:
        sub = services.subscription_update(
            member=member, subscription=sub, ip=client_ip(request), **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _detail(request, sub, form=form, status=400)
    messages.success(request, "Saved.")
    return redirect("webhook_detail", subscription_id=sub.pk)


@require_POST
@member_required(MANAGE_FIRM)
def webhook_roll_secret(request, subscription_id: int):
    member = request.membership
    sub = selectors.subscription_get_for_member(member=member, subscription_id=subscription_id)
    sub, secret = services.subscription_secret_roll(
        member=member, subscription=sub, ip=client_ip(request)
    )
    return _detail(request, sub, new_secret=secret)


@require_POST
@member_required(MANAGE_FIRM)
def webhook_test(request, subscription_id: int):
    member = request.membership
    sub = selectors.subscription_get_for_member(member=member, subscription_id=subscription_id)
    try:
        services.subscription_ping(member=member, subscription=sub)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "A ping event is on its way; its delivery is below.")
    return redirect("webhook_detail", subscription_id=sub.pk)


@require_POST
@member_required(MANAGE_FIRM)
def webhook_delete(request, subscription_id: int):
    member = request.membership
    sub = selectors.subscription_get_for_member(member=member, subscription_id=subscription_id)
    services.subscription_delete(member=member, subscription=sub, ip=client_ip(request))
    messages.success(request, f"Deleted the webhook to {sub.url}.")
    return redirect("webhooks")


@require_POST
@member_required(MANAGE_FIRM)
def webhook_redeliver(request, delivery_id: int):
    member = request.membership
    d = selectors.delivery_get_for_member(member=member, delivery_id=delivery_id)
    error = ""
    try:
        d = services.delivery_redeliver(member=member, delivery=d)
    except ValidationError as exc:
        error = _error_text(exc)
    if request.headers.get("HX-Request"):
        return render(request, "hooks/_delivery_row.html", {"d": d, "error": error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "The event is being sent again.")
    return redirect("webhook_detail", subscription_id=d.subscription_id)
