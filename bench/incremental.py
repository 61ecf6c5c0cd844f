"""Incremental latency: a person edits a bill line in Clio; how long until the invoice in the books
shows it, with the task worker running and idle and Clio's webhooks on.

The path measured: Clio's webhook delivery → our receiver stores it and queues the inbox task →
the worker pulls what changed, plans and pushes → the books. Clio's rate limit is back at its
published value for this (the worker keeps the product's own budget); the books' limits stay
lifted only because this harness polls the invoice every 0.2 s, which a real firm does not.
"""

import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils import timezone
from django_q.models import OrmQ, Schedule

from bench import books, processes
from bench.control import Control
from bench.firm import BenchFirm, webhooks_enabled
from bench.initial import clio_rate_limit
from bench.limits import CLIO
from bench.report import classify, counters_diff
from practice.models import Bill
from sync.models import ExternalLink

POLL_SECONDS = 0.2
TIMEOUT_SECONDS = 60.0
STARTUP_SECONDS = 1800.0
# The budget windows are 60 s; the initial run filled the current one (with its budget lifted).
WINDOW_SECONDS = 61.0
CLIO_PER_MINUTE = CLIO.windows[0].calls
HEADROOM = 1.2


@dataclass(frozen=True)
class Target:
    bill_clio_id: int
    line_clio_id: int
    quantity: Decimal
    remote_id: str


@dataclass
class IncrementalResult:
    samples: list[float] = field(default_factory=list)
    timeouts: int = 0
    clio_calls_per_change: int | None = None
    interval_seconds: float | None = None
    error: str = ""


def targets(bf: BenchFirm, n: int) -> list[Target]:
    """Approved bills with nothing paid yet (Clio still lets their lines change) that are
    already invoices in the books."""
    linked = dict(
        ExternalLink.objects.filter(connection=bf.books, entity="bill").values_list(
            "local_id", "remote_id"
        )
    )
    bills = Bill.objects.filter(firm=bf.firm, state="awaiting_payment", paid=0).order_by("clio_id")
    found = []
    for bill in bills.prefetch_related("lines").iterator(chunk_size=200):
        line = min(bill.lines.all(), key=lambda x: x.clio_id, default=None)
        if line is not None and str(bill.clio_id) in linked:
            found.append(
                Target(bill.clio_id, line.clio_id, line.quantity, linked[str(bill.clio_id)])
            )
        if len(found) == n:
            break
    return found


def worker_idle() -> bool:
    """Nothing queued or running, and no schedule about to queue something."""
    overdue = Schedule.objects.filter(next_run__lte=timezone.now())
    return not OrmQ.objects.exists() and not overdue.exists()


def _change(control: Control, bf: BenchFirm, target: Target, worker) -> float | None:
    """Edit one line in Clio; seconds until the books show it, None after the timeout."""
    before = books.invoice_seen(bf.books, target.remote_id)
    marker = f"Bench change {secrets.token_hex(4)}"
    started = time.perf_counter()
    control.post(
        "clio",
        "actions",
        {
            "action": "edit_line",
            "account": bf.clio_account,
            "line_item_id": target.line_clio_id,
            "description": marker,
            "quantity": float(target.quantity + 1),
        },
    )

    def landed() -> bool:
        seen = books.invoice_seen(bf.books, target.remote_id)
        return marker in seen.descriptions or seen.total != before.total

    try:
        processes.wait_until(landed, timeout=TIMEOUT_SECONDS, service=worker, every=POLL_SECONDS)
    except TimeoutError:
        return None
    return time.perf_counter() - started


def settle(worker, timeout: float = 300.0) -> float:
    """Worker idle twice in a row, a second apart (the scheduler may just have queued a beat).
    Returns the seconds waited."""
    waited = 0.0
    for _ in range(2):
        waited += processes.wait_until(worker_idle, timeout=timeout, service=worker, every=0.5)
        time.sleep(1.0)
    return waited


def _pace(calls: int) -> float:
    """Seconds between changes so the worker's Clio reads stay inside Clio's published rate:
    the worker is idle, not starved, when the next change comes."""
    return min(max(HEADROOM * 60.0 * calls / CLIO_PER_MINUTE, 2.0), 30.0)


def _warm_up(control, bf, target, worker, result: IncrementalResult, say) -> bool:
    before = control.counters("clio")
    latency = _change(control, bf, target, worker)
    if latency is None:
        result.error = f"The first change did not reach the books within {TIMEOUT_SECONDS:.0f} s."
        return False
    settle(worker)
    result.clio_calls_per_change = classify(
        "clio", counters_diff(before, control.counters("clio"))
    ).total
    result.interval_seconds = round(_pace(result.clio_calls_per_change), 1)
    say(
        f"Warm-up change landed in {latency:.2f} s; {result.clio_calls_per_change} Clio calls per "
        f"change, so one change every {result.interval_seconds} s"
    )
    return True


def _measure(control, bf, chosen, worker, result: IncrementalResult, say) -> None:
    for n, target in enumerate(chosen, start=1):
        started = time.monotonic()
        latency = _change(control, bf, target, worker)
        if latency is None:
            result.timeouts += 1
            latency = TIMEOUT_SECONDS
        result.samples.append(round(latency, 3))
        say(f"  change {n}/{len(chosen)}: {latency:.2f} s")
        rest = result.interval_seconds - (time.monotonic() - started)
        time.sleep(max(rest, 0.0))
        settle(worker)


def measure(
    control: Control, bf: BenchFirm, *, env, log_dir: Path, samples: int, since: float, say
):
    """`since`: when the initial run ended (time.monotonic()), so its budget window can pass."""
    result = IncrementalResult()
    chosen = targets(bf, samples + 1)
    if len(chosen) < samples + 1:
        result.error = f"Only {len(chosen)} editable bills are in the books; need {samples + 1}."
        return result
    clio_rate_limit(control, CLIO_PER_MINUTE)
    control.post("clio", "settings", {"webhook_delivery": "background"})
    worker = processes.start(
        f"qcluster-{bf.provider}", processes.python("manage.py", "qcluster"), env, log_dir
    )
    try:
        _start(bf, worker, since, say)
        if _warm_up(control, bf, chosen[0], worker, result, say):
            _measure(control, bf, chosen[1:], worker, result, say)
    except (TimeoutError, processes.ServiceDied) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        processes.stop(worker)
    return result


def _start(bf: BenchFirm, worker, since: float, say) -> None:
    """The worker's first minutes: overdue schedules (heartbeat, Clio poll, books scan) run at
    once. Changes start once it has gone quiet."""
    processes.wait_until(lambda: webhooks_enabled(bf.clio), timeout=60, service=worker)
    waited = settle(worker, timeout=STARTUP_SECONDS)
    say(f"Worker idle after its start-up tasks ({waited:.0f} s)")
    time.sleep(max(since + WINDOW_SECONDS - time.monotonic(), 0.0))
