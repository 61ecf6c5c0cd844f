"""`/sandbox/xero/_control/...`: the fixed control API (ARCHITECTURE.md, the sandbox contract)."""

import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.core import counters_snapshot, faults_set
from sandbox.xero import presets, store, tokens, webhooks
from sandbox.xero.actions import ACTIONS, ActionError, org_for
from sandbox.xero.models import App, Knobs, Organisation


class BadRequest(Exception):
    pass


def control(methods=("POST",)):
    def wrap(fn):
        @csrf_exempt
        def view(request, **kwargs):
            if request.method not in methods:
                return JsonResponse({"error": f"Use {' or '.join(methods)}."}, status=405)
            try:
                body = json.loads(request.body or b"{}") if request.method == "POST" else {}
                if not isinstance(body, dict):
                    raise BadRequest("The body must be a JSON object.")
                return JsonResponse(fn(body, **kwargs), safe=False)
            except (BadRequest, ActionError, ValueError) as exc:
                return JsonResponse({"error": str(exc)}, status=400)

        return view

    return wrap


@control()
def reset(body):
    presets.reset()
    return {"reset": True}


@control()
def seed(body):
    preset = presets.PRESETS.get(body.get("preset"))
    if preset is None:
        raise BadRequest(f"Unknown preset; choose one of {', '.join(presets.PRESETS)}.")
    return preset(body.get("account"))


@control()
def apps(body):
    uris = body.get("redirect_uris") or []
    if not isinstance(uris, list) or len(uris) > 50:
        raise BadRequest("redirect_uris must be a list of at most 50 URLs.")
    app = App.objects.create(
        client_id=store.new_secret(24).replace("-", "").upper()[:32],
        client_secret=store.new_secret(36),
        name=body.get("name") or "FirmSync",
        redirect_uris=uris,
    )
    return {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "name": app.name,
        "redirect_uris": app.redirect_uris,
    }


DEFAULT_SCOPE = (
    "openid profile email offline_access accounting.transactions accounting.contacts "
    "accounting.settings accounting.reports.read"
)


@control()
def issue_tokens(body):
    app = App.objects.filter(client_id=body.get("client_id", "")).first()
    if app is None:
        raise BadRequest("Unknown client_id.")
    account = body.get("account")
    orgs = list(Organisation.objects.filter(tenant_id=str(account or "").lower())) or list(
        Organisation.objects.filter(name=account)
        if account
        else Organisation.objects.order_by("pk")
    )
    if not orgs:
        raise BadRequest("No such organisation; seed one first.")
    grant = tokens.grant_create(app, None, body.get("scope") or DEFAULT_SCOPE)
    tokens.connect(grant, orgs)
    out = tokens.token_body(tokens.issue(grant))
    out.update(
        tenantId=orgs[0].tenant_id,
        tenantIds=[o.tenant_id for o in orgs],
        authEventId=grant.auth_event_id,
    )
    return out


@control()
def faults(body):
    return {"faults": faults_set(store.PROVIDER, body)}


@control(methods=("GET",))
def counters(body):
    return counters_snapshot(store.PROVIDER)


@control()
def actions(body):
    name = body.get("action")
    if name not in ACTIONS:
        raise BadRequest(f"Unknown action {name!r}; known: {', '.join(sorted(ACTIONS))}.")
    return ACTIONS[name](body)


LIMIT_FIELDS = {
    "minute": "limit_minute",
    "day": "limit_day",
    "concurrent": "limit_concurrent",
    "app_minute": "limit_app_minute",
}


@control(methods=("GET", "POST"))
def limits(body):
    k = store.knobs()
    if "enabled" in body:
        k.limits_enabled = bool(body["enabled"])
    for key, attr in LIMIT_FIELDS.items():
        if key in body:
            setattr(k, attr, int(body[key]))
    unknown = set(body) - set(LIMIT_FIELDS) - {"enabled"}
    if unknown:
        raise BadRequest(f"Unknown limit {sorted(unknown)[0]!r}.")
    k.save()
    return {"enabled": k.limits_enabled, **{key: getattr(k, a) for key, a in LIMIT_FIELDS.items()}}


@control(methods=("GET", "POST"))
def clock(body):
    """Move the sandbox clock (token expiry, grace periods, UpdatedDateUTC)."""
    k = store.knobs()
    if "advance_seconds" in body:
        k.clock_offset_seconds += float(body["advance_seconds"])
    if "offset_seconds" in body:
        k.clock_offset_seconds = float(body["offset_seconds"])
    Knobs.objects.filter(pk=k.pk).update(clock_offset_seconds=k.clock_offset_seconds)
    return {"offset_seconds": k.clock_offset_seconds, "now": store.now().isoformat()}


@csrf_exempt
def emails(request):
    """`GET _control/emails?tenant_id=…`: the invoice emails the organisation has sent (the
    sandbox's outbox; Xero itself shows them in the invoice's history)."""
    from sandbox.xero.doc_views import emails_sent

    if request.method != "GET":
        return JsonResponse({"error": "Use GET."}, status=405)
    try:
        org = org_for(dict(request.GET.items()))
    except ActionError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"tenant_id": org.tenant_id, "Emails": emails_sent(org)})


@control()
def webhook_config(body):
    app = App.objects.filter(client_id=body.get("client_id", "")).first()
    if app is None:
        raise BadRequest("Unknown client_id.")
    app.webhook_url = body.get("url") or app.webhook_url
    app.webhook_key = body.get("key") or app.webhook_key or store.new_secret(48)
    app.save(update_fields=["webhook_url", "webhook_key"])
    if not app.webhook_url:
        raise BadRequest("url is required.")
    check = webhooks.intent_to_receive(app)
    if body.get("auto_deliver"):
        check["auto_deliver"] = webhooks.start_sender()
    return {"client_id": app.client_id, "url": app.webhook_url, "key": app.webhook_key, **check}


@control()
def webhook_flush(body):
    return webhooks.flush()
