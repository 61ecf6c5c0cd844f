import threading

import pytest

from sync.models import RateBudgetWindow
from sync.providers.budget import DbBudget


def test_calls_past_the_budget_wait_for_the_next_window(db):
    sleeps: list[float] = []
    budget = DbBudget(
        "conn:1",
        per_minute=3,
        sleep=lambda s: (sleeps.append(s), RateBudgetWindow.objects.update(window_start=0)),
    )
    for _ in range(4):
        budget.acquire()
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 60
    assert RateBudgetWindow.objects.get(key="conn:1").count == 1


@pytest.mark.django_db(transaction=True)
def test_workers_share_one_budget():
    taken: list[int] = []
    waited: list[float] = []

    def worker():
        def stop(seconds):
            waited.append(seconds)
            raise TimeoutError

        budget = DbBudget("conn:shared", per_minute=10, sleep=stop)
        for _ in range(5):
            try:
                budget.acquire()
                taken.append(1)
            except TimeoutError:
                return

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Exactly the budget was handed out; every other attempt was told to wait.
    assert len(taken) == 10
    assert len(waited) >= 2 and all(0 < w <= 61 for w in waited)
