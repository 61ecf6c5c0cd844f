"""Waiting for a provider's window, visibly and within the worker's time.

Every wait for a rate limit (our own budget, a 429's `Retry-After`, a full concurrency slot) goes
through `wait`, which sleeps in slices and tells the listeners when it will end: a sync run shows
"waiting for QuickBooks' rate limit, resumes 10:42" and keeps its lease alive meanwhile. A wait that
would end past the current step's deadline raises `ProviderRateLimited` instead, so the run parks
and a later task resumes it: no task outlives the worker's timeout, and throttling fails nothing.

`SANDBOX_TIME_SCALE` (the sandbox only) makes every window, heartbeat and lease that many times
shorter, for the benchmark and the worker test.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings

from sync.providers.errors import ProviderRateLimited

# How often a waiting worker says it is alive (real seconds; scaled like every window).
HEARTBEAT_SECONDS = 10.0

# listener(provider, resume_epoch): resume_epoch is None when the wait is over.
Listener = Callable[[str, float | None], None]

_lock = threading.Lock()
_listeners: list[Listener] = []
_deadline: list[float] = []  # a stack: the innermost step's deadline binds


def time_scale() -> float:
    return float(getattr(settings, "SANDBOX_TIME_SCALE", 1.0) or 1.0)


def scaled(seconds: float) -> float:
    """`seconds` of provider time in wall seconds (the same number unless time is compressed)."""
    return seconds / time_scale()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call `listener` about every wait in this process (any thread) while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


@contextmanager
def step_deadline(epoch: float) -> Iterator[None]:
    """Waits that would end after `epoch` raise `ProviderRateLimited` inside this block."""
    with _lock:
        _deadline.append(epoch)
    try:
        yield
    finally:
        with _lock:
            _deadline.remove(epoch)


def deadline() -> float | None:
    with _lock:
        return min(_deadline) if _deadline else None


def _notify(provider: str, until: float | None) -> None:
    with _lock:
        listeners = list(_listeners)
    for listener in listeners:
        listener(provider, until)


def wait(
    provider: str,
    seconds: float,
    *,
    why: str = "rate limit",
    sleep: Callable[[float], None] = time.sleep,
    scope: str = "minute",
) -> None:
    """Sleep `seconds` (wall) for `provider`'s `scope` window, telling the listeners as it goes."""
    if seconds <= 0:
        return
    until = time.time() + seconds
    limit = deadline()
    if limit is not None and until > limit:
        raise ProviderRateLimited(provider, why, retry_after=seconds, scope=scope)
    slice_ = max(scaled(HEARTBEAT_SECONDS), 0.05)
    try:
        while (left := until - time.time()) > 0:
            _notify(provider, until)
            sleep(min(left, slice_))
    finally:
        _notify(provider, None)
