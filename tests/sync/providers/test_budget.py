"""Our own windows and concurrency caps, in the database (one process; test_budget_processes.py
has two)."""

import threading
import time

import pytest
from django.db import connection

from sync.models import CallSlot, RateCall
from sync.providers import budget as budget_module
from sync.providers import pacing
from sync.providers.budget import JITTER_SECONDS, Cap, DbBudget, Window, slot_take
from sync.providers.clio import connect as clio_connect
from sync.providers.errors import ProviderRateLimited
from sync.providers.quickbooks import client as quickbooks_client
from sync.providers.quickbooks import connect as quickbooks_connect
from sync.providers.xero import client as xero_client
from sync.providers.xero import connect as xero_connect


class Stop(Exception):
    pass


def recorder(waits: list[tuple[float, str]], stop: bool = True):
    """A pacing.wait that records (seconds, scope) and, by default, ends the test's loop."""

    def wait(provider, seconds, *, why="", scope="minute", **kw):
        waits.append((seconds, scope))
        if stop:
            raise Stop

    return wait


def spans(times: list[float], limit: int) -> list[float]:
    """For each run of limit + 1 consecutive calls, the time it took: none may be under the
    window, or the window held limit + 1 calls."""
    times = sorted(times)
    return [times[i + limit] - times[i] for i in range(len(times) - limit)]


def test_a_call_past_the_limit_waits_until_the_oldest_leaves_the_window(db):
    waits: list[tuple[float, str]] = []
    budget = DbBudget("test", [Window("minute", "t:minute", 3, 60.0)], wait=recorder(waits))
    for _ in range(3):
        budget.acquire()
    with pytest.raises(Stop):
        budget.acquire()
    assert len(waits) == 1 and 59 < waits[0][0] <= 60 + JITTER_SECONDS and waits[0][1] == "minute"
    assert RateCall.objects.count() == 3


def test_a_batch_call_counts_in_the_batch_window_and_a_plain_call_does_not(db):
    waits: list[tuple[float, str]] = []
    windows = [
        Window("minute", "q:minute", 5, 60.0),
        Window("batch", "q:batch", 1, 60.0, only="batch"),
    ]
    budget = DbBudget("quickbooks", windows, wait=recorder(waits))
    budget.acquire("batch")
    budget.acquire()
    budget.acquire()
    with pytest.raises(Stop):
        budget.acquire("batch")
    assert waits[0][1] == "batch"
    # The refused batch call counted nowhere: the minute window still has two calls left.
    budget.acquire()
    budget.acquire()
    with pytest.raises(Stop):
        budget.acquire()
    assert waits[1][1] == "minute"


@pytest.mark.django_db(transaction=True)
def test_the_sliding_window_never_holds_more_than_the_limit_in_any_window(settings, monkeypatch):
    """Four threads against a limit of 5 in 0.4 s (6 s at a time scale of 15), for 1.5 s: no
    interval of 0.4 s ever held 6 calls, though the calls came as fast as allowed."""
    settings.SANDBOX_TIME_SCALE = 15.0
    monkeypatch.setattr(budget_module, "PRUNE_SHARE", 0.0)  # every counted call is read back
    window = Window("minute", "t:sliding", 5, 6.0)
    end = time.time() + 1.5

    def worker():
        budget = DbBudget("test", [window])
        try:
            while time.time() < end:
                budget.acquire()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counted = list(RateCall.objects.values_list("at", flat=True))
    assert len(counted) >= 15  # the budget was spent, window after window
    assert min(spans(counted, 5)) >= window.span
    # A fixed window of 0.4 s would have let 10 through in some 0.4 s at its edges.


def test_the_day_never_sleeps_it_raises_with_the_time_until_a_call_leaves(db):
    waits: list[tuple[float, str]] = []
    day = Window("day", "x:day", 2, 86400.0)
    budget = DbBudget("xero", [Window("minute", "x:minute", 60, 60.0), day], wait=recorder(waits))
    budget.acquire()
    budget.acquire()
    with pytest.raises(ProviderRateLimited) as err:
        budget.acquire()
    assert err.value.scope == "day" and 86399 < err.value.retry_after <= 86400 + JITTER_SECONDS
    assert abs(err.value.resume_at - (time.time() + err.value.retry_after)) < 1
    assert waits == []


def test_a_wait_past_the_step_deadline_raises_instead_of_sleeping(db):
    budget = DbBudget("clio", [Window("minute", "c:minute", 1, 60.0)])
    budget.acquire()
    started = time.monotonic()
    with pacing.step_deadline(time.time() + 5), pytest.raises(ProviderRateLimited) as err:
        budget.acquire()
    assert time.monotonic() - started < 2
    assert err.value.scope == "minute" and 59 < err.value.retry_after <= 60 + JITTER_SECONDS


def test_the_provider_saying_fewer_calls_remain_holds_us_back_until_its_reset(db):
    waits: list[tuple[float, str]] = []
    budget = DbBudget("clio", [Window("minute", "c:learn", 50, 60.0)], wait=recorder(waits))
    budget.acquire()
    # Our count says 49 are left; Clio says 10, until its window ends in 20 s.
    budget.learn("minute", 10, time.time() + 20)
    for _ in range(10):
        budget.acquire()
    with pytest.raises(Stop):
        budget.acquire()
    assert 19 < waits[0][0] <= 20


def test_a_provider_saying_as_much_or_more_remains_changes_nothing(db, django_assert_num_queries):
    budget = DbBudget("xero", [Window("minute", "x:more", 60, 60.0)])
    budget.acquire()
    with django_assert_num_queries(0):
        budget.learn("minute", 59)  # what we believed: no query
    budget.learn("minute", 60, time.time() + 30)
    assert list(RateCall.objects.values_list("weight", flat=True)) == [1]


def test_remaining_without_a_reset_counts_for_a_whole_window(db):
    waits: list[tuple[float, str]] = []
    budget = DbBudget("xero", [Window("minute", "x:noreset", 60, 60.0)], wait=recorder(waits))
    budget.learn("minute", 0)
    with pytest.raises(Stop):
        budget.acquire()
    assert 59 < waits[0][0] <= 60 + JITTER_SECONDS


def test_a_concurrency_slot_is_held_for_the_call_and_freed_after(db):
    waits: list[tuple[float, str]] = []
    budget = DbBudget("xero", [], Cap("x:concurrent", 2), wait=recorder(waits))
    with budget.call(), budget.call():
        assert CallSlot.objects.count() == 2
        with pytest.raises(Stop), budget.call():
            pass
        assert waits[0][1] == "concurrent" and waits[0][0] <= 0.1
    assert CallSlot.objects.count() == 0


def test_a_slot_whose_lease_ran_out_is_free_again(db, settings):
    settings.SANDBOX_TIME_SCALE = 600.0  # a 120 s lease lasts 0.2 s
    slot, _ = slot_take(Cap("x:lease", 1))  # taken by a worker that never comes back
    assert slot is not None
    started = time.monotonic()
    with DbBudget("xero", [], Cap("x:lease", 1)).call():
        waited = time.monotonic() - started
    assert 0.1 < waited < 1.5


def test_each_provider_budget_follows_its_published_limits():
    qbo = {
        w.scope: (w.limit, w.seconds, w.only) for w in quickbooks_connect.budget_build("9").windows
    }
    # Ten a second published; nine of our own, a call in hand for the network's jitter.
    assert qbo == {"minute": (500, 60, ""), "second": (9, 1, ""), "batch": (40, 60, "batch")}
    assert quickbooks_connect.budget_build("9").cap.limit == 10
    xero = {w.scope: (w.limit, w.seconds) for w in xero_connect.budget_build("t", "app").windows}
    assert xero == {"minute": (60, 60), "day": (5000, 86400), "app": (10000, 60)}
    assert xero_connect.budget_build("t", "app").cap.limit == 5
    clio = clio_connect.budget_build(3)
    assert [(w.scope, w.limit, w.seconds) for w in clio.windows] == [("minute", 50, 60)]
    assert clio.cap is None  # Clio publishes no concurrency limit


def test_the_benchmark_lifts_every_window_through_rate_per_minute(monkeypatch):
    monkeypatch.setattr(quickbooks_client, "RATE_PER_MINUTE", 1_000_000)
    lifted = {w.scope: w.limit for w in quickbooks_connect.budget_build("9").windows}
    assert lifted == {"minute": 1_000_000, "second": 18_000, "batch": 80_000}


def test_a_lifted_budget_does_not_read_the_providers_headers_as_calls_spent_elsewhere(
    db, monkeypatch
):
    """Against lifted sandboxes the headers count to the published limit, far under ours."""
    monkeypatch.setattr(xero_client, "RATE_PER_MINUTE", 1_000_000)
    budget = xero_connect.budget_build("t", "app")
    budget.acquire()
    budget.learn("minute", 59)
    budget.learn("day", 4999)
    assert list(RateCall.objects.values_list("weight", flat=True)) == [1, 1, 1]
    budget.refused("minute", time.time() + 30)  # a refusal still holds it back
    assert RateCall.objects.filter(weight__gt=1).count() == 1


def test_a_slot_held_by_a_worker_killed_on_this_machine_is_free_at_once(db):
    """Killed outright, a worker frees nothing: its slots used to stay taken for their whole
    lease (two provider minutes), and after the benchmark's kill, with every one of Xero's five
    held, the fresh worker wrote nothing until they ran out."""
    import socket
    import subprocess

    ended = subprocess.Popen(["true"])
    ended.wait()
    slot, _ = slot_take(Cap("x:killed", 1))
    CallSlot.objects.filter(pk=slot).update(holder=f"{socket.gethostname()}:{ended.pid}")
    waits: list = []
    with DbBudget("xero", [], Cap("x:killed", 1), wait=recorder(waits)).call():
        assert CallSlot.objects.count() == 1  # the dead worker's, freed; this one's, taken
    assert waits == []
