"""The concurrency cap and the sliding window hold across two OS processes sharing one database:
the test database (PostgreSQL in CI) and a SQLite file (WAL, IMMEDIATE transactions), each
worker a separate Python (tests/support/budget_worker.py)."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from sync.models import RateCall

ROOT = Path(__file__).resolve().parents[3]
# Committed rows, so the worker processes see the test database's lanes and calls.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request, tmp_path):
    """The DATABASE_URL both workers use, and how to read their counted calls back."""
    if request.param == "postgresql":
        if connection.vendor != "postgresql":
            pytest.skip("the tests run on SQLite")
        db = connection.settings_dict
        url = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )

        def counted(key: str) -> list[float]:
            return list(RateCall.objects.filter(lane__key=key).values_list("at", flat=True))

        return url, counted
    path = tmp_path / "budget.sqlite3"
    url = f"sqlite:///{path}"
    run(url, "schema")

    def counted_sqlite(key: str) -> list[float]:
        with sqlite3.connect(path) as db:
            rows = db.execute(
                "SELECT c.at FROM sync_ratecall c JOIN sync_ratelane l ON l.id = c.lane_id "
                "WHERE l.key = ?",
                (key,),
            )
            return [r[0] for r in rows]

    return url, counted_sqlite


def env(url: str, **extra: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), **extra}


def start(url: str, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.support.budget_worker", *args],
        cwd=ROOT,
        env=env(url, **extra),
        stdout=subprocess.PIPE,
        text=True,
    )


def events(process: subprocess.Popen) -> list[dict]:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def run(url: str, *args: str) -> list[dict]:
    return events(start(url, *args))


def most_at_once(intervals: list[dict]) -> int:
    edges = sorted([(e["start"], 1) for e in intervals] + [(e["end"], -1) for e in intervals])
    held = peak = 0
    for _, step in edges:
        held += step
        peak = max(peak, held)
    return peak


def test_the_concurrency_cap_holds_across_two_processes(database):
    url, _ = database
    # Each process alone would run 3 requests at once; together they may only run 3.
    workers = [start(url, "slots", "x:tenant:concurrent", "3", "3", "3", "0.15") for _ in range(2)]
    intervals = [e for w in workers for e in events(w)]
    assert len(intervals) == 18
    assert most_at_once(intervals) == 3
    assert len({e["pid"] for e in intervals}) == 2


def test_the_sliding_window_holds_across_two_processes(database):
    url, counted = database
    # 4 calls in any 0.5 s, 9 calls from each process.
    workers = [start(url, "window", "c:token:minute", "4", "0.5", "9") for _ in range(2)]
    for w in workers:
        events(w)
    times = sorted(counted("c:token:minute"))
    assert len(times) == 18
    assert min(times[i + 4] - times[i] for i in range(len(times) - 4)) >= 0.5


def test_a_slot_held_by_a_killed_process_is_free_at_once_on_the_same_machine(database):
    url, _ = database
    scale = {"SANDBOX_TIME_SCALE": "4"}  # the 120 s lease lasts 30 s
    holder = start(url, "hold", "q:realm:concurrent", **scale)
    held = json.loads(holder.stdout.readline())
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    taker = start(url, "take", "q:realm:concurrent", **scale)
    (took,) = events(taker)
    # The holder's process is gone: its slot is free long before the lease would run out
    # (a holder on another machine is waited for until its lease ends: test_budget.py).
    assert took["got"] < held["taken_at"] + 15
