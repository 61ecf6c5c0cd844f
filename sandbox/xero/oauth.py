"""login.xero.com authorize + consent, identity.xero.com token/revocation, api.xero.com/connections.

[XERO-SPEC securitySchemes.OAuth2; XERO-ID; developer.xero.com/documentation/guides/oauth2/auth-flow
and /pkce-flow]
"""

import base64
import datetime as dt
import hashlib
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from sandbox.core import counter_bump, faults_decide
from sandbox.xero import store, tokens
from sandbox.xero.api_base import token_for_request
from sandbox.xero.errors import XeroError, json_response
from sandbox.xero.errors import render as render_error
from sandbox.xero.models import App, AuthCode, SandboxUser

KNOWN_SCOPES = {
    "openid",
    "profile",
    "email",
    "offline_access",
    "paymentservices",
    "accounting.transactions",
    "accounting.transactions.read",
    "accounting.contacts",
    "accounting.contacts.read",
    "accounting.settings",
    "accounting.settings.read",
    "accounting.attachments",
    "accounting.attachments.read",
    "accounting.reports.read",
    "accounting.journals.read",
    "accounting.budgets.read",
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.payments",
    "accounting.payments.read",
    "accounting.banktransactions",
    "accounting.banktransactions.read",
    "accounting.manualjournals",
    "accounting.manualjournals.read",
}
CODE_TTL = dt.timedelta(minutes=5)


def _error_page(request, message: str, status: int = 400):
    # An unknown client or redirect_uri is shown on Xero's own page, never redirected.
    return render(request, "sandbox_xero/consent.html", {"fatal": message}, status=status)


def _redirect(uri: str, **params) -> HttpResponseRedirect:
    sep = "&" if "?" in uri else "?"
    return HttpResponseRedirect(f"{uri}{sep}{urlencode({k: v for k, v in params.items() if v})}")


def _check_authorize(params):
    """Returns (app, error page message, redirect error)."""
    app = App.objects.filter(client_id=params.get("client_id", "")).first()
    if app is None:
        return None, "unauthorized_client: Unknown client or client not enabled", None
    if params.get("redirect_uri") not in app.redirect_uris:
        return app, "Invalid redirect_uri", None
    if params.get("response_type") != "code":
        return app, None, "unsupported_response_type"
    scopes = params.get("scope", "").split()
    if not scopes or any(s not in KNOWN_SCOPES for s in scopes):
        return app, None, "invalid_scope"
    if params.get("code_challenge") and params.get("code_challenge_method", "plain") != "S256":
        return app, None, "invalid_request"
    return app, None, None


def _params(request):
    """The authorize query, plus the consent form's fields when it is posted back."""
    params = request.GET.copy()
    if request.method == "POST":
        for key in request.POST:
            params.setlist(key, request.POST.getlist(key))
    return params


@csrf_exempt
def authorize(request):
    params = _params(request)
    app, fatal, redirect_error = _check_authorize(params)
    counter_bump(store.PROVIDER, f"{request.method} authorize", 400 if fatal else 200)
    if fatal:
        return _error_page(request, fatal)
    if redirect_error:
        return _redirect(params["redirect_uri"], error=redirect_error, state=params.get("state"))
    ctx = {"app": app, "params": {k: params.get(k, "") for k in _PASSED}}
    if request.method == "GET":
        return render(request, "sandbox_xero/consent.html", ctx)
    return _consent(request, app, params, ctx)


_PASSED = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


def _consent(request, app: App, params, ctx):
    if params.get("deny"):
        return _redirect(params["redirect_uri"], error="access_denied", state=params.get("state"))
    user = SandboxUser.objects.filter(
        email__iexact=params.get("email", "").strip(), password=params.get("password", "")
    ).first()
    if user is None:
        return render(request, "sandbox_xero/consent.html", {**ctx, "error": "Sign in failed."})
    orgs = list(user.organisations.filter(tenant_id__in=params.getlist("tenant")))
    ctx.update(
        signed_in=user,
        email=user.email,
        password=params.get("password"),
        organisations=user.organisations.order_by("name"),
    )
    if not params.get("allow"):
        return render(request, "sandbox_xero/consent.html", ctx)
    if not orgs and any(s.startswith("accounting.") for s in params.get("scope", "").split()):
        ctx["error"] = "Choose at least one organisation."
        return render(request, "sandbox_xero/consent.html", ctx)
    return _issue_code(app, user, orgs, params)


@transaction.atomic
def _issue_code(app, user, orgs, params):
    grant = tokens.grant_create(app, user, params.get("scope", ""))
    tokens.connect(grant, orgs)
    code = AuthCode.objects.create(
        code=store.new_secret(24),
        grant=grant,
        redirect_uri=params["redirect_uri"],
        code_challenge=params.get("code_challenge", ""),
        code_challenge_method=params.get("code_challenge_method", ""),
        expires_at=store.now() + CODE_TTL,
    )
    return _redirect(
        params["redirect_uri"],
        code=code.code,
        scope=params.get("scope"),
        state=params.get("state"),
        session_state=store.new_secret(16),
    )


def _client(request) -> tuple[App | None, bool]:
    """Basic auth or form credentials; a PKCE client may send only client_id. Returns
    (app, secret_ok)."""
    header = request.headers.get("Authorization", "")
    cid, secret = request.POST.get("client_id", ""), request.POST.get("client_secret")
    if header.startswith("Basic "):
        try:
            cid, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, False
    app = App.objects.filter(client_id=cid).first()
    return app, bool(app and secret is not None and secret == app.client_secret)


def _token_error(error: str, status: int = 400):
    return json_response({"error": error}, status)


@csrf_exempt
def token(request):
    resp = _token(request)
    counter_bump(store.PROVIDER, "POST connect/token", resp.status_code)
    return resp


@transaction.atomic
def _token(request):
    if request.method != "POST":
        return _token_error("invalid_request")
    app, secret_ok = _client(request)
    if app is None:
        return _token_error("invalid_client")
    grant_type = request.POST.get("grant_type")
    if grant_type == "authorization_code":
        return _code_grant(request, app, secret_ok)
    if grant_type == "refresh_token":
        if not secret_ok and not _is_pkce_grant(request):
            return _token_error("invalid_client")
        new = tokens.refresh(app, request.POST.get("refresh_token", ""))
        return json_response(tokens.token_body(new)) if new else _token_error("invalid_grant")
    return _token_error("unsupported_grant_type")


def _is_pkce_grant(request) -> bool:
    """PKCE apps refresh with client_id alone (developer.xero.com .../pkce-flow)."""
    from sandbox.xero.models import Token

    tok = Token.objects.filter(refresh_token=request.POST.get("refresh_token", "")).first()
    return bool(
        tok and AuthCode.objects.filter(grant=tok.grant).exclude(code_challenge="").exists()
    )


def _code_grant(request, app: App, secret_ok: bool):
    code = AuthCode.objects.select_for_update().filter(code=request.POST.get("code", "")).first()
    if code is None or code.grant.app_id != app.pk or code.used or code.expires_at <= store.now():
        return _token_error("invalid_grant")
    if request.POST.get("redirect_uri") != code.redirect_uri:
        return _token_error("invalid_grant")
    if code.code_challenge:
        verifier = request.POST.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != code.code_challenge:
            return _token_error("invalid_grant")
    elif not secret_ok:
        return _token_error("invalid_client")
    code.used = True
    code.save(update_fields=["used"])
    return json_response(tokens.token_body(tokens.issue(code.grant)))


@csrf_exempt
def revocation(request):
    app, secret_ok = _client(request)
    if app is None or not secret_ok:
        resp = _token_error("invalid_client")
    else:
        tokens.revoke(app, request.POST.get("token", ""))
        resp = HttpResponse(status=200)  # unknown tokens are not an error (RFC 7009 §2.2)
    counter_bump(store.PROVIDER, "POST connect/revocation", resp.status_code)
    return resp


def connection_doc(conn) -> dict:
    return {
        "id": conn.connection_id,
        "authEventId": conn.grant.auth_event_id,
        "tenantId": conn.organisation.tenant_id,
        "tenantType": "ORGANISATION",
        "tenantName": conn.organisation.name,
        "createdDateUtc": conn.created_at.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
        "updatedDateUtc": conn.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%f0"),
    }


@csrf_exempt
def connections(request, connection_id=None):
    decision = faults_decide(store.PROVIDER)
    try:
        if decision.throttle_retry_after is not None:
            raise XeroError(429, {"Title": "Too Many Requests", "Status": 429},
                            {"Retry-After": str(decision.throttle_retry_after)})  # fmt: skip
        if decision.error_status:
            raise XeroError(
                decision.error_status, {"Title": "Error", "Status": decision.error_status}
            )
        tok = token_for_request(request)
        resp = _connections(request, tok, connection_id)
    except XeroError as err:
        resp = render_error(err)
    name = "connections/{id}" if connection_id else "connections"
    counter_bump(store.PROVIDER, f"{request.method} {name}", resp.status_code)
    return resp


def _connections(request, tok, connection_id):
    qs = tokens.connections_of(tok.grant).order_by("created_at", "pk")
    if connection_id is None and request.method == "GET":
        if event := request.GET.get("authEventId"):
            qs = qs.filter(grant__auth_event_id=event.lower())
        return json_response([connection_doc(c) for c in qs])
    conn = qs.filter(connection_id=(connection_id or "").lower()).first()
    if request.method != "DELETE" or conn is None:
        return HttpResponse(status=404 if conn is None else 405)
    conn.delete()
    return HttpResponse(status=204)
