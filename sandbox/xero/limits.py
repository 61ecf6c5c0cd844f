"""Xero's per-tenant limits: 5 concurrent, 60/minute, 5,000/day; 10,000/minute per app.

developer.xero.com/documentation/guides/oauth2/limits and /faq/limits: every response carries
X-DayLimit-Remaining, X-MinLimit-Remaining, X-AppMinLimit-Remaining; an exceeded limit is a 429
with X-Rate-Limit-Problem naming it (concurrent | minute | day | appminute) and, for the windows,
Retry-After in whole seconds, rounded up. SANDBOX_TIME_SCALE shortens the windows and so the
Retry-After (sandbox.core.window_seconds); the Remaining headers keep their meaning. When the
limits are lifted (`_control/limits`) nothing is counted and the headers report the full allowance.
"""

import time

from django.db.models import F

from sandbox.core import rate_window_hit, retry_after, window_seconds
from sandbox.xero.errors import XeroError
from sandbox.xero.models import InFlight
from sandbox.xero.store import knobs

MINUTE, DAY = 60, 86400  # real seconds; SANDBOX_TIME_SCALE shortens both (sandbox.core)


def _headers(minute: int, day: int, app_minute: int) -> dict:
    return {
        "X-MinLimit-Remaining": str(minute),
        "X-DayLimit-Remaining": str(day),
        "X-AppMinLimit-Remaining": str(app_minute),
    }


def _throttled(problem: str, wait: float | None, headers: dict) -> XeroError:
    hdrs = dict(headers, **{"X-Rate-Limit-Problem": problem})
    if wait is not None:
        hdrs["Retry-After"] = retry_after(wait)
    return XeroError(429, {"Title": "Too Many Requests", "Status": 429}, hdrs)


def acquire(tenant_id: str, client_id: str) -> tuple[dict, str | None]:
    """Count this call. Returns (headers, in-flight key to release) or raises a 429 XeroError."""
    k = knobs()
    if not k.limits_enabled:
        return _headers(k.limit_minute, k.limit_day, k.limit_app_minute), None
    key = f"xero:conc:{client_id}:{tenant_id}"
    InFlight.objects.get_or_create(key=key)
    InFlight.objects.filter(key=key).update(count=F("count") + 1)
    try:
        return _count_windows(k, tenant_id, client_id), key
    except XeroError:
        release(key)
        raise


def _count_windows(k, tenant_id: str, client_id: str) -> dict:
    now = time.time()
    minute, day = window_seconds(MINUTE), window_seconds(DAY)
    ok_min, rem_min, reset_min = rate_window_hit(
        f"xero:min:{client_id}:{tenant_id}", k.limit_minute, minute
    )
    ok_day, rem_day, reset_day = rate_window_hit(
        f"xero:day:{client_id}:{tenant_id}", k.limit_day, day
    )
    ok_app, rem_app, reset_app = rate_window_hit(
        f"xero:app:{client_id}", k.limit_app_minute, minute
    )
    headers = _headers(rem_min, rem_day, rem_app)
    in_flight = InFlight.objects.filter(key=f"xero:conc:{client_id}:{tenant_id}").values_list(
        "count", flat=True
    )
    if (in_flight.first() or 0) > k.limit_concurrent:
        raise _throttled("concurrent", None, headers)
    if not ok_day:
        raise _throttled("day", reset_day - now, headers)
    if not ok_min:
        raise _throttled("minute", reset_min - now, headers)
    if not ok_app:
        raise _throttled("appminute", reset_app - now, headers)
    return headers


def release(key: str | None) -> None:
    if key:
        InFlight.objects.filter(key=key).update(count=F("count") - 1)
