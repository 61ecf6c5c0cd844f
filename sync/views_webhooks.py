"""Webhook receivers: check, store in the inbox, answer fast. Processing happens in tasks."""

import json

from django.db import transaction
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sync import webhooks
from sync.models import WebhookSubscription


@csrf_exempt
@require_POST
def clio_webhook(request, token: str):
    sub = WebhookSubscription.objects.filter(token=token).first()
    if sub is None:
        raise Http404("Unknown webhook.")
    secret = request.headers.get("X-Hook-Secret")
    if secret:
        # The handshake: echo the secret to enable the webhook (Clio webhooks guide). A refused
        # one is not echoed, so the webhook stays as it was.
        if not webhooks.handshake_accept(sub_id=sub.pk, secret=secret):
            return HttpResponse("Handshake refused.", status=403)
        response = HttpResponse(status=200)
        response["X-Hook-Secret"] = secret
        return response
    if not webhooks.signature_valid(
        sub=sub, body=request.body, signature=request.headers.get("X-Hook-Signature", "")
    ):
        return HttpResponse("Bad signature.", status=401)
    try:
        payload = json.loads(request.body)
    except (ValueError, RecursionError):
        return HttpResponse("Body is not JSON.", status=400)
    if not webhooks.delivery_valid(request.body, payload):
        return HttpResponse("Body is not a Clio webhook delivery.", status=400)
    stored = webhooks.inbox_store(sub=sub, payload=payload)
    if stored and sub.model in webhooks.CLIO_MODELS:
        # Answer now; the pull runs on the worker once the delivery is safely stored.
        transaction.on_commit(lambda: webhooks.inbox_wake(connection_id=sub.connection_id))
    return HttpResponse("stored" if stored else "duplicate", status=200)
