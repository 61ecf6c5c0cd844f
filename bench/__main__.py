"""`python -m bench` (what `make bench` runs): the reference firm's initial sync into QuickBooks
Online and into Xero, and the incremental latency; writes bench/results.json and prints a table
with PASS/FAIL per target. Exits 1 when a target fails.

BENCH_SCALE=0.1 scales the Clio reference preset down for a quick smoke run. DATABASE_URL, when
set, is used instead of the dedicated var/bench.sqlite3 (which is recreated on every run).
"""

import argparse
import os
import sys

import django

from bench import env, processes


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--provider",
        action="append",
        choices=["quickbooks", "xero"],
        help="only this provider (repeatable; default both)",
    )
    parser.add_argument("--samples", type=int, default=20, help="incremental changes to time")
    parser.add_argument(
        "--worker-only",
        action="store_true",
        help="only the initial sync through the worker and the burst (no limits-lifted run, "
        "trust, drift or incremental figures)",
    )
    parser.add_argument(
        "--lifted-only",
        action="store_true",
        help="only the limits-lifted figures (engine CPU, trust, drift, incremental, pages), "
        "with the worker figures of the bench/results.json already there kept",
    )
    parser.add_argument(
        "--kills",
        type=int,
        default=2,
        choices=[0, 1, 2],
        help="times the worker is killed during the run (default 2; fewer to look at one thing)",
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="only the page figures (a 10,000-entry client ledger, the console of 50 firms), "
        "merged into the bench/results.json already there; no server, no sync",
    )
    parser.add_argument(
        "--setup-only",
        action="store_true",
        help="start the server, seed and connect the firms, then stop (no sync)",
    )
    return parser.parse_args(argv)


def scale_from_env() -> float:
    raw = os.environ.get("BENCH_SCALE", "1")
    try:
        scale = float(raw)
    except ValueError:
        scale = 0.0
    if not 0 < scale <= 1:
        sys.exit(f"BENCH_SCALE must be a number above 0 and at most 1, not {raw!r}.")
    return scale


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.worker_only and args.lifted_only:
        sys.exit("--worker-only and --lifted-only measure different halves; choose one.")
    scale = scale_from_env()
    db_url, sqlite_path = env.database_url()
    if sqlite_path is not None and not args.pages_only:
        env.fresh_sqlite(sqlite_path)
    port = processes.free_port()
    child_env = env.apply(env.bench_environment(port=port, db_url=db_url))
    os.environ["LOG_LEVEL"] = os.environ.get("BENCH_LOG_LEVEL", env.BENCH_LOG_LEVEL)
    django.setup()
    processes.install_cleanup()
    # Django is configured only now: the harness imports the product's models and services.
    from bench import harness

    harness.prepare_database()
    if args.pages_only:
        harness.say(f"Pages only; database {db_url}")
        return harness.run_pages_only()
    options = harness.Options(
        providers=args.provider or ["quickbooks", "xero"],
        scale=scale,
        samples=args.samples,
        setup_only=args.setup_only,
        port=port,
        env=child_env,
        worker_only=args.worker_only,
        lifted_only=args.lifted_only,
        kills=args.kills,
    )
    harness.say(f"Scale {scale:g}; providers {', '.join(options.providers)}; database {db_url}")
    return harness.run(options)


if __name__ == "__main__":
    sys.exit(main())
