"""A worker process for the cross-process budget tests: takes slots or calls from the database
named by DATABASE_URL and prints what it did, one JSON line per event.

    python -m tests.support.budget_worker schema
    python -m tests.support.budget_worker slots <key> <cap> <threads> <calls> <hold>
    python -m tests.support.budget_worker window <key> <limit> <seconds> <calls>
    python -m tests.support.budget_worker hold <key>          # takes a slot, then waits to be killed
    python -m tests.support.budget_worker take <key>          # takes a slot of a cap of 1
"""

import json
import os
import sys
import threading
import time

import django

_printing = threading.Lock()


def say(**event) -> None:
    with _printing:
        print(json.dumps(event), flush=True)


def main(mode: str, *args: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "firmsync.settings")
    django.setup()
    from django.db import connection

    from sync.models import CallSlot, RateCall, RateLane
    from sync.providers import budget as budget_module
    from sync.providers.budget import Cap, DbBudget, Window, slot_take

    budget_module.PRUNE_SHARE = 0.0  # the test reads every counted call back

    if mode == "schema":
        with connection.schema_editor() as editor:
            for model in (RateLane, RateCall, CallSlot):
                editor.create_model(model)
    elif mode == "slots":
        key, cap, threads, calls, hold = args[0], int(args[1]), int(args[2]), int(args[3]), args[4]

        def worker() -> None:
            budget = DbBudget("test", [], Cap(key, cap))
            try:
                for _ in range(calls):
                    with budget.call():
                        start = time.time()
                        time.sleep(float(hold))
                        say(pid=os.getpid(), start=start, end=time.time())
            finally:
                connection.close()

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        for t in pool:
            t.start()
        for t in pool:
            t.join()
    elif mode == "window":
        key, limit, seconds, calls = args[0], int(args[1]), float(args[2]), int(args[3])
        budget = DbBudget("test", [Window("minute", key, limit, seconds)])
        for _ in range(calls):
            budget.acquire()
            say(pid=os.getpid(), at=time.time())
    elif mode == "hold":
        taken_at = time.time()
        slot, _ = slot_take(Cap(args[0], 1))
        say(pid=os.getpid(), slot=slot, taken_at=taken_at)
        time.sleep(600)
    elif mode == "take":
        with DbBudget("test", [], Cap(args[0], 1)).call():
            say(pid=os.getpid(), got=time.time())
    connection.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
