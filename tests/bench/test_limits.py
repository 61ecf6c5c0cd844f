"""The replay of call counts against the published limits, with worked examples."""

import pytest

from bench.limits import (
    CLIO,
    QUICKBOOKS,
    XERO,
    Calls,
    floor,
    floor_books_calls,
    floor_clio_reads,
    project,
    replay,
    window_minutes,
)

# The reference firm as the engine must read it from Clio, 200 records a page:
# 25 + 25 + 100 + 1,000 + 100 = 1,250 pages.
REFERENCE_CLIO = {
    "contacts": 5_000,
    "matters": 5_000,
    "bills": 20_000,
    "line_items": 200_000,
    "allocations": 20_000,
}
# 5,000 customers + 14,000 approved bills + 20,000 payments.
RECORDS = 39_000


def test_the_reference_firm_needs_1250_clio_pages_at_least():
    assert floor_clio_reads(REFERENCE_CLIO) == 1_250


def test_a_part_page_is_still_a_call():
    assert floor_clio_reads({"contacts": 201}) == 2


def test_quickbooks_floor_is_full_batches_paced_by_the_batch_limit():
    # 39,000 records / 30 a batch = 1,300 batch calls. Against 500 requests a minute that is
    # 2.6 minutes, against 40 batch requests a minute 32.5: the batch limit binds. Clio's
    # 1,250 pages at 50 a minute add 25 minutes, read before the books are written.
    assert floor_books_calls(books=QUICKBOOKS, records=RECORDS) == Calls(1_300, 1_300)
    least = floor(books=QUICKBOOKS, records=RECORDS, clio_records=REFERENCE_CLIO)
    assert least.clio_minutes == pytest.approx(25.0)
    assert least.books_minutes == pytest.approx(32.5)
    assert least.binding == "40 batch requests a minute per realm"
    assert least.minutes == pytest.approx(57.5)


def test_xero_floor_is_full_save_calls_paced_by_the_minute_limit():
    # 39,000 records / 50 a save call = 780 calls: 13 minutes at 60 a minute, well inside the
    # 5,000 a day.
    least = floor(books=XERO, records=RECORDS, clio_records=REFERENCE_CLIO)
    assert floor_books_calls(books=XERO, records=RECORDS) == Calls(780, 0)
    assert least.books_minutes == pytest.approx(13.0)
    assert least.binding == "60 calls a minute per tenant"
    assert least.minutes == pytest.approx(38.0)


def test_a_quickbooks_run_that_batches_most_writes_projects_within_the_target():
    # 1,400 batch calls, 200 single writes and 100 reads in the books; 1,300 Clio reads.
    # Requests: 1,700 / 500 = 3.4 min. Batch: 1,400 / 40 = 35 min, which binds.
    # Clio: 1,300 / 50 = 26 min. Projected 61 min against a floor of 57.5: 1.06 x.
    made = project(books=QUICKBOOKS, clio_calls=1_300, books_calls=Calls(1_700, 1_400))
    assert made.books_minutes == pytest.approx(35.0)
    assert made.clio_minutes == pytest.approx(26.0)
    assert made.minutes == pytest.approx(61.0)
    assert made.binding == "40 batch requests a minute per realm"


def test_quickbooks_single_writes_are_paced_by_the_request_limit():
    # 39,000 single-record writes and no batch: 78 minutes at 500 a minute.
    spent = replay(QUICKBOOKS, Calls(39_000, 0))
    assert spent.minutes == pytest.approx(78.0)
    assert spent.binding == "500 requests a minute per realm"


def test_xero_day_limit_adds_nothing_until_it_runs_out():
    day = XERO.windows[1]
    assert window_minutes(XERO, day, 5_000) == pytest.approx(5_000 / 60)
    # 6,000 calls: the first 5,000 in 83.3 minutes, then wait for the next day (1,440
    # minutes after the first call) and send the last 1,000 at 60 a minute: 16.7 minutes more.
    assert window_minutes(XERO, day, 6_000) == pytest.approx(1_440 + 1_000 / 60)


def test_the_longest_window_binds():
    spent = replay(XERO, Calls(6_000))
    assert spent.binding == "5,000 calls a day per tenant"
    assert spent.minutes == pytest.approx(1_456.667, abs=0.001)


def test_no_calls_take_no_time_and_nothing_binds():
    assert replay(XERO, Calls(0)).minutes == 0
    assert replay(XERO, Calls(0)).binding == ""
    assert replay(CLIO, Calls(0)).minutes == 0
