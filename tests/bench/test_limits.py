"""The replay of call counts against the published limits, with worked examples."""

import pytest

from bench.limits import (
    CLIO,
    QUICKBOOKS,
    XERO,
    Calls,
    floor,
    floor_books_minutes,
    floor_clio_reads,
    project,
    record_windows,
    replay,
    time_scale,
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


def test_a_quickbooks_minute_carries_40_full_batches_and_460_single_writes():
    # A batch request counts once against the 500 a minute: 40 x 30 + (500 - 40) = 1,660.
    (minute,) = record_windows(QUICKBOOKS).windows
    assert minute.calls == 1_660
    assert minute.minutes == 1.0
    assert minute.name == "500 requests a minute per realm, 40 of them batches of 30"


def test_a_xero_minute_carries_60_full_save_calls_and_a_day_5000():
    minute, day = record_windows(XERO).windows
    assert (minute.calls, minute.minutes) == (3_000, 1.0)
    assert (day.calls, day.minutes) == (250_000, 1_440.0)


def test_quickbooks_floor_is_the_slower_of_clio_reads_and_book_writes():
    # 39,000 records at 1,660 a minute: 23.49 minutes of writes. Clio's 1,250 pages at 50 a
    # minute take 25 minutes and are read while the books are written: Clio binds.
    least = floor(books=QUICKBOOKS, records=RECORDS, clio_records=REFERENCE_CLIO)
    assert least.books_minutes == pytest.approx(39_000 / 1_660)
    assert least.clio_minutes == pytest.approx(25.0)
    assert least.minutes == pytest.approx(25.0)
    assert least.binding == "500 requests a minute per realm, 40 of them batches of 30"


def test_the_full_reference_firm_into_quickbooks_is_bound_by_the_books():
    # 74,000 records (10,000 customers and sub-customers, 14,000 invoices, 20,000 payments,
    # 30,000 trust deposits and cheques): 44.58 minutes, more than Clio's 28.
    least = floor(
        books=QUICKBOOKS, records=74_000, clio_records={**REFERENCE_CLIO, "trust": 30_000}
    )
    assert least.clio_minutes == pytest.approx(28.0)
    assert least.minutes == pytest.approx(44.578, abs=0.001)


def test_xero_floor_is_full_save_calls_paced_by_the_minute_limit():
    # 39,000 records / 50 a save call = 780 calls: 13 minutes at 60 a minute, well inside the
    # 5,000 a day; Clio's 25 minutes bind.
    least = floor(books=XERO, records=RECORDS, clio_records=REFERENCE_CLIO)
    assert least.books_minutes == pytest.approx(13.0)
    assert least.binding == "60 calls a minute per tenant"
    assert least.minutes == pytest.approx(25.0)


def test_xero_day_limit_binds_the_floor_past_250000_records():
    # 300,000 records: 250,000 in the first day (83.3 minutes at 3,000 a minute), then wait for
    # the next day and write 50,000 more: 16.7 minutes.
    spent = floor_books_minutes(books=XERO, records=300_000)
    assert spent.binding == "5,000 calls a day per tenant"
    assert spent.minutes == pytest.approx(1_440 + 50_000 / 3_000)


def test_a_quickbooks_run_that_batches_most_writes_projects_within_the_target():
    # 1,400 batch calls, 200 single writes and 100 reads in the books; 1,300 Clio reads.
    # Requests: 1,700 / 500 = 3.4 min. Batch: 1,400 / 40 = 35 min, which binds.
    # Clio: 1,300 / 50 = 26 min, read meanwhile. Projected 35 min.
    made = project(books=QUICKBOOKS, clio_calls=1_300, books_calls=Calls(1_700, 1_400))
    assert made.books_minutes == pytest.approx(35.0)
    assert made.clio_minutes == pytest.approx(26.0)
    assert made.minutes == pytest.approx(35.0)
    assert made.binding == "40 batch requests a minute per realm"


def test_the_time_scale_fits_the_full_floor_into_13_wall_minutes():
    assert time_scale(44.58) == 4  # 11.1 wall minutes
    assert time_scale(28.0) == 3  # 9.3
    assert time_scale(13.0) == 1
    assert time_scale(0.5) == 1


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
