"""Month-end: with the initial sync done and the worker running, a partner approves 500 bills in
Clio within one minute. Clio's webhooks reach our receiver, the worker pulls what they name and
writes the invoices.

- `burst_seconds`: from the first approval until every one of those invoices is in the books, as
  the books themselves hold them (bench/books_store.py), in provider seconds (wall x time scale);
- `clio_reads_per_bill`: the Clio API reads the sandbox counted meanwhile, per approved bill.

Scaled down (BENCH_SCALE < 1) the burst is 500 x the scale bills, at least 20.
"""

import time
from concurrent.futures import ThreadPoolExecutor

from django.utils import timezone
from django_q.models import OrmQ, Schedule

from bench import books_store, processes
from bench.control import Control
from bench.firm import BenchFirm
from bench.report import classify, counters_diff
from sandbox.clio.models import Record as ClioRecord
from sync.models import SyncRun

FULL_BURST = 500
LEAST_BURST = 20
APPROVERS = 8  # requests in flight: a minute's 500 approvals need about 8 a second
SETTLE_TIMEOUT = 600.0


def burst_size(bench_scale: float) -> int:
    return min(FULL_BURST, max(LEAST_BURST, round(FULL_BURST * bench_scale)))


def awaiting_approval(account_id: int, n: int) -> list[int]:
    """Bills a partner can approve (the reference preset leaves one in ten awaiting approval)."""
    bills = ClioRecord.objects.filter(
        account_id=account_id, type="bill", deleted=False, data__state="awaiting_approval"
    )
    return list(bills.order_by("pk").values_list("pk", flat=True)[:n])


def approve(control: Control, account: int, bill_ids: list[int]) -> float:
    """Approve every bill, several at a time, as fast as Clio takes them. Returns the seconds."""
    started = time.monotonic()

    def one(bill_id: int) -> None:
        payload = {"action": "bill_transition", "account": account, "bill_id": bill_id}
        control.post("clio", "actions", payload | {"to": "approve"})

    with ThreadPoolExecutor(APPROVERS) as pool:
        list(pool.map(one, bill_ids))
    return time.monotonic() - started


def quiet(firm_id: int) -> bool:
    """Nothing waits in the queue, no run of the firm is going and no schedule is due. Tasks a
    killed worker had taken stay in the queue, locked until the broker hands them out again
    (Q_CLUSTER retry): nobody is doing them now, and they are not waiting either."""
    now = timezone.now()
    return not (
        OrmQ.objects.filter(lock__lte=now).exists()
        or SyncRun.objects.filter(firm_id=firm_id).exclude(phase=SyncRun.Phase.FINISHED).exists()
        or Schedule.objects.filter(next_run__lte=now).exists()
    )


def settle(worker: processes.Service, firm_id: int, timeout: float = SETTLE_TIMEOUT) -> None:
    """Quiet twice in a row, a second apart (the scheduler may just have queued a beat)."""
    for _ in range(2):
        processes.wait_until(lambda: quiet(firm_id), timeout=timeout, service=worker, every=0.5)
        time.sleep(1.0)


def measure(
    control: Control,
    bf: BenchFirm,
    *,
    worker: processes.Service,
    time_scale: int,
    bench_scale: float,
    timeout: float,
    say,
) -> dict:
    n = burst_size(bench_scale)
    bills = awaiting_approval(bf.clio_account, n)
    if len(bills) < n:
        return {"error": f"Only {len(bills)} bills await approval in Clio; the burst needs {n}."}
    control.post("clio", "settings", {"webhook_delivery": "background"})
    settle(worker, bf.firm.pk)
    books_before = books_store.invoices(bf.provider, bf.books.external_id)
    clio_before = control.counters("clio")
    started = time.monotonic()
    approving = approve(control, bf.clio_account, bills)
    say(f"{n} bills approved in Clio in {approving:.1f} s wall ({approving * time_scale:.0f} s)")

    def landed() -> bool:
        return books_store.invoices(bf.provider, bf.books.external_id) >= books_before + n

    try:
        processes.wait_until(landed, timeout=timeout, service=worker, every=0.2)
        wall = time.monotonic() - started
    except TimeoutError:
        wall = None
    clio = classify("clio", counters_diff(clio_before, control.counters("clio")))
    arrived = books_store.invoices(bf.provider, bf.books.external_id) - books_before
    after = "the timeout" if wall is None else f"{wall:.1f} s wall"
    say(f"Burst: {arrived}/{n} invoices in the books after {after}; {clio.reads} Clio reads")
    return {
        "burst_seconds": None if wall is None else round(wall * time_scale, 1),
        "clio_reads_per_bill": round(clio.reads / n, 3),
        "details": {
            "bills": n,
            "invoices_arrived": arrived,
            "approval_seconds": round(approving * time_scale, 1),
            "clio_reads": clio.reads,
            "clio_throttled_429": clio.throttled,
            "wall_seconds": None if wall is None else round(wall, 1),
        },
    }
