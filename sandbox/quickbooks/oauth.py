"""Intuit OAuth 2.0: discovery, consent page, token endpoint, revoke.

developer.intuit.com "OAuth 2.0" + intuit-oauth `intuitlib/client.py`: authorize at
appcenter.intuit.com/connect/oauth2 (callback `code`, `state`, `realmId`); token at
oauth.platform.intuit.com/oauth2/v1/tokens/bearer with HTTP Basic client auth and a form body;
access tokens live 3600 s, refresh tokens a rolling 100 days (`x_refresh_token_expires_in`
8640000) and rotate; revoke at developer.api.intuit.com/v2/oauth2/tokens/revoke.
"""

import base64
import json
import math
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from sandbox.core import counter_bump
from sandbox.quickbooks import clock
from sandbox.quickbooks.models import App, AuthCode, Company, SandboxUser, Token

ACCESS_TTL = 3600
REFRESH_TTL = 8640000  # 100 days
DAILY = timedelta(hours=24)
HARD_CAP = timedelta(days=5 * 365)


def _base(request) -> str:
    return f"{request.scheme}://{request.get_host()}/sandbox/quickbooks"


def discovery(request):
    """The discovery document (oauth_fixtures/discovery.json) pointing at this sandbox."""
    base = _base(request)
    doc = {
        "issuer": f"{base}/oauth/op/v1",
        "authorization_endpoint": f"{base}/appcenter/connect/oauth2",
        "token_endpoint": f"{base}/oauth/oauth2/v1/tokens/bearer",
        "userinfo_endpoint": f"{base}/oauth/v1/openid_connect/userinfo",
        "revocation_endpoint": f"{base}/developer/v2/oauth2/tokens/revoke",
        "jwks_uri": f"{base}/oauth/op/v1/jwks",
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile", "address", "phone"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
    }
    return JsonResponse(doc)


def jwks(request):
    return JsonResponse({"keys": []})


def _oauth_error(error: str, status: int = 400, description: str = "") -> JsonResponse:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return JsonResponse(body, status=status)


def authorize(request):
    """The consent page: sign in as a sandbox user, pick a company, Connect or Cancel."""
    params = request.GET if request.method == "GET" else request.POST
    app = App.objects.filter(client_id=params.get("client_id", "")).first()
    redirect_uri = params.get("redirect_uri", "")
    if app is None or redirect_uri not in app.redirect_uris:
        # Intuit shows its own error page rather than redirecting to an unregistered URI.
        return render(
            request,
            "sandbox_quickbooks/consent_error.html",
            {"reason": "Unknown client_id or redirect_uri not registered for this app."},
            status=400,
        )
    ctx = {"app": app, "params": {k: params.get(k, "") for k in _PARAMS}}
    if request.method == "GET":
        return render(request, "sandbox_quickbooks/consent.html", ctx)
    return _consent_post(request, app, ctx)


_PARAMS = ("client_id", "response_type", "scope", "redirect_uri", "state")


def _consent_post(request, app: App, ctx: dict):
    params, post = ctx["params"], request.POST
    if post.get("decision") == "deny":
        return _back(params, {"error": "access_denied"})
    user = SandboxUser.objects.filter(email__iexact=post.get("email", "").strip()).first()
    if user is None or user.password != post.get("password", ""):
        ctx["error"] = "Sign-in failed: unknown email or wrong password."
        return render(request, "sandbox_quickbooks/consent.html", ctx, status=200)
    companies = Company.objects.filter(owner=user).order_by("name")
    realm = post.get("realm_id")
    company = companies.filter(realm_id=realm).first() if realm else None
    if company is None:
        ctx.update(user=user, companies=companies, email=user.email, password=post["password"])
        return render(request, "sandbox_quickbooks/consent.html", ctx)
    code = AuthCode.objects.create(
        code="AB11" + secrets.token_urlsafe(30),
        app=app,
        company=company,
        redirect_uri=params["redirect_uri"],
        scope=params["scope"],
        expires_at=clock.now() + timedelta(minutes=5),
    )
    return _back(params, {"code": code.code, "state": params["state"], "realmId": realm})


def _back(params: dict, values: dict):
    if params.get("state") and "state" not in values:
        values["state"] = params["state"]
    sep = "&" if "?" in params["redirect_uri"] else "?"
    return HttpResponseRedirect(params["redirect_uri"] + sep + urlencode(values))


def _client(request) -> App | None:
    header = request.headers.get("Authorization", "")
    client_id = secret = ""
    if header.lower().startswith("basic "):
        try:
            raw = base64.b64decode(header[6:]).decode()
            client_id, _, secret = raw.partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
    else:  # client_secret_post
        client_id = request.POST.get("client_id", "")
        secret = request.POST.get("client_secret", "")
    app = App.objects.filter(client_id=client_id).first()
    if app is None or not secrets.compare_digest(app.client_secret, secret):
        return None
    return app


def issue(app: App, company: Company, scope: str, grant: str | None = None) -> Token:
    now = clock.now()
    return Token.objects.create(
        grant=grant or secrets.token_hex(16),
        app=app,
        company=company,
        scope=scope,
        access_token="eyJlbmMiOiJBMTI4Q0JDLUhTMjU2" + secrets.token_urlsafe(48),
        refresh_token="AB11" + str(int(now.timestamp())) + secrets.token_urlsafe(24),
        access_expires_at=now + timedelta(seconds=ACCESS_TTL),
        refresh_expires_at=now + timedelta(seconds=REFRESH_TTL),
    )


def token_body(token: Token, *, hard: bool = False) -> dict:
    """oauth_fixtures/success_token_response.json (no id_token: no OpenID signing key here)."""
    left = math.ceil((token.refresh_expires_at - clock.now()).total_seconds())
    body = {
        "token_type": "bearer",
        "expires_in": ACCESS_TTL,
        "refresh_token": token.refresh_token,
        "x_refresh_token_expires_in": max(left, 0),
        "access_token": token.access_token,
    }
    if hard:
        # Opt-in header since the 2025-11-12 policy: a 5-year cap from the connection's start.
        first = Token.objects.filter(grant=token.grant).order_by("created_at").first()
        cap = first.created_at + HARD_CAP - clock.now()
        body["x_refresh_token_hard_expires_in"] = max(int(cap.total_seconds()), 0)
    return body


def _hard(request) -> bool:
    return request.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true"


@csrf_exempt
def token_endpoint(request):
    response = _token(request)
    counter_bump("quickbooks", "POST oauth2/v1/tokens/bearer", response.status_code)
    response["Cache-Control"] = "no-store"
    return response


def _token(request):
    if request.method != "POST":
        return _oauth_error("invalid_request", 405)
    app = _client(request)
    if app is None:
        return _oauth_error("invalid_client", 401)
    grant_type = request.POST.get("grant_type")
    if grant_type == "authorization_code":
        return _code_grant(request, app)
    if grant_type == "refresh_token":
        return _refresh_grant(request, app)
    return _oauth_error("unsupported_grant_type")


def _code_grant(request, app: App):
    with transaction.atomic():
        code = AuthCode.objects.select_for_update().filter(code=request.POST.get("code")).first()
        if code is None or code.used or code.app_id != app.pk or code.expires_at < clock.now():
            return _oauth_error("invalid_grant")
        if code.redirect_uri != request.POST.get("redirect_uri"):
            return _oauth_error("invalid_grant")
        code.used = True
        code.save(update_fields=["used"])
        token = issue(app, code.company, code.scope)
    return JsonResponse(token_body(token, hard=_hard(request)))


def _refresh_grant(request, app: App):
    value = request.POST.get("refresh_token", "")
    with transaction.atomic():
        old = Token.objects.select_for_update().filter(refresh_token=value, app=app).first()
        if old is None or old.superseded or old.revoked or old.refresh_expires_at < clock.now():
            return _oauth_error("invalid_grant")
        rotate = app.refresh_rotation == "always" or clock.now() - old.created_at >= DAILY
        if not rotate:
            # Same refresh token, new access token; the rolling 100 days restart.
            old.access_token = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2" + secrets.token_urlsafe(48)
            old.access_expires_at = clock.now() + timedelta(seconds=ACCESS_TTL)
            old.refresh_expires_at = clock.now() + timedelta(seconds=REFRESH_TTL)
            old.save()
            return JsonResponse(token_body(old, hard=_hard(request)))
        old.superseded = True
        old.save(update_fields=["superseded"])
        if clock.now() - _grant_start(old) >= HARD_CAP:
            return _oauth_error("invalid_grant")
        token = issue(app, old.company, old.scope, grant=old.grant)
    return JsonResponse(token_body(token, hard=_hard(request)))


def _grant_start(token: Token):
    return Token.objects.filter(grant=token.grant).order_by("created_at").first().created_at


@csrf_exempt
def revoke(request):
    """POST JSON {"token": access or refresh}; revokes the whole connection. 200, empty body."""
    app = _client(request)
    if app is None:
        return _oauth_error("invalid_client", 401)
    try:
        value = json.loads(request.body or b"{}").get("token", "")
    except (ValueError, AttributeError):
        value = request.POST.get("token", "")
    row = Token.objects.filter(app=app, refresh_token=value).first()
    row = row or Token.objects.filter(app=app, access_token=value).first()
    if row is None:
        return _oauth_error("invalid_request")
    Token.objects.filter(grant=row.grant).update(revoked=True)
    counter_bump("quickbooks", "POST oauth2/tokens/revoke", 200)
    return HttpResponse(status=200)


def userinfo(request):
    header = request.headers.get("Authorization", "")
    token = Token.objects.filter(access_token=header[7:], revoked=False).first()
    if token is None or token.access_expires_at <= clock.now():
        return JsonResponse({"error": "invalid_token"}, status=401)
    owner = token.company.owner
    email = owner.email if owner else ""
    return JsonResponse({"sub": f"sbx-{token.company.realm_id}", "email": email})
