"""The control API under /sandbox/quickbooks/_control/ (ARCHITECTURE.md, the sandbox contract)."""

import json
import secrets
from functools import wraps

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.core import counters_reset, counters_snapshot, faults_set, rate_windows_reset
from sandbox.quickbooks import actions, gate, presets, webhooks
from sandbox.quickbooks.models import App, Company, Record, SandboxUser, Setting
from sandbox.quickbooks.oauth import issue, token_body
from sandbox.quickbooks.store import setting_get, setting_set


def control(view):
    """JSON in, JSON out; a ValueError is a 400 with its message."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            body = json.loads(request.body or b"{}") if request.method == "POST" else {}
            if not isinstance(body, dict):
                raise ValueError("Send a JSON object.")
            return JsonResponse(view(request, body, *args, **kwargs))
        except ValueError as exc:
            return JsonResponse({"error": str(exc)}, status=400)

    return wrapper


def company_for(body: dict) -> Company:
    """`realmId` (or `account`: realm id or company name); default the latest company."""
    wanted = body.get("realmId") or body.get("account")
    qs = Company.objects.order_by("-pk")
    if wanted:
        found = qs.filter(realm_id=str(wanted)).first() or qs.filter(name=wanted).first()
    else:
        found = qs.first()
    if found is None:
        raise ValueError(f"No company {wanted!r}; seed one first." if wanted else "No company.")
    return found


@control
def reset(request, body):
    with transaction.atomic():
        Company.objects.all().delete()
        App.objects.all().delete()
        SandboxUser.objects.all().delete()
        Setting.objects.all().delete()
    counters_reset("quickbooks")
    rate_windows_reset("qbo:")
    faults_set("quickbooks", {})
    return {"reset": True}


@control
def seed(request, body):
    return presets.seed(body.get("preset", "demo"), body.get("account"))


@control
def apps(request, body):
    if request.method == "GET":
        return {"apps": [_app_json(a) for a in App.objects.order_by("pk")]}
    uris = body.get("redirect_uris") or []
    if not isinstance(uris, list):
        raise ValueError("redirect_uris must be a list of URLs.")
    app = App.objects.create(
        client_id="AB" + secrets.token_hex(20),
        client_secret=secrets.token_hex(20),
        name=body.get("name", ""),
        redirect_uris=uris,
        refresh_rotation=_rotation(body.get("refresh_rotation", "always")),
    )
    return _app_json(app) | {"client_secret": app.client_secret}


def _rotation(value: str) -> str:
    if value not in ("always", "daily"):
        raise ValueError("refresh_rotation is 'always' or 'daily'.")
    return value


def _app_json(app: App) -> dict:
    return {
        "client_id": app.client_id,
        "name": app.name,
        "redirect_uris": app.redirect_uris,
        "refresh_rotation": app.refresh_rotation,
        "webhook_url": app.webhook_url,
        "webhook_format": app.webhook_format,
    }


@control
def tokens(request, body):
    app = App.objects.filter(client_id=body.get("client_id", "")).first()
    if app is None:
        raise ValueError("Unknown client_id; register it with _control/apps.")
    company = company_for(body)
    token = issue(app, company, body.get("scope", "com.intuit.quickbooks.accounting"))
    return token_body(token) | {"realmId": company.realm_id}


@control
def faults(request, body):
    return {"faults": faults_set("quickbooks", body)}


@control
def counters(request, body):
    return counters_snapshot("quickbooks")


@control
def limits(request, body):
    """{"lifted": true} turns the 500/min, 40 batch/min, 10/s and 10-concurrent limits off."""
    if "lifted" in body:
        setting_set("limits_lifted", bool(body["lifted"]))
    caps = {k: int(body[k]) for k in gate.LIMITS if k in body}
    if caps:
        setting_set("limits", caps)
    rate_windows_reset("qbo:")
    Company.objects.update(in_flight=0)  # start every realm's windows and slots afresh
    return {"lifted": setting_get("limits_lifted", False), **gate.limits()}


@control
def action(request, body):
    name = body.pop("action", "")
    company = company_for(body)
    with transaction.atomic():
        return actions.run_action(company, name, body)


@control
def webhook_config(request, body):
    return webhooks.configure(body)


@control
def webhook_flush(request, body):
    return webhooks.flush(force=bool(body.get("force", True)))


@control
def records(request, body):
    """GET: how many records each realm holds, by type (a quick look for scripts)."""
    out: dict = {}
    for rec in Record.objects.filter(deleted=False).values("company__realm_id", "type"):
        realm = out.setdefault(rec["company__realm_id"], {})
        realm[rec["type"]] = realm.get(rec["type"], 0) + 1
    return {"realms": out}
