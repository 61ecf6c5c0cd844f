"""Our side of the providers' rate limits, shared by every worker process through the database.

A `Window` is one limit a provider meters: at most `limit` calls in `seconds` (provider time;
`pacing.scaled` makes it wall time). We count in a sliding log (each call's time, RateCall rows),
so no interval of that length ever holds more than `limit` of our calls: the provider's fixed
window, however it is aligned with ours, cannot see more. (A fixed window of our own does not
guarantee that: the end of one of ours and the start of the next can put twice the limit in one
of the provider's, and in a trial the provider refused 34 calls that way.)

A `Cap` is a concurrency limit: a slot (CallSlot row) held for the length of a request, with a
lease so that a worker killed mid-request frees its slot.

Every wait goes through `pacing.wait` (heartbeats, the step's deadline); a spent day is never
slept through: it raises `ProviderRateLimited(scope="day")` at once, for the engine to resume
the run when the day rolls over.

What the providers say about their own count (Clio's X-RateLimit-Remaining, Xero's
X-MinLimit-Remaining) is learnt with `learn`, a throttle with `refused`: when they say fewer
calls remain than our
count believes (another app, or a process of ours that did not count), the difference is
recorded as calls that leave our window when theirs resets.
"""

import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, Sum

from sync.models import CallSlot, RateCall, RateLane
from sync.providers import pacing
from sync.providers.errors import ProviderRateLimited
from sync.providers.holders import holder_gone, holder_me
from sync.providers.http import Budget, Throttle

# A request holds its concurrency slot at most this long (provider seconds; QuickBooks times a
# request out after 120 s, and ours time out sooner).
LEASE_SECONDS = 120.0
# How often a worker waiting for a concurrency slot looks again (wall seconds): slots free when
# a request answers, which no lease predicts.
SLOT_POLL_SECONDS = 0.1
# The most a window grows by (wall seconds) for the network's jitter; less for short ones.
JITTER_SECONDS = 0.25
# Calls that have left every window are deleted now and then, not on every call.
PRUNE_SHARE = 0.05


@dataclass(frozen=True)
class Window:
    scope: str  # the provider's name for it: minute, second, day, batch, app
    key: str  # the lane every worker shares: "quickbooks:<realm>:minute"
    limit: int
    seconds: float  # provider seconds
    only: str = ""  # counted only for requests metered as this ("batch"); "" counts every request

    @property
    def span(self) -> float:
        """Wall seconds, a little longer than the provider's: a call is counted here before it
        leaves and there when it arrives, and the network's jitter between the two must not put
        one call too many in the provider's window (it matters for QuickBooks' one-second one).
        The margin still leaves 500 a minute reachable under 10 a second."""
        span = pacing.scaled(self.seconds)
        return span + min(span * 0.08, JITTER_SECONDS)


@dataclass(frozen=True)
class Cap:
    key: str  # "quickbooks:<realm>:concurrent"
    limit: int
    lease: float = LEASE_SECONDS  # provider seconds


def lifted(limit: int, lift: float) -> int:
    """`limit` raised by the benchmark's factor (1 in the product)."""
    return max(1, math.ceil(limit * max(lift, 1.0)))


class DbBudget(Budget):
    """Every window and the concurrency cap of one connection, shared through the database."""

    def __init__(
        self,
        provider: str,
        windows: list[Window],
        cap: Cap | None = None,
        *,
        wait: Callable[..., None] | None = None,  # pacing.wait unless told otherwise
        learning: bool = True,
    ):
        self.provider, self.windows, self.cap, self.wait = provider, windows, cap, wait
        # Off when the benchmark lifts our windows past the provider's: its headers then count
        # against a smaller limit than ours, and would read as calls spent elsewhere.
        self.learning = learning
        # What remained in each window after our last call, by our count: a provider's header
        # saying as much or more teaches nothing, and costs no query.
        self.believed: dict[str, int] = {}
        self.lanes_made = False

    def lanes_make(self) -> None:
        """Create the lanes once, outside any lock: two workers creating the same lane while
        each holds another would deadlock."""
        if not self.lanes_made:
            keys = [w.key for w in self.windows] + ([self.cap.key] if self.cap else [])
            RateLane.objects.bulk_create([RateLane(key=k) for k in keys], ignore_conflicts=True)
            self.lanes_made = True

    @contextmanager
    def call(self, meter: str = "") -> Iterator[None]:
        """The slot first, then the windows: a call is counted when it is about to be sent (a
        count taken before a long wait for a slot would date the call too early, and the
        window would let more through than the provider's); it keeps its slot while it waits
        for a window."""
        self.lanes_make()
        slot = self._slot_take() if self.cap is not None else None
        try:
            waited = self.acquire(meter)
            if slot is not None and waited:
                assert self.cap is not None
                lease = time.time() + pacing.scaled(self.cap.lease)
                CallSlot.objects.filter(pk=slot).update(lease_until=lease)
            yield
        finally:
            if slot is not None:
                CallSlot.objects.filter(pk=slot).delete()

    def acquire(self, meter: str = "") -> bool:
        """Count one call in every window it falls in, waiting until all of them allow it.
        True when it had to wait."""
        self.lanes_make()
        windows = [w for w in self.windows if w.only in ("", meter)]
        waited = False
        while windows:
            seconds, full = self._take(windows)
            if full is None:
                return waited
            if full.scope == "day":
                raise ProviderRateLimited(
                    self.provider,
                    f"today's {full.limit} calls are spent",
                    retry_after=seconds,
                    scope="day",
                )
            wait = self.wait or pacing.wait
            wait(self.provider, seconds, why=f"{full.scope} limit", scope=full.scope)
            waited = True
        return waited

    def _take(self, windows: list[Window]) -> tuple[float, Window | None]:
        """(0, None) when the call was counted in every window; otherwise how long until the
        window that binds longest allows one more, and that window (nothing is counted)."""
        with transaction.atomic():
            lanes = lanes_locked([w.key for w in windows])
            now = time.time()
            seconds, full = 0.0, None
            for w, used in zip(windows, calls_in_each(lanes, windows, now), strict=True):
                self.believed[w.scope] = w.limit - used - 1
                if used >= w.limit:
                    free_in = _frees_in(lanes[w.key], w, now, used)
                    if full is None or free_in > seconds:
                        seconds, full = free_in, w
            if full is None:
                RateCall.objects.bulk_create(
                    [RateCall(lane_id=lanes[w.key], at=now) for w in windows]
                )
            if random.random() < PRUNE_SHARE:
                for w in windows:
                    RateCall.objects.filter(lane_id=lanes[w.key], at__lte=now - w.span).delete()
            return seconds, full

    def learn(self, scope: str, remaining: int, reset: float | None = None) -> None:
        """The provider says `remaining` calls are left in its `scope` window until `reset`
        (epoch; None when it does not say, which counts as a whole window from now)."""
        if self.learning:
            self._spent_elsewhere(scope, remaining, reset)

    def refused(self, scope: str, until: float) -> None:
        """The provider refused a call for its `scope` window until then: none are left."""
        self._spent_elsewhere(scope, 0, until)

    def narrowed(self, throttle: Throttle) -> Throttle:
        """QuickBooks answers every limit with one fault and no Retry-After; its advice is to wait
        a minute. When our own count of the window it is taken for still has room (a tenth of it
        at least), the refusal was most likely the one-second window, which a call that was slow
        on its way can tip over: wait that window out, not a minute. A refusal that comes again
        is taken as guessed (the minute: another app may be spending the allowance)."""
        window = next((w for w in self.windows if w.scope == throttle.scope), None)
        short = min(self.windows, key=lambda w: w.seconds, default=None)
        if window is None or short is None or short.seconds >= window.seconds:
            return throttle
        self.lanes_make()
        with transaction.atomic():
            lane = lanes_locked([window.key])[window.key]
            if calls_in(lane, window, time.time()) > 0.9 * window.limit:
                return throttle
        return Throttle(short.scope, short.span)

    def _spent_elsewhere(self, scope: str, remaining: int, reset: float | None) -> None:
        window = next((w for w in self.windows if w.scope == scope), None)
        if window is None or remaining >= self.believed.get(scope, window.limit + 1):
            return
        with transaction.atomic():
            lane = lanes_locked([window.key])[window.key]
            now = time.time()
            if reset is not None and reset <= now:
                return  # that window is over already
            extra = window.limit - calls_in(lane, window, now) - remaining
            self.believed[scope] = remaining
            if extra <= 0:
                return
            leaves = min(reset, now + window.span) if reset is not None else now + window.span
            RateCall.objects.create(lane_id=lane, at=leaves - window.span, weight=extra)

    def _slot_take(self) -> int:
        cap = self.cap
        assert cap is not None
        while True:
            slot, seconds = slot_take(cap)
            if slot is not None:
                return slot
            wait = self.wait or pacing.wait
            wait(self.provider, seconds, why="concurrent requests", scope="concurrent")


def lanes_locked(keys: list[str]) -> dict[str, int]:
    """The lanes' ids, locked until the transaction ends (in key order, so two workers taking
    overlapping lanes cannot deadlock). SQLite ignores FOR UPDATE, but its IMMEDIATE
    transactions (settings.DATABASES) already let one writer in at a time."""

    def locked() -> dict[str, int]:
        rows = RateLane.objects.select_for_update().filter(key__in=keys).order_by("key")
        return dict(rows.values_list("key", "id"))

    lanes = locked()
    if len(lanes) < len(set(keys)):
        missing = [RateLane(key=k) for k in sorted(set(keys)) if k not in lanes]
        RateLane.objects.bulk_create(missing, ignore_conflicts=True)
        lanes = locked()
    return lanes


def calls_in_each(lanes: dict[str, int], windows: list[Window], now: float) -> list[int]:
    """The calls in each window, in one query."""
    sums = {
        f"w{i}": Sum("weight", filter=Q(lane_id=lanes[w.key], at__gt=now - w.span))
        for i, w in enumerate(windows)
    }
    recent = RateCall.objects.filter(
        lane_id__in=[lanes[w.key] for w in windows], at__gt=now - max(w.span for w in windows)
    )
    counted = recent.aggregate(**sums)
    return [counted[f"w{i}"] or 0 for i in range(len(windows))]


def calls_in(lane: int, window: Window, now: float) -> int:
    recent = RateCall.objects.filter(lane_id=lane, at__gt=now - window.span)
    return recent.aggregate(n=Sum("weight"))["n"] or 0


def _frees_in(lane: int, window: Window, now: float, used: int) -> float:
    """Seconds until enough of the window's calls have left it for one more to fit."""
    excess = used - window.limit + 1
    rows = RateCall.objects.filter(lane_id=lane, at__gt=now - window.span).order_by("at")
    for at, weight in rows.values_list("at", "weight"):
        excess -= weight
        if excess <= 0:
            return max(at + window.span - now, 0.001)
    return window.span


def slot_take(cap: Cap) -> tuple[int | None, float]:
    """(slot id, 0) when one of the cap's slots was free; else (None, seconds to look again)."""
    with transaction.atomic():
        lane = lanes_locked([cap.key])[cap.key]
        now = time.time()
        held = list(
            CallSlot.objects.filter(lane_id=lane).values_list("pk", "lease_until", "holder")
        )
        gone = {h for h in {h for _, _, h in held} if h and holder_gone(h)}
        dead = {pk for pk, lease, holder in held if lease <= now or holder in gone}
        leases = sorted(lease for pk, lease, _ in held if pk not in dead)
        if dead:  # held by workers that are gone (killed outright: they free nothing)
            CallSlot.objects.filter(pk__in=dead).delete()
        if len(leases) < cap.limit:
            until = now + pacing.scaled(cap.lease)
            slot = CallSlot.objects.create(lane_id=lane, lease_until=until, holder=holder_me())
            return slot.pk, 0.0
        return None, min(leases[0] - now, SLOT_POLL_SECONDS)
