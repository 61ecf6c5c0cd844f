"""Webhook receivers for QuickBooks Online and Xero: check the signature, wake the polls, answer
fast. Never a 5xx: a provider that sees errors retries, then turns the webhook off."""

import json
import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from automations import inbound

logger = logging.getLogger("firmsync.automations")


def _body(request):
    try:
        return json.loads(request.body or b"null")
    except (ValueError, RecursionError):
        return None


def _wake(provider: str, changes: dict) -> None:
    try:
        inbound.changes_wake(provider=provider, changes=changes)
    except Exception:  # the poll's schedule is the safety net; the provider must see a 200
        logger.exception("webhook wake failed provider=%s", provider)


# https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-notifications
@csrf_exempt
@require_POST
def quickbooks_webhook(request):
    if not inbound.quickbooks_signed(request.body, request.headers.get("intuit-signature", "")):
        return HttpResponse("Bad signature.", status=401)
    payload = _body(request)
    if payload is None:
        return HttpResponse("Body is not JSON.", status=400)
    _wake("quickbooks", inbound.quickbooks_changes(payload))
    return HttpResponse(status=200)


# https://developer.xero.com/documentation/guides/webhooks/configuring-your-server
# Intent to receive: a correctly signed payload gets 200 (with an empty body), a wrongly signed
# one 401, whatever it holds.
@csrf_exempt
@require_POST
def xero_webhook(request):
    if not inbound.xero_signed(request.body, request.headers.get("x-xero-signature", "")):
        return HttpResponse(status=401)
    payload = _body(request)
    if payload is not None:
        _wake("xero", inbound.xero_changes(payload))
    return HttpResponse(status=200)
