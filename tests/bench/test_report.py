"""From sandbox counters to the benchmark's numbers and verdicts."""

from bench.report import (
    CallCounts,
    Measured,
    checks,
    classify,
    counters_diff,
    p95,
    provider_result,
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


def test_provider_result_names_every_number_of_the_spec():
    result = provider_result("quickbooks", _measured())
    assert result["records_written"] == 39_000
    assert result["write_calls"] == 1_310
    assert result["elements_per_write_call"] == 29.77
    assert result["book_read_calls"] == 10
    assert result["clio_read_calls"] == 1_260
    assert result["engine_cpu_ms_per_record"] == 1.5
    assert result["wall_seconds"] == 300.0
    # Books: 1,300 batch calls / 40 = 32.5 min; Clio: 1,260 / 50 = 25.2 min.
    assert result["projected_minutes"] == 57.7
    # Floor: 1,300 batch calls (32.5 min) + 1,100 Clio pages (22 min).
    assert result["floor_minutes"] == 54.5
    assert result["details"]["binding_limit"] == "40 batch requests a minute per realm"


def test_a_run_that_wrote_nothing_has_no_rate_per_record():
    result = provider_result("xero", _measured(records_written=0, books=CallCounts()))
    assert result["engine_cpu_ms_per_record"] is None
    assert result["elements_per_write_call"] is None


def test_targets_pass_and_fail_with_their_values():
    results = {
        "quickbooks": {
            "projected_minutes": 65.0,
            "floor_minutes": 54.5,
            "engine_cpu_ms_per_record": 1.5,
        },
        "xero": {"projected_minutes": 50.0, "floor_minutes": 38.0, "engine_cpu_ms_per_record": 2.5},
        "incremental_p95_seconds": None,
    }
    found = {c.name: c for c in checks(results, ["quickbooks", "xero"])}
    assert found["quickbooks projected_minutes <= 1.2 x floor"].passed  # 65 <= 65.4
    assert found["quickbooks projected_minutes <= 1.2 x floor"].target == 65.4
    assert not found["xero projected_minutes <= 1.2 x floor"].passed  # 50 > 45.6
    assert found["quickbooks engine_cpu_ms_per_record <= 2"].passed
    assert not found["xero engine_cpu_ms_per_record <= 2"].passed
    assert not found["incremental_p95_seconds <= 10"].passed  # not measured is not a pass


def test_the_table_prints_a_verdict_per_target():
    results = {"quickbooks": {"records_written": 39_000, "floor_minutes": 54.5}}
    text = table(results, ["quickbooks"], checks(results, ["quickbooks"]))
    assert "39,000" in text
    assert "54.5" in text
    assert "FAIL  quickbooks projected_minutes <= 1.2 x floor: - (target 65.4)" in text


def test_drift_targets_are_checked_per_1000_bills_and_in_seconds():
    results = {
        "drift": {"bills": 20_000, "wall_seconds": 95.0, "book_read_calls_per_1000_bills": 31}
    }
    found = {c.name: c for c in checks(results, ["quickbooks"])}
    assert found["drift wall_seconds <= 120"].passed
    assert not found["drift book_read_calls_per_1000_bills <= 25"].passed
    assert not {c.name: c for c in checks({}, [])}["drift wall_seconds <= 120"].passed
