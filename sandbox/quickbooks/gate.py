"""Everything an API call passes before it reaches an entity: faults, auth, limits, requestid.

Limits per https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles: 500
requests a minute per realm (a batch request is one request), 40 batch requests a minute per
realm, 10 requests a second per realm and app, 10 concurrent requests per realm; 429 with the 3001
ThrottleExceeded fault (too_many_requests_error.xml). SANDBOX_TIME_SCALE shortens the windows
(sandbox.core.window_seconds). `_control/limits` sets the caps or lifts them.
"""

import json
import logging
import secrets
from collections.abc import Callable
from contextlib import contextmanager

from django.db import OperationalError, transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse

from sandbox.core import (
    connection_drop,
    counter_bump,
    faults_decide,
    json_strict,
    rate_window_hit,
    window_seconds,
)
from sandbox.quickbooks import clock, faults, unit
from sandbox.quickbooks.models import Company, Replay, Setting, Token
from sandbox.quickbooks.store import setting_get

logger = logging.getLogger(__name__)

PROVIDER = "quickbooks"
LIMITS = {"per_minute": 500, "batch_per_minute": 40, "per_second": 10, "concurrent": 10}
MINUTE, SECOND = 60, 1  # real seconds


def limits(stored: dict | None = None) -> dict:
    if stored is None:
        stored = setting_get("limits") or {}
    return {**LIMITS, **stored}


def _switches() -> tuple[bool, dict]:
    """(limits lifted, the caps), read in one query per call."""
    rows = dict(
        Setting.objects.filter(key__in=("limits_lifted", "limits")).values_list("key", "value")
    )
    return bool(rows.get("limits_lifted", False)), limits(rows.get("limits") or {})


def fault_response(exc: faults.QBOFault) -> JsonResponse:
    return JsonResponse(exc.body(), status=exc.status)


def _auth(request, realm: str) -> tuple[Token | None, HttpResponse | None]:
    header = request.headers.get("Authorization", "")
    token = None
    if header.lower().startswith("bearer "):
        token = Token.objects.select_related("company").filter(access_token=header[7:]).first()
    if token is None or token.revoked:
        return None, _unauthorized("Token revoked or invalid")
    if token.access_expires_at <= clock.now():
        return None, _unauthorized(f"Token expired: {header[7:17]}...")
    if token.company.realm_id != realm:
        body = faults.QBOFault(
            3100,
            "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
            "",
            status=403,
            kind="AUTHORIZATION",
        )
        return None, fault_response(body)
    return token, None


def _unauthorized(detail: str) -> JsonResponse:
    response = JsonResponse(faults.auth_failed_body(detail), status=401)
    response["WWW-Authenticate"] = 'Bearer realm="Intuit", error="invalid_token"'
    return response


def api_call(request, realm: str, endpoint: str, handler: Callable, *, batch=False):
    """Run `handler(company)` (which returns (status, body)) behind every gate Intuit has."""
    response = _gated(request, realm, endpoint, handler, batch)
    response["intuit_tid"] = secrets.token_hex(16)
    counter_bump(PROVIDER, endpoint, response.status_code)
    return response


def _gated(request, realm, endpoint, handler, batch):
    token, denied = _auth(request, realm)
    if denied:
        return denied
    company = token.company
    lifted, caps = _switches()
    throttled = None if lifted else _throttle(realm, token.app_id, batch, caps)
    if throttled:
        return throttled
    with _slot(company, None if lifted else caps["concurrent"]) as claimed:
        if not claimed:
            return fault_response(faults.throttled())
        # Injected latency runs while the call holds its concurrency slot, as a slow call would.
        decision = faults_decide(PROVIDER)
        if decision.throttle_retry_after is not None:
            response = fault_response(faults.throttled())
            response["Retry-After"] = str(decision.throttle_retry_after)
            return response
        if decision.error_status:
            return fault_response(faults.system_error(decision.error_status))
        response = _answer(request, company, handler, batch)
    if decision.drop_after_commit and request.method == "POST":
        connection_drop(request)
    return response


def _answer(request, company: Company, handler, batch: bool = False):
    request_id = request.GET.get("requestid") or request.GET.get("requestId")
    if request_id:
        replay = Replay.objects.filter(company=company, request_id=request_id).first()
        if replay is not None:
            return HttpResponse(replay.body, status=replay.status, content_type="application/json")
    write = request.method == "POST"
    ids = unit.BATCH_IDS if batch else 1
    status, text = _run(company, handler, request_id, write=write, ids=ids)
    if isinstance(text, bytes):  # a document as PDF (GET invoice/{id}/pdf)
        return HttpResponse(text, status=status, content_type="application/pdf")
    return HttpResponse(text, status=status, content_type="application/json")


@contextmanager
def _slot(company: Company, cap: int | None):
    """Claim one of the realm's concurrent slots with a conditional UPDATE (safe across threads
    and processes); yields False when all are taken. No cap: the limits are lifted."""
    if cap is None:
        yield True
        return
    claimed = Company.objects.filter(pk=company.pk, in_flight__lt=cap).update(
        in_flight=F("in_flight") + 1
    )
    try:
        yield bool(claimed)
    finally:
        if claimed:
            Company.objects.filter(pk=company.pk).update(in_flight=F("in_flight") - 1)


def _throttle(realm: str, app_id: int, batch: bool, caps: dict):
    minute, second = window_seconds(MINUTE), window_seconds(SECOND)
    # The limits page: "10 requests per second, per realm ID and app" for the REST endpoints.
    windows = [("second", f"qbo:{realm}:{app_id}:second", caps["per_second"], second)]
    windows.append(("minute", f"qbo:{realm}:minute", caps["per_minute"], minute))
    if batch:
        windows.append(("batch", f"qbo:{realm}:batch", caps["batch_per_minute"], minute))
    for name, key, cap, seconds in windows:
        if not rate_window_hit(key, cap, seconds)[0]:
            # Not on the wire (QuickBooks does not say which limit it was); for whoever reads
            # the sandbox's log.
            logger.warning("QuickBooks sandbox throttled realm %s: %s window", realm, name)
            return fault_response(faults.throttled())
    return None


def _run(company: Company, handler, request_id: str | None, *, write: bool, ids: int = 0):
    """(status, body text). A requestid's first answer is kept in the write's own transaction,
    so a write and its replay are committed together; a fault's answer after the rollback.

    Writes of one realm run side by side, as QuickBooks' own do (ten at once): each locks the
    records it changes, and the ids it may need are reserved before its transaction, so no
    write holds the company's row while it works. Two writes that lock the same records in
    opposite orders are told apart by PostgreSQL as a deadlock: the one it stops runs again."""
    block = unit.ids_reserve(company, ids) if write and ids else None
    for attempt in range(RACE_TRIES):
        try:
            with transaction.atomic(), unit.scope(company) as work:
                work.ids_give(block)
                status, body = handler(company)
                text = body if isinstance(body, bytes) else json.dumps(body)
                if request_id and status < 500 and isinstance(text, str):
                    _remember(company, request_id, status, text)
                return status, text
        except faults.QBOFault as exc:
            status, text = exc.status, json.dumps(exc.body())
            break
        except OperationalError as exc:
            if attempt + 1 == RACE_TRIES or not _lost_race(exc):
                raise
            logger.info("QuickBooks sandbox write ran again after %s", exc.__cause__)
    if request_id and status < 500:
        _remember(company, request_id, status, text)
    return status, text


# A write stopped by PostgreSQL for a deadlock or a serialization failure runs again, this
# many times at most.
RACE_TRIES = 5


def _lost_race(exc: OperationalError) -> bool:
    return getattr(exc.__cause__, "sqlstate", "") in ("40P01", "40001")


def _remember(company: Company, request_id: str, status: int, text: str) -> None:
    # The first answer stays (ON CONFLICT DO NOTHING: one statement, no savepoint).
    replay = Replay(company=company, request_id=request_id[:100], status=status, body=text)
    Replay.objects.bulk_create([replay], ignore_conflicts=True)


def envelope(key: str, value) -> dict:
    return {key: value, "time": clock.intuit_time()}


def read_json(request) -> dict:
    try:
        body = json_strict(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise faults.request_invalid(f"Request has invalid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise faults.request_invalid("Request body must be a JSON object")
    return body
