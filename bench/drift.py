"""Drift figures of the reference firm, right after its initial sync: one reconcile run (read every
invoice back, compare with the Clio mirror, total receivables) with the books' limits lifted.

- `bills`: the Clio bills the run compared; `wall_seconds`: the run, start to finish;
- `book_read_calls_per_1000_bills`: the calls the books counted (sandbox counters), per 1,000;
- `drifts_found`: what the run saw; after a clean initial sync it should be nothing.
"""

import time

from bench.control import Control
from bench.firm import BenchFirm
from bench.initial import client_budgets_lifted
from bench.report import classify, counters_diff
from sync.drift.services import reconcile_run
from sync.models import Drift, ReconcileRun


def measure(control: Control, bf: BenchFirm, say) -> dict:
    before = control.counters(bf.provider)
    started = time.perf_counter()
    # Limits lifted on both sides: the books' (by the harness) and FirmSync's own budget, which
    # the initial sync has just spent for this minute.
    with client_budgets_lifted():
        run = reconcile_run(firm=bf.firm, trigger=ReconcileRun.Trigger.COMMAND)
    wall = time.perf_counter() - started
    made = classify(bf.provider, counters_diff(before, control.counters(bf.provider)))
    bills = run.bills_checked
    per_1000 = round(made.reads * 1000 / bills, 2) if bills else None
    kinds = sorted(set(Drift.objects.filter(run=run).values_list("kind", flat=True)))
    say(
        f"Reconcile of {bills} bills ({run.invoices_read} invoices read back): {wall:.1f} s, "
        f"{made.reads} read calls, {made.writes} writes, {run.drifts_found} drifts "
        f"{kinds or ''} — {run.status}{': ' + run.error if run.error else ''}"
    )
    return {
        "bills": bills,
        "invoices_read": run.invoices_read,
        "wall_seconds": round(wall, 2),
        "book_read_calls": made.reads,
        "book_write_calls": made.writes,
        "book_read_calls_per_1000_bills": per_1000,
        "drifts_found": run.drifts_found,
        "drift_kinds": kinds,
        "status": run.status,
        "error": run.error,
    }
