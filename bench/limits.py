"""The least time the published rate limits allow, and a replay of call counts against them.
Pure: no I/O, no clock.

The benchmark runs the sync through the task worker with every limit on (bench/worker.py); the
floor here is what its wall time is held to. Published limits:

- QuickBooks Online: 500 requests a minute per realm, batch requests included ("API calls are
  throttled at 500 requests per minute per realmId, including batch requests", Intuit developer
  blog, 2016-08-08,
  https://developer.intuit.com/hub/blog/2016/08/08/idg-concurrent-api-use-changes-coming-soon);
  40 batch requests a minute per realm and app, 30 payloads per batch, 10 requests a second and
  10 concurrent requests.
  https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles
  A batch request counts once against the 500, so a minute carries 40 full batches and 460
  single-entity writes: 40 x 30 + 460 = 1,660 records.
- Xero: 60 calls a minute and 5,000 a day per tenant, 5 concurrent, 50 elements per save call
  recommended: 3,000 records a minute, 250,000 a day.
  https://developer.xero.com/documentation/guides/oauth2/limits/
- Clio: 50 requests a minute per access token at peak (fixed 60-second window; higher off-peak,
  no custom increases), list pages of at most 200 records.
  https://docs.developers.clio.com/api-docs/rate-limits/ (API_NOTES.md §1.3, sandbox/clio/README.md)

The sync pipelines: it writes the books while it still reads Clio, so the floor is the slower of
the two budgets, not their sum. Concurrency caps are listed for reference only: they bind only
when a call takes longer than concurrency ÷ rate (1.2 s for QuickBooks, 5 s for Xero).
"""

import math
from dataclasses import dataclass

ALL, BATCH = "all", "batch"
MINUTES_PER_DAY = 1440.0


@dataclass(frozen=True)
class Window:
    """At most `calls` calls in each fixed window of `minutes`, counting `meters` calls."""

    name: str
    calls: int
    minutes: float
    meters: str = ALL  # ALL: every API call; BATCH: only calls to the batch endpoint


@dataclass(frozen=True)
class ApiLimits:
    provider: str
    windows: tuple[Window, ...]
    max_batch: int  # elements one write call may carry
    batch_endpoint: bool = False  # full-size writes go through a separately limited endpoint
    concurrent: int | None = None


QUICKBOOKS = ApiLimits(
    "quickbooks",
    (
        Window("500 requests a minute per realm", 500, 1.0),
        Window("40 batch requests a minute per realm", 40, 1.0, BATCH),
    ),
    max_batch=30,
    batch_endpoint=True,
    concurrent=10,
)
XERO = ApiLimits(
    "xero",
    (
        Window("60 calls a minute per tenant", 60, 1.0),
        Window("5,000 calls a day per tenant", 5000, MINUTES_PER_DAY),
    ),
    max_batch=50,
    concurrent=5,
)
CLIO = ApiLimits("clio", (Window("50 requests a minute per access token", 50, 1.0),), max_batch=1)
CLIO_PAGE_SIZE = 200
BOOKS = {"quickbooks": QUICKBOOKS, "xero": XERO}


@dataclass(frozen=True)
class Calls:
    total: int  # every API call (reads and writes; not OAuth token calls)
    batch: int = 0  # of which calls to the batch endpoint

    def metered(self, window: Window) -> int:
        return self.batch if window.meters == BATCH else self.total


@dataclass(frozen=True)
class Replay:
    minutes: float
    binding: str  # the window that sets the pace; "" when there were no calls


def _pace(limits: ApiLimits, window: Window) -> float:
    """Calls a minute the metered calls can go at inside one of `window`'s windows: the
    tightest shorter window that counts them too, or the window's own average when none."""
    inner = [
        w.calls / w.minutes
        for w in limits.windows
        if w.minutes < window.minutes and (w.meters == ALL or window.meters == BATCH)
    ]
    return min(inner, default=window.calls / window.minutes)


def window_minutes(limits: ApiLimits, window: Window, n: int) -> float:
    """Minutes `n` metered calls need under `window`: every full window they exhaust is waited
    out, the rest go at the pace the shorter windows allow. For a one-minute window this is
    simply n ÷ calls-a-minute; a day window adds nothing until the day's allowance runs out."""
    if n <= 0:
        return 0.0
    waited = math.ceil(n / window.calls) - 1
    return waited * window.minutes + (n - waited * window.calls) / _pace(limits, window)


def replay(limits: ApiLimits, calls: Calls) -> Replay:
    """The least time the calls need: the window that needs longest binds."""
    best = Replay(0.0, "")
    for window in limits.windows:
        minutes = window_minutes(limits, window, calls.metered(window))
        if minutes > best.minutes:
            best = Replay(minutes, window.name)
    return best


@dataclass(frozen=True)
class Projection:
    clio_minutes: float
    books_minutes: float
    binding: str  # the books' binding window

    @property
    def minutes(self) -> float:
        # The engine writes the books while it still reads Clio: the two budgets are spent in
        # parallel, and the slower one sets the pace.
        return max(self.clio_minutes, self.books_minutes)


def project(*, books: ApiLimits, clio_calls: int, books_calls: Calls) -> Projection:
    clio = replay(CLIO, Calls(clio_calls))
    spent = replay(books, books_calls)
    return Projection(clio.minutes, spent.minutes, spent.binding)


def _batch_calls_within(limits: ApiLimits, window: Window) -> int:
    """How many of `window`'s calls may go to the batch endpoint: what the batch windows allow
    over the same span, never more than the window itself."""
    if not limits.batch_endpoint:
        return 0
    allowed = [
        math.floor(w.calls * window.minutes / w.minutes)
        for w in limits.windows
        if w.meters == BATCH
    ]
    return min([window.calls, *allowed])


def record_windows(limits: ApiLimits) -> ApiLimits:
    """The books' windows counted in records written rather than calls, every channel used in
    full: batch calls carry `max_batch` records each, and with a separately limited batch
    endpoint the rest of the window goes to single-record writes (QuickBooks: 40 x 30 + 460 =
    1,660 a minute). Without one every call carries `max_batch` (Xero: 60 x 50 = 3,000)."""
    windows = []
    for window in limits.windows:
        if window.meters != ALL:
            continue  # folded into the request windows above
        batch = _batch_calls_within(limits, window)
        if limits.batch_endpoint:
            records = batch * limits.max_batch + (window.calls - batch)
        else:
            records = window.calls * limits.max_batch
        name = f"{window.name}, {batch} of them batches of {limits.max_batch}" if batch else ""
        windows.append(Window(name or window.name, records, window.minutes))
    return ApiLimits(limits.provider, tuple(windows), max_batch=1)


def floor_books_minutes(*, books: ApiLimits, records: int) -> Replay:
    """The least time that writes `records` into empty books: no reads (the write answers carry
    every id a later write needs), every window filled with full writes."""
    return replay(record_windows(books), Calls(records))


def floor_clio_reads(records: dict[str, int], page_size: int = CLIO_PAGE_SIZE) -> int:
    """The fewest list pages that read every record once: one page per `page_size` records of
    each resource."""
    return sum(math.ceil(n / page_size) for n in records.values())


def floor(*, books: ApiLimits, records: int, clio_records: dict[str, int]) -> Projection:
    clio = replay(CLIO, Calls(floor_clio_reads(clio_records)))
    written = floor_books_minutes(books=books, records=records)
    return Projection(clio.minutes, written.minutes, written.binding)


# Wall minutes the full reference firm's floor may take once provider time is compressed.
WALL_BUDGET_MINUTES = 13.0


def time_scale(floor_minutes: float, budget: float = WALL_BUDGET_MINUTES) -> int:
    """The whole-number SANDBOX_TIME_SCALE that fits `floor_minutes` of provider time into
    `budget` wall minutes (1: real time)."""
    return max(1, math.ceil(floor_minutes / budget))
