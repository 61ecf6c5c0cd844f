"""From sandbox counters and timings to the benchmark's numbers, targets and table. Pure."""

import math
from dataclasses import dataclass

from bench.limits import BOOKS, Calls, floor, project

# OAuth calls go to the token hosts, not the API, and count against none of the API limits.
AUTH_ENDPOINTS = {
    "clio": {"POST /oauth/token", "POST /oauth/deauthorize"},
    "quickbooks": {"POST oauth2/v1/tokens/bearer", "POST oauth2/tokens/revoke"},
    "xero": {"POST connect/token", "POST connect/revocation", "GET authorize", "POST authorize"},
}
# QuickBooks counts every item of a batch under this name as well as the batch call itself.
BATCH_ITEM = "batch item"
BATCH_CALL = "POST batch"
# Intuit's query language may be sent with POST; it reads.
READ_POSTS = {"POST query"}

REAL_OVER_FLOOR = 1.15
WORKER_KILLS = 2
CPU_MS_PER_RECORD = 2.0
BURST_SECONDS = 180.0
CLIO_READS_PER_BILL = 0.2
INCREMENTAL_P95_SECONDS = 10.0
# The issue names no bar for an automation; it is held to the one a bill edit is held to.
AUTOMATION_P95_SECONDS = 10.0
THREE_WAY_SECONDS = 2.0
LEDGER_PAGE_P95_MS = 150.0
DRIFT_WALL_SECONDS = 120.0
DRIFT_READS_PER_1000_BILLS = 25.0
LEDGER_10K_P95_MS = 150.0
CONSOLE_50_P95_MS = 300.0


@dataclass(frozen=True)
class CallCounts:
    reads: int = 0
    writes: int = 0
    batch: int = 0  # of the writes, calls to the batch endpoint
    batch_items: int = 0
    auth: int = 0
    throttled: int = 0

    @property
    def total(self) -> int:
        return self.reads + self.writes


def counters_diff(before: dict, after: dict) -> dict[str, dict[str, int]]:
    """Calls per endpoint and status made between two `_control/counters` snapshots."""
    out: dict[str, dict[str, int]] = {}
    old = before.get("endpoints", {})
    for endpoint, statuses in after.get("endpoints", {}).items():
        for status, count in statuses.items():
            made = count - old.get(endpoint, {}).get(status, 0)
            if made:
                out.setdefault(endpoint, {})[status] = made
    return out


def classify(provider: str, endpoints: dict[str, dict[str, int]]) -> CallCounts:
    reads = writes = batch = items = auth = throttled = 0
    for endpoint, statuses in endpoints.items():
        n = sum(statuses.values())
        throttled += statuses.get("429", 0)
        if endpoint == BATCH_ITEM:
            items += n
        elif endpoint in AUTH_ENDPOINTS[provider]:
            auth += n
        elif endpoint.startswith(("GET ", "HEAD ")) or endpoint in READ_POSTS:
            reads += n
        else:
            writes += n
            batch += n if endpoint == BATCH_CALL else 0
    return CallCounts(reads, writes, batch, items, auth, throttled)


def p95(samples: list[float]) -> float | None:
    """Nearest-rank 95th percentile (of 20 samples, the 19th smallest)."""
    if not samples:
        return None
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


@dataclass(frozen=True)
class Measured:
    """One provider's initial sync, as measured."""

    books: CallCounts
    clio: CallCounts
    records_written: int
    clio_records: dict[str, int]  # records the sync must read from Clio, by resource
    cpu_seconds: float
    wall_seconds: float


def provider_result(provider: str, m: Measured) -> dict:
    """The limits-lifted run: the engine's CPU per record, and its calls replayed against the
    published limits (for reading, not a target: the worker run measures the real pace)."""
    limits = BOOKS[provider]
    made = project(
        books=limits, clio_calls=m.clio.total, books_calls=Calls(m.books.total, m.books.batch)
    )
    per_record = m.cpu_seconds * 1000 / m.records_written if m.records_written else None
    return {
        "engine_cpu_ms_per_record": _round(per_record, 3),
        "details": {
            "limits_lifted": {
                "records_written": m.records_written,
                "write_calls": m.books.writes,
                # Records per write call, whatever the endpoint: what batching achieved.
                "elements_per_write_call": _ratio(m.records_written, m.books.writes),
                "book_read_calls": m.books.reads,
                "clio_read_calls": m.clio.reads,
                "clio_write_calls": m.clio.writes,
                "wall_seconds": round(m.wall_seconds, 1),
                "projected_minutes": round(made.minutes, 2),
                "projected_binding_limit": made.binding,
                "batch_calls": m.books.batch,
                "batch_items": m.books.batch_items,
                "oauth_calls": m.books.auth + m.clio.auth,
                "engine_cpu_seconds": round(m.cpu_seconds, 2),
            }
        },
    }


@dataclass(frozen=True)
class RealRun:
    """One provider's initial sync through the task worker, every limit on, time compressed."""

    wall_seconds: float
    time_scale: int
    records_written: int  # what the books hold after the run
    records_expected: int  # what the firm's first sync should write
    clio_records: dict[str, int]  # records the sync must read from Clio, by resource
    throttled_429: int  # answered by the sandboxes, Clio's and the books'
    records_failed: int
    runs_failed: int
    kills: int  # times the worker's process group was killed during the run
    ended: bool  # the run left the active states before the timeout
    succeeded: bool
    duplicates: int


# What a provider's worker run (and its burst) puts in its section of results.json.
WORKER_KEYS = frozenset(
    {
        "real_minutes",
        "floor_minutes",
        "time_scale",
        "throttled_429",
        "records_failed",
        "runs_failed",
        "worker_kills_survived",
        "duplicates",
        "records_written",
        "burst_seconds",
        "clio_reads_per_bill",
    }
)


def real_result(provider: str, r: RealRun) -> dict:
    # A run that stopped short is held to the whole firm's floor, not to what it managed.
    records = max(r.records_written, r.records_expected)
    least = floor(books=BOOKS[provider], records=records, clio_records=r.clio_records)
    survived = r.kills if r.ended and r.succeeded and not r.records_failed else 0
    return {
        # Provider minutes: what the run would take against the real services.
        "real_minutes": round(r.wall_seconds * r.time_scale / 60, 2) if r.ended else None,
        "floor_minutes": round(least.minutes, 2),
        "time_scale": r.time_scale,
        "throttled_429": r.throttled_429,
        "records_failed": r.records_failed,
        "runs_failed": r.runs_failed,
        "worker_kills_survived": survived,
        "duplicates": r.duplicates,
        "records_written": r.records_written,
        "details": {
            "wall_seconds": round(r.wall_seconds, 1),
            "floor_clio_minutes": round(least.clio_minutes, 2),
            "floor_books_minutes": round(least.books_minutes, 2),
            "floor_binding_limit": least.binding,
            "worker_kills": r.kills,
        },
    }


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 2) if b else None


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    target: float | None
    passed: bool


def _at_most(name: str, value, target) -> Check:
    ok = value is not None and target is not None and value <= target
    return Check(name, value, target, ok)


def _at_least(name: str, value, target) -> Check:
    ok = value is not None and target is not None and value >= target
    return Check(name, value, target, ok)


def provider_checks(p: str, r: dict) -> list[Check]:
    floor_minutes = r.get("floor_minutes")
    target = round(REAL_OVER_FLOOR * floor_minutes, 2) if floor_minutes else None
    return [
        _at_most(f"{p} real_minutes <= 1.15 x floor", r.get("real_minutes"), target),
        _at_most(f"{p} records_failed == 0", r.get("records_failed"), 0),
        _at_most(f"{p} runs_failed == 0", r.get("runs_failed"), 0),
        _at_most(f"{p} duplicates == 0", r.get("duplicates"), 0),
        _at_least(f"{p} worker_kills_survived >= 2", r.get("worker_kills_survived"), WORKER_KILLS),
        _at_most(
            f"{p} engine_cpu_ms_per_record <= 2",
            r.get("engine_cpu_ms_per_record"),
            CPU_MS_PER_RECORD,
        ),
        _at_most(f"{p} burst_seconds <= 180", r.get("burst_seconds"), BURST_SECONDS),
        _at_most(
            f"{p} clio_reads_per_bill <= 0.2", r.get("clio_reads_per_bill"), CLIO_READS_PER_BILL
        ),
    ]


def checks(results: dict, providers: list[str]) -> list[Check]:
    out = []
    for p in providers:
        out.extend(provider_checks(p, results.get(p) or {}))
    p95_seconds = results.get("incremental_p95_seconds")
    out.append(_at_most("incremental_p95_seconds <= 10", p95_seconds, INCREMENTAL_P95_SECONDS))
    out.append(
        _at_most(
            "automation_p95_seconds <= 10",
            results.get("automation_p95_seconds"),
            AUTOMATION_P95_SECONDS,
        )
    )
    trust = results.get("trust") or {}
    out.append(
        _at_most("trust three_way_seconds <= 2", trust.get("three_way_seconds"), THREE_WAY_SECONDS)
    )
    out.append(
        _at_most(
            "trust ledger_page_p95_ms <= 150", trust.get("ledger_page_p95_ms"), LEDGER_PAGE_P95_MS
        )
    )
    drift = results.get("drift") or {}
    out.append(_at_most("drift wall_seconds <= 120", drift.get("wall_seconds"), DRIFT_WALL_SECONDS))
    out.append(
        _at_most(
            "drift book_read_calls_per_1000_bills <= 25",
            drift.get("book_read_calls_per_1000_bills"),
            DRIFT_READS_PER_1000_BILLS,
        )
    )
    out.extend(page_checks(results))
    return out


def page_checks(results: dict) -> list[Check]:
    """bench/pages.py: each page under its target, its queries no more than on a small copy."""
    pages = results.get("pages") or {}
    ledger, console = pages.get("ledger_10k") or {}, pages.get("console_50") or {}
    return [
        _at_most("ledger_10k p95 <= 150", ledger.get("p95_ms"), LEDGER_10K_P95_MS),
        _at_most(
            "ledger_10k queries <= queries at 10 entries",
            ledger.get("queries"),
            ledger.get("queries_at_small"),
        ),
        _at_most("console_50 p95 <= 300", console.get("p95_ms"), CONSOLE_50_P95_MS),
        _at_most(
            "console_50 queries <= queries in 3 firms",
            console.get("queries"),
            console.get("queries_at_small"),
        ),
    ]


ROWS = (
    "records_written",
    "real_minutes",
    "floor_minutes",
    "time_scale",
    "throttled_429",
    "records_failed",
    "runs_failed",
    "worker_kills_survived",
    "duplicates",
    "engine_cpu_ms_per_record",
    "burst_seconds",
    "clio_reads_per_bill",
    "incremental_p95_seconds",
    "automation_p95_seconds",
)


def table(results: dict, providers: list[str], found: list[Check]) -> str:
    width = max(len(r) for r in ROWS) + 2
    lines = ["".ljust(width) + "".join(p.rjust(14) for p in providers)]
    for row in ROWS:
        cells = "".join(_cell((results.get(p) or {}).get(row)).rjust(14) for p in providers)
        lines.append(row.ljust(width) + cells)
    lines.append("")
    return "\n".join(lines) + "\n" + verdicts(found)


def verdicts(found: list[Check]) -> str:
    return "\n".join(
        f"{'PASS' if c.passed else 'FAIL'}  {c.name}: {_cell(c.value)} (target {_cell(c.target)})"
        for c in found
    )


def _cell(value) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.3f}".rstrip("0").rstrip(".")
