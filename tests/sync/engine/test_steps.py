"""A run as a chain of bounded steps: it carries on from each one, survives a dead worker, waits
out rate limits without failing anything, and a burst of webhooks costs one read."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.core import counters_snapshot
from sync import tasks
from sync.engine import lease, push, step
from sync.engine import run as engine_run
from sync.engine.run import sync_execute, sync_start, sync_step, sync_watchdog
from sync.models import Connection, ExternalLink, SyncOperation, SyncRun, WebhookEvent
from sync.providers.base import Outcome
from sync.providers.clio import client as clio_client
from sync.providers.errors import ProviderRateLimited, ProviderUnavailable
from sync.providers.quickbooks.writer import QuickBooksWriter
from tests.conftest import client_for
from tests.support.sandboxes import control
from tests.sync.engine.test_push_scenarios import invoice_in_books


def bills(synced, count: int, *, approve: bool = True) -> list[dict]:
    """`count` bills of one client, each with a time entry."""
    contact = synced.act("create_contact", first_name="Grace", last_name="Hopper")
    matter = synced.act("create_matter", client_id=contact["id"], description="Patents")
    made = []
    for n in range(count):
        synced.act(
            "create_time_entry",
            matter_id=matter["id"],
            hours=1 + n,
            price=200,
            note=f"Review {n}",
            date="2026-03-10",
        )
        bill = synced.act("generate_bill", matter_id=matter["id"], issued_at="2026-03-15")
        if approve:
            synced.act("bill_transition", bill_id=bill["id"], to="approve")
        made.append(bill)
    return made


@pytest.fixture
def continuations(monkeypatch) -> list[int]:
    """The steps a step queues, kept instead of run inline."""
    queued: list[int] = []
    monkeypatch.setattr(step, "async_task", lambda name, run_id: queued.append(run_id))
    return queued


def drive(run: SyncRun, queued: list[int], limit: int = 60) -> SyncRun:
    queued.append(run.pk)
    steps = 0
    while queued and steps < limit:
        sync_step(run_id=queued.pop(0))
        steps += 1
    run.refresh_from_db()
    return run


def test_a_run_of_many_short_steps_reads_each_page_once_and_writes_each_record_once(
    synced, continuations, monkeypatch
):
    made = bills(synced, 5)
    monkeypatch.setattr(step, "STEP_SECONDS", 0.0)  # every step stops after its first page
    monkeypatch.setattr(clio_client, "PAGE_SIZE", 2)
    monkeypatch.setattr(step, "EARLY_PLAN_PAGES", 1)  # plan what is complete after each page
    run = drive(sync_start(firm=synced.firm, check=False, queue=False), continuations)
    assert run.status == SyncRun.Status.SUCCEEDED, list(
        SyncOperation.objects.values("entity", "status", "error_message")
    )
    assert run.steps > 3 and run.lease_holder == ""
    assert set(step.READS) <= set(run.pulled_resources)
    links = ExternalLink.objects.filter(connection=synced.books, entity="bill")
    assert sorted(links.values_list("local_id", flat=True)) == sorted(str(b["id"]) for b in made)
    numbers = [invoice_in_books(synced, link.local_id).number for link in links]
    assert len(numbers) == len(set(numbers)) == 5
    assert not SyncOperation.objects.exclude(status=SyncOperation.Status.DONE).exists()


def test_the_clients_of_the_bills_read_so_far_are_planned_before_the_last_bill_page(
    synced, monkeypatch
):
    """A big firm's bills take minutes of Clio's allowance to list: their clients' customers go
    to the books while the rest is still read, not after the last page."""
    bills(synced, 5)
    monkeypatch.setattr(clio_client, "PAGE_SIZE", 2)  # three pages of bills
    monkeypatch.setattr(step, "EARLY_PLAN_PAGES", 1)
    seen: dict[str, int] = {}
    real = step.Step._read_done

    def done(self, resource):
        if resource == "bills":
            if self.planner is not None:
                self.planner.join()
            seen["contacts_planned"] = SyncOperation.objects.filter(entity="contact").count()
        return real(self, resource)

    monkeypatch.setattr(step.Step, "_read_done", done)
    run = sync_execute(run_id=sync_start(firm=synced.firm, check=False, queue=False).pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert seen["contacts_planned"] == 1  # before the bills' own plan after their last page


def test_clio_is_read_on_while_what_was_read_is_planned(synced, monkeypatch):
    """The plan after each resource runs beside the reading: Clio's next pages do not wait for
    the trust entries (or anything else) to be planned, and the run still ends planned."""
    import threading
    import time

    bills(synced, 2)
    planning = threading.Event()
    pages_while_planning = []
    real_plan = step.plan.plan_firm

    def slow_plan(**kwargs):
        if kwargs.get("entities") == step.PLAN_AFTER["trust"]:
            planning.set()
            time.sleep(1.0)
            result = real_plan(**kwargs)
            planning.clear()
            return result
        return real_plan(**kwargs)

    real_page = step.Step._read_page

    def page(self, resource, records):
        if planning.is_set():
            pages_while_planning.append(resource)
        return real_page(self, resource, records)

    monkeypatch.setattr(step.plan, "plan_firm", slow_plan)
    monkeypatch.setattr(step.Step, "_read_page", page)
    run = sync_execute(run_id=sync_start(firm=synced.firm, check=False, queue=False).pk)
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert pages_while_planning  # allocations and lines were read during the trust plan
    assert not SyncOperation.objects.exclude(status=SyncOperation.Status.DONE).exists()
    assert SyncOperation.objects.filter(entity="bill").count() == 2


def test_a_step_that_died_with_its_worker_is_picked_up_and_a_live_one_is_left_alone(
    synced, monkeypatch
):
    run = sync_start(firm=synced.firm, check=False, queue=False)
    host = lease.holder_me().rsplit(":", 1)[0]
    later = timezone.now() + timedelta(minutes=5)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.RUNNING, lease_holder=f"{host}:{_ended_pid()}", lease_until=later
    )
    assert lease.resumable() == [run.pk]  # its process on this machine is gone
    SyncRun.objects.filter(pk=run.pk).update(lease_holder="elsewhere:1")
    assert lease.resumable() == []  # another machine's live lease
    SyncRun.objects.filter(pk=run.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert lease.resumable() == [run.pk]  # ran out: presumed dead
    queued = []
    monkeypatch.setattr(engine_run, "async_task", lambda name, *args: queued.append((name, *args)))
    assert sync_watchdog() == 1 and queued == [("sync.tasks.sync_run", run.pk)]


def test_a_step_killed_while_it_showed_a_rate_limit_wait_is_picked_up_at_once(synced):
    """The wait a running step shows (the next window of Clio's 50 a minute) is not a parked
    run's: a worker killed in it is replaced now, not when that window would have opened."""
    run = sync_start(firm=synced.firm, check=False, queue=False)
    host = lease.holder_me().rsplit(":", 1)[0]
    later = timezone.now() + timedelta(minutes=5)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.RUNNING,
        lease_holder=f"{host}:{_ended_pid()}",
        lease_until=later,
        waiting_for="Clio's rate limit",
        waiting_until=timezone.now() + timedelta(seconds=40),
    )
    assert lease.resumable() == [run.pk]
    SyncRun.objects.filter(pk=run.pk).update(status=SyncRun.Status.WAITING)
    assert lease.resumable() == []  # a parked run waits for its time


def _ended_pid() -> int:
    proc = subprocess.Popen(["true"])  # any process that has ended
    proc.wait()
    return proc.pid


def test_a_day_long_rate_limit_parks_the_run_which_resumes_on_its_own(
    synced, continuations, monkeypatch
):
    bills(synced, 1)
    real = push.push_pending
    calls = {"n": 0}

    def throttled_once(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            exc = ProviderRateLimited("xero", "day limit", retry_after=3600)
            exc.scope = "day"
            raise exc
        return real(**kwargs)

    monkeypatch.setattr(push, "push_pending", throttled_once)
    run = drive(sync_start(firm=synced.firm, check=False, queue=False), continuations)
    assert run.status == SyncRun.Status.WAITING and run.failed == 0
    assert run.waiting_for == "Xero's daily rate limit"
    assert run.waiting_until > timezone.now() + timedelta(minutes=59)
    page = client_for(synced.clio.admin).get("/sync/")
    assert "Waiting for Xero&#x27;s daily rate limit, resumes" in page.content.decode()
    assert lease.resumable() == []  # not before its time
    SyncRun.objects.filter(pk=run.pk).update(waiting_until=timezone.now())
    assert lease.resumable() == [run.pk]
    run = drive(run, continuations)
    assert run.status == SyncRun.Status.SUCCEEDED and run.waiting_for == ""


def test_a_batch_item_refused_for_throttling_goes_back_to_the_queue_not_to_failed(
    synced, monkeypatch
):
    if synced.books.provider != "quickbooks":
        pytest.skip("QuickBooks answers a throttle per batch item")
    bills(synced, 2)
    real = QuickBooksWriter.send
    refused = []

    def first_refused(self, items):
        if not refused:
            refused.extend(i.op.pk for i in items)
            return {i.op.pk: Outcome(throttled=True) for i in items}
        return real(self, items)

    monkeypatch.setattr(QuickBooksWriter, "send", first_refused)
    monkeypatch.setattr(QuickBooksWriter, "single_share", 0.0)
    run = sync_start(firm=synced.firm, check=False, queue=False)
    run = sync_execute(run_id=run.pk)
    assert refused and run.status == SyncRun.Status.SUCCEEDED and run.failed == 0
    assert SyncOperation.objects.filter(pk__in=refused, status="done").count() == len(refused)


def test_a_month_end_burst_of_approvals_costs_one_read_of_clio(synced, monkeypatch):
    woken = []
    monkeypatch.setattr("sync.webhooks.async_task", lambda name, *args: woken.append(args))
    control(synced.base, "clio", "webhooks/flush")  # handshakes
    made = bills(synced, 20, approve=False)
    first = sync_start(firm=synced.firm, check=False, queue=False)
    sync_execute(run_id=first.pk)  # drafts: nothing for the books yet
    control(synced.base, "clio", "webhooks/flush")  # the drafts' deliveries, already read
    WebhookEvent.objects.update(processed_at=timezone.now())
    Connection.objects.update(inbox_due_at=None)
    woken.clear()
    for bill in made:
        synced.act("bill_transition", bill_id=bill["id"], to="approve")
    control(synced.base, "clio", "webhooks/flush")  # a delivery per bill and activity
    assert WebhookEvent.objects.filter(processed_at__isnull=True).count() >= len(made)
    assert woken == [(synced.clio.connection.pk,)]  # one pull queued for the whole burst
    before = _clio_reads()
    tasks.clio_inbox_process(synced.clio.connection.pk)
    reads = _clio_reads() - before
    assert reads / len(made) <= 0.2, reads
    linked = ExternalLink.objects.filter(connection=synced.books, entity="bill")
    assert linked.count() == len(made)
    run = SyncRun.objects.filter(kind="webhook").get()
    assert run.status == SyncRun.Status.SUCCEEDED and run.pulled == 0


def _clio_reads() -> int:
    endpoints = counters_snapshot("clio")["endpoints"]
    return sum(
        count
        for endpoint, statuses in endpoints.items()
        if endpoint.startswith("GET")
        for count in statuses.values()
    )


def test_a_provider_outage_in_the_worker_is_waited_for_a_few_times_then_fails_the_run(
    synced, continuations, monkeypatch
):
    bills(synced, 1)

    def down(**kwargs):
        raise ProviderUnavailable(synced.books.provider, "no answer (ConnectTimeout)")

    monkeypatch.setattr(push, "push_pending", down)
    run = sync_start(firm=synced.firm, check=False, queue=False)
    for n in range(1, engine_run.OUTAGES_WAITED + 1):
        run = sync_step(run_id=run.pk) or run
        run.refresh_from_db()
        assert run.status == SyncRun.Status.WAITING and run.outages == n
        assert run.waiting_for.endswith("to answer again")
        SyncRun.objects.filter(pk=run.pk).update(waiting_until=timezone.now())
    run = sync_step(run_id=run.pk)
    assert run.status == SyncRun.Status.FAILED and "did not answer" in run.error


def test_the_step_that_takes_over_from_a_dead_one_frees_its_claims_at_once(synced, continuations):
    bills(synced, 2)
    run = sync_start(firm=synced.firm, check=False, queue=False)
    host = lease.holder_me().rsplit(":", 1)[0]
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.RUNNING,
        lease_holder=f"{host}:{_ended_pid()}",
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    from sync.engine import plan

    plan.plan_firm(firm=synced.firm)
    later = timezone.now() + timedelta(minutes=2)
    claimed = SyncOperation.objects.filter(connection=synced.books)
    claimed.update(status=SyncOperation.Status.IN_FLIGHT, claimed_until=later, attempts=1)
    run = drive(run, continuations, limit=5)
    assert run.status == SyncRun.Status.SUCCEEDED and run.failed == 0
    assert not SyncOperation.objects.exclude(status=SyncOperation.Status.DONE).exists()


def test_a_worker_that_starts_waits_out_a_lease_about_to_end_rather_than_a_minute(
    synced, monkeypatch
):
    run = sync_start(firm=synced.firm, check=False, queue=False)
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRun.Status.RUNNING,
        lease_holder="another-machine:7",
        lease_until=timezone.now() + timedelta(seconds=0.5),
    )
    queued = []
    monkeypatch.setattr(engine_run, "async_task", lambda name, *args: queued.append(args))
    assert sync_watchdog() == 0  # the minute's watchdog does not wait
    assert sync_watchdog(outwait=True) == 1 and queued == [(run.pk,)]


def test_the_five_minute_poll_leaves_clio_to_a_first_sync_under_way(
    synced, continuations, monkeypatch
):
    """A first sync takes an hour at the providers' limits. The poll that fires meanwhile must not
    read Clio beside it: it would spend Clio's budget twice and reset the page cursor of the read
    under way (the bench saw line items read twice)."""
    bills(synced, 3)
    monkeypatch.setattr(step, "STEP_SECONDS", 0.0)  # the first step stops after its first page
    monkeypatch.setattr(clio_client, "PAGE_SIZE", 1)
    run = sync_start(firm=synced.firm, check=False, queue=False)
    sync_step(run_id=run.pk)
    run.refresh_from_db()
    assert run.status in lease.ACTIVE and "line_items" not in run.pulled_resources
    before = counters_snapshot("clio")

    clio = Connection.objects.get(firm=synced.firm, provider="clio")
    assert engine_run.clio_poll_firm(connection=clio).pk == run.pk

    assert counters_snapshot("clio") == before  # not one Clio call
    assert drive(run, continuations).status == SyncRun.Status.SUCCEEDED


def test_a_burst_read_while_a_webhook_run_is_under_way_is_planned_for_it(synced, monkeypatch):
    """A burst that outlasts one gathering is read by a second inbox task while the first one's
    run is pushing: that run planned before the second read, so what it read is planned now
    (it waited for the five-minute poll)."""
    monkeypatch.setattr("sync.webhooks.async_task", lambda name, *args: None)
    control(synced.base, "clio", "webhooks/flush")  # handshakes
    first, second = bills(synced, 2, approve=False)
    sync_execute(run_id=sync_start(firm=synced.firm, check=False, queue=False).pk)
    control(synced.base, "clio", "webhooks/flush")
    WebhookEvent.objects.update(processed_at=timezone.now())
    busy = SyncRun.objects.create(
        firm=synced.firm,
        kind="webhook",
        status=SyncRun.Status.RUNNING,
        phase=SyncRun.Phase.PUSHING,
        steps=1,
        lease_holder="elsewhere:1",
        lease_until=timezone.now() + timedelta(minutes=5),
    )
    synced.act("bill_transition", bill_id=second["id"], to="approve")
    control(synced.base, "clio", "webhooks/flush")

    tasks.clio_inbox_process(synced.clio.connection.pk)

    queued = SyncOperation.objects.filter(entity="bill", local_id=str(second["id"]))
    assert queued.get().status == SyncOperation.Status.PENDING  # there for the run to push
    assert queued.get().run_id == busy.pk
    assert not SyncOperation.objects.filter(entity="bill", local_id=str(first["id"])).exists()
