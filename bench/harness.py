"""`make bench`, start to finish: a database, the server, the reference firm per provider, the
initial sync measured, the incremental latency measured, bench/results.json and the table."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from bench import automations, drift, firm, incremental, pages, processes, report, trust, worker
from bench.control import Control, ControlError
from bench.initial import (
    InitialResult,
    books_limits,
    clio_rate_limit,
    describe,
    run_initial,
)
from bench.limits import CLIO
from bench.processes import BASE_DIR

RESULTS = BASE_DIR / "bench" / "results.json"
LOG_DIR = BASE_DIR / "var" / "bench"


@dataclass(frozen=True)
class Options:
    providers: list[str]
    scale: float
    samples: int
    setup_only: bool
    port: int
    env: dict[str, str]
    worker_only: bool = False
    lifted_only: bool = False
    kills: int = 2


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def start_server(
    options: Options, env: dict[str, str] | None = None
) -> tuple[processes.Service, Control]:
    """The sandbox and our webhook receiver, in their own process so that this one's CPU time
    is the engine's alone. `env`: the options' environment unless given (a time scale)."""
    bind = f"127.0.0.1:{options.port}"
    argv = processes.python(
        "-m", "gunicorn", "firmsync.wsgi", "-w", "2", "--threads", "8", "-b", bind,
        "--timeout", "900",
    )  # fmt: skip
    server = processes.start("server", argv, env or options.env, LOG_DIR)
    base = f"http://{bind}"
    waited = processes.wait_until(
        processes.http_ok(f"{base}/sandbox/clio/_control/counters"), timeout=60, service=server
    )
    say(f"Server up on {base} in {waited:.1f} s (log: {server.log.relative_to(BASE_DIR)})")
    return server, Control(base)


def prepare_database() -> None:
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    say(f"Database migrated in {time.perf_counter() - started:.1f} s")


def reset_sandboxes(control: Control) -> None:
    for provider in firm.PROVIDERS:
        control.post(provider, "reset")


def bench_provider(control: Control, options: Options, provider: str) -> dict:
    say(f"== {provider}: setting up the reference firm")
    bf = firm.prepare(control, provider, scale=options.scale, say=say)
    setup = {k: round(v, 1) for k, v in bf.seconds.items()}
    if options.setup_only:
        return {"details": {"setup_seconds": setup}}
    firm.wait_past_skew(bf, say)
    say(f"== {provider}: initial sync in this process, every rate limit lifted (engine CPU)")
    clio_rate_limit(control, 1_000_000)
    books_limits(control, lifted=True)
    try:
        result, initial = _initial(control, bf)
        result["details"]["setup_seconds"] = setup
        say(f"== {provider}: trust reconciliation and the client-ledger page")
        result["trust"] = trust.measure(bf, say)
        say(f"== {provider}: drift reconciliation of every synced invoice")
        result["drift"] = drift.measure(control, bf, say)
        p95, result["details"]["incremental"] = _incremental(control, options, bf, initial)
        result["incremental_p95_seconds"] = p95
        p95, result["details"]["automation"] = _automation(control, options, bf)
        result["automation_p95_seconds"] = p95
    finally:
        books_limits(control, lifted=False)
        clio_rate_limit(control, CLIO.windows[0].calls)
        firm.disconnect(bf)
    return result


def _initial(control: Control, bf: firm.BenchFirm) -> tuple[dict, InitialResult]:
    initial = run_initial(control, bf, say)
    m = initial.measured
    say(f"Run {initial.run['status']}: {initial.run}; books hold {initial.records}")
    say(f"{bf.provider}: {describe(m.books)}; Clio: {describe(m.clio)}")
    say(f"Engine CPU {m.cpu_seconds:.1f} s over {m.wall_seconds:.1f} s wall")
    result = report.provider_result(bf.provider, m)
    result["details"]["limits_lifted"].update(
        run=initial.run, books_records=initial.records, phase_seconds=initial.phases
    )
    return result, initial


def _incremental(
    control: Control, options: Options, bf: firm.BenchFirm, initial: InitialResult
) -> tuple[float | None, dict]:
    if initial.error or initial.run["status"] == "failed":
        say("The initial sync failed; no incremental measurement.")
        return None, {"error": "the initial sync failed"}
    say(f"== {bf.provider}: incremental latency, {options.samples} changes, worker idle")
    inc = incremental.measure(
        control, bf, env=options.env, log_dir=LOG_DIR, samples=options.samples,
        since=initial.finished_at, say=say,
    )  # fmt: skip
    if inc.error:
        say(inc.error)
    return report.p95(inc.samples), {
        "samples_seconds": inc.samples,
        "timeouts": inc.timeouts,
        "clio_calls_per_change": inc.clio_calls_per_change,
        "seconds_between_changes": inc.interval_seconds,
        "error": inc.error,
    }


def _automation(
    control: Control, options: Options, bf: firm.BenchFirm
) -> tuple[float | None, dict]:
    say(f"== {bf.provider}: automation latency, {options.samples} new Clio matters, limits on")
    auto = automations.measure(
        control, bf, env=options.env, log_dir=LOG_DIR, samples=options.samples, say=say
    )
    if auto.error:
        say(auto.error)
    p95 = report.p95(auto.samples)
    say(f"Automation p95 {p95} s; {auto.timeouts} timeouts, {auto.runs_failed} runs failed")
    return p95, {
        "samples_seconds": auto.samples,
        "timeouts": auto.timeouts,
        "runs_failed": auto.runs_failed,
        "records_made_twice": auto.records_twice,
        "error": auto.error,
    }


def assemble(
    per_provider: dict[str, dict],
    options: Options,
    trust_full: dict | None = None,
    page_figures: dict | None = None,
) -> dict:
    results: dict = {"scale": options.scale, **per_provider, "pages": page_figures or {}}
    # Trust figures do not depend on the books: the slower provider's run is the firm's.
    trusts = [r.pop("trust") for r in per_provider.values() if "trust" in r]
    results["trust"] = {
        key: max((t.get(key) for t in trusts if t.get(key) is not None), default=None)
        for key in ("three_way_seconds", "ledger_page_p95_ms")
    }
    results["trust"]["details"] = dict(zip(per_provider, trusts, strict=False))
    if trust_full:
        # The sync ran scaled down; the targets are for the full firm, measured on its own.
        results["trust"].update(
            {k: trust_full.get(k) for k in ("three_way_seconds", "ledger_page_p95_ms")}
        )
        results["trust"]["entries"] = trust_full.get("entries")
        results["trust"]["details"]["full_size"] = trust_full
    drifts = {p: r.pop("drift") for p, r in per_provider.items() if "drift" in r}
    # The slower provider's figures are the firm's, as for the sync itself.
    results["drift"] = {
        "bills": max((d["bills"] for d in drifts.values()), default=None),
        **{
            key: max((d[key] for d in drifts.values() if d[key] is not None), default=None)
            for key in ("wall_seconds", "book_read_calls_per_1000_bills")
        },
        "details": drifts,
    }
    p95s = [r.get("incremental_p95_seconds") for r in per_provider.values()]
    # The slower provider's p95 is the firm's: a target met on one side only is not met.
    results["incremental_p95_seconds"] = None if None in p95s or not p95s else max(p95s)
    autos = [r.get("automation_p95_seconds") for r in per_provider.values()]
    results["automation_p95_seconds"] = None if None in autos or not autos else max(autos)
    found = report.checks(results, options.providers)
    results["checks"] = [
        {"name": c.name, "value": c.value, "target": c.target, "passed": c.passed} for c in found
    ]
    return results


def write_results(results: dict, path: Path = RESULTS) -> None:
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    say(f"Wrote {path.relative_to(BASE_DIR)}")


def worker_section(options: Options, provider: str) -> dict:
    """The real path, on a server whose provider time runs time_scale_for(provider) times
    faster; the figures go next to the provider's limits-lifted ones."""
    env = worker.scaled_env(options.env, provider)
    server, control = start_server(options, env)
    worker.apply_scale_here(provider)
    try:
        return worker.measure(
            control, provider, env=env, log_dir=LOG_DIR, bench_scale=options.scale, say=say,
            kill_at=worker.KILL_AT[: options.kills],
        )  # fmt: skip
    except (processes.ServiceDied, TimeoutError, ControlError) as exc:
        say(f"The worker run of {provider} stopped: {type(exc).__name__}: {exc}")
        return {"details": {"error": f"{type(exc).__name__}: {exc}"}}
    finally:
        settings.SANDBOX_TIME_SCALE = 1.0
        processes.stop(server)


def _merge(lifted: dict, real: dict) -> dict:
    details = {**lifted.pop("details", {}), "worker": real.pop("details", {})}
    return {**lifted, **real, "details": details}


def run(options: Options) -> int:
    server, control = start_server(options)
    per_provider = {p: {} for p in options.providers}
    trust_full = None
    try:
        reset_sandboxes(control)
        options.env.update(firm.register_apps(control))
        if not options.worker_only:
            per_provider = {p: bench_provider(control, options, p) for p in options.providers}
        if options.scale < 1 and not (options.setup_only or options.worker_only):
            say("== trust at full size: the reference firm's trust transactions, unscaled")
            clio_rate_limit(control, 1_000_000)
            try:
                trust_full = trust.measure_full_size(control, say)
            finally:
                clio_rate_limit(control, CLIO.windows[0].calls)
    finally:
        processes.stop(server)
    if options.setup_only:
        say(f"Setup only: {json.dumps(per_provider)}")
        return 0
    page_figures = None
    if not options.worker_only:
        say("== pages: a client ledger of 10,000 entries, the console of 50 firms")
        page_figures = pages.measure(say)
    for p in options.providers:
        if options.lifted_only:
            per_provider[p] = _worker_kept(per_provider[p], p)
        else:
            per_provider[p] = _merge(per_provider[p], worker_section(options, p))
    results = assemble(per_provider, options, trust_full, page_figures)
    write_results(results)
    found = report.checks(results, options.providers)
    print(report.table(results, options.providers, found), flush=True)
    return 0 if all(c.passed for c in found) else 1


def _worker_kept(lifted: dict, provider: str, path: Path = RESULTS) -> dict:
    """`--lifted-only`: the provider's worker figures as the last full run wrote them."""
    before = json.loads(path.read_text()).get(provider, {}) if path.exists() else {}
    kept = {k: v for k, v in before.items() if k in report.WORKER_KEYS}
    worker = (before.get("details") or {}).get("worker", {})
    return _merge(lifted, {**kept, "details": worker})


def run_pages_only(path: Path = RESULTS) -> int:
    """`--pages-only`: the page figures alone, merged into the results already written (the
    other sections are kept as they are; every check is worked out again from them)."""
    say("== pages: a client ledger of 10,000 entries, the console of 50 firms")
    results = json.loads(path.read_text()) if path.exists() else {}
    results["pages"] = pages.measure(say)
    providers = [p for p in firm.PROVIDERS if isinstance(results.get(p), dict)]
    results["checks"] = [
        {"name": c.name, "value": c.value, "target": c.target, "passed": c.passed}
        for c in report.checks(results, providers)
    ]
    write_results(results, path)
    found = report.page_checks(results)
    print(report.verdicts(found), flush=True)
    return 0 if all(c.passed for c in found) else 1
