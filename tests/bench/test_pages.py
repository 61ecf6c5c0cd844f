"""The page figures' data and how `--pages-only` merges them into results.json."""

import json
from datetime import date
from decimal import Decimal

from django.db.models import Min
from django.urls import reverse

from bench import harness, pages, pages_seed
from sync.models import Connection
from trust.models import TrustEntry


def test_the_long_matter_holds_exactly_its_entries_and_never_goes_below_zero(db):
    made = pages_seed.long_matter(entries=500)
    entries = TrustEntry.objects.filter(ledger=made.ledger).order_by("date", "id")
    assert made.entries == entries.count() == 500
    balance, lowest = Decimal("0.00"), Decimal("0.00")
    for e in entries:
        balance += e.signed_amount
        lowest = min(lowest, balance)
    assert lowest == 0
    reversal = entries.filter(kind="reversal").select_related("reverses").first()
    assert reversal.reverses.amount == reversal.amount and reversal.reverses.direction == "out"


def test_the_accountant_belongs_to_every_seeded_firm_and_each_has_its_rows(db):
    made = pages_seed.accountant_firms(firms=2)
    assert made.accountant.memberships.count() == 2
    for firm in made.firms:
        assert firm.trust_accounts.count() == 2
        assert firm.flagged_bills.count() == 2 and firm.connections.count() == 2
    oldest = TrustEntry.objects.filter(firm__in=made.firms).aggregate(d=Min("date"))["d"]
    assert oldest < date.today().replace(day=1)


def test_pages_only_merges_its_section_and_keeps_the_others(tmp_path, monkeypatch, capsys):
    path = tmp_path / "results.json"
    earlier = {"quickbooks": {"real_minutes": 14.35}, "runs": "a note", "checks": []}
    path.write_text(json.dumps(earlier))
    figures = {
        "ledger_10k": {"p95_ms": 70.1, "queries": 15, "queries_at_small": 15},
        "console_50": {"p95_ms": 88.2, "queries": 20, "queries_at_small": 20},
    }
    monkeypatch.setattr(pages, "measure", lambda say: figures)
    monkeypatch.setattr(harness, "BASE_DIR", tmp_path)

    assert harness.run_pages_only(path) == 0

    written = json.loads(path.read_text())
    assert written["pages"] == figures
    assert written["quickbooks"] == {"real_minutes": 14.35} and written["runs"] == "a note"
    names = {c["name"]: c["passed"] for c in written["checks"]}
    assert names["ledger_10k p95 <= 150"] and names["console_50 p95 <= 300"]
    assert "quickbooks records_failed == 0" in names  # the other checks are worked out again
    assert "PASS  console_50 p95 <= 300: 88.2 (target 300)" in capsys.readouterr().out


def test_the_measurement_reports_p50_p95_and_queries(db):
    made = pages_seed.accountant_firms(firms=1)
    client = pages._client(made.accountant, made.firms[0].pk)
    found = pages.timed(client, reverse("console"), samples=3)
    assert set(found) == {"p50_ms", "p95_ms", "queries"}
    assert found["queries"] > 0 and found["p95_ms"] >= found["p50_ms"] > 0


def test_the_console_figure_leaves_no_seeded_firm_connected(db):
    found = pages.console(lambda message: None, samples=2, firms=2)
    assert found["firms"] == 2 and found["queries"] == found["queries_at_small"]
    # The task worker the bench starts next polls every connected Clio account.
    assert not Connection.objects.filter(status=Connection.Status.CONNECTED).exists()
    assert Connection.objects.count() == 2 * (2 + pages.SMALL_CONSOLE)
