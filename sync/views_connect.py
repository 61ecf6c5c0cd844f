"""Connecting Clio and the books: the OAuth round trip, and the chooser for a sign-in that
reached several organisations (a person may tick many at the provider)."""

import json
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import client_ip, member_required
from accounts.roles import MANAGE_FIRM
from sync import crypto, services
from sync.engine.registry import PROVIDERS
from sync.models import Provider
from sync.providers import oauth
from sync.providers.base import ConnectedAccount
from sync.providers.errors import ProviderAuthError, ProviderError
from sync.selectors import CLIO_REGIONS

FLOW_KEY = "oauth_flow"
PENDING_KEY = "connect_pending"


def _redirect_uri(request, provider: str) -> str:
    return request.build_absolute_uri(reverse("connect_callback", args=[provider]))


@require_POST
@member_required(MANAGE_FIRM)
def connect_start(request, provider: str):
    if provider not in Provider.values:
        raise Http404("Unknown provider.")
    region = request.POST.get("region", "us") if provider == Provider.CLIO else ""
    if provider == Provider.CLIO and region not in dict(CLIO_REGIONS):
        messages.error(request, "Choose the region your Clio account lives in.")
        return redirect("bill_syncing")
    app = oauth.oauth_app(provider, region or "us")
    if not app.client_id:
        messages.error(
            request, f"FirmSync has no {Provider(provider).label} app credentials configured."
        )
        return redirect("bill_syncing")
    start = oauth.authorization_start(app, _redirect_uri(request, provider))
    request.session[FLOW_KEY] = {
        "provider": provider,
        "region": region,
        "state": start.state,
        "verifier": start.code_verifier,
        "firm_id": request.membership.firm_id,
    }
    return redirect(start.url)


@member_required(MANAGE_FIRM)
def connect_callback(request, provider: str):
    if provider not in Provider.values:
        raise Http404("Unknown provider.")
    flow = request.session.pop(FLOW_KEY, None)
    if request.GET.get("error") == "access_denied":
        messages.warning(
            request, f"{Provider(provider).label} was not connected: access was declined."
        )
        return redirect("bill_syncing")
    if not flow or flow["provider"] != provider or flow["state"] != request.GET.get("state"):
        messages.error(
            request,
            "The connection could not be verified (the sign-in came back without a matching "
            "state, or it was started in another tab). Nothing was changed; click Connect again.",
        )
        return redirect("bill_syncing")
    if flow["firm_id"] != request.membership.firm_id:
        messages.error(
            request, "You switched firm during the sign-in. Nothing was changed; start again."
        )
        return redirect("bill_syncing")
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(
            request, f"{Provider(provider).label} refused: {request.GET.get('error', 'no code')}."
        )
        return redirect("bill_syncing")
    app = oauth.oauth_app(provider, flow["region"] or "us")
    try:
        tokens = oauth.token_exchange(
            app,
            code=request.GET["code"],
            redirect_uri=_redirect_uri(request, provider),
            code_verifier=flow["verifier"],
        )
        return _finish(request, provider, flow, tokens)
    except ProviderAuthError as exc:
        messages.error(
            request,
            f"{Provider(provider).label} did not accept the sign-in ({exc.code or exc.message}); "
            "it may have expired. Click Connect to try again.",
        )
    except ProviderError as exc:
        messages.error(request, f"{Provider(provider).label} answered with an error: {exc.message}")
    return redirect("bill_syncing")


def _finish(request, provider, flow, tokens):
    identify = PROVIDERS[provider].identify
    assert identify is not None
    found = identify(
        oauth_base(provider, flow["region"]), tokens.access_token, flow["region"], request.GET
    )
    if len(found) == 1:
        return _save(request, provider, found[0].external_id, found[0].name, tokens, flow["region"])
    # Several organisations (a sign-in may reach many): the person chooses one.
    request.session[PENDING_KEY] = crypto.encrypt(
        json.dumps(
            {
                "provider": provider,
                "tenants": [
                    {"tenantId": a.external_id, "tenantName": a.name, **a.detail} for a in found
                ],
                "access_token": tokens.access_token,
                "refresh_token": tokens.refresh_token,
                "access_expires_at": tokens.access_expires_at.isoformat(),
                "refresh_expires_at": tokens.refresh_expires_at.isoformat()
                if tokens.refresh_expires_at
                else None,
            }
        )
    )
    return redirect("connect_choose")


def oauth_base(provider: str, region: str = "us") -> str:
    cfg = settings.PROVIDERS[provider]
    return cfg["regions"][region or "us"] if provider == Provider.CLIO else cfg["api_base_url"]


def _save(request, provider, external_id, name, tokens, region=""):
    try:
        services.connection_connect(
            firm=request.membership.firm,
            actor=request.user,
            provider=provider,
            external_id=external_id,
            external_name=name,
            tokens=tokens,
            region=region,
            ip=client_ip(request),
        )
    except ValidationError as exc:
        # The tokens are dropped, not revoked: revoking could cut another firm's link to the
        # same company.
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{Provider(provider).label} is connected as {name}.")
    return redirect("bill_syncing")


@member_required(MANAGE_FIRM)
def connect_choose(request):
    sealed = request.session.get(PENDING_KEY)
    if not sealed:
        messages.error(request, "There is no sign-in waiting for a choice. Click Connect again.")
        return redirect("bill_syncing")
    pending = json.loads(crypto.decrypt(sealed))
    provider = pending["provider"]
    if request.method == "POST":
        tenant = next(
            (t for t in pending["tenants"] if t["tenantId"] == request.POST.get("tenant")), None
        )
        if tenant is None:
            messages.error(request, "Choose one of the organisations listed.")
        else:
            del request.session[PENDING_KEY]
            tokens = oauth.Tokens(
                access_token=pending["access_token"],
                refresh_token=pending["refresh_token"],
                access_expires_at=datetime.fromisoformat(pending["access_expires_at"]),
                refresh_expires_at=datetime.fromisoformat(pending["refresh_expires_at"])
                if pending["refresh_expires_at"]
                else None,
                raw={},
            )
            _drop_other_tenants(pending, tenant["tenantId"])
            return _save(request, provider, tenant["tenantId"], tenant["tenantName"], tokens)
    context = {
        "tenants": pending["tenants"],
        "provider_label": Provider(provider).label,
        "noun": PROVIDERS[provider].account_noun,
    }
    return render(request, "sync/organisation_choose.html", context)


def _drop_other_tenants(pending: dict, keep: str) -> None:
    provider = pending["provider"]
    release = PROVIDERS[provider].release
    if release is None:
        return
    accounts = [ConnectedAccount(t["tenantId"], t["tenantName"], t) for t in pending["tenants"]]
    release(oauth_base(provider), pending["access_token"], accounts, keep)
