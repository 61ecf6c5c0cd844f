"""A firm's first sync through a real task worker (`manage.py qcluster` with the shipped Q_CLUSTER
settings, not the tests' inline tasks), every rate limit on, provider time 30 times faster: the
worker's whole process group is killed twice mid-run and a fresh one started each time, and the
run still finishes with every record in the books exactly once and none failed.

`make bench` measures the same path at the reference firm's size (bench/worker.py). Select this
test alone with `-m worker`.
"""

import os
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
from django.db import connection
from django_q.conf import Conf

from bench import books_store, firm, processes
from bench.control import Control
from bench.env import SECRET_KEY, bench_environment
from bench.initial import books_limits, clio_rate_limit
from bench.worker import Driver
from sandbox.clio.models import Record as ClioRecord
from sync.engine.run import sync_start
from sync.models import SyncOperation, SyncRun
from tests.support.sandboxes import use_sandboxes

pytestmark = pytest.mark.worker

TIME_SCALE = 30
# 20 contacts with a matter each: 80 bills (56 approved), 80 payments, 120 trust transactions.
CONTACTS = 20
TIMEOUT_SECONDS = 75.0
# A run this small reports progress in a few large steps: kill at the first one, then at the
# first after half is done.
KILL_AT = (0.01, 0.5)


def database_url() -> str:
    """The test database, for the worker: PostgreSQL's or the SQLite file the tests use."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    user = f"{quote(db['USER'] or '', safe='')}{password}@" if db.get("USER") else ""
    return f"postgres://{user}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(settings, base: str) -> dict[str, str]:
    """The shipped settings, as `make bench` runs them: tasks go through the broker."""
    env = dict(os.environ) | bench_environment(port=urlparse(base).port, db_url=database_url())
    for name, prefix in firm.ENV_NAMES.items():
        env[f"{prefix}_CLIENT_ID"] = settings.PROVIDERS[name]["client_id"]
        env[f"{prefix}_CLIENT_SECRET"] = settings.PROVIDERS[name]["client_secret"]
    return env | {"SITE_URL": base, "SANDBOX_TIME_SCALE": str(TIME_SCALE)}


def clio_counts(account_id: int) -> dict[str, int]:
    rows = ClioRecord.objects.filter(account_id=account_id, deleted=False)
    approved = rows.filter(type="bill", data__state__in=["awaiting_payment", "paid"])
    return {"approved_bills": approved.count(), "payments": rows.filter(type="payment").count()}


@pytest.fixture
def limited_firm(live_server, settings):
    """A firm connected to a small reference Clio account and empty QuickBooks, limits on."""
    use_sandboxes(settings, live_server.url)
    settings.SANDBOX_TIME_SCALE = float(TIME_SCALE)
    control = Control(live_server.url)
    bf = firm.prepare(
        control, "quickbooks", scale=CONTACTS / firm.FULL_SIZE, say=lambda _: None, name="Kills LLP"
    )
    clio_rate_limit(control, 50)
    books_limits(control, lifted=False)
    return bf, worker_env(settings, live_server.url)


def test_a_first_sync_survives_two_worker_kills_with_every_record_written_once(
    limited_firm, tmp_path: Path, monkeypatch
):
    bf, env = limited_firm
    driver = Driver(
        env=env, log_dir=tmp_path, name="qcluster", say=print, kill_at=KILL_AT, poll=0.05
    )
    driven = driver.start()
    try:
        # Queue on the broker, as in production, signed with the worker's key.
        monkeypatch.setattr(Conf, "SYNC", False)
        monkeypatch.setattr(Conf, "SECRET_KEY", SECRET_KEY)
        run = sync_start(firm=bf.firm, actor=None)
        driver.drive(driven, run.pk, timeout=TIMEOUT_SECONDS)
    finally:
        processes.kill(driven.worker)
    run.refresh_from_db()
    log = (tmp_path / "qcluster.log").read_text(errors="replace")[-3000:]
    assert not driven.timed_out, log
    assert len(driven.kills) == 2, log
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert not SyncOperation.objects.filter(firm=bf.firm, status="failed").exists()
    held = books_store.record_counts("quickbooks", bf.books.external_id)
    expected = clio_counts(bf.clio_account)
    assert held["Invoice"] == expected["approved_bills"]
    assert held["Payment"] == expected["payments"]
    assert held["Deposit"] + held["Purchase"] == bf.clio_counts["trust_transactions"]
    assert books_store.duplicates("quickbooks", bf.books.external_id) == 0
