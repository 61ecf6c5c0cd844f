"""Helpers every sandbox provider shares: counters, seeded faults, rate windows, dropped sockets.

A provider's views call `faults_decide(provider)` first (it says whether to answer with an error or
a 429 now, and whether to drop the connection after committing a write), count each answer with
`counter_bump`, and call `connection_drop(request)` after the commit when the decision says so.
"""

import json
import math
import random
import socket
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from sandbox.models import FaultPlan, ProviderCounter, RateWindow

FAULT_KEYS = {
    "seed": int,  # makes every decision below reproducible
    "latency_ms": int,  # added to every call
    "error_rate": float,  # share of calls answered 500/503 before doing anything
    "timeout_after_commit_rate": float,  # share of writes saved, then the connection dropped
    "storm_calls": int,  # the next N calls are answered 429
    "storm_retry_after": int,  # Retry-After seconds during a storm (real; SANDBOX_TIME_SCALE too)
}


def counter_bump(provider: str, endpoint: str, status: int, by: int = 1) -> None:
    updated = ProviderCounter.objects.filter(
        provider=provider, endpoint=endpoint, status=status
    ).update(count=F("count") + by)
    if not updated:
        obj, created = ProviderCounter.objects.get_or_create(
            provider=provider, endpoint=endpoint, status=status, defaults={"count": by}
        )
        if not created:
            ProviderCounter.objects.filter(pk=obj.pk).update(count=F("count") + by)


def counters_snapshot(provider: str) -> dict:
    rows = ProviderCounter.objects.filter(provider=provider).order_by("endpoint", "status")
    by_endpoint: dict[str, dict[str, int]] = {}
    total = throttled = 0
    for row in rows:
        by_endpoint.setdefault(row.endpoint, {})[str(row.status)] = row.count
        total += row.count
        throttled += row.count if row.status == 429 else 0
    return {
        "provider": provider,
        "total_calls": total,
        "throttled_429": throttled,
        "endpoints": by_endpoint,
    }


def counters_reset(provider: str) -> None:
    ProviderCounter.objects.filter(provider=provider).delete()


def faults_set(provider: str, config: dict) -> dict:
    """Validate and store a fault plan; `{}` clears it. Raises ValueError naming a bad key."""
    clean = {}
    for key, value in config.items():
        if key not in FAULT_KEYS:
            raise ValueError(f"Unknown fault {key!r}; known: {', '.join(sorted(FAULT_KEYS))}.")
        try:
            clean[key] = FAULT_KEYS[key](value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"Fault {key!r} must be {FAULT_KEYS[key].__name__}.") from exc
    FaultPlan.objects.update_or_create(provider=provider, defaults={"config": clean, "calls": 0})
    return clean


@dataclass
class FaultDecision:
    latency_ms: int = 0
    error_status: int | None = None
    throttle_retry_after: int | None = None
    drop_after_commit: bool = False


def faults_decide(provider: str) -> FaultDecision:
    """Decide this call's faults from the plan's seed and the call's number in the sequence."""
    if not FaultPlan.objects.filter(provider=provider).values_list("config", flat=True).first():
        return FaultDecision()  # the usual case, read without a transaction or a lock
    with transaction.atomic():
        plan = FaultPlan.objects.select_for_update().filter(provider=provider).first()
        if plan is None or not plan.config:
            return FaultDecision()
        plan.calls += 1
        FaultPlan.objects.filter(pk=plan.pk).update(calls=plan.calls)
    cfg = plan.config
    rng = random.Random(f"{cfg.get('seed', 0)}:{plan.calls}")
    decision = FaultDecision(latency_ms=cfg.get("latency_ms", 0))
    if plan.calls <= cfg.get("storm_calls", 0):
        wait = window_seconds(cfg.get("storm_retry_after", 1))
        decision.throttle_retry_after = int(retry_after(wait))
    elif rng.random() < cfg.get("error_rate", 0.0):
        decision.error_status = rng.choice([500, 503])
    decision.drop_after_commit = rng.random() < cfg.get("timeout_after_commit_rate", 0.0)
    if decision.latency_ms:
        time.sleep(decision.latency_ms / 1000)
    return decision


def window_seconds(real_seconds: float) -> float:
    """A provider's window (a minute, a day) in wall seconds. `SANDBOX_TIME_SCALE` makes every
    window that many times shorter, so the benchmark lives an hour of real limits in minutes;
    every sandbox window goes through here. Token lifetimes stay in real time."""
    return real_seconds / float(getattr(settings, "SANDBOX_TIME_SCALE", 1.0) or 1.0)


def retry_after(seconds: float) -> str:
    """A Retry-After value: whole seconds on the wire, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))


def rate_window_hit(key: str, limit: int, window_seconds: float = 60.0) -> tuple[bool, int, float]:
    """Count one call in a fixed window of `window_seconds` wall seconds (pass a provider's window
    through `window_seconds()`). Returns (allowed, remaining, window_reset_epoch).

    One statement (an upsert that starts a new window once the old one is over), so it takes no
    transaction and the row is locked only while it runs; PostgreSQL and SQLite both read the old
    row in SET and support RETURNING."""
    now = time.time()
    q = connection.ops.quote_name
    table = q(RateWindow._meta.db_table)
    key_, start_, count_ = (q(name) for name in ("key", "window_start", "count"))
    old_start, old_count = f"{table}.{start_}", f"{table}.{count_}"
    sql = (
        f"INSERT INTO {table} ({key_}, {start_}, {count_}) VALUES (%s, %s, 1) "  # noqa: S608 - quoted names, values bound
        f"ON CONFLICT ({key_}) DO UPDATE SET "
        f"{count_} = CASE WHEN %s - {old_start} >= %s THEN 1 ELSE {old_count} + 1 END, "
        f"{start_} = CASE WHEN %s - {old_start} >= %s THEN %s ELSE {old_start} END "
        f"RETURNING {start_}, {count_}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, now, now, window_seconds, now, window_seconds, now])
        start, count = cursor.fetchone()
    return count <= limit, max(limit - count, 0), start + window_seconds


def rate_windows_reset(prefix: str) -> None:
    RateWindow.objects.filter(key__startswith=prefix).delete()


def connection_drop(request) -> bool:
    """Close the client's socket now, so it sees a dropped connection after our commit.

    Works under Django's development and live-test servers (the only servers the sandbox runs on);
    returns False when the socket cannot be reached.
    """
    raw = _socket_of(request.META.get("wsgi.input"))
    if raw is None:
        return False
    try:
        raw.shutdown(socket.SHUT_RDWR)
    except OSError:
        return False
    return True


def _socket_of(stream):
    # Django wraps `wsgi.input` in a LimitedStream; the socket reader sits either on `.stream`
    # or behind the bound `_read` method, depending on the Django version.
    reader = getattr(stream, "stream", None) or getattr(
        getattr(stream, "_read", None), "__self__", None
    )
    return getattr(getattr(reader, "raw", None), "_sock", None)


def json_strict(raw: bytes):
    """A request body as the providers' JSON parsers read it. NaN and Infinity are not JSON, and
    a NUL inside a string cannot be kept (PostgreSQL's jsonb refuses it), so both raise
    ValueError like any other unreadable body: the caller answers with its provider's 400."""

    def constant(name: str):
        raise ValueError(f"{name} is not a JSON value")

    value = json.loads(raw or b"{}", parse_constant=constant)
    _refuse_nul(value)
    return value


def _refuse_nul(value) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("a string holds a NUL character")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)
