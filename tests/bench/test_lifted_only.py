"""`python -m bench --lifted-only` keeps the worker figures the last full run wrote."""

import json

import pytest

from bench import __main__ as bench_main
from bench import harness


def test_a_lifted_only_run_keeps_the_last_worker_figures(tmp_path):
    path = tmp_path / "results.json"
    before = {
        "quickbooks": {
            "real_minutes": 50.1,
            "floor_minutes": 44.58,
            "burst_seconds": 20.0,
            "engine_cpu_ms_per_record": 2.4,
            "details": {"worker": {"wall_seconds": 750.0}, "limits_lifted": {"old": True}},
        }
    }
    path.write_text(json.dumps(before))
    lifted = {"engine_cpu_ms_per_record": 1.8, "details": {"limits_lifted": {"new": True}}}

    merged = harness._worker_kept(lifted, "quickbooks", path)

    assert merged["engine_cpu_ms_per_record"] == 1.8  # the new measurement
    assert (merged["real_minutes"], merged["floor_minutes"]) == (50.1, 44.58)
    assert merged["burst_seconds"] == 20.0
    assert merged["details"] == {"limits_lifted": {"new": True}, "worker": {"wall_seconds": 750.0}}


def test_lifted_only_and_worker_only_are_not_taken_together(monkeypatch):
    monkeypatch.setenv("BENCH_SCALE", "0.1")
    with pytest.raises(SystemExit, match="choose one"):
        bench_main.main(["--worker-only", "--lifted-only"])
