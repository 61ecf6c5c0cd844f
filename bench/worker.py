"""The initial sync as a firm gets it: started the way the Sync now button starts it, done by a
real `manage.py qcluster` with the shipped Q_CLUSTER settings, with every rate limit on (the
sandboxes' and the product's own budgets) and provider time compressed SANDBOX_TIME_SCALE times.

The worker's whole process group is killed (SIGKILL) twice during the run, at about 30 % and 65 %
of the planned records, and a fresh worker is started at once, as a deploy or a lost host would
do. The run must still finish, with nothing failed and nothing written twice.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from bench import books_store, burst, firm, processes
from bench.control import Control
from bench.firm import BenchFirm
from bench.initial import CLIO_NEEDS, books_limits, clio_rate_limit
from bench.limits import BOOKS, CLIO, floor, time_scale
from bench.report import RealRun, classify, counters_diff, real_result
from sandbox.clio import reference
from sync.engine.run import sync_start
from sync.models import SyncOperation, SyncRun

KILL_AT = (0.30, 0.65)  # of the planned records done
POLL_SECONDS = 0.1
PRINT_EVERY = 15.0  # wall seconds between progress lines
# Wall seconds allowed past the run's floor before it counts as stuck: room for three worker
# starts, the watchdog noticing a lost lease, and a slow machine.
TIMEOUT_SLACK_SECONDS = 300.0
RUN_FIELDS = ("status", "phase", "pulled", "planned", "done", "failed", "error")

# The full reference firm: what its initial sync writes into the books (bench/results.json at
# BENCH_SCALE=1, books_records: customers with the matters' sub-customers in QuickBooks, invoices,
# payments, trust deposits and cheques) and what it must read from Clio (sandbox/clio/reference.py).
FULL_RECORDS = {"quickbooks": 74_000, "xero": 69_000}
_BILLS = reference.N_CONTACTS * reference.BILLS_PER_MATTER
FULL_CLIO = {
    "contacts": reference.N_CONTACTS,
    "matters": reference.N_CONTACTS,
    "bills": _BILLS,
    "line_items": _BILLS * reference.LINES,
    # Paid bills were paid in two halves.
    "allocations": _BILLS * 2 * reference.FATES.count("paid") // len(reference.FATES),
    "bank_transactions": reference.N_CONTACTS * reference.TRUST_PER_MATTER,
}


def full_floor_minutes(provider: str, bench_scale: float = 1.0) -> float:
    """The floor of the reference firm's initial sync, at `bench_scale` of its size."""
    return floor(
        books=BOOKS[provider],
        records=round(FULL_RECORDS[provider] * bench_scale),
        clio_records={k: round(n * bench_scale) for k, n in FULL_CLIO.items()},
    ).minutes


def expected_records(bf: BenchFirm) -> int:
    """What this firm's first sync should write: the full firm's, scaled by its contacts."""
    share = bf.clio_counts.get("contacts", 0) / reference.N_CONTACTS
    return round(FULL_RECORDS[bf.provider] * share)


def time_scale_for(provider: str) -> int:
    """One scale per provider, whatever BENCH_SCALE: the full firm's floor in 13 wall minutes."""
    return time_scale(full_floor_minutes(provider))


def start_worker(env: dict[str, str], log_dir: Path, name: str) -> processes.Service:
    return processes.start(name, processes.python("manage.py", "qcluster"), env, log_dir)


@dataclass
class Driven:
    """What happened while the run went: the wall time to its end, the kills, the live worker."""

    worker: processes.Service
    wall_seconds: float = 0.0
    kills: list[float] = field(default_factory=list)  # the share done at each kill
    timed_out: bool = False
    done_at_kill: int = 0
    # (wall seconds, records done) at every progress line and kill: where the time went.
    timeline: list[tuple[float, int]] = field(default_factory=list)


def run_row(run_id: int) -> dict:
    return SyncRun.objects.filter(pk=run_id).values(*RUN_FIELDS).first() or {}


def share_done(row: dict, total: int = 0) -> float:
    """The share of the run done: of what it will write (`total`, the firm's expected records),
    not of what is planned so far, which early in a pipelined run is only the first resources."""
    whole = max(row.get("planned") or 0, total)
    return (row.get("done") or 0) / whole if whole else 0.0


@dataclass
class Driver:
    """Start the worker, wait for the run to leave the active states, killing the worker's
    process group at each `kill_at` share done and starting a fresh one straight away."""

    env: dict[str, str]
    log_dir: Path
    name: str
    say: object = print
    kill_at: tuple[float, ...] = KILL_AT
    poll: float = POLL_SECONDS

    def start(self) -> Driven:
        return Driven(start_worker(self.env, self.log_dir, self.name))

    def drive(self, driven: Driven, run_id: int, timeout: float, total: int = 0) -> Driven:
        started = printed = time.monotonic()
        while True:
            row = run_row(run_id)
            if time.monotonic() - printed >= PRINT_EVERY:
                printed = time.monotonic()
                self.say(f"  {printed - started:6.1f} s  {_progress(row)}")
                driven.timeline.append((round(printed - started, 1), row.get("done") or 0))
            if row.get("phase") == SyncRun.Phase.FINISHED:
                break
            if time.monotonic() - started > timeout:
                driven.timed_out = True
                self.say(f"The run was still {row.get('phase')} after {timeout:.0f} s: {row}")
                break
            if self._due(driven, row, total):
                self._kill(driven, row, time.monotonic() - started, total)
            elif not driven.worker.alive():
                raise processes.ServiceDied(f"The worker stopped:\n{driven.worker.log_tail()}")
            time.sleep(self.poll)
        driven.wall_seconds = time.monotonic() - started
        return driven

    def _due(self, driven: Driven, row: dict, total: int = 0) -> bool:
        """The next kill's share is done, and the fresh worker got somewhere since the last."""
        kills = len(driven.kills)
        if kills >= len(self.kill_at) or (row.get("done") or 0) <= driven.done_at_kill:
            return False
        return share_done(row, total) >= self.kill_at[kills]

    def _kill(self, driven: Driven, row: dict, at: float, total: int = 0) -> None:
        processes.kill(driven.worker)
        driven.kills.append(round(share_done(row, total), 3))
        driven.done_at_kill = row["done"]
        driven.timeline.append((round(at, 1), row["done"]))
        self.say(
            f"  {at:6.1f} s  worker killed at {row['done']}/{row['planned']} done "
            f"({share_done(row, total):.0%}); a fresh one starts"
        )
        driven.worker = start_worker(self.env, self.log_dir, self.name)


def _progress(row: dict) -> str:
    counts = ", ".join(f"{k} {row.get(k)}" for k in ("pulled", "planned", "done", "failed"))
    return f"{row.get('status')}, {row.get('phase')}: {counts}"


def throttled(control: Control, before: dict[str, dict]) -> int:
    return sum(
        classify(p, counters_diff(b, control.counters(p))).throttled for p, b in before.items()
    )


@dataclass
class WorkerResult:
    real: RealRun
    run: dict
    records: dict[str, int]
    kills_at: list[float]
    worker: processes.Service  # still running: the burst reuses it
    timeline: list[tuple[float, int]]


def timeout_for(floor_minutes: float, time_scale: int) -> float:
    """Wall seconds to wait for a run whose floor is `floor_minutes` of provider time."""
    return floor_minutes * 60 / time_scale * 3 + TIMEOUT_SLACK_SECONDS


def run_initial(
    control: Control, bf: BenchFirm, *, driver: Driver, time_scale: int, timeout: float
) -> WorkerResult:
    """Queue the firm's first run as the Sync now button does and drive it to its end."""
    providers = ("clio", bf.provider)
    before = {p: control.counters(p) for p in providers}
    driven = driver.start()
    run = sync_start(firm=bf.firm, actor=None)
    try:
        driver.drive(driven, run.pk, timeout, total=expected_records(bf))
    except processes.ServiceDied as exc:
        driver.say(str(exc))
        driven.wall_seconds, driven.timed_out = 0.0, True
    row = run_row(run.pk)
    records = books_store.record_counts(bf.provider, bf.books.external_id)
    real = RealRun(
        wall_seconds=driven.wall_seconds,
        time_scale=time_scale,
        records_written=sum(records.values()),
        records_expected=expected_records(bf),
        clio_records={k: bf.clio_counts.get(v, 0) for k, v in CLIO_NEEDS.items()},
        throttled_429=throttled(control, before),
        records_failed=SyncOperation.objects.filter(
            firm=bf.firm, status=SyncOperation.Status.FAILED
        ).count(),
        runs_failed=SyncRun.objects.filter(firm=bf.firm, status=SyncRun.Status.FAILED).count(),
        kills=len(driven.kills),
        ended=not driven.timed_out,
        succeeded=row.get("status") == SyncRun.Status.SUCCEEDED,
        duplicates=books_store.duplicates(bf.provider, bf.books.external_id),
    )
    return WorkerResult(real, row, records, driven.kills, driven.worker, driven.timeline)


def measure(
    control: Control,
    provider: str,
    *,
    env,
    log_dir: Path,
    bench_scale: float,
    say,
    kill_at: tuple[float, ...] = KILL_AT,
):
    """The worker run and the burst for one provider, on a firm of its own. The server must
    already run with SANDBOX_TIME_SCALE=time_scale_for(provider) in `env`."""
    scale = time_scale_for(provider)
    name = f"Bench {firm.LABELS[provider]} Worker LLP"
    bf = firm.prepare(control, provider, scale=bench_scale, say=say, name=name)
    clio_rate_limit(control, CLIO.windows[0].calls)
    books_limits(control, lifted=False)
    firm.wait_past_skew(bf, say)
    name = f"qcluster-{provider}-limits-on"
    driver = Driver(env=env, log_dir=log_dir, name=name, say=say, kill_at=kill_at)
    timeout = timeout_for(full_floor_minutes(provider, bench_scale), scale)
    say(f"== {provider}: initial sync through the worker, limits on, time x{scale}")
    done = run_initial(control, bf, driver=driver, time_scale=scale, timeout=timeout)
    try:
        result = real_result(provider, done.real)
        say(f"Run {done.run}; books hold {done.records}; kills at {done.kills_at}")
        result["details"].update(
            run=done.run, books_records=done.records, kills_at=done.kills_at,
            timeline_wall_seconds_done=done.timeline,
        )  # fmt: skip
        if done.real.ended:
            say(f"== {provider}: month-end burst of approvals, worker running")
            figures = burst.measure(
                control, bf, worker=done.worker, time_scale=scale, bench_scale=bench_scale,
                timeout=timeout, say=say,
            )  # fmt: skip
            result["details"]["burst"] = figures.pop("details", {})
            result.update(figures)
    finally:
        processes.stop(done.worker)
        firm.disconnect(bf)
    return result


def scaled_env(env: dict[str, str], provider: str) -> dict[str, str]:
    return env | {"SANDBOX_TIME_SCALE": str(time_scale_for(provider))}


def apply_scale_here(provider: str) -> None:
    """This process starts runs and reads progress: its windows are the worker's."""
    settings.SANDBOX_TIME_SCALE = float(time_scale_for(provider))
