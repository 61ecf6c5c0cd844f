"""The sync settings and preflight panel of the Bill Syncing page (read live from the books)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import client_ip, member_required
from accounts.roles import MANAGE_FIRM
from sync import preflight, setup_services
from sync.forms import SyncSettingsForm, initial_from
from sync.models import SyncSettings
from sync.providers.errors import ProviderAuthError, ProviderError
from trust.selectors import trust_accounts_for_firms


def _provider_trouble(request, exc: ProviderError):
    hint = "Reconnect it above." if isinstance(exc, ProviderAuthError) else "Try again in a minute."
    return render(
        request,
        "sync/_setup_error.html",
        {"message": f"{exc.provider.title()} could not be read: {exc.message}. {hint}"},
    )


@member_required(MANAGE_FIRM)
def setup_panel(request):
    firm = request.membership.firm
    try:
        checks, facts = preflight.preflight_run(firm=firm)
    except ProviderError as exc:
        return _provider_trouble(request, exc)
    form = None
    if facts is not None:
        cfg = SyncSettings.objects.filter(firm=firm).first()
        form = SyncSettingsForm(
            request.POST or None,
            facts=facts,
            initial=initial_from(cfg, facts),
            trust_accounts=trust_accounts_for_firms(firm_ids=[firm.pk]),
        )
        if request.method == "POST" and form.is_valid():
            try:
                setup_services.sync_settings_save(
                    firm=firm,
                    actor=request.user,
                    facts=facts,
                    data=form.service_data(),
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, "Sync settings saved. The books accept them.")
                return redirect("bill_syncing")
    blocking = preflight.preflight_blocking(checks)
    return render(
        request,
        "sync/_setup.html",
        {"checks": checks, "blocking": blocking, "form": form, "facts": facts},
    )


@require_POST
@member_required(MANAGE_FIRM)
def preflight_fix(request, key: str):
    try:
        done = setup_services.preflight_fix(
            firm=request.membership.firm, actor=request.user, key=key, ip=client_ip(request)
        )
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ProviderError as exc:
        messages.error(request, f"The books refused the fix: {exc.message}")
    return redirect("bill_syncing")
