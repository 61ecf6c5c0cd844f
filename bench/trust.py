"""Trust figures of the reference firm, after its initial sync pulled the trust transactions:

- `three_way_seconds`: reconciling the busiest trust account for the month of its latest entry,
  with a bank statement of one line per entry (every fiftieth still outstanding): automatic
  matching, then preparing the three-way figures (adjusted bank, journal, client ledgers).
- `ledger_page_p95_ms`: the busiest client ledger's page, served in this process through
  Django's test client, signed in as the firm's admin.
"""

import hashlib
import statistics
import time
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max
from django.test import Client

from accounts.models import Firm, Membership
from bench import firm as bench_firm
from bench.firm import BenchFirm
from bench.initial import client_budgets_lifted
from sync import services
from sync.trust_books.pull import pull_trust
from trust import reconcile
from trust.models import BankStatement, ClientLedger, StatementLine, TrustAccount, TrustEntry
from trust.services_reconcile import reconciliation_prepare, statement_auto_match

PAGE_SAMPLES = 40
OUTSTANDING_EVERY = 50


def measure(bf: BenchFirm, say) -> dict:
    account = (
        TrustAccount.objects.filter(firm=bf.firm)
        .annotate(n=Count("entries"))
        .order_by("-n")
        .first()
    )
    if account is None or not account.n:
        return {"error": "the initial sync pulled no trust transactions"}
    member = Membership.objects.get(firm=bf.firm, user=bf.admin)
    result = {"entries": account.n, **_three_way(account, member, say)}
    result.update(_ledger_page(bf, say))
    return result


def _statement(account: TrustAccount, member: Membership) -> date:
    """A statement for the month of the latest entry, one line per entry up to its end."""
    latest = TrustEntry.objects.filter(account=account).aggregate(d=Max("date"))["d"]
    period_end = reconcile.month_end(latest)
    entries = TrustEntry.objects.filter(account=account, date__lte=period_end).order_by("id")
    # The statement runs from the first entry, so it opens at zero and nothing predates it.
    statement = BankStatement.objects.create(
        firm=account.firm,
        account=account,
        period_start=entries.first().date,
        period_end=period_end,
        opening_balance=0,
        closing_balance=0,
        source=BankStatement.Source.CSV,
        bank_name="Bench Bank",
        filename="bench.csv",
        sha256=hashlib.sha256(str(time.time()).encode()).hexdigest(),
        imported_by=member.user,
    )
    lines, closing = [], 0
    for k, e in enumerate(entries):
        if k % OUTSTANDING_EVERY == OUTSTANDING_EVERY - 1:
            continue
        amount = e.amount if e.direction == TrustEntry.Direction.IN else -e.amount
        closing += amount
        lines.append(
            StatementLine(
                firm=account.firm,
                statement=statement,
                date=e.date,
                amount=amount,
                description=e.description[:255],
                reference=e.reference,
                bank_id=f"bench-{e.pk}",
            )
        )
    StatementLine.objects.bulk_create(lines, batch_size=1000)
    BankStatement.objects.filter(pk=statement.pk).update(closing_balance=closing)
    return period_end


def _three_way(account: TrustAccount, member: Membership, say) -> dict:
    period_end = _statement(account, member)
    started = time.perf_counter()
    matched = statement_auto_match(member=member, account=account, period_end=period_end)
    matching = time.perf_counter() - started
    rec = reconciliation_prepare(member=member, account=account, period_end=period_end)
    seconds = time.perf_counter() - started
    differences = len(rec.figures.get("differences", []))
    say(
        f"Three-way reconciliation of {account.entries.count()} entries: {matched} lines "
        f"matched in {matching:.2f} s, prepared in {seconds - matching:.2f} s; "
        f"{differences} differences"
    )
    return {
        "three_way_seconds": round(seconds, 3),
        "three_way_matching_seconds": round(matching, 3),
        "three_way_lines_matched": matched,
        "three_way_differences": differences,
    }


def _ledger_page(bf: BenchFirm, say) -> dict:
    ledger = (
        ClientLedger.objects.filter(firm=bf.firm)
        .annotate(n=Count("entries"))
        .order_by("-n")
        .first()
    )
    if ledger is None:
        return {"ledger_page_error": "no client ledger"}
    # The bench's admin has no authenticator app; the page is the same once one is set up.
    Firm.objects.filter(pk=bf.firm.pk).update(require_mfa=False)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(bf.admin)
    url = f"/trust/ledgers/{ledger.pk}/"
    first = client.get(url)
    if first.status_code != 200:
        say(f"GET {url} answered {first.status_code}; the page was not timed")
        return {"ledger_page_error": f"GET {url} answered {first.status_code}"}
    samples = []
    for _ in range(PAGE_SAMPLES):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(samples, n=20)[18]
    say(f"Client ledger page ({ledger.n} entries): p95 {p95:.1f} ms over {PAGE_SAMPLES} loads")
    return {"ledger_page_p95_ms": round(p95, 1), "ledger_page_entries": ledger.n}


@dataclass
class _TrustFirm:
    firm: Firm
    admin: object


def measure_full_size(control, say) -> dict:
    """The trust figures over the reference firm's full 30,000 trust transactions, pulled from
    Clio by the sync's own trust pull, when the bench's sync runs scaled down."""
    firm_, admin, clio = bench_firm.prepare_trust_only(control, say)
    started = time.perf_counter()
    with client_budgets_lifted():
        pulled = pull_trust(connection_id=clio.pk, full=True)
    pull_seconds = time.perf_counter() - started
    say(f"Trust pull of the full-size firm: {pulled.created} entries in {pull_seconds:.1f} s")
    result = measure(_TrustFirm(firm_, admin), say)
    result["pull_seconds"] = round(pull_seconds, 1)
    # The worker runs that follow would poll it with tokens the next sandbox reset voids.
    services.connection_disconnect(connection=clio, actor=admin)
    return result
