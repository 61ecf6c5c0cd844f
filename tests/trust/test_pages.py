"""The trust pages: a matter's client ledger (running balance, filters, exports, exceptions), the
trust overview, the entry forms and the nav's exception badge."""

import csv
import io
import uuid
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import client_for
from tests.factories import ClientLedgerFactory, ContactFactory, MatterFactory
from trust import selectors, services, services_clio
from trust.models import EntryKind, TrustEntry, TrustException

DAY = date(2026, 3, 2)


@pytest.fixture
def ledger(firm):
    matter = MatterFactory(
        firm=firm,
        display_number="00012-Lovelace",
        client=ContactFactory(firm=firm, name="Ada Lovelace"),
    )
    return ClientLedgerFactory(firm=firm, matter=matter, account__is_primary=True)


@pytest.fixture
def other(firm, ledger):
    matter = MatterFactory(firm=firm, display_number="00013-Babbage")
    return ClientLedgerFactory(firm=firm, account=ledger.account, matter=matter)


def _deposit(ledger, amount, day=DAY, **extra):
    return services.trust_deposit_record(
        ledger=ledger, amount=D(amount), date=day, description="Retainer", payee="Ada", **extra
    )


def _pay(ledger, amount, day=DAY):
    return services.trust_disbursement_record(
        ledger=ledger, amount=D(amount), date=day, payee="Court clerk", reference="CHK 101"
    )


def _overdraft_from_clio(ledger, amount="75.00", day=DAY) -> TrustException:
    row = services_clio.ClioEntry(
        source_id=f"bank_transaction:{uuid.uuid4().int % 10**9}",
        kind=EntryKind.DISBURSEMENT,
        direction=TrustEntry.Direction.OUT,
        amount=D(amount),
        date=day,
        matter_id=ledger.matter_id,
        description="Cheque from Clio",
    )
    return services_clio.trust_entries_import(account=ledger.account, rows=[row]).exceptions[0]


def _ledger_url(ledger, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("trust_ledger", args=[ledger.pk]) + (f"?{query}" if query else "")


def _balance(ledger):
    return selectors.ledger_balance(ledger=ledger)


# -- the ledger page ------------------------------------------------------------------------


def test_the_ledger_page_shows_every_entry_with_its_running_balance(ledger, viewer):
    _deposit(ledger, "1000.00")
    paid = _pay(ledger, "250.50", DAY + timedelta(days=1))
    services.trust_entry_reverse(entry=paid, date=DAY + timedelta(days=2))
    response = client_for(viewer).get(_ledger_url(ledger))
    assert response.status_code == 200
    html = response.content.decode()
    assert "00012-Lovelace" in html and "Ada Lovelace" in html and "IOLTA Trust Account" in html
    rows = response.context["rows"]
    assert [(e.kind, e.running_balance) for e, _, _ in rows] == [
        ("deposit", D("1000.00")),
        ("disbursement", D("749.50")),
        ("reversal", D("1000.00")),
    ]
    reversal = rows[2][0]
    assert rows[1][1] == reversal.pk  # the disbursement is marked "reversed by"
    assert f'reversed by <a href="#entry-{reversal.pk}">' in html
    assert f'reverses <a href="#entry-{paid.pk}">' in html
    assert response.context["view"].balance == D("1000.00")
    assert "FirmSync" in html  # the source column
    assert 'data-testid="entry-actions"' not in html  # a viewer records nothing


def test_filters_keep_the_ledgers_true_running_balance(ledger, viewer):
    _deposit(ledger, "100.00", DAY)
    _deposit(ledger, "50.00", DAY + timedelta(days=10))
    _pay(ledger, "30.00", DAY + timedelta(days=20))
    client = client_for(viewer)
    later = client.get(_ledger_url(ledger, date_from=(DAY + timedelta(days=5)).isoformat()))
    assert [e.running_balance for e, _, _ in later.context["rows"]] == [D("150.00"), D("120.00")]
    paid = client.get(_ledger_url(ledger, kind="disbursement"))
    assert [(e.kind, e.running_balance) for e, _, _ in paid.context["rows"]] == [
        ("disbursement", D("120.00"))
    ]
    early = client.get(_ledger_url(ledger, date_to=DAY.isoformat()))
    assert [e.amount for e, _, _ in early.context["rows"]] == [D("100.00")]


def test_the_ledger_pages_through_its_entries(ledger, viewer):
    for i in range(55):
        _deposit(ledger, "1.00", DAY + timedelta(days=i))
    second = client_for(viewer).get(_ledger_url(ledger, page=2))
    rows = second.context["rows"]
    assert len(rows) == 5 and rows[-1][0].running_balance == D("55.00")
    assert "Page 2 of 2" in second.content.decode()


def _bulk(ledger, n: int) -> list[D]:
    """`n` entries from Clio, three a day, a deposit of 10.00 then two payments of 3.00 and
    1.50 (the ledger never goes below zero); returns the balance after each, in ledger order."""
    TrustEntry.objects.bulk_create(
        TrustEntry(
            firm=ledger.firm,
            account=ledger.account,
            ledger=ledger,
            kind="deposit" if i % 3 == 0 else "disbursement",
            direction="in" if i % 3 == 0 else "out",
            amount=[D("10.00"), D("3.00"), D("1.50")][i % 3],
            date=DAY + timedelta(days=i // 3),
            source="clio",
            source_id=f"bank_transaction:{uuid.uuid4().int % 10**12}",
        )
        for i in range(n)
    )
    balances, balance = [], D("0.00")
    for i in range(n):
        balance += [D("10.00"), D("-3.00"), D("-1.50")][i % 3]
        balances.append(balance)
    return balances


def test_the_running_balance_carries_across_a_page_boundary(ledger, viewer):
    # 50 a page: the boundary falls between two entries of the same day (entries 49 and 50).
    expected = _bulk(ledger, 120)
    client = client_for(viewer)
    first, second, third = (client.get(_ledger_url(ledger, page=n)) for n in (1, 2, 3))
    page_one = [e for e, _, _ in first.context["rows"]]
    page_two = [e for e, _, _ in second.context["rows"]]
    assert page_one[-1].date == page_two[0].date
    assert page_two[0].running_balance == page_one[-1].running_balance + page_two[0].signed_amount
    shown = [e.running_balance for r in (first, second, third) for e, _, _ in r.context["rows"]]
    assert shown == expected
    assert third.context["view"].balance == expected[-1] == D("220.00")


def test_a_kind_filter_keeps_the_true_balance_across_a_page_boundary(ledger, viewer):
    expected = _bulk(ledger, 240)  # 160 payments: a page of 50 and the next
    client = client_for(viewer)
    pages = [client.get(_ledger_url(ledger, kind="disbursement", page=n)) for n in (1, 2)]
    shown = [e.running_balance for r in pages for e, _, _ in r.context["rows"]]
    assert shown == [b for i, b in enumerate(expected) if i % 3][:100]
    april = (DAY + timedelta(days=30)).isoformat()
    dated = client.get(_ledger_url(ledger, date_from=april, page=2))
    assert [e.running_balance for e, _, _ in dated.context["rows"]] == expected[90 + 50 : 90 + 100]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_ledger_page_costs_the_same_queries_for_5_or_50_entries(
    ledger, other, viewer, django_assert_num_queries
):
    client = client_for(viewer)
    for i in range(5):
        _deposit(ledger, "10.00", DAY + timedelta(days=i))
    _overdraft_from_clio(other)
    few = _queries(client, _ledger_url(ledger))
    for i in range(45):
        e = _deposit(ledger, "10.00", DAY + timedelta(days=i))
        if i % 9 == 0:
            services.trust_entry_reverse(entry=e, date=DAY + timedelta(days=i))
    with django_assert_num_queries(few):
        response = client.get(_ledger_url(ledger))
    assert len(response.context["rows"]) == 50


@pytest.mark.parametrize("kind", ["", "disbursement"])
def test_the_ledger_page_costs_the_same_queries_for_10_or_200_entries(ledger, other, viewer, kind):
    client = client_for(viewer)
    _bulk(other, 200)  # another matter's entries are not this ledger's
    _bulk(ledger, 10)
    few = _queries(client, _ledger_url(ledger, kind=kind))
    _bulk(ledger, 190)
    assert _queries(client, _ledger_url(ledger, kind=kind)) == few
    assert _queries(client, _ledger_url(ledger, kind=kind, page=3)) == few


def test_an_open_exception_is_highlighted_on_its_ledger(ledger, viewer):
    _deposit(ledger, "50.00")
    exception = _overdraft_from_clio(ledger, "75.00")
    html = client_for(viewer).get(_ledger_url(ledger)).content.decode()
    assert 'data-testid="ledger-exceptions"' in html
    assert (
        f'<tr id="entry-{exception.entry_id}" class="status-bad" data-testid="flagged-entry">'
        in html
    )
    assert "-25.00" in html


def test_the_csv_export_follows_the_filters(ledger, viewer):
    _deposit(ledger, "100.00", DAY)
    _pay(ledger, "40.00", DAY + timedelta(days=3))
    response = client_for(viewer).get(_ledger_url(ledger, kind="disbursement", format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["kind"], r["out"], r["balance"], r["source"]) for r in rows] == [
        ("Disbursement", "40.00", "60.00", "FirmSync")
    ]
    assert rows[0]["matter"] == "00012-Lovelace Estate planning"


def test_the_pdf_export_holds_the_ledger_as_searchable_text(ledger, viewer):
    _deposit(ledger, "1234.56", DAY)
    response = client_for(viewer).get(_ledger_url(ledger, format="pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert b"1,234.56" in response.content and b"00012-Lovelace" in response.content


def test_an_outsider_cannot_read_the_ledger(ledger, outsider):
    assert client_for(outsider).get(_ledger_url(ledger)).status_code == 404
    assert client_for(outsider).get(_ledger_url(ledger, format="csv")).status_code == 404


# -- the overview ---------------------------------------------------------------------------


def test_with_no_trust_account_the_overview_says_where_they_come_from(firm, viewer):
    html = client_for(viewer).get(reverse("trust_overview")).content.decode()
    assert "Trust accounts come from Clio once it is connected" in html
    assert reverse("bill_syncing") in html


def test_the_overview_shows_each_accounts_totals_and_its_ledgers(ledger, other, viewer):
    _deposit(ledger, "500.00")
    _deposit(other, "120.00")
    services.trust_bank_fee_record(account=ledger.account, amount=D("15.00"), date=DAY)
    response = client_for(viewer).get(reverse("trust_overview"))
    (summary,) = response.context["summaries"]
    assert (summary.totals.journal, summary.totals.client_ledgers, summary.totals.firm_funds) == (
        D("620.00"),
        D("620.00"),
        D("0.00"),
    )
    assert [(lg.pk, lg.balance) for lg in response.context["page"]] == [
        (ledger.pk, D("500.00")),
        (other.pk, D("120.00")),
    ]
    html = response.content.decode()
    assert reverse("trust_ledger", args=[ledger.pk]) in html
    assert 'id="trust-chart-data"' in html and "js/trust_overview.js" in html
    chart = response.context["chart"]
    assert len(chart["labels"]) == 12 and chart["datasets"][0]["data"][-1] == "620.00"


def test_the_primary_account_comes_first(ledger, firm, viewer):
    ClientLedgerFactory(firm=firm, account__name="AAA Second Trust")
    summaries = client_for(viewer).get(reverse("trust_overview")).context["summaries"]
    assert summaries[0].account.pk == ledger.account_id


def test_ledgers_are_searchable_and_zero_balances_hideable(ledger, other, viewer):
    _deposit(ledger, "10.00")
    client = client_for(viewer)
    found = client.get(reverse("trust_overview") + "?q=babbage").context["page"]
    assert [lg.pk for lg in found] == [other.pk]
    by_client = client.get(reverse("trust_overview") + "?q=ada+love").context["page"]
    assert [lg.pk for lg in by_client] == [ledger.pk]
    nonzero = client.get(reverse("trust_overview") + "?hide_zero=1").context["page"]
    assert [lg.pk for lg in nonzero] == [ledger.pk]


def test_months_not_yet_reconciled_are_listed_with_links(ledger, viewer):
    _deposit(ledger, "10.00", timezone.localdate().replace(day=1) - timedelta(days=40))
    response = client_for(viewer).get(reverse("trust_overview"))
    (summary,) = response.context["summaries"]
    assert len(summary.open_months) >= 1
    first = summary.open_months[0].period_end
    url = reverse("trust_reconcile_month", args=[ledger.account_id, first.year, first.month])
    assert url in response.content.decode()


def test_an_accountant_acknowledges_an_exception_with_a_note(ledger, accountant):
    exception = _overdraft_from_clio(ledger)
    client = client_for(accountant)
    page = client.get(reverse("trust_overview")).content.decode()
    assert reverse("trust_exception_resolve", args=[exception.pk]) in page
    url = reverse("trust_exception_resolve", args=[exception.pk])
    client.post(url, {"note": "   "})
    exception.refresh_from_db()
    assert exception.is_open
    response = client.post(url, {"note": "Client wired $75 on 3 March."})
    assert response.status_code == 302
    exception.refresh_from_db()
    assert (exception.resolved_by, exception.resolution) == (
        accountant.user,
        "Client wired $75 on 3 March.",
    )
    assert exception.resolved_at is not None


def test_a_viewer_sees_exceptions_but_cannot_acknowledge_them(ledger, viewer):
    exception = _overdraft_from_clio(ledger)
    client = client_for(viewer)
    html = client.get(reverse("trust_overview")).content.decode()
    assert 'data-testid="exceptions"' in html
    assert reverse("trust_exception_resolve", args=[exception.pk]) not in html
    url = reverse("trust_exception_resolve", args=[exception.pk])
    assert client.post(url, {"note": "x"}).status_code == 403


# -- entry forms ----------------------------------------------------------------------------


def _form_url(ledger, kind):
    return reverse("trust_entry_new", args=[ledger.pk]) + f"?kind={kind}"


def _post(client, ledger, kind, token=None, **fields):
    data = {"kind": kind, f"{kind}-token": token or str(uuid.uuid4()), f"{kind}-date": DAY}
    data.update({f"{kind}-{k}": v for k, v in fields.items()})
    return client.post(reverse("trust_entry_new", args=[ledger.pk]), data)


def test_the_deposit_form_defaults_to_today_and_focuses_the_amount(ledger, accountant):
    response = client_for(accountant).get(_form_url(ledger, "deposit"))
    form = response.context["form"]
    assert form["date"].value() == timezone.localdate()
    html = response.content.decode()
    assert 'name="deposit-amount"' in html and "autofocus" in html
    assert 'type="hidden" name="deposit-token"' in html


def test_a_deposit_posted_twice_with_one_token_is_recorded_once(ledger, accountant):
    client, token = client_for(accountant), str(uuid.uuid4())
    for _ in range(2):
        response = _post(client, ledger, "deposit", token, amount="300.00", payee="Ada")
        assert response.status_code == 302
        assert response["Location"] == reverse("trust_ledger", args=[ledger.pk])
    (entry,) = TrustEntry.objects.filter(ledger=ledger)
    assert (entry.amount, entry.created_by, entry.source_id) == (
        D("300.00"),
        accountant.user,
        f"form:{token}",
    )


def test_a_disbursement_over_the_balance_shows_the_services_message_and_moves_nothing(
    ledger, accountant
):
    _deposit(ledger, "100.00")
    response = _post(
        client_for(accountant), ledger, "disbursement", amount="150.00", payee="Court clerk"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="form-error"' in html
    assert "has $100.00 available in trust" in html
    assert _balance(ledger) == D("100.00")


def test_a_disbursement_refund_and_earned_fee_each_take_money_off(ledger, admin):
    _deposit(ledger, "1000.00")
    client = client_for(admin)
    _post(client, ledger, "disbursement", amount="100.00", payee="Expert")
    _post(client, ledger, "refund", amount="200.00", payee="Ada")
    _post(client, ledger, "earned_fee", amount="300.00", description="Invoice 12")
    kinds = list(TrustEntry.objects.filter(ledger=ledger).values_list("kind", flat=True))
    assert kinds == ["deposit", "disbursement", "refund", "earned_fee"]
    assert _balance(ledger) == D("400.00")


def test_a_transfer_moves_money_to_another_matter_of_the_same_account(
    ledger, other, firm, accountant
):
    _deposit(ledger, "500.00")
    elsewhere = ClientLedgerFactory(firm=firm)  # another trust account: not offered
    client = client_for(accountant)
    form = client.get(_form_url(ledger, "transfer")).context["form"]
    assert list(form.fields["to_ledger"].queryset) == [other]
    bad = _post(client, ledger, "transfer", amount="50.00", to_ledger=elsewhere.pk)
    assert bad.status_code == 200 and _balance(ledger) == D("500.00")
    _post(client, ledger, "transfer", amount="200.00", to_ledger=other.pk)
    assert (_balance(ledger), _balance(other)) == (D("300.00"), D("200.00"))


def test_a_bank_fee_is_covered_by_firm_funds(ledger, accountant):
    url = reverse("trust_bank_fee_new", args=[ledger.account_id])
    client, token = client_for(accountant), str(uuid.uuid4())
    for _ in range(2):
        response = client.post(
            url, {"amount": "12.00", "date": DAY, "description": "Wire fee", "token": token}
        )
        assert response.status_code == 302
    kinds = TrustEntry.objects.filter(account=ledger.account).values_list("kind", flat=True)
    assert sorted(kinds) == ["bank_fee", "firm_funds"]


def test_reversing_an_entry_posts_one_reversal_even_when_submitted_twice(ledger, accountant):
    entry = _deposit(ledger, "80.00")
    client, token = client_for(accountant), str(uuid.uuid4())
    url = reverse("trust_entry_reverse", args=[entry.pk])
    assert client.get(url).status_code == 200
    for _ in range(2):
        response = client.post(url, {"date": DAY, "description": "Bounced", "token": token})
        assert response.status_code == 302
    (reversal,) = TrustEntry.objects.filter(reverses=entry)
    assert reversal.description == "Bounced" and _balance(ledger) == D("0.00")
    again = client.post(url, {"date": DAY, "token": str(uuid.uuid4())})
    assert "already reversed" in again.content.decode()


def test_reversing_a_deposit_already_spent_is_refused_with_the_services_message(ledger, accountant):
    entry = _deposit(ledger, "80.00")
    _pay(ledger, "50.00")
    url = reverse("trust_entry_reverse", args=[entry.pk])
    response = client_for(accountant).post(url, {"date": DAY, "token": str(uuid.uuid4())})
    assert response.status_code == 200
    assert "would overdraw it" in response.content.decode()
    assert not TrustEntry.objects.filter(reverses=entry).exists()


def test_staff_and_viewers_cannot_open_the_entry_forms(ledger, staff, viewer):
    for member in (staff, viewer):
        assert client_for(member).get(_form_url(ledger, "deposit")).status_code == 403


# -- the nav --------------------------------------------------------------------------------


def test_the_nav_shows_the_number_of_open_exceptions(ledger, other, viewer):
    client = client_for(viewer)
    assert 'data-testid="trust-badge"' not in client.get(reverse("matters")).content.decode()
    _overdraft_from_clio(ledger)
    _overdraft_from_clio(other)
    html = client.get(reverse("matters")).content.decode()
    assert 'data-testid="trust-badge"' in html
    assert ">2<span" in html
