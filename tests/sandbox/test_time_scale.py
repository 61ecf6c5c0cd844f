"""SANDBOX_TIME_SCALE: every provider window, and the Retry-After it implies, shortened at once."""

import time

from sandbox.core import rate_window_hit, retry_after, window_seconds


def test_window_seconds_are_the_real_ones_divided_by_the_scale(settings):
    assert window_seconds(60) == 60
    settings.SANDBOX_TIME_SCALE = 20
    assert window_seconds(60) == 3.0
    assert window_seconds(1) == 0.05
    assert window_seconds(86400) == 4320.0


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one():
    assert [retry_after(s) for s in (0, 0.01, 1.0, 1.2, 2.99, 59.5)] == [
        "1",
        "1",
        "1",
        "2",
        "3",
        "60",
    ]


def test_a_window_of_a_fraction_of_a_second_resets_after_it(db):
    assert rate_window_hit("test:fraction", 1, 0.05)[0] is True
    allowed, remaining, reset = rate_window_hit("test:fraction", 1, 0.05)
    assert (allowed, remaining) == (False, 0)
    assert reset - time.time() <= 0.05
    time.sleep(0.06)
    assert rate_window_hit("test:fraction", 1, 0.05)[0] is True
