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

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Sum

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
# The tables the statements run before every request name (see DbBudget._take_call).
LANES, CALLS, SLOTS = (m._meta.db_table for m in (RateLane, RateCall, CallSlot))


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
        self.lane_ids: dict[str, int] = {}

    def lanes_make(self) -> None:
        """Create the lanes once, outside any lock: two workers creating the same lane while
        each holds another would deadlock."""
        if not self.lanes_made:
            keys = [w.key for w in self.windows] + ([self.cap.key] if self.cap else [])
            RateLane.objects.bulk_create([RateLane(key=k) for k in keys], ignore_conflicts=True)
            self.lanes_made = True

    @contextmanager
    def call(self, meter: str = "") -> Iterator[None]:
        """A concurrency slot and a count in every window, taken together when all allow the
        call (one transaction), just before it is sent: a count taken before a wait would date
        the call too early, and the window would let more through than the provider's. The slot
        is freed when the request is over."""
        self.lanes_make()
        windows = [w for w in self.windows if w.only in ("", meter)]
        slot = None
        while True:
            slot, seconds, full = self._take_call(windows)
            if full is None:
                break
            self._wait_for(full, seconds)
        try:
            yield
        finally:
            if slot is not None:
                with db_connection.cursor() as cursor:
                    cursor.execute(f"DELETE FROM {SLOTS} WHERE id = %s", [slot])  # noqa: S608

    def acquire(self, meter: str = "") -> bool:
        """Count one call in every window it falls in (no slot), waiting until all of them allow
        it. True when it had to wait."""
        self.lanes_make()
        windows = [w for w in self.windows if w.only in ("", meter)]
        waited = False
        while windows:
            _, seconds, full = self._take_call(windows, slot=False)
            if full is None:
                return waited
            self._wait_for(full, seconds)
            waited = True
        return waited

    def _wait_for(self, full: "Window | Cap", seconds: float) -> None:
        if isinstance(full, Cap):
            why, scope = "concurrent requests", "concurrent"
        elif full.scope == "day":
            raise ProviderRateLimited(
                self.provider,
                f"today's {full.limit} calls are spent",
                retry_after=seconds,
                scope="day",
            )
        else:
            why, scope = f"{full.scope} limit", full.scope
        wait = self.wait or pacing.wait
        wait(self.provider, seconds, why=why, scope=scope)

    def _take_call(
        self, windows: list[Window], *, slot: bool = True
    ) -> tuple[int | None, float, "Window | Cap | None"]:
        """(slot id or None, 0, None) when the call was counted in every window and given a
        slot; otherwise (None, seconds until it may be, the window or cap that binds longest)
        and nothing is taken. One transaction of a few plain statements: this runs before every
        request, and the ORM's cost per statement was most of a first sync's engine time."""
        cap = self.cap if slot else None
        keys = [w.key for w in windows] + ([cap.key] if cap is not None else [])
        if not keys:
            return None, 0.0, None
        with transaction.atomic(), db_connection.cursor() as cursor:
            lanes = self._lanes_locked(cursor, keys)
            now = time.time()
            if cap is not None:
                busy = _slots_busy(cursor, cap, lanes[cap.key], now)
                if busy is not None:
                    return None, busy, cap
            seconds, full = 0.0, None
            for w, used in zip(windows, _calls_in_each(cursor, lanes, windows, now), strict=True):
                self.believed[w.scope] = w.limit - used - 1
                if used >= w.limit:
                    free_in = _frees_in(lanes[w.key], w, now, used)
                    if full is None or free_in > seconds:
                        seconds, full = free_in, w
            if full is not None:
                return None, seconds, full
            taken = None
            if cap is not None:
                until = now + pacing.scaled(cap.lease)
                cursor.execute(
                    f"INSERT INTO {SLOTS} (lane_id, lease_until, holder) VALUES (%s, %s, %s)"  # noqa: S608
                    " RETURNING id",
                    [lanes[cap.key], until, holder_me()],
                )
                taken = cursor.fetchone()[0]
            if windows:
                values = ", ".join(["(%s, %s, 1)"] * len(windows))
                cursor.execute(
                    f"INSERT INTO {CALLS} (lane_id, at, weight) VALUES {values}",  # noqa: S608
                    [x for w in windows for x in (lanes[w.key], now)],
                )
                if random.random() < PRUNE_SHARE:
                    for w in windows:
                        cursor.execute(
                            f"DELETE FROM {CALLS} WHERE lane_id = %s AND at <= %s",  # noqa: S608
                            [lanes[w.key], now - w.span],
                        )
            return taken, 0.0, None

    def _lanes_locked(self, cursor, keys: list[str]) -> dict[str, int]:
        """The lanes' ids, locked until the transaction ends, in key order (two workers taking
        overlapping lanes cannot deadlock). Their ids are kept: a lane is never renamed."""
        ids = self.lane_ids
        if any(k not in ids for k in keys):
            ids.update(RateLane.objects.filter(key__in=keys).values_list("key", "id"))
        wanted = sorted({ids[k] for k in keys if k in ids})
        marks = ", ".join(["%s"] * len(wanted))
        # SQLite has no FOR UPDATE; its IMMEDIATE transactions (settings.DATABASES) already let
        # one writer in at a time.
        lock = " FOR UPDATE" if db_connection.features.has_select_for_update else ""
        cursor.execute(f"SELECT id FROM {LANES} WHERE id IN ({marks}) ORDER BY key{lock}", wanted)  # noqa: S608
        if len(cursor.fetchall()) < len(set(keys)):  # a lane deleted under us: made again
            self.lane_ids = {}
            return lanes_locked(keys)
        return {k: ids[k] for k in keys}

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


def _calls_in_each(cursor, lanes: dict[str, int], windows: list[Window], now: float) -> list[int]:
    """The calls in each window, in one statement."""
    if not windows:
        return []
    sums = ", ".join(
        ["COALESCE(SUM(CASE WHEN lane_id = %s AND at > %s THEN weight ELSE 0 END), 0)"]
        * len(windows)
    )
    ids = sorted({lanes[w.key] for w in windows})
    marks = ", ".join(["%s"] * len(ids))
    params: list = [x for w in windows for x in (lanes[w.key], now - w.span)]
    params += [*ids, now - max(w.span for w in windows)]
    cursor.execute(f"SELECT {sums} FROM {CALLS} WHERE lane_id IN ({marks}) AND at > %s", params)  # noqa: S608
    return [int(n) for n in cursor.fetchone()]


def _slots_busy(cursor, cap: Cap, lane: int, now: float) -> float | None:
    """None when one of the cap's slots is free (freeing those of workers that are gone);
    otherwise how long until looking again."""
    cursor.execute(f"SELECT id, lease_until, holder FROM {SLOTS} WHERE lane_id = %s", [lane])  # noqa: S608
    held = cursor.fetchall()
    if len(held) < cap.limit:
        return None
    gone = {h for h in {h for _, _, h in held} if h and holder_gone(h)}
    dead = [pk for pk, lease, holder in held if lease <= now or holder in gone]
    if dead:  # held by workers that are gone (killed outright: they free nothing)
        CallSlot.objects.filter(pk__in=dead).delete()
    leases = sorted(lease for pk, lease, _ in held if pk not in dead)
    if len(leases) < cap.limit:
        return None
    return min(leases[0] - now, SLOT_POLL_SECONDS)


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
    with transaction.atomic(), db_connection.cursor() as cursor:
        lane = lanes_locked([cap.key])[cap.key]
        now = time.time()
        busy = _slots_busy(cursor, cap, lane, now)
        if busy is not None:
            return None, busy
        until = now + pacing.scaled(cap.lease)
        slot = CallSlot.objects.create(lane_id=lane, lease_until=until, holder=holder_me())
        return slot.pk, 0.0
