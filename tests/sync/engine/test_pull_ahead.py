"""Clio's pages are fetched one ahead: the next request does not wait for the mirror's writes."""

import threading
import time

from sync.engine.pull import ahead


def test_the_next_page_is_asked_for_while_the_one_before_is_written():
    asked: list[tuple[int, float]] = []
    threads: set[int] = set()

    def pages():
        for n in range(3):
            asked.append((n, time.monotonic()))
            threads.add(threading.get_ident())
            yield [{"id": n}], f"next-{n}" if n < 2 else None

    written = []
    for rows, _ in ahead(pages()):
        time.sleep(0.2)  # the mirror's write of this page
        written.append((rows[0]["id"], time.monotonic()))
    assert [n for n, _ in written] == [0, 1, 2]
    # Page 1 was asked for before page 0 was written, page 2 before page 1.
    assert asked[1][1] < written[0][1] and asked[2][1] < written[1][1]
    assert threading.get_ident() not in threads


def test_a_pull_stopped_early_leaves_no_fetch_running_and_raises_what_the_fetch_raised():
    def failing():
        yield [{"id": 1}], "next"
        raise RuntimeError("Clio went away")

    got = ahead(failing())
    assert next(got)[0] == [{"id": 1}]
    try:
        next(got)
    except RuntimeError as exc:
        assert str(exc) == "Clio went away"
    else:
        raise AssertionError("the fetch's error was not raised")
