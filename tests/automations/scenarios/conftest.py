"""The firms these tests run: Clio with QuickBooks Online, and Clio with Xero.

Each test sends a few dozen Clio calls in well under a minute (every trigger or action of an
app at once), past the product's own budget of 50 a minute, which would park a run until the
next minute. These tests are about each event landing once; the budget is tested on its own
(tests/sync/providers), so it is lifted here, as the benchmark lifts it."""

import pytest

from sync.providers.clio import client as clio_client
from tests.automations.world import with_quickbooks, with_xero  # noqa: F401


@pytest.fixture(autouse=True)
def clio_budget_lifted(monkeypatch):
    monkeypatch.setattr(clio_client, "RATE_PER_MINUTE", 1_000_000)
