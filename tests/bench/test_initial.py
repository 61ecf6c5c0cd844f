"""Phase durations from the moments the progress thread first saw each phase."""

import pytest

from bench.initial import UNLIMITED, client_budgets_lifted, phase_seconds
from sync.engine.registry import client_for
from tests.factories import BooksConnectionFactory


def test_each_phase_lasts_until_the_next_one_starts_and_the_last_until_the_end():
    starts = {"pulling": 2.0, "planning": 180.4, "pushing": 223.0}
    assert phase_seconds(starts, wall=2150.0) == {
        "pulling": 178.4,
        "planning": 42.6,
        "pushing": 1927.0,
    }


def test_no_phase_seen_gives_no_durations():
    assert phase_seconds({}, wall=1.0) == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("provider", "side", "region"),
    [("clio", "practice", "us"), ("quickbooks", "books", ""), ("xero", "books", "")],
)
def test_lifting_the_client_budgets_reaches_every_client_the_registry_builds(
    provider, side, region
):
    connection = BooksConnectionFactory(provider=provider, side=side, region=region)

    def per_minute() -> int:
        windows = client_for(connection).http.budget.windows
        return next(w.limit for w in windows if w.scope == "minute")

    assert per_minute() < UNLIMITED
    with client_budgets_lifted():
        assert per_minute() >= UNLIMITED
    assert per_minute() < UNLIMITED
