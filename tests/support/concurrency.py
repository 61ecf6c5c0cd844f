"""Jobs released together in their own threads and database connections: real concurrent
transactions (PostgreSQL; SQLite serialises every writer)."""

import threading
from collections.abc import Callable

from django.db import connections


def race(jobs: list[Callable[[], object]]) -> list[object]:
    """Run every job in its own thread and connection, released together; returns each job's
    result or the exception it raised."""
    start = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def work(n: int, job) -> None:
        try:
            start.wait()
            results[n] = job()
        except Exception as exc:  # the result under test, asserted by the caller
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n, job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
