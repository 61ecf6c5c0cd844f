"""Phase durations from the moments the progress thread first saw each phase."""

from bench.initial import phase_seconds


def test_each_phase_lasts_until_the_next_one_starts_and_the_last_until_the_end():
    starts = {"pulling": 2.0, "planning": 180.4, "pushing": 223.0}
    assert phase_seconds(starts, wall=2150.0) == {
        "pulling": 178.4,
        "planning": 42.6,
        "pushing": 1927.0,
    }


def test_no_phase_seen_gives_no_durations():
    assert phase_seconds({}, wall=1.0) == {}
