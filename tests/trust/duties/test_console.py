"""Trust duties reach the dashboard's compliance card, the console and its API: how many are
overdue, and which fall due within the trust duties page's "due soon" window, with their dates."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.trust.duties.builders import account_under, deposit, ledger_on
from trust.duties.evaluate import SOON_DAYS
from trust.duties.selectors import duties_open_many
from trust.models import TrustAccount

NOTICE_DAYS = 14  # US-CA: the client is told of a deposit within 14 days (trust.duties.packs)


def _duties(firm):
    accounts = list(TrustAccount.objects.filter(firm=firm))
    return duties_open_many(accounts=accounts, as_of=timezone.localdate())[firm.pk]


def _api_row(member, firm) -> dict:
    rows = client_for(member).get(reverse("api_console"), HTTP_ACCEPT="application/json").json()
    (row,) = [r for r in rows if r["firm_id"] == firm.pk]
    return row


def _notice_items(items, entry) -> list:
    return [i for i in items if i["key"].endswith(f"entry-{entry.pk}")]


def _row_html(html: str, firm) -> str:
    row = html[html.index(f'id="firm-{firm.pk}"') :]
    return row[: row.index("</tr>")]


def test_the_console_counts_each_firms_overdue_duties(firm, admin):
    deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    count = _duties(firm).overdue
    assert count >= 1  # the notice, and any month not reconciled
    client = client_for(admin)
    body = client.get(reverse("console")).content.decode()
    assert 'data-testid="console-duties"' in body and "Trust duties overdue" in body
    assert _api_row(admin, firm)["overdue_trust_duties"] == count


def test_a_duty_coming_due_is_on_the_console_with_its_date(firm, admin):
    entry = deposit(ledger_on(account_under(firm, "US-CA")), ago=5)
    due = entry.date + timedelta(days=NOTICE_DAYS)
    assert (due - timezone.localdate()).days <= SOON_DAYS
    (item,) = _notice_items(_api_row(admin, firm)["trust_duties_due_soon"], entry)
    assert item["due"] == due.isoformat() and item["rule_id"] == "ca.deposit-notice"
    assert item["account_id"] == entry.account_id and "00012-Okafor" in item["subject"]
    html = client_for(admin).get(reverse("console")).content.decode()
    row = _row_html(html, firm)
    assert f'<time datetime="{due.isoformat()}"' in row and f"{due:%-d %b %Y}" in row


def test_an_overdue_duty_stays_overdue_and_is_not_listed_as_due_soon(firm, admin):
    late = deposit(ledger_on(account_under(firm, "US-CA")), ago=NOTICE_DAYS + 3)
    soon = deposit(ledger_on(late.account, number="00013-Brandt"), ago=2)
    duties = _duties(firm)
    keys = [i.key for i in duties.due_soon]
    assert not [k for k in keys if k.endswith(f"entry-{late.pk}")]
    assert [k for k in keys if k.endswith(f"entry-{soon.pk}")]
    row = _api_row(admin, firm)
    assert row["overdue_trust_duties"] == duties.overdue >= 1
    assert not _notice_items(row["trust_duties_due_soon"], late)
    assert _notice_items(row["trust_duties_due_soon"], soon)


def test_due_soon_is_earliest_first(firm, admin):
    ledger = ledger_on(account_under(firm, "US-CA"))
    deposit(ledger, ago=1)
    deposit(ledger, ago=6)
    dues = [i["due"] for i in _api_row(admin, firm)["trust_duties_due_soon"]]
    assert dues == sorted(dues) and len(dues) >= 2


def test_a_member_of_three_firms_sees_the_duties_of_exactly_those_three(admin, outsider):
    mine = [admin.firm]
    for _ in range(2):
        mine.append(MembershipFactory(user=admin.user, role=Role.VIEWER).firm)
    entries = {f.pk: deposit(ledger_on(account_under(f, "US-CA")), ago=3) for f in mine}
    theirs = deposit(ledger_on(account_under(outsider.firm, "US-CA"), number="99999-Hidden"), ago=3)
    client = client_for(admin)
    rows = client.get(reverse("api_console"), HTTP_ACCEPT="application/json").json()
    assert {r["firm_id"] for r in rows} == {f.pk for f in mine}
    for r in rows:
        assert _notice_items(r["trust_duties_due_soon"], entries[r["firm_id"]])
        assert not _notice_items(r["trust_duties_due_soon"], theirs)
    html = client.get(reverse("console")).content.decode()
    assert html.count('data-testid="console-firm"') == 3
    assert "99999-Hidden" not in html and f'id="firm-{outsider.firm_id}"' not in html
    for f in mine:
        assert "00012-Okafor" in _row_html(html, f)


def test_a_firm_with_more_due_soon_than_the_cell_shows_links_to_the_rest(firm, admin):
    ledger = ledger_on(account_under(firm, "US-CA"))
    for ago in range(1, 6):
        deposit(ledger, ago=ago)
    row = _row_html(client_for(admin).get(reverse("console")).content.decode(), firm)
    shown = row.count('data-testid="console-duty-soon"')
    total = len(_duties(firm).due_soon)
    assert shown == 3 and f"and {total - 3} more" in row


def test_the_dashboard_shows_the_overdue_duties_with_a_link(firm, admin):
    deposit(ledger_on(account_under(firm, "US-CA")), ago=20)
    body = client_for(admin).get(reverse("dashboard")).content.decode()
    assert 'data-testid="duties-overdue-count"' in body
    assert reverse("trust_duties") in body


def test_money_on_a_closed_matter_coming_due_is_listed_and_a_later_one_stays_on_the_calendar(
    firm, admin
):
    account = account_under(firm, "US-CA")
    soon = deposit(ledger_on(account, number="00020-Closed", status="closed"), ago=40)
    later = deposit(ledger_on(account, number="00021-Closed", status="closed"), ago=10)
    items = [i for i in _duties(firm).due_soon if i.rule.id == "ca.distribution"]
    assert [i.ledger_id for i in items] == [soon.ledger_id]
    assert items[0].due == soon.date + timedelta(days=45)
    calendar = client_for(admin).get(reverse("api_trust_duties"), {"status": "upcoming"}).json()
    rows = calendar["results"] if isinstance(calendar, dict) else calendar
    assert later.ledger_id in {r["ledger"] for r in rows if r["rule"]["id"] == "ca.distribution"}
