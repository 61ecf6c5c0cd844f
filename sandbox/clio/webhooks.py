"""Webhooks as Clio sends them (spec, Webhooks tag; https://docs.developers.clio.com/guides/clio-manage/webhooks/).

- Created `pending`; right after create (or a URL change) a POST carries `X-Hook-Secret`. Echoing
  it with a 2xx enables the webhook; otherwise `PUT /webhooks/{id}/activate` with the header does.
- `expires_at` defaults to 3 days, at most 31 days (422 beyond).
- Deliveries: `{"data": {<fields>}, "meta": {"event": ..., "webhook_id": ...}}`, signed with
  `X-Hook-Signature` = lowercase hex HMAC-SHA256(shared_secret, raw body).
- `updated` fires only when a listed field changed, except the first time a record is seen.
- 2xx, 3xx and 410 count as delivered; 410 disables (status `suspended`); anything else is retried
  with exponential backoff.
Deliveries are rows in `Delivery`, sent by a background thread after the commit (setting
`webhook_delivery`: "background") or by `POST _control/webhooks/flush`, never by the request.
"""

import hashlib
import hmac
import json
import secrets
import threading
import time
from datetime import timedelta
from urllib.parse import urlparse

import requests
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sandbox.clio import store
from sandbox.clio.models import Delivery, Record
from sandbox.clio.spec import BY_TYPE, WEBHOOK_MODEL_PERMISSIONS
from sandbox.clio.store import ApiError, Renderer, parse_fields

MODELS = {
    1: "matter",
    2: "activity",
    3: "bill",
    4: "calendar_entry",
    5: "communication",
    6: "contact",
    7: "task",
    8: "document",
    9: "folder",
    10: "clio_payments_payment",
}
BASIC_EVENTS = ["created", "updated", "deleted"]
MATTER_EVENTS = ["matter_opened", "matter_pended", "matter_closed"]
STATUS_EVENTS = {"Open": "matter_opened", "Pending": "matter_pended", "Closed": "matter_closed"}
MAX_ATTEMPTS, BACKOFF_SECONDS, TIMEOUT_SECONDS = 8, 15, 5
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "testserver"}


def _schema(model: str) -> str:
    resource = next((r for r in BY_TYPE.values() if r.webhook_model == model), None)
    return resource.schema if resource else "Webhook"


def _model(value) -> str:
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        value = MODELS.get(int(value))
    if value not in MODELS.values():
        raise ApiError(422, "ValidationError", "Model is not a supported webhook model.")
    return value


def _events(model: str, events) -> list[str]:
    allowed = BASIC_EVENTS + (MATTER_EVENTS if model == "matter" else [])
    if model == "clio_payments_payment":
        allowed = ["created", "updated"]
    events = events or list(allowed)
    bad = [e for e in events if e not in allowed]
    if bad:
        raise ApiError(422, "ValidationError", f"Events not supported for {model}: {bad}.")
    return events


def _url(url: str) -> str:
    parsed = urlparse(url or "")
    # Clio accepts https only; the sandbox also accepts http to a local receiver for tests.
    if parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in LOCAL_HOSTS):
        return url
    raise ApiError(422, "ValidationError", "Url must use the https scheme.")


def _expires(value) -> str:
    now = timezone.now()
    moment = parse_datetime(value) if value else now + timedelta(days=3)
    if moment is None:
        raise ApiError(422, "ValidationError", "expires_at must be an ISO-8601 timestamp.")
    if moment <= now or moment > now + timedelta(days=31):
        raise ApiError(422, "ValidationError", "expires_at must be within the next 31 days.")
    return store.stamp(moment)


def _fields(model: str, fields: str) -> str:
    if not fields:
        raise ApiError(422, "ValidationError", "Fields can't be blank.")
    if len(fields) > 1000:
        raise ApiError(422, "ValidationError", "Fields is too long (maximum is 1000 characters).")
    parse_fields(fields, _schema(model))  # 400 on an unknown field, as for reads
    return fields


def api_create(ctx, data: dict) -> Record:
    model = _model(data.get("model"))
    # "needs the corresponding model OAuth scope" as well as the webhooks one (Webhooks tag).
    ctx.require(WEBHOOK_MODEL_PERMISSIONS[model], write=False)
    webhook = store.create(
        ctx.account,
        "webhook",
        {
            "url": _url(data.get("url")),
            "model": model,
            "events": _events(model, data.get("events")),
            "fields": _fields(model, data.get("fields")),
            "expires_at": _expires(data.get("expires_at")),
            "shared_secret": secrets.token_hex(16),
            "status": "pending",
            "user": {"id": ctx.user_id},
        },
    )
    _queue_handshake(webhook)
    return webhook


def api_update(ctx, webhook: Record, data: dict) -> Record:
    changes = {}
    model = _model(data.get("model", webhook.data["model"]))
    if "model" in data:
        changes["model"] = model
    if "events" in data:
        changes["events"] = _events(model, data["events"])
    if "fields" in data:
        changes["fields"] = _fields(model, data["fields"])
    if "expires_at" in data:
        changes["expires_at"] = _expires(data["expires_at"])
    url_changed = "url" in data and data["url"] != webhook.data["url"]
    if url_changed:
        changes.update(url=_url(data["url"]), status="pending")
    webhook = store.update(webhook, changes)
    if url_changed:
        _queue_handshake(webhook)
    return webhook


def api_delete(ctx, webhook: Record) -> None:
    store.destroy(webhook)


def activate(webhook: Record, secret: str) -> Record:
    if not secret or not hmac.compare_digest(secret, webhook.data["shared_secret"]):
        raise ApiError(422, "ValidationError", "X-Hook-Secret does not match.")
    return store.update(webhook, {"status": "enabled"})


def _queue_handshake(webhook: Record) -> None:
    body = json.dumps({"data": {"id": webhook.id}})  # "along with the id of the webhook"
    Delivery.objects.create(
        webhook=webhook, kind="handshake", body=body, next_attempt_at=timezone.now()
    )
    transaction.on_commit(kick)


# -- firing ---------------------------------------------------------------------------------


def record_changed(record: Record, resource, event: str, before: Record | None) -> None:
    hooks = Record.objects.filter(
        account_id=record.account_id,
        type="webhook",
        deleted=False,
        data__model=resource.webhook_model,
        data__status="enabled",
    )
    now = store.stamp(timezone.now())
    queued = False
    for hook in hooks:
        if hook.data["expires_at"] <= now:
            continue
        for name in _events_for(hook, record, event, before, resource.schema):
            _queue_event(hook, record, resource.schema, name)
            queued = True
    if queued:
        transaction.on_commit(kick)


def _events_for(hook, record, event, before, schema) -> list[str]:
    wanted = hook.data["events"]
    if event == "updated" and record.type == "bill" and _became_deleted(record, before):
        event = "deleted"  # DELETE /bills/{id} on a draft: the bill is gone from Clio's UI
    names = [event] if event in wanted and event != "updated" else []
    if event == "updated":
        if "updated" in wanted and _watched_change(hook, record, before, schema):
            names.append("updated")
        status = record.data.get("status")
        if record.type == "matter" and status != before.data.get("status"):
            names += [e for e in [STATUS_EVENTS.get(status)] if e in wanted]
    return names


def _became_deleted(record, before) -> bool:
    return record.data.get("state") == "deleted" and before.data.get("state") != "deleted"


def _watched_change(hook, record, before, schema) -> bool:
    """The first update of a record fires on any change; later ones only on listed fields."""
    seen = Delivery.objects.filter(webhook=hook, record_id=record.id, kind="event").exists()
    if not seen:
        return True
    sels = parse_fields(hook.data["fields"], schema)
    renderer = Renderer(record.account_id)
    return renderer.render(record, schema, sels) != renderer.render(before, schema, sels)


def _queue_event(hook: Record, record: Record, schema: str, event: str) -> None:
    sels = parse_fields(hook.data["fields"], schema)
    payload = {
        "data": Renderer(record.account_id).render(record, schema, sels),
        "meta": {"event": event, "webhook_id": hook.id},
    }
    Delivery.objects.create(
        webhook=hook,
        kind="event",
        event=event,
        record_id=record.id,
        body=json.dumps(payload),
        next_attempt_at=timezone.now(),
    )


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- sending --------------------------------------------------------------------------------


def _claim(delivery_id: int) -> bool:
    """Take a delivery for sending; a conditional UPDATE so two senders never both send it."""
    return bool(
        Delivery.objects.filter(pk=delivery_id, status=Delivery.PENDING).update(
            status=Delivery.SENDING
        )
    )


def send(delivery: Delivery) -> None:
    webhook = Record.objects.get(pk=delivery.webhook_id)
    body = delivery.body.encode()
    secret = webhook.data["shared_secret"]
    headers = {"Content-Type": "application/json", "User-Agent": "Clio-Webhooks (sandbox)"}
    if delivery.kind == "handshake":
        headers["X-Hook-Secret"] = secret
    elif webhook.deleted or webhook.data["status"] != "enabled":
        return _finish(delivery, Delivery.FAILED, None, "webhook not enabled")
    else:
        headers["X-Hook-Signature"] = signature(secret, body)
    try:
        answer = requests.post(
            webhook.data["url"],
            data=body,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return _retry(delivery, None, str(exc)[:300])
    if delivery.kind == "handshake":
        return _handshake_answer(delivery, webhook, answer)
    return _event_answer(delivery, webhook, answer)


def _handshake_answer(delivery, webhook, answer) -> None:
    echoed = answer.headers.get("X-Hook-Secret", "")
    if 200 <= answer.status_code < 300 and echoed == webhook.data["shared_secret"]:
        store.update(webhook, {"status": "enabled"})
    # Not echoed: the webhook stays pending until PUT /webhooks/{id}/activate.
    _finish(delivery, Delivery.DONE, answer.status_code, "")


def _event_answer(delivery, webhook, answer) -> None:
    status = answer.status_code
    if status == 410:  # "the webhook subscription will be disabled"
        store.update(webhook, {"status": "suspended"})
        return _finish(delivery, Delivery.DONE, status, "")
    if 200 <= status < 400:
        return _finish(delivery, Delivery.DONE, status, "")
    return _retry(delivery, status, f"HTTP {status}")


def _finish(delivery, status, http_status, error) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, last_status=http_status, last_error=error, attempts=delivery.attempts + 1
    )


def _retry(delivery, http_status, error) -> None:
    attempts = delivery.attempts + 1
    delay = timedelta(seconds=BACKOFF_SECONDS * 2 ** (attempts - 1))
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.FAILED if attempts >= MAX_ATTEMPTS else Delivery.PENDING,
        attempts=attempts,
        last_status=http_status,
        last_error=error,
        next_attempt_at=timezone.now() + delay,
    )


def flush() -> dict:
    """Send every pending delivery once, now, ignoring backoff (for deterministic tests)."""
    sent = 0
    for delivery in Delivery.objects.filter(status=Delivery.PENDING).order_by("pk"):
        if _claim(delivery.pk):
            send(delivery)
            sent += 1
    return {"sent": sent, **_summary()}


def _summary() -> dict:
    counts = {s: Delivery.objects.filter(status=s).count() for s in ("pending", "done", "failed")}
    return {"pending": counts["pending"], "delivered": counts["done"], "failed": counts["failed"]}


def process_due() -> int:
    sent = 0
    due = Delivery.objects.filter(status=Delivery.PENDING, next_attempt_at__lte=timezone.now())
    for delivery in due.order_by("pk")[:100]:
        if _claim(delivery.pk):
            send(delivery)
            sent += 1
    return sent


_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def kick() -> None:
    """Start the background sender if deliveries are sent in the background and it is idle."""
    from sandbox.clio.http import setting

    global _worker
    if setting("webhook_delivery") != "background":
        return
    with _worker_lock:
        if _worker is None or not _worker.is_alive() or getattr(_worker, "stopping", False):
            _worker = threading.Thread(target=_run_worker, name="clio-webhooks", daemon=True)
            _worker.start()


def _run_worker() -> None:
    """Send due deliveries; sleep until retries fall due; stop when nothing is pending. It stops
    only under the lock `kick` takes, after one last look: a delivery queued while it was about
    to stop is either seen here or finds no sender and starts one."""
    try:
        while True:
            while Delivery.objects.filter(status=Delivery.PENDING).exists():
                if not process_due():
                    time.sleep(1)
            with _worker_lock:
                if not Delivery.objects.filter(status=Delivery.PENDING).exists():
                    threading.current_thread().stopping = True
                    return
    finally:
        connection.close()  # this thread's own connection
