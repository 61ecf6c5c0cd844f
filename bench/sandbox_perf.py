"""`python -m bench.sandbox_perf`: what one element costs each sandbox, empty and full.

The benchmark drives tens of thousands of writes through the sandboxes; they must not be what
binds. This seeds a throwaway database, then times, in process (Django's test client, no socket):

- QuickBooks: 30-element batches of Invoice (3 lines, a customer), Customer, Payment (applied to
  an invoice), Deposit, JournalEntry and Transfer creates, and single Invoice POSTs;
- Xero: PUT /Invoices of 50 invoices;
- Clio: a 200-bill list page with `fields=` naming nested line items;

each at company size 0 and `--size` (20,000 invoices/bills by default), printing milliseconds and
SQL queries per element (the tables analysed first, as autovacuum would have). Run it with the
test settings:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/firmsync_wta FIRMSYNC_TESTING=1 \
        .venv/bin/python -m bench.sandbox_perf [--size 20000] [--rounds 5] [--only quickbooks]

The database is `<DATABASE NAME>_sandbox_perf`, created and dropped by the run.
"""

import argparse
import importlib
import os
import statistics
import time
from collections.abc import Callable

import django

PROVIDERS = ("quickbooks", "xero", "clio")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_perf")
    parser.add_argument("--size", type=int, default=20000, help="records in the full company")
    parser.add_argument("--rounds", type=int, default=5, help="timed calls per case")
    parser.add_argument("--only", action="append", choices=PROVIDERS, help="repeatable")
    parser.add_argument("--keepdb", action="store_true", help="keep the perf database")
    return parser.parse_args(argv)


def measure(call: Callable[[int], int], rounds: int) -> tuple[float, float]:
    """(median ms per element, queries per element) of `call(round) -> elements`."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor == "postgresql":
        # The seeding inserts thousands of rows at once; autovacuum would analyse them within
        # a minute, and until then the planner may pick a poor index. Measure the steady state.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    call(0)  # warm caches and code paths
    times = []
    for n in range(1, rounds + 1):
        started = time.perf_counter()
        elements = call(n)
        times.append((time.perf_counter() - started) * 1000 / elements)
    with CaptureQueriesContext(connection) as captured:
        elements = call(rounds + 1)
    return statistics.median(times), len(captured) / elements


def report(provider: str, case: str, size: int, figures: tuple[float, float]) -> None:
    ms, queries = figures
    print(
        f"{provider:<11} {case:<28} size {size:>6}  {ms:8.2f} ms/element  {queries:6.1f} q/element"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firmsync.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    original = database["NAME"]
    database.setdefault("TEST", {})["NAME"] = f"{original}_sandbox_perf"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb)
    modules = {"quickbooks": "qbo", "xero": "xero", "clio": "clio"}
    try:
        for provider in args.only or PROVIDERS:
            cases = importlib.import_module(f"bench.sandbox_perf_{modules[provider]}")
            for case, size, figures in cases.run(args.size, args.rounds, measure):
                report(provider, case, size, figures)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(original, verbosity=0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
