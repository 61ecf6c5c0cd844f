"""OAuth 2.0 authorization-code flows for Clio, QuickBooks Online and Xero (requests-oauthlib).

Endpoints and rules per provider:
- Clio: https://docs.developers.clio.com/api-docs/authorization/ — regional hosts; refresh tokens
  never expire and are not rotated; deauthorize with the access token.
- QuickBooks: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0
  — HTTP Basic client auth; `realmId` on the callback; refresh tokens may rotate on any refresh.
- Xero: https://developer.xero.com/documentation/guides/oauth2/auth-flow — PKCE; refresh tokens
  rotate on every refresh; tenants come from GET /connections.
"""

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import requests
from django.conf import settings
from django.utils import timezone
from oauthlib.oauth2 import OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from sync.providers.errors import ProviderAuthError, ProviderError

TIMEOUT = (5.0, 30.0)


@dataclass(frozen=True)
class OAuthApp:
    provider: str
    authorize_url: str
    token_url: str
    revoke_url: str
    client_id: str
    client_secret: str
    scope: tuple[str, ...] = ()
    pkce: bool = False
    basic_auth: bool = False


SANDBOX_APPS_FILE = "sandbox-apps.json"


def _credentials(provider: str) -> dict:
    """Client id and secret from the environment; in development, from the sandbox apps that
    `manage.py sandbox_demo` registered (read at call time, so a running server sees them)."""
    cfg = dict(settings.PROVIDERS[provider])
    if not cfg.get("client_id") and settings.SANDBOX_ENABLED:
        path = Path(settings.VAR_DIR) / SANDBOX_APPS_FILE
        if path.exists():
            cfg.update(json.loads(path.read_text()).get(provider, {}))
    return cfg


def oauth_app(provider: str, region: str = "us") -> OAuthApp:
    cfg = _credentials(provider)
    if provider == "clio":
        base = cfg["regions"][region].rstrip("/")
        return OAuthApp(
            "clio",
            f"{base}/oauth/authorize",
            f"{base}/oauth/token",
            f"{base}/oauth/deauthorize",
            cfg["client_id"],
            cfg["client_secret"],
        )
    if provider == "quickbooks":
        return OAuthApp(
            "quickbooks",
            cfg["authorize_url"],
            f"{cfg['oauth_base_url'].rstrip('/')}/oauth2/v1/tokens/bearer",
            f"{cfg['developer_base_url'].rstrip('/')}/v2/oauth2/tokens/revoke",
            cfg["client_id"],
            cfg["client_secret"],
            scope=("com.intuit.quickbooks.accounting",),
            basic_auth=True,
        )
    if provider == "xero":
        identity = cfg["identity_base_url"].rstrip("/")
        return OAuthApp(
            "xero",
            f"{cfg['login_base_url'].rstrip('/')}/identity/connect/authorize",
            f"{identity}/connect/token",
            f"{identity}/connect/revocation",
            cfg["client_id"],
            cfg["client_secret"],
            scope=(
                "offline_access",
                "accounting.transactions",
                "accounting.contacts",
                "accounting.settings",
                # the trust liability's balance, read from the trial balance
                "accounting.reports.read",
            ),
            pkce=True,
            basic_auth=True,
        )
    raise ValueError(f"Unknown provider {provider!r}")


@dataclass(frozen=True)
class AuthorizationStart:
    url: str
    state: str
    code_verifier: str


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorization_start(app: OAuthApp, redirect_uri: str) -> AuthorizationStart:
    state = secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48) if app.pkce else ""
    session = OAuth2Session(
        app.client_id, redirect_uri=redirect_uri, scope=list(app.scope) or None, state=state
    )
    extra = (
        {"code_challenge": _challenge(verifier), "code_challenge_method": "S256"}
        if app.pkce
        else {}
    )
    if app.provider == "clio":
        extra["redirect_on_decline"] = "true"
    url, _ = session.authorization_url(app.authorize_url, **extra)
    return AuthorizationStart(url=url, state=state, code_verifier=verifier)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    access_expires_at: object
    refresh_expires_at: object | None
    raw: dict


def tokens_from(raw: dict) -> Tokens:
    now = timezone.now()
    refresh_ttl = raw.get("x_refresh_token_expires_in") or raw.get("refresh_token_expires_in")
    return Tokens(
        access_token=raw["access_token"],
        refresh_token=raw.get("refresh_token", ""),
        access_expires_at=now + timedelta(seconds=int(raw.get("expires_in", 3600))),
        refresh_expires_at=now + timedelta(seconds=int(refresh_ttl)) if refresh_ttl else None,
        raw={k: v for k, v in raw.items() if "token" not in k},
    )


def _fail(app: OAuthApp, exc: OAuth2Error) -> ProviderError:
    kind = (
        ProviderAuthError
        if exc.error in ("invalid_grant", "invalid_client", "unauthorized_client")
        else ProviderError
    )
    return kind(app.provider, exc.description or exc.error, status=exc.status_code, code=exc.error)


def token_exchange(
    app: OAuthApp, *, code: str, redirect_uri: str, code_verifier: str = ""
) -> Tokens:
    session = OAuth2Session(app.client_id, redirect_uri=redirect_uri)
    kwargs = {"code_verifier": code_verifier} if code_verifier else {}
    try:
        raw = session.fetch_token(
            app.token_url,
            code=code,
            timeout=TIMEOUT,
            include_client_id=not app.basic_auth,
            auth=HTTPBasicAuth(app.client_id, app.client_secret) if app.basic_auth else None,
            client_secret=None if app.basic_auth else app.client_secret,
            **kwargs,
        )
    except OAuth2Error as exc:
        raise _fail(app, exc) from exc
    return tokens_from(dict(raw))


def token_refresh(app: OAuthApp, *, refresh_token: str) -> Tokens:
    session = OAuth2Session(
        app.client_id, token={"refresh_token": refresh_token, "token_type": "Bearer"}
    )
    try:
        if app.basic_auth:
            raw = session.refresh_token(
                app.token_url,
                refresh_token=refresh_token,
                timeout=TIMEOUT,
                auth=HTTPBasicAuth(app.client_id, app.client_secret),
            )
        else:
            raw = session.refresh_token(
                app.token_url,
                refresh_token=refresh_token,
                timeout=TIMEOUT,
                client_id=app.client_id,
                client_secret=app.client_secret,
            )
    except OAuth2Error as exc:
        raise _fail(app, exc) from exc
    return tokens_from(dict(raw))


def token_revoke(app: OAuthApp, *, access_token: str, refresh_token: str) -> None:
    """Best effort: a token the provider already forgot is as good as revoked."""
    if app.provider == "clio":
        requests.post(
            app.revoke_url,
            data={"token": access_token},
            timeout=TIMEOUT,
            headers={"Authorization": f"Bearer {access_token}"},
        )
    elif app.provider == "quickbooks":
        requests.post(
            app.revoke_url,
            json={"token": refresh_token or access_token},
            timeout=TIMEOUT,
            auth=HTTPBasicAuth(app.client_id, app.client_secret),
            headers={"Accept": "application/json"},
        )
    else:
        requests.post(
            app.revoke_url,
            data={"token": refresh_token},
            timeout=TIMEOUT,
            auth=HTTPBasicAuth(app.client_id, app.client_secret),
        )
