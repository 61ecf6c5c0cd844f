"""Replay API call counts against the providers' published rate limits. Pure: no I/O, no clock.

The benchmark runs with the sandbox limits lifted, counts the calls the engine made, and asks here
how long those calls would take against the real services. Published limits:

- QuickBooks Online: 500 requests a minute per realm (batch requests included), 40 batch requests
  a minute per realm, 10 concurrent requests, 30 items per batch.
  https://developer.intuit.com/app/developer/qbo/docs/learn/rest-api-features#limits-and-throttles
  (also https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles). Whether
  each item of a batch also counts against the 500 is not published; the replay counts requests.
- Xero: 60 calls a minute and 5,000 a day per tenant, 5 concurrent, 50 elements per save call
  recommended. https://developer.xero.com/documentation/guides/oauth2/limits/
- Clio: 50 requests a minute per access token at peak (fixed 60-second window; higher off-peak,
  no custom increases), list pages of at most 200 records.
  https://docs.developers.clio.com/api-docs/rate-limits/ (API_NOTES.md §1.3, sandbox/clio/README.md)

Concurrency caps are listed for reference only: they bind only when a call takes longer than
concurrency ÷ rate (1.2 s for QuickBooks, 5 s for Xero), which calls of this size do not.
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
        # The engine reads Clio, then writes the books: the two budgets are spent one after
        # the other, not in parallel.
        return self.clio_minutes + self.books_minutes


def project(*, books: ApiLimits, clio_calls: int, books_calls: Calls) -> Projection:
    clio = replay(CLIO, Calls(clio_calls))
    spent = replay(books, books_calls)
    return Projection(clio.minutes, spent.minutes, spent.binding)


def floor_books_calls(*, books: ApiLimits, records: int) -> Calls:
    """The fewest calls that write `records` into empty books: full batches, no reads (the
    write answers carry every id a later write needs)."""
    writes = math.ceil(records / books.max_batch)
    return Calls(writes, writes if books.batch_endpoint else 0)


def floor_clio_reads(records: dict[str, int], page_size: int = CLIO_PAGE_SIZE) -> int:
    """The fewest list pages that read every record once: one page per `page_size` records of
    each resource."""
    return sum(math.ceil(n / page_size) for n in records.values())


def floor(*, books: ApiLimits, records: int, clio_records: dict[str, int]) -> Projection:
    return project(
        books=books,
        clio_calls=floor_clio_reads(clio_records),
        books_calls=floor_books_calls(books=books, records=records),
    )
