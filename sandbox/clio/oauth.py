"""OAuth 2.0 as Clio Manage does it (https://docs.developers.clio.com/api-docs/authorization/).

Authorization Code grant only. Access tokens last 30 days; refresh tokens never expire and are not
rotated (https://docs.developers.clio.com/faq/). Errors follow RFC 6749 §5.2. Each region is its own
Clio: codes and tokens from one regional host are unknown on the others.
"""

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.clio.http import authenticate
from sandbox.clio.models import Account, App, AuthCode, Record, Token
from sandbox.clio.store import ApiError
from sandbox.core import counter_bump

ACCESS_TTL = timedelta(days=30)
CODE_TTL = timedelta(minutes=10)
# What the consent screen lists: the Manage "access permissions" a sandbox app is granted.
PERMISSIONS = [
    "Activities: read/write",
    "Billing: read/write",
    "Accounting: read",
    "Calendars: read/write",
    "Communications: read/write",
    "Contacts: read/write",
    "Documents: read/write",
    "Matters: read/write",
    "Tasks: read/write",
    "Users: read",
    "Webhooks: read/write",
]


def password_hash(password: str) -> str:
    return hashlib.sha256(f"clio-sandbox:{password}".encode()).hexdigest()


def issue_token(app: App, account: Account, user_id: int) -> Token:
    return Token.objects.create(
        access_token=secrets.token_hex(20),
        refresh_token=secrets.token_hex(20),
        app=app,
        account=account,
        user_id=user_id,
        expires_at=timezone.now() + ACCESS_TTL,
    )


def token_body(token: Token, *, with_refresh: bool = True) -> dict:
    body = {
        "token_type": "bearer",
        "access_token": token.access_token,
        "expires_in": int(ACCESS_TTL.total_seconds()),
    }
    if with_refresh:
        body["refresh_token"] = token.refresh_token
    return body


def _oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _redirect(uri: str, params: dict) -> HttpResponseRedirect:
    glue = "&" if "?" in uri else "?"
    return HttpResponseRedirect(f"{uri}{glue}{urlencode(params)}")


@csrf_exempt
def authorize(request, region):
    params = request.POST if request.method == "POST" else request.GET
    app = App.objects.filter(client_id=params.get("client_id", "")).first()
    redirect_uri = params.get("redirect_uri", "")
    # Never redirect to an unregistered URI: show the error on Clio's own page instead.
    if app is None or redirect_uri not in app.redirect_uris:
        problem = "Unknown client_id." if app is None else "redirect_uri is not registered."
        return render(request, "sandbox_clio/consent.html", {"fatal": problem}, status=400)
    state = params.get("state", "")
    if params.get("response_type") != "code":
        return _redirect(redirect_uri, {"error": "unsupported_response_type", "state": state})
    shown = PERMISSIONS if app.permissions is None else _describe(app.permissions)
    context = {"app": app, "params": params, "permissions": shown, "region": region}
    if request.method == "GET":
        return render(request, "sandbox_clio/consent.html", context)
    if request.POST.get("decision") != "allow":
        if params.get("redirect_on_decline") == "true":
            return _redirect(redirect_uri, {"error": "access_denied", "state": state})
        return render(request, "sandbox_clio/consent.html", {**context, "declined": True})
    user = _sign_in(region, params.get("email", ""), params.get("password", ""))
    if user is None:
        context["error"] = "Invalid email or password."
        return render(request, "sandbox_clio/consent.html", context, status=401)
    code = AuthCode.objects.create(
        code=secrets.token_hex(16),
        app=app,
        account_id=user.account_id,
        user_id=user.id,
        redirect_uri=redirect_uri,
        created_at=timezone.now(),
    )
    return _redirect(redirect_uri, {"code": code.code, "state": state})


def _describe(granted: list[str]) -> list[str]:
    shown = []
    for permission in granted:
        name, _, mode = permission.partition(":")
        label = name.replace("_", " ").title()
        shown.append(f"{label}: {'read' if mode == 'read' else 'read/write'}")
    return shown


def _sign_in(region: str, email: str, password: str) -> Record | None:
    user = Record.objects.filter(
        type="user", deleted=False, data__email=email.strip().lower(), account__region=region
    ).first()
    if user and user.data.get("_password") == password_hash(password):
        return user
    return None


@csrf_exempt
def token(request, region):
    response = _token(request, region)
    counter_bump("clio", "POST /oauth/token", response.status_code)
    return response


def _token(request, region):
    if request.method != "POST":
        return _oauth_error("invalid_request", "Use POST.", 405)
    p = request.POST
    app = App.objects.filter(client_id=p.get("client_id", "")).first()
    if app is None or not secrets.compare_digest(app.client_secret, p.get("client_secret", "")):
        return _oauth_error("invalid_client", "Client authentication failed.", 401)
    grant = p.get("grant_type")
    if grant == "authorization_code":
        return _from_code(app, region, p)
    if grant == "refresh_token":
        return _from_refresh(app, region, p)
    return _oauth_error(
        "unsupported_grant_type", "grant_type must be authorization_code or refresh_token."
    )


def _from_code(app: App, region: str, p) -> JsonResponse:
    code = (
        AuthCode.objects.filter(code=p.get("code", ""), app=app).select_related("account").first()
    )
    fresh = code and code.created_at > timezone.now() - CODE_TTL
    if not fresh or code.account.region != region:
        return _oauth_error("invalid_grant", "The authorization code is invalid or expired.")
    if code.redirect_uri != p.get("redirect_uri", ""):
        return _oauth_error(
            "invalid_grant", "redirect_uri does not match the authorization request."
        )
    # Single use: a conditional UPDATE, so two concurrent exchanges can't both win.
    if not AuthCode.objects.filter(pk=code.pk, used=False).update(used=True):
        return _oauth_error("invalid_grant", "The authorization code has already been used.")
    return JsonResponse(token_body(issue_token(app, code.account, code.user_id)))


def _from_refresh(app: App, region: str, p) -> JsonResponse:
    old = (
        Token.objects.filter(refresh_token=p.get("refresh_token", ""), app=app, revoked=False)
        .select_related("account")
        .first()
    )
    if old is None or old.account.region != region:
        return _oauth_error("invalid_grant", "The refresh token is invalid or revoked.")
    new = Token.objects.create(
        access_token=secrets.token_hex(20),
        refresh_token=old.refresh_token,  # not rotated
        app=app,
        account=old.account,
        user_id=old.user_id,
        expires_at=timezone.now() + ACCESS_TTL,
    )
    return JsonResponse(token_body(new, with_refresh=False))


@csrf_exempt
def deauthorize(request, region):
    """`POST /oauth/deauthorize` with the Bearer token and form `token`: revokes the grant."""
    try:
        caller = authenticate(request, region)
    except ApiError as err:
        counter_bump("clio", "POST /oauth/deauthorize", err.status)
        return JsonResponse(
            {"error": {"type": err.type, "message": err.message}}, status=err.status
        )
    target = request.POST.get("token") or caller.access_token
    found = Token.objects.filter(access_token=target, account=caller.account).first()
    if found:
        Token.objects.filter(refresh_token=found.refresh_token).update(revoked=True)
    counter_bump("clio", "POST /oauth/deauthorize", 200)
    return JsonResponse({})
