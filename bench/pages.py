"""Page figures at a size no reference firm reaches, served in this process through Django's test
client (as bench/trust.py serves the reference firm's ledger page), after a warm-up:

- `ledger_10k`: a client ledger holding 10,000 entries (a long-running matter; the reference
  firm's hold six), signed in as the firm's admin: the first page (what the link opens) and the
  last page (the newest entries, whose running balance sums the whole ledger before them). The
  slower of the two is the figure.
- `console_50`: the console of an accountant who belongs to 50 firms.

Each page's queries are counted once, and again on a small copy (a ledger of a few entries; an
accountant in three firms): the count must not grow with entries or firms."""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench import pages_seed
from bench.report import p95
from trust.views_ledger import PER_PAGE

SAMPLES = 50
WARM_UP = 5
LEDGER_ENTRIES = 10_000
SMALL_LEDGER = 10
CONSOLE_FIRMS = 50
SMALL_CONSOLE = 3


def _client(user, firm_id: int) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session["current_firm_id"] = firm_id
    session.save()
    return client


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
    return len(ctx.captured_queries)


def timed(client: Client, url: str, samples: int = SAMPLES) -> dict:
    """p50 and p95 of `samples` loads of `url` after a warm-up, and its query count."""
    queries = _queries(client, url)
    for _ in range(WARM_UP):
        client.get(url)
    took = []
    for _ in range(samples):
        started = time.perf_counter()
        client.get(url)
        took.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(took), 1),
        "p95_ms": round(p95(took) or 0.0, 1),
        "queries": queries,
    }


def _ledger_urls(ledger_id: int, entries: int, per_page: int) -> dict[str, str]:
    url = reverse("trust_ledger", kwargs={"ledger_id": ledger_id})
    last = max(1, -(-entries // per_page))
    return {"first_page": url, "last_page": f"{url}?page={last}"}


def ledger(say, samples: int = SAMPLES) -> dict:
    started = time.perf_counter()
    big = pages_seed.long_matter(entries=LEDGER_ENTRIES)
    small = pages_seed.long_matter(entries=SMALL_LEDGER)
    say(f"Seeded a ledger of {big.entries} entries in {time.perf_counter() - started:.1f} s")
    client = _client(big.admin, big.firm.pk)
    pages = {
        name: timed(client, url, samples)
        for name, url in _ledger_urls(big.ledger.pk, big.entries, PER_PAGE).items()
    }
    small_client = _client(small.admin, small.firm.pk)
    small_url = _ledger_urls(small.ledger.pk, small.entries, PER_PAGE)["last_page"]
    result = {
        "entries": big.entries,
        "p95_ms": max(p["p95_ms"] for p in pages.values()),
        "p50_ms": max(p["p50_ms"] for p in pages.values()),
        "queries": max(p["queries"] for p in pages.values()),
        "queries_at_small": _queries(small_client, small_url),
        "small_entries": small.entries,
        "samples": samples,
        "pages": pages,
    }
    say(
        f"Client ledger of {big.entries} entries: first page p95 "
        f"{pages['first_page']['p95_ms']} ms, last page p95 {pages['last_page']['p95_ms']} ms; "
        f"{result['queries']} queries ({result['queries_at_small']} at {small.entries} entries)"
    )
    return result


def console(say, samples: int = SAMPLES, firms: int = CONSOLE_FIRMS) -> dict:
    started = time.perf_counter()
    big = pages_seed.accountant_firms(firms=firms)
    small = pages_seed.accountant_firms(firms=SMALL_CONSOLE)
    say(f"Seeded {firms} firms in {time.perf_counter() - started:.1f} s")
    url = reverse("console")
    try:
        found = timed(_client(big.accountant, big.firms[0].pk), url, samples)
        found["queries_at_small"] = _queries(_client(small.accountant, small.firms[0].pk), url)
    finally:
        # The task worker the bench starts next polls every connected firm, and so would a
        # later run on the same database: the seeded firms' connections hold no tokens.
        pages_seed.connections_retire(firms=big.firms + small.firms)
    found.update(firms=len(big.firms), small_firms=len(small.firms), samples=samples)
    say(
        f"Console of an accountant in {len(big.firms)} firms: p50 {found['p50_ms']} ms, p95 "
        f"{found['p95_ms']} ms; {found['queries']} queries "
        f"({found['queries_at_small']} in {len(small.firms)} firms)"
    )
    return found


def measure(say, samples: int = SAMPLES) -> dict:
    return {"ledger_10k": ledger(say, samples), "console_50": console(say, samples)}
