"""The control API under `/sandbox/clio/_control/` (ARCHITECTURE.md, "The sandbox contract").

JSON in and out. Not part of Clio: it plays the developer portal (apps), the firm's people
(actions), and the test harness (reset, seed, faults, counters, settings, webhook flush).
"""

import json
import secrets
import time
from datetime import timedelta
from functools import wraps

from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.clio import presets, webhooks
from sandbox.clio.actions import ACTIONS, describe
from sandbox.clio.http import SETTINGS_DEFAULTS, setting
from sandbox.clio.models import Account, App, Delivery, Sequence, Setting, Token, UploadPart
from sandbox.clio.oauth import issue_token, token_body
from sandbox.clio.store import ApiError, get
from sandbox.core import counters_reset, counters_snapshot, faults_set, rate_windows_reset


class BadInput(Exception):
    pass


def control(methods=("POST",)):
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                return JsonResponse({"error": f"Use {' or '.join(methods)}."}, status=405)
            try:
                raw = request.body.strip() if request.method == "POST" else b""
                payload = json.loads(raw) if raw.startswith(b"{") or raw.startswith(b"[") else {}
                if not isinstance(payload, dict):
                    raise BadInput("The body must be a JSON object.")
                return JsonResponse(view(request, payload, *args, **kwargs))
            except (ValueError, BadInput) as exc:
                return JsonResponse({"error": str(exc)}, status=400)
            except ApiError as err:
                return JsonResponse({"error": err.message, "type": err.type}, status=err.status)

        return wrapper

    return decorate


def account_of(payload: dict) -> Account:
    account_id = payload.get("account")
    qs = Account.objects.order_by("pk")
    found = qs.filter(pk=account_id).first() if account_id else qs.first()
    if found is None:
        raise BadInput(f"No such account: {account_id!r}." if account_id else "No accounts yet.")
    return found


@control()
def reset(request, payload):
    with transaction.atomic():
        Delivery.objects.all().delete()
        Token.objects.all().delete()
        Account.objects.all().delete()  # cascades to records, codes
        App.objects.all().delete()
        Setting.objects.all().delete()
        Sequence.objects.all().delete()
        UploadPart.objects.all().delete()
    counters_reset("clio")
    rate_windows_reset("clio:")
    faults_set("clio", {})
    return {"reset": True}


@control()
def seed(request, payload):
    preset = payload.get("preset")
    if preset not in presets.PRESETS:
        raise BadInput(f"preset must be one of {', '.join(presets.PRESETS)}.")
    started = time.monotonic()
    with transaction.atomic():
        accounts = presets.PRESETS[preset](name=payload.get("account"))
    return {"preset": preset, "accounts": accounts, "seconds": round(time.monotonic() - started, 2)}


@control()
def accounts(request, payload):
    """Create one account (law firm) with users: `{"name", "region", "users": [...]}`."""
    region = payload.get("region", "us")
    if region not in ("us", "eu", "ca", "au"):
        raise BadInput("region must be us, eu, ca or au.")
    with transaction.atomic():
        return presets.create_account(
            payload.get("name") or "Sandbox Law", region, payload.get("users") or None
        )


@control()
def apps(request, payload):
    uris = payload.get("redirect_uris")
    if not isinstance(uris, list) or not uris:
        raise BadInput("redirect_uris must be a non-empty list.")
    permissions = payload.get("permissions")
    if permissions is not None and not isinstance(permissions, list):
        raise BadInput('permissions must be a list such as ["contacts", "billing:read"].')
    app = App.objects.create(
        name=payload.get("name") or "Sandbox app",
        permissions=permissions,
        client_id=secrets.token_hex(16),
        client_secret=secrets.token_hex(24),
        redirect_uris=uris,
    )
    return {"client_id": app.client_id, "client_secret": app.client_secret, "name": app.name}


@control()
def tokens(request, payload):
    app = App.objects.filter(client_id=payload.get("client_id", "")).first()
    if app is None:
        raise BadInput("Unknown client_id.")
    account = account_of(payload)
    user = payload.get("user") or account.record_set.filter(type="user").order_by("pk").first()
    user_id = user if isinstance(user, int) else getattr(user, "pk", None)
    if user_id is None:
        raise BadInput("The account has no users.")
    body = token_body(issue_token(app, account, get(account, "user", user_id).id))
    return body | {"account": account.pk, "region": account.region}


@control()
def tokens_expire(request, payload):
    """Make an access token expired now (tests of 401 and refresh)."""
    updated = Token.objects.filter(access_token=payload.get("access_token", "")).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    return {"expired": bool(updated)}


@control()
def faults(request, payload):
    return {"faults": faults_set("clio", payload)}


@control(methods=("GET",))
def counters(request, payload):
    return counters_snapshot("clio")


@control(methods=("GET", "POST"))
def settings(request, payload):
    """Set knobs: `rate_limit`, `rate_window_seconds`, `webhook_delivery` (background/manual)."""
    for key, value in payload.items():
        if key not in SETTINGS_DEFAULTS:
            raise BadInput(f"Unknown setting {key!r}; known: {', '.join(SETTINGS_DEFAULTS)}.")
        if key == "webhook_delivery" and value not in ("background", "manual"):
            raise BadInput("webhook_delivery must be background or manual.")
        if key != "webhook_delivery" and (not isinstance(value, int) or value < 1):
            raise BadInput(f"{key} must be a positive integer.")
        Setting.objects.update_or_create(key=key, defaults={"value": value})
    if payload:
        rate_windows_reset("clio:")
    return {key: setting(key) for key in SETTINGS_DEFAULTS}


@control()
def webhooks_flush(request, payload):
    return webhooks.flush()


@control(methods=("GET",))
def webhooks_deliveries(request, payload):
    rows = Delivery.objects.order_by("pk").values(
        "id", "webhook_id", "kind", "event", "record_id", "status", "attempts", "last_status"
    )
    return {"deliveries": list(rows)}


@control()
def actions(request, payload):
    name = payload.get("action")
    if name not in ACTIONS:
        raise BadInput(f"action must be one of {', '.join(sorted(ACTIONS))}.")
    with transaction.atomic():
        record = ACTIONS[name](account_of(payload), payload)
    return {"action": name, "result": describe(record)}
