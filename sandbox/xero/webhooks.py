"""Xero webhooks: events for CONTACT, INVOICE and CREDITNOTE, signed with the app's webhook key.

Payload per XERO-WH `WebhookEvent` (CREDITNOTE events carry `data: {Type, Status}`); header
`x-xero-signature` = base64(HMAC-SHA256(webhook key, raw body)). Before events flow, the
"intent to receive" check sends signed empty payloads: the receiver must answer 200 to a correct
signature and 401 to a wrong one.
[developer.xero.com/documentation/guides/webhooks/configuring-your-server]

Deliveries wait in a table; `_control/webhooks/flush` sends them now, in order, so tests are
deterministic. `start_sender()` (opt-in through `_control/webhooks {"auto_deliver": true}`) runs a
background thread that flushes every few seconds, as Xero delivers on its own.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import threading

import requests

from sandbox.xero import store
from sandbox.xero.models import App, Connection, WebhookEvent

logger = logging.getLogger(__name__)
API_ROOT = "https://api.xero.com/api.xro/2.0"
TIMEOUT = 5  # Xero expects an answer within 5 seconds
GIVE_UP = dt.timedelta(hours=24)  # failing deliveries are retried for 24 hours, then disabled


def sign(key: str, raw: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), raw, hashlib.sha256).digest()).decode()


def _entropy() -> str:
    return "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(20))


def event_record(org, category: str, plural: str, rec, created: bool) -> None:
    """Queue one event for every app with a verified webhook and a connection to this org."""
    apps = store.memo(
        ("hook_apps", org.pk),
        lambda: list(
            App.objects.filter(
                webhook_status="OK",
                pk__in=Connection.objects.filter(organisation=org).values("grant__app"),
            )
        ),
    )
    for app in apps:
        event = {
            "resourceUrl": f"{API_ROOT}/{plural}/{rec.remote_id}",
            "resourceId": rec.remote_id,
            "tenantId": org.tenant_id,
            "tenantType": "ORGANISATION",
            "eventCategory": category,
            "eventType": "CREATE" if created else "UPDATE",
            "eventDateUtc": store.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
        }
        if category == "CREDITNOTE":
            event["data"] = {"Type": rec.data["Type"], "Status": rec.data["Status"]}
        last = WebhookEvent.objects.filter(app=app).order_by("-sequence").first()
        WebhookEvent.objects.create(
            app=app, sequence=(last.sequence if last else 0) + 1, payload=event,
            created_at=store.now(),
        )  # fmt: skip


def _post(app: App, body: dict, key: str | None = None) -> int:
    raw = json.dumps(body, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "x-xero-signature": sign(key or app.webhook_key, raw),
    }
    try:
        return requests.post(
            app.webhook_url, data=raw, headers=headers, timeout=TIMEOUT
        ).status_code
    except requests.RequestException:
        return 0


def intent_to_receive(app: App) -> dict:
    """One correctly and one wrongly signed empty payload; OK only for 200 then 401."""
    # Xero's docs show sequences of 0 here; XERO-WH declares `minimum: 1` (the spec is stricter
    # than the service for this payload).
    empty = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": _entropy()}
    good = _post(app, empty)
    empty["entropy"] = _entropy()
    bad = _post(app, empty, key=secrets.token_urlsafe(24))
    app.webhook_status = "OK" if (good, bad) == (200, 401) else "FAILED"
    app.save(update_fields=["webhook_status"])
    return {"status": app.webhook_status, "correctly_signed": good, "incorrectly_signed": bad}


def flush(batch: int = 50) -> dict:
    """Send every pending event, one POST per app with up to `batch` events."""
    sent = failed = 0
    for app in App.objects.filter(webhook_status="OK"):
        pending = list(
            WebhookEvent.objects.filter(app=app, delivered_at=None).order_by("sequence")[:batch]
        )
        if not pending:
            continue
        body = {
            "events": [e.payload for e in pending],
            "firstEventSequence": pending[0].sequence,
            "lastEventSequence": pending[-1].sequence,
            "entropy": _entropy(),
        }
        status = _post(app, body)
        ok = status == 200
        for event in pending:
            event.attempts += 1
            event.last_status = status
            event.delivered_at = store.now() if ok else None
            event.save(update_fields=["attempts", "last_status", "delivered_at"])
        sent, failed = (sent + len(pending), failed) if ok else (sent, failed + len(pending))
        if not ok and store.now() - pending[0].created_at > GIVE_UP:
            app.webhook_status = "DISABLED"  # re-enable by configuring it again
            app.save(update_fields=["webhook_status"])
    return {"delivered": sent, "failed": failed}


_SENDER: dict = {"thread": None, "stop": threading.Event()}
SEND_EVERY = 2.0


def _sender_loop(stop: threading.Event) -> None:
    from django.db import connection

    while not stop.wait(SEND_EVERY):
        try:
            flush()
        except Exception:  # a sandbox sender must outlive a bad receiver or a reset
            logger.exception("Xero sandbox webhook delivery failed")
        finally:
            connection.close()  # hold no connection between rounds (lets test DBs be dropped)


def start_sender() -> bool:
    """Start the background sender once per process; returns whether it is running."""
    if _SENDER["thread"] is None:
        stop = threading.Event()
        thread = threading.Thread(
            target=_sender_loop, args=(stop,), name="xero-webhook-sender", daemon=True
        )
        thread.start()
        _SENDER.update(thread=thread, stop=stop)
    return True


def stop_sender() -> None:
    if _SENDER["thread"] is not None:
        _SENDER["stop"].set()
        _SENDER["thread"].join(timeout=SEND_EVERY + 5)
        _SENDER["thread"] = None
