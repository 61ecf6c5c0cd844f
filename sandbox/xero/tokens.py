"""Issuing, rotating and revoking Xero tokens.

Access tokens live 30 minutes; refresh tokens are single-use: each refresh returns a new pair,
the old refresh token may be replayed for a 30-minute grace period (answering with the same new
pair), then gives invalid_grant; unused refresh tokens expire after 60 days.
[developer.xero.com/faq/oauth2; API_NOTES §3.1]
"""

import base64
import datetime as dt
import hashlib
import hmac
import json

from sandbox.xero import store
from sandbox.xero.models import App, Connection, Grant, Organisation, SandboxUser, Token

ACCESS_TTL = dt.timedelta(minutes=30)
REFRESH_TTL = dt.timedelta(days=60)
GRACE = dt.timedelta(minutes=30)
SIGNING_KEY = b"sandbox-xero-identity"  # the real service signs RS256; clients rarely verify


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt(claims: dict) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    sig = hmac.new(SIGNING_KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


def grant_create(app: App, user: SandboxUser | None, scope: str) -> Grant:
    return Grant.objects.create(
        auth_event_id=store.new_id(), app=app, user=user, scope=scope, created_at=store.now()
    )


def connect(grant: Grant, orgs: list[Organisation]) -> None:
    """Connect the orgs; an org this user already connected to the app keeps its connection id
    and moves to the new auth event (Xero's `updatedDateUtc` changes, `createdDateUtc` stays)."""
    now = store.now()
    for org in orgs:
        prior = Connection.objects.filter(
            grant__app=grant.app, grant__user=grant.user, organisation=org
        ).first()
        if prior and grant.user is not None:
            prior.grant, prior.updated_at = grant, now
            prior.save(update_fields=["grant", "updated_at"])
        else:
            Connection.objects.create(
                connection_id=store.new_id(),
                grant=grant,
                organisation=org,
                created_at=now,
                updated_at=now,
            )


def connections_of(grant: Grant):
    """The tenants a token may use: all this user's connections to the app."""
    qs = Connection.objects.select_related("organisation", "grant")
    if grant.user_id:
        return qs.filter(grant__app=grant.app, grant__user=grant.user, grant__revoked=False)
    return qs.filter(grant=grant)


def issue(grant: Grant) -> Token:
    now = store.now()
    claims = {
        "nbf": int(now.timestamp()),
        "exp": int((now + ACCESS_TTL).timestamp()),
        "iss": "https://identity.xero.com",
        "aud": "https://identity.xero.com/resources",
        "client_id": grant.app.client_id,
        "sub": str(grant.user_id or "control"),
        "auth_time": int(grant.created_at.timestamp()),
        "xero_userid": str(grant.user_id or ""),
        "authentication_event_id": grant.auth_event_id,
        "jti": store.new_id(),
        "scope": grant.scope.split(),
    }
    return Token.objects.create(
        grant=grant,
        access_token=jwt(claims),
        refresh_token=store.new_secret(32),
        access_expires_at=now + ACCESS_TTL,
        refresh_expires_at=now + REFRESH_TTL,
    )


def token_body(token: Token) -> dict:
    grant = token.grant
    body = {
        "access_token": token.access_token,
        "expires_in": int(ACCESS_TTL.total_seconds()),
        "token_type": "Bearer",
        "scope": grant.scope,
    }
    # Only `offline_access` earns a refresh token (developer.xero.com .../oauth2/scopes).
    if "offline_access" in grant.scope.split():
        body["refresh_token"] = token.refresh_token
    if "openid" in grant.scope.split():
        body["id_token"] = _id_token(grant)
    return body


def _id_token(grant: Grant) -> str:
    now = store.now()
    user = grant.user
    return jwt(
        {
            "nbf": int(now.timestamp()),
            "exp": int((now + dt.timedelta(minutes=5)).timestamp()),
            "iss": "https://identity.xero.com",
            "aud": grant.app.client_id,
            "sub": str(user.pk if user else "control"),
            "email": user.email if user else "",
            "name": user.name if user else "",
            "xero_userid": str(user.pk if user else ""),
            "global_session_id": grant.auth_event_id,
        }
    )


def refresh(app: App, refresh_token: str) -> Token | None:
    """Rotate; None means invalid_grant."""
    token = Token.objects.select_for_update().filter(refresh_token=refresh_token).first()
    now = store.now()
    if token is None or token.grant.app_id != app.pk or token.revoked or token.grant.revoked:
        return None
    if token.refresh_expires_at <= now:
        return None
    if token.rotated_at is None:
        token.rotated_at = now
        token.successor = issue(token.grant)
        token.save(update_fields=["rotated_at", "successor"])
        return token.successor
    if now - token.rotated_at <= GRACE and token.successor:
        return token.successor  # the lost response, answered again
    return None


def revoke(app: App, refresh_token: str) -> bool:
    """Revoking a refresh token ends the grant and removes its connections (API_NOTES §3.1)."""
    token = Token.objects.filter(refresh_token=refresh_token, grant__app=app).first()
    if token is None:
        return False
    grant = token.grant
    grant.revoked = True
    grant.save(update_fields=["revoked"])
    Token.objects.filter(grant=grant).update(revoked=True)
    # "removes all the user's connections" to this app, across earlier consents too
    mine = Connection.objects.filter(grant__app=app)
    mine = (
        mine.filter(grant=grant) if grant.user_id is None else mine.filter(grant__user=grant.user)
    )
    mine.delete()
    return True
