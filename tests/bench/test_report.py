"""From sandbox counters to the benchmark's numbers and verdicts."""

from bench.report import (
    CallCounts,
    Measured,
    RealRun,
    checks,
    classify,
    counters_diff,
    p95,
    provider_result,
    real_result,
    table,
)


def test_counters_diff_keeps_only_what_happened_between_the_snapshots():
    before = {"endpoints": {"POST batch": {"200": 3}, "GET query": {"200": 1}}}
    after = {
        "endpoints": {
            "POST batch": {"200": 10, "429": 1},
            "GET query": {"200": 1},
            "GET invoice": {"200": 2},
        }
    }
    assert counters_diff(before, after) == {
        "POST batch": {"200": 7, "429": 1},
        "GET invoice": {"200": 2},
    }


def test_quickbooks_batch_items_and_token_calls_are_not_api_calls():
    made = classify(
        "quickbooks",
        {
            "POST batch": {"200": 7, "429": 1},
            "batch item": {"200": 210},
            "POST query": {"200": 2},
            "GET preferences": {"200": 1},
            "POST invoice": {"200": 3},
            "POST oauth2/v1/tokens/bearer": {"200": 1},
        },
    )
    assert made == CallCounts(reads=3, writes=11, batch=8, batch_items=210, auth=1, throttled=1)
    assert made.total == 14


def test_xero_puts_and_posts_are_writes_and_gets_reads():
    made = classify(
        "xero",
        {
            "PUT Invoices": {"200": 4},
            "POST Payments": {"200": 2},
            "GET Invoices": {"200": 5},
            "GET connections": {"200": 1},
            "POST connect/token": {"200": 2},
        },
    )
    assert (made.reads, made.writes, made.batch, made.auth) == (6, 6, 0, 2)


def test_clio_reads_are_gets_on_any_resource():
    made = classify(
        "clio", {"GET /api/v4/{resource}": {"200": 40}, "POST /oauth/token": {"200": 1}}
    )
    assert (made.reads, made.writes, made.auth) == (40, 0, 1)


def test_p95_is_the_nearest_rank():
    samples = [float(n) for n in range(1, 21)]  # 1 .. 20
    assert p95(samples) == 19.0
    assert p95([3.0]) == 3.0
    assert p95([]) is None


def _measured(**overrides) -> Measured:
    values = {
        "books": CallCounts(reads=10, writes=1_310, batch=1_300, batch_items=39_000),
        "clio": CallCounts(reads=1_260),
        "records_written": 39_000,
        "clio_records": {"line_items": 200_000, "bills": 20_000},
        "cpu_seconds": 58.5,
        "wall_seconds": 300.04,
    }
    return Measured(**(values | overrides))


def test_the_limits_lifted_run_gives_the_cpu_per_record_and_its_calls_for_reading():
    result = provider_result("quickbooks", _measured())
    assert result["engine_cpu_ms_per_record"] == 1.5
    lifted = result["details"]["limits_lifted"]
    assert lifted["records_written"] == 39_000
    assert lifted["write_calls"] == 1_310
    assert lifted["elements_per_write_call"] == 29.77
    assert lifted["book_read_calls"] == 10
    assert lifted["clio_read_calls"] == 1_260
    assert lifted["wall_seconds"] == 300.0
    # Books: 1,300 batch calls / 40 = 32.5 min, while Clio's 1,260 reads / 50 = 25.2 min.
    assert lifted["projected_minutes"] == 32.5
    assert lifted["projected_binding_limit"] == "40 batch requests a minute per realm"


def test_a_run_that_wrote_nothing_has_no_rate_per_record():
    result = provider_result("xero", _measured(records_written=0, books=CallCounts()))
    assert result["engine_cpu_ms_per_record"] is None
    assert result["details"]["limits_lifted"]["elements_per_write_call"] is None


def _real(**overrides) -> RealRun:
    values = {
        "wall_seconds": 420.0,
        "time_scale": 4,
        "records_written": 39_000,
        "records_expected": 39_000,
        "clio_records": {"line_items": 200_000, "bills": 20_000},
        "throttled_429": 3,
        "records_failed": 0,
        "runs_failed": 0,
        "kills": 2,
        "ended": True,
        "succeeded": True,
        "duplicates": 0,
    }
    return RealRun(**(values | overrides))


def test_real_minutes_are_wall_minutes_times_the_time_scale():
    result = real_result("quickbooks", _real())
    assert result["real_minutes"] == 28.0  # 7 wall minutes x 4
    assert result["time_scale"] == 4
    # Books: 39,000 / 1,660 = 23.49 min; Clio: 1,100 pages / 50 = 22 min, read meanwhile.
    assert result["floor_minutes"] == 23.49
    assert result["details"]["floor_clio_minutes"] == 22.0
    assert result["worker_kills_survived"] == 2
    assert (result["throttled_429"], result["records_failed"], result["duplicates"]) == (3, 0, 0)


def test_kills_count_as_survived_only_when_the_run_finished_with_nothing_failed():
    assert real_result("xero", _real(records_failed=1))["worker_kills_survived"] == 0
    assert real_result("xero", _real(succeeded=False))["worker_kills_survived"] == 0
    assert real_result("xero", _real(ended=False))["worker_kills_survived"] == 0


def test_a_run_still_going_at_the_timeout_has_no_real_minutes():
    assert real_result("quickbooks", _real(ended=False))["real_minutes"] is None


def test_a_run_that_stopped_short_is_held_to_the_whole_firms_floor():
    short = real_result("quickbooks", _real(records_written=1_660, ended=False))
    assert short["floor_minutes"] == 23.49
    assert short["records_written"] == 1_660


def test_targets_pass_and_fail_with_their_values():
    results = {
        "quickbooks": {
            "real_minutes": 27.0,
            "floor_minutes": 23.49,
            "engine_cpu_ms_per_record": 1.5,
            "records_failed": 0,
            "runs_failed": 0,
            "duplicates": 0,
            "worker_kills_survived": 2,
            "burst_seconds": 150.0,
            "clio_reads_per_bill": 0.1,
        },
        "xero": {
            "real_minutes": 30.0,
            "floor_minutes": 25.0,
            "engine_cpu_ms_per_record": 2.5,
            "records_failed": 3,
            "duplicates": 1,
            "worker_kills_survived": 1,
            "burst_seconds": 200.0,
        },
        "incremental_p95_seconds": None,
    }
    found = {c.name: c for c in checks(results, ["quickbooks", "xero"])}
    assert found["quickbooks real_minutes <= 1.15 x floor"].passed  # 27 <= 27.01
    assert found["quickbooks real_minutes <= 1.15 x floor"].target == 27.01
    assert not found["xero real_minutes <= 1.15 x floor"].passed  # 30 > 28.75
    assert all(c.passed for name, c in found.items() if name.startswith("quickbooks"))
    for name in (
        "engine_cpu_ms_per_record <= 2",
        "records_failed == 0",
        "duplicates == 0",
        "worker_kills_survived >= 2",
        "burst_seconds <= 180",
        "clio_reads_per_bill <= 0.2",  # not measured is not a pass
        "runs_failed == 0",
    ):
        assert not found[f"xero {name}"].passed, name
    assert not found["incremental_p95_seconds <= 10"].passed


def test_the_table_prints_a_verdict_per_target():
    results = {"quickbooks": {"records_written": 39_000, "floor_minutes": 23.49}}
    text = table(results, ["quickbooks"], checks(results, ["quickbooks"]))
    assert "39,000" in text
    assert "23.49" in text
    assert "FAIL  quickbooks real_minutes <= 1.15 x floor: - (target 27.01)" in text


def test_drift_targets_are_checked_per_1000_bills_and_in_seconds():
    results = {
        "drift": {"bills": 20_000, "wall_seconds": 95.0, "book_read_calls_per_1000_bills": 31}
    }
    found = {c.name: c for c in checks(results, ["quickbooks"])}
    assert found["drift wall_seconds <= 120"].passed
    assert not found["drift book_read_calls_per_1000_bills <= 25"].passed
    assert not {c.name: c for c in checks({}, [])}["drift wall_seconds <= 120"].passed


def test_page_targets_are_p95_in_ms_and_queries_no_more_than_on_a_small_copy():
    results = {
        "pages": {
            "ledger_10k": {"p95_ms": 149.0, "queries": 15, "queries_at_small": 15},
            "console_50": {"p95_ms": 301.0, "queries": 21, "queries_at_small": 20},
        }
    }
    found = {c.name: c for c in checks(results, [])}
    assert found["ledger_10k p95 <= 150"].passed
    assert found["ledger_10k queries <= queries at 10 entries"].passed
    assert not found["console_50 p95 <= 300"].passed
    assert not found["console_50 queries <= queries in 3 firms"].passed  # grew with firms
    assert not {c.name: c for c in checks({}, [])}["ledger_10k p95 <= 150"].passed
