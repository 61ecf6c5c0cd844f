"""Webhook notifications (developer.intuit.com "Webhooks"; API_NOTES 2.6).

Intuit configures one endpoint and a verifier token per app in its portal; here `_control/webhooks`
does. Each delivery is signed in `intuit-signature` = base64(HMAC-SHA256(verifier, raw body)).
Formats: legacy `{"eventNotifications": [...]}` or the CloudEvents array (`webhook_format`).
Only realms the app is connected to (an unrevoked token) produce events. A delivery that fails is
retried after 10 s, 20 s, 30 s, 5 m, 20 m, 2 h, 4 h, 6 h, then every 6 h (best-practices page).
`_control/webhooks/flush` builds and sends pending deliveries now, for deterministic tests.
"""

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from datetime import timedelta

import requests
from django.db import connections

from sandbox.quickbooks import clock
from sandbox.quickbooks.models import App, ChangeEvent, Token, WebhookDelivery
from sandbox.quickbooks.store import setting_get, setting_set

logger = logging.getLogger(__name__)
_sender: threading.Thread | None = None

RETRY_SECONDS = [10, 20, 30, 300, 1200, 7200, 14400, 21600]
# The entities and operations Intuit notifies ("Webhooks": supported API entities; C Create,
# U Update, D Delete, M Merge, V Void, E Emailed). Changes to anything else send nothing.
_OPS = {"C": "Create", "U": "Update", "D": "Delete", "M": "Merge", "V": "Void", "E": "Emailed"}
SUPPORTED = {
    name: {_OPS[c] for c in letters}
    for name, letters in {
        "Account": "CUDM",
        "Bill": "CUD",
        "BillPayment": "CUDV",
        "Class": "CUDM",
        "CreditMemo": "CUDVE",
        "Customer": "CUDM",
        "Deposit": "CUD",
        "Employee": "CUDM",
        "Estimate": "CUDE",
        "Invoice": "CUDVE",
        "Item": "CUDM",
        "JournalEntry": "CUD",
        "Payment": "CUDVE",
        "Preferences": "U",
        "Purchase": "CUDV",
        "PurchaseOrder": "CUDE",
        "RefundReceipt": "CUDVE",
        "SalesReceipt": "CUDVE",
        "TimeActivity": "CUD",
        "Transfer": "CUDV",
        "Vendor": "CUDM",
        "VendorCredit": "CUD",
    }.items()
}
CLOUD_TYPES = {"Create": "created", "Update": "updated", "Delete": "deleted", "Void": "voided"}
CLOUD_TYPES.update(Emailed="emailed", Merge="merged")


def configure(body: dict) -> dict:
    app = App.objects.filter(client_id=body.get("client_id", "")).first()
    if app is None:
        raise ValueError("Unknown client_id.")
    fmt = body.get("format", app.webhook_format)
    if fmt not in ("legacy", "cloudevents"):
        raise ValueError("format is 'legacy' or 'cloudevents'.")
    app.webhook_url = body.get("url", app.webhook_url)
    app.webhook_verifier = body.get("verifier_token", app.webhook_verifier)
    app.webhook_format = fmt
    if "entities" in body:
        # The portal's entity checkboxes; empty = every entity.
        setting_set(f"webhook_entities:{app.client_id}", list(body["entities"] or []))
    if body.get("from_now", True) and not app.webhook_cursor:
        last = ChangeEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
        app.webhook_cursor = last or 0
    app.save()
    if "auto_deliver" in body:
        auto_deliver(bool(body["auto_deliver"]), float(body.get("interval_seconds", 2)))
    return {"client_id": app.client_id, "url": app.webhook_url, "format": fmt}


def auto_deliver(on: bool, interval: float = 2.0) -> None:
    """Start (or stop) the background sender: every `interval` seconds it flushes what is due,
    so notifications follow entity changes as they do from Intuit (batched per interval)."""
    global _sender
    setting_set("webhooks_auto", on)
    if on and (_sender is None or not _sender.is_alive()):
        _sender = threading.Thread(target=_loop, args=(interval,), daemon=True)
        _sender.start()
    elif not on and _sender is not None:
        _sender.join(timeout=interval + 5)
        _sender = None


def _loop(interval: float) -> None:
    try:
        while setting_get("webhooks_auto", False):
            try:
                flush(force=False)
            except Exception:
                logger.exception("QuickBooks sandbox webhook sender failed; retrying")
            time.sleep(interval)
    finally:
        connections.close_all()  # this thread's own connections


def sign(verifier: str, body: bytes) -> str:
    digest = hmac.new(verifier.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _collect(app: App) -> None:
    """Turn the app's new change events into one pending delivery."""
    realms = set(Token.objects.filter(app=app, revoked=False).values_list("company_id", flat=True))
    events = list(
        ChangeEvent.objects.filter(pk__gt=app.webhook_cursor)
        .select_related("company")
        .order_by("pk")
    )
    if not events:
        return
    App.objects.filter(pk=app.pk).update(webhook_cursor=events[-1].pk)
    wanted = set(setting_get(f"webhook_entities:{app.client_id}") or [])
    mine = [
        e
        for e in events
        if e.company_id in realms
        and (not wanted or e.entity in wanted)
        and e.operation in SUPPORTED.get(e.entity, ())
    ]
    if not mine:
        return
    payload = _cloud(mine) if app.webhook_format == "cloudevents" else _legacy(mine)
    text = json.dumps(payload)
    WebhookDelivery.objects.create(
        app=app,
        body=text,
        signature=sign(app.webhook_verifier, text.encode()),
        next_attempt_at=clock.now(),
    )


def _legacy(events) -> dict:
    by_realm: dict[str, list] = {}
    for e in events:
        entity = {
            "name": e.entity,
            "id": e.entity_id,
            "operation": e.operation,
            "lastUpdated": e.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
        if e.deleted_id:
            entity["deletedId"] = e.deleted_id  # Merge: the record merged away
        by_realm.setdefault(e.company.realm_id, []).append(entity)
    notes = [
        {"realmId": realm, "dataChangeEvent": {"entities": entities}}
        for realm, entities in by_realm.items()
    ]
    return {"eventNotifications": notes}


def _cloud(events) -> list:
    return [
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "intuit.sandbox.quickbooks",
            "type": f"qbo.{e.entity.lower()}.{CLOUD_TYPES.get(e.operation, 'updated')}.v1",
            "datacontenttype": "application/json",
            "time": e.at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "intuitentityid": e.entity_id,
            "intuitaccountid": e.company.realm_id,
            "data": {"deletedId": e.deleted_id} if e.deleted_id else {},
        }
        for e in events
    ]


def _send(delivery: WebhookDelivery) -> None:
    app = delivery.app
    try:
        response = requests.post(
            app.webhook_url,
            data=delivery.body.encode(),
            headers={"Content-Type": "application/json", "intuit-signature": delivery.signature},
            timeout=3,  # Intuit expects a 200 within 3 seconds
        )
        delivery.last_status, delivery.last_error = response.status_code, ""
        delivery.delivered = response.status_code == 200
    except requests.RequestException as exc:
        delivery.last_status, delivery.last_error = None, str(exc)[:300]
    delivery.attempts += 1
    if not delivery.delivered:
        wait = RETRY_SECONDS[min(delivery.attempts - 1, len(RETRY_SECONDS) - 1)]
        delivery.next_attempt_at = clock.now() + timedelta(seconds=wait)
    delivery.save()


def flush(force: bool = True) -> dict:
    """Collect new events for every configured app, then attempt the due deliveries."""
    for app in App.objects.exclude(webhook_url=""):
        _collect(app)
    due = WebhookDelivery.objects.filter(delivered=False).select_related("app").order_by("pk")
    if not force:
        due = due.filter(next_attempt_at__lte=clock.now())
    sent = failed = 0
    for delivery in due:
        _send(delivery)
        sent += delivery.delivered
        failed += not delivery.delivered
    return {"delivered": sent, "failed": failed}
