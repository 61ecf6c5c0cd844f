"""The initial sync of the reference firm, measured: engine CPU in this process, wall time, and the
calls each provider counted, with every rate limit lifted so the engine, not a limit, sets the
pace. The calls are then replayed against the published limits (bench/limits.py)."""

import cProfile
import os
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection as db_connection

from bench import books
from bench.control import Control
from bench.firm import BenchFirm
from bench.report import CallCounts, Measured, classify, counters_diff
from sync.engine.run import sync_execute, sync_start
from sync.models import SyncRun
from sync.providers.clio import client as clio_client
from sync.providers.quickbooks import client as quickbooks_client
from sync.providers.xero import client as xero_client

UNLIMITED = 1_000_000
# BENCH_PROFILE=/tmp/engine.prof writes a cProfile of each initial sync (suffixed by provider).
PROFILE = os.environ.get("BENCH_PROFILE", "")
CLIENT_MODULES = (clio_client, quickbooks_client, xero_client)
# What an initial sync must read from Clio, by the preset's counts (sandbox/clio/reference.py).
# Allocations are one per payment in the preset; trust transactions are read once each.
CLIO_NEEDS = {
    "contacts": "contacts",
    "matters": "matters",
    "bills": "bills",
    "line_items": "line_items",
    "allocations": "payments",
    "bank_transactions": "trust_transactions",
}


def books_limits(control: Control, *, lifted: bool) -> None:
    control.post("quickbooks", "limits", {"lifted": lifted})
    control.post("xero", "limits", {"enabled": not lifted})


def clio_rate_limit(control: Control, per_minute: int) -> None:
    control.post("clio", "settings", {"rate_limit": per_minute})


@contextmanager
def client_budgets_lifted():
    """The product keeps its own per-connection budget at each provider's published rate (the
    clients' RATE_PER_MINUTE, read by sync.engine.registry on every call). With the sandbox
    limits lifted it would still set the pace; lift it in this process only."""
    saved = {module: module.RATE_PER_MINUTE for module in CLIENT_MODULES}
    for module in CLIENT_MODULES:
        module.RATE_PER_MINUTE = UNLIMITED
    try:
        yield
    finally:
        for module, value in saved.items():
            module.RATE_PER_MINUTE = value


class Progress(threading.Thread):
    """Print the run's phase and counts while it goes, and note when each phase starts. One small
    query every two seconds, and the providers' call counts every 30: noise next to the engine."""

    def __init__(self, run_id: int, say, calls, every: float = 30.0):
        super().__init__(daemon=True, name="bench-progress")
        self.run_id, self.say, self.calls, self.every = run_id, say, calls, every
        self.starts: dict[str, float] = {}
        self.stopping = threading.Event()

    def run(self) -> None:
        started = last_print = time.perf_counter()
        try:
            while not self.stopping.wait(2.0):
                row = SyncRun.objects.filter(pk=self.run_id).values().first() or {}
                now = time.perf_counter()
                changed = row.get("phase") not in self.starts
                if changed:
                    self.starts[row.get("phase")] = now - started
                if changed or now - last_print >= self.every:
                    last_print = now
                    self.say(f"  {now - started:6.0f} s  {self._line(row)}")
        finally:
            db_connection.close()  # this thread's own connection

    def _line(self, row: dict) -> str:
        counts = ", ".join(f"{k} {row.get(k)}" for k in ("pulled", "planned", "done", "failed"))
        return f"{row.get('phase')}: {counts}; calls so far {self.calls()}"

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def phase_seconds(starts: dict[str, float], wall: float) -> dict[str, float]:
    """How long each phase lasted, from when each was first seen."""
    if not starts:
        return {}
    ordered = sorted(starts.items(), key=lambda item: item[1])
    ends = [at for _, at in ordered[1:]] + [wall]
    return {phase: round(end - at, 1) for (phase, at), end in zip(ordered, ends, strict=True)}


@dataclass
class InitialResult:
    measured: Measured | None
    run: dict
    records: dict[str, int]
    phases: dict[str, float]
    error: str = ""
    finished_at: float = 0.0


def _calls_so_far(control: Control, before: dict[str, dict]):
    def calls() -> str:
        made = {p: classify(p, counters_diff(b, control.counters(p))) for p, b in before.items()}
        return ", ".join(f"{p} {m.total}" for p, m in made.items())

    return calls


def _execute(bf: BenchFirm, say, calls) -> tuple[SyncRun, float, float, dict[str, float], str]:
    run = sync_start(firm=bf.firm, kind="initial", check=False, queue=False)
    progress = Progress(run.pk, say, calls)
    progress.start()
    error = ""
    cpu, wall = time.process_time(), time.perf_counter()
    profiler = cProfile.Profile() if PROFILE else None
    try:
        if profiler:
            profiler.enable()
        sync_execute(run_id=run.pk)
    except Exception as exc:  # the bench reports a crash and goes on to the next provider
        error = f"{type(exc).__name__}: {exc}"
        say(traceback.format_exc())
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{PROFILE}.{bf.provider}")
        say(f"Profile of the engine written to {PROFILE}.{bf.provider} (CPU figures include it)")
    progress.stop()
    run.refresh_from_db()
    return run, cpu, wall, phase_seconds(progress.starts, wall), error


def run_initial(control: Control, bf: BenchFirm, say) -> InitialResult:
    providers = ("clio", bf.provider)
    before = {p: control.counters(p) for p in providers}
    with client_budgets_lifted():
        run, cpu, wall, phases, error = _execute(bf, say, _calls_so_far(control, before))
    finished_at = time.monotonic()
    made = {p: classify(p, counters_diff(before[p], control.counters(p))) for p in providers}
    # Read back after the snapshot: these reads are the bench's, not the engine's.
    records = books.record_counts(bf.books)
    written = sum(records.values())
    measured = Measured(
        books=made[bf.provider],
        clio=made["clio"],
        records_written=written,
        clio_records={k: bf.clio_counts.get(v, 0) for k, v in CLIO_NEEDS.items()},
        cpu_seconds=cpu,
        wall_seconds=wall,
    )
    summary = {k: getattr(run, k) for k in ("status", "pulled", "planned", "done", "failed")}
    summary["error"] = run.error or error
    return InitialResult(measured, summary, records, phases, error, finished_at)


def describe(made: CallCounts) -> str:
    return (
        f"{made.reads} reads, {made.writes} writes ({made.batch} batch, {made.batch_items} "
        f"items), {made.throttled} throttled"
    )
