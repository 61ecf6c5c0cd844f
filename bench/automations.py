"""Automation latency: a person opens a matter in Clio; how long until the automation "New matter in
Clio → a customer (QuickBooks) or contact (Xero) named after it" has made the record in the books,
with every limit on and the task worker (`manage.py qcluster`, shipped settings) doing the work.

The path measured: Clio's webhook delivery → our receiver → the automation's trigger is woken →
the worker polls Clio for new matters (the budget shared with the sync), records the event, runs
the automation → the action writes to the books under their budget. The books are read from the
sandbox's own store, so watching costs none of their limits.
"""

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from accounts.models import Membership
from automations import services as automation_services
from automations.models import Run
from bench import processes
from bench.control import Control
from bench.firm import BenchFirm, webhooks_enabled
from bench.incremental import settle
from bench.initial import books_limits, clio_rate_limit
from bench.limits import CLIO
from practice.models import Contact
from sandbox.quickbooks.models import Record as QboRecord
from sandbox.xero.models import Record as XeroRecord

POLL_SECONDS = 0.2
TIMEOUT_SECONDS = 120.0
# A new matter costs the trigger's poll two Clio calls (the matters, their clients) and the sync's
# webhook pull a few more: one change every few seconds keeps inside Clio's 50 a minute.
SECONDS_BETWEEN = 6.0
STEP = {
    "quickbooks": {
        "action": "quickbooks.create_customer",
        "inputs": {"display_name": "{{matter.description}}"},
    },
    "xero": {"action": "xero.create_contact", "inputs": {"name": "{{matter.description}}"}},
}


@dataclass
class AutomationResult:
    samples: list[float] = field(default_factory=list)
    timeouts: int = 0
    runs_failed: int = 0
    records_twice: int = 0
    error: str = ""


def _made(bf: BenchFirm, name: str) -> int:
    """How many records of that name the books hold (one when it landed, never two)."""
    if bf.provider == "quickbooks":
        customers = QboRecord.objects.filter(
            company__realm_id=bf.books.external_id, type="Customer", deleted=False
        )
        return customers.filter(data__DisplayName=name).count()
    contacts = XeroRecord.objects.filter(
        organisation__tenant_id=bf.books.external_id, kind="Contact"
    )
    return contacts.filter(label=name).count()


def _automation_on(bf: BenchFirm):
    member = Membership.objects.get(firm=bf.firm, user=bf.admin)
    made = automation_services.automation_create(
        member=member,
        name=f"New matter → {bf.provider} record (bench)",
        trigger="clio.new_matter",
        steps=[STEP[bf.provider]],
    )
    return automation_services.automation_enable(member=member, automation=made)


def _open_matter(control: Control, bf: BenchFirm, client_id: int, worker) -> float | None:
    marker = f"Bench matter {secrets.token_hex(5)}"
    started = time.perf_counter()
    control.post(
        "clio",
        "actions",
        {"action": "create_matter", "account": bf.clio_account, "client_id": client_id,
         "description": marker},
    )  # fmt: skip
    try:
        processes.wait_until(
            lambda: _made(bf, marker) > 0, timeout=TIMEOUT_SECONDS, service=worker,
            every=POLL_SECONDS,
        )  # fmt: skip
    except TimeoutError:
        return None
    latency = time.perf_counter() - started
    time.sleep(1.0)  # a second copy would come now if it came at all
    return latency if _made(bf, marker) == 1 else -latency


def measure(
    control: Control, bf: BenchFirm, *, env, log_dir: Path, samples: int, say
) -> AutomationResult:
    result = AutomationResult()
    clio_rate_limit(control, CLIO.windows[0].calls)
    books_limits(control, lifted=False)
    control.post("clio", "settings", {"webhook_delivery": "background"})
    client = Contact.objects.filter(firm=bf.firm).order_by("clio_id").first()
    if client is None:
        result.error = "The firm has no Clio contact to open matters for."
        return result
    automation = _automation_on(bf)
    worker = processes.start(
        f"qcluster-{bf.provider}-automation", processes.python("manage.py", "qcluster"), env,
        log_dir,
    )  # fmt: skip
    try:
        processes.wait_until(lambda: webhooks_enabled(bf.clio), timeout=60, service=worker)
        settle(worker, timeout=600)
        for n in range(1, samples + 1):
            started = time.monotonic()
            latency = _open_matter(control, bf, client.clio_id, worker)
            if latency is None:
                result.timeouts += 1
                latency = TIMEOUT_SECONDS
            elif latency < 0:
                result.records_twice += 1
                latency = -latency
            result.samples.append(round(latency, 3))
            say(f"  matter {n}/{samples}: {latency:.2f} s")
            time.sleep(max(SECONDS_BETWEEN - (time.monotonic() - started), 0.0))
    except (TimeoutError, processes.ServiceDied) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        processes.stop(worker)
    result.runs_failed = Run.objects.filter(automation=automation, status=Run.Status.FAILED).count()
    return result
