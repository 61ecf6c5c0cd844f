"""The firm dashboard's live cards and the console across a person's firms: each figure is the
one its own page shows, nothing of a firm the person does not belong to ever appears, and the
console's queries do not grow with the number of firms."""

import secrets
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import ApiToken, Role
from sync.models import Connection, Provider, Side, SyncOperation, SyncRun
from tests.conftest import client_for
from tests.factories import (
    ClientLedgerFactory,
    FirmFactory,
    FlaggedBillFactory,
    MembershipFactory,
    ReconcileRunFactory,
    TrustAccountFactory,
    books_connection,
)
from trust.models import Reconciliation, TrustEntry, TrustException
from trust.reconcile import month_standing
from trust.selectors_reconcile import months_to_approve_many

D = Decimal


def _entry(ledger, amount, on, direction="in", kind="deposit") -> TrustEntry:
    return TrustEntry.objects.create(
        firm=ledger.firm,
        account=ledger.account,
        ledger=ledger,
        kind=kind,
        direction=direction,
        amount=D(amount),
        date=on,
        source="clio",
        source_id=f"bank_transaction:{secrets.randbelow(10**12)}",
    )


def _exception(ledger) -> TrustException:
    overdraft = _entry(ledger, "1.00", date(2026, 3, 3), "out", "disbursement")
    return TrustException.objects.create(
        firm=ledger.firm, entry=overdraft, ledger=ledger, balance_after=D("-1.00")
    )


def _failed_op(firm) -> SyncOperation:
    return SyncOperation.objects.create(
        firm=firm,
        connection=books_connection(firm),
        entity="bill",
        action="create",
        local_id=str(secrets.randbelow(10**9)),
        source_version="e1",
        idempotency_key=secrets.token_hex(16),
        payload={},
        fingerprint="f",
        status=SyncOperation.Status.FAILED,
        error_code="6000",
    )


def _page(client, name="dashboard") -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


# -- reconciliation months: due and overdue, worked ------------------------------------------


def test_a_month_is_due_for_thirty_days_after_it_ends_then_overdue():
    assert month_standing(date(2026, 11, 30), date(2026, 12, 4)) == "due"
    assert month_standing(date(2026, 11, 30), date(2026, 12, 30)) == "due"
    assert month_standing(date(2026, 11, 30), date(2026, 12, 31)) == "overdue"
    assert month_standing(date(2026, 10, 31), date(2026, 12, 4)) == "overdue"


def test_months_to_approve_are_those_the_reconciliation_page_lists_unapproved(firm, admin):
    # First entry 15 Sep; on 4 Dec, September to November are listed. October is approved, so
    # November is due and September overdue.
    ledger = ClientLedgerFactory(firm=firm)
    _entry(ledger, "100.00", date(2026, 9, 15))
    preparer = MembershipFactory(firm=firm, role=Role.ACCOUNTANT)
    Reconciliation.objects.create(
        firm=firm,
        account=ledger.account,
        period_end=date(2026, 10, 31),
        status="approved",
        prepared_by=preparer.user,
        approved_by=admin.user,
    )
    months = months_to_approve_many(account_ids=[ledger.account_id], today=date(2026, 12, 4))
    assert [(m.period_end, m.standing) for m in months[ledger.account_id]] == [
        (date(2026, 11, 30), "due"),
        (date(2026, 9, 30), "overdue"),
    ]


# -- the dashboard ---------------------------------------------------------------------------


def test_the_dashboard_shows_each_trust_accounts_balance(admin):
    ledger = ClientLedgerFactory(firm=admin.firm, account__name="IOLTA", account__is_primary=True)
    _entry(ledger, "181046.25", date(2026, 3, 2))
    TrustAccountFactory(firm=admin.firm, name="Second trust")
    html = _page(client_for(admin))
    assert "No trust accounts yet" not in html
    assert "IOLTA" in html and "181,046.25" in html
    assert "Second trust" in html and "0.00" in html
    assert reverse("trust_overview") in html


def test_a_new_firms_dashboard_shows_each_cards_empty_state(admin):
    html = _page(client_for(admin))
    assert "No trust accounts yet." in html
    assert "No open compliance exceptions." in html
    assert "Nothing to reconcile until there is a trust account." in html
    assert "No flagged bills." in html
    assert "Not compared yet" in html
    assert "Clio and your books are not connected." in html and "No sync has run yet." in html
    for name in ("trust_reconciliations", "flagged_bills", "receivables", "sync_status"):
        assert reverse(name) in html


def test_the_dashboard_counts_exceptions_months_flags_and_failures(admin):
    firm = admin.firm
    ledger = ClientLedgerFactory(firm=firm)
    _entry(ledger, "50.00", timezone.localdate().replace(day=1) - timezone.timedelta(days=70))
    _exception(ledger)
    _exception(ledger)
    FlaggedBillFactory(firm=firm)
    _failed_op(firm)
    ReconcileRunFactory(firm=firm, ar_clio=D("650.00"), ar_books=D("500.00"))
    html = _page(client_for(admin))
    assert "2</strong> open exceptions" in html
    assert "overdue" in html and "due now" in html
    assert "1</strong> bill flagged" in html
    assert "1 record failed to sync." in html
    assert "-150.00" in html


def test_flagged_bills_are_not_on_the_dashboard_of_a_role_that_cannot_open_them(firm):
    viewer = MembershipFactory(firm=firm, role=Role.VIEWER)
    accountant = MembershipFactory(firm=firm, role=Role.ACCOUNTANT)
    FlaggedBillFactory(firm=firm)
    assert 'data-testid="card-flagged-bills"' not in _page(client_for(viewer))
    assert 'data-testid="card-flagged-bills"' in _page(client_for(accountant))


def test_the_dashboard_shows_nothing_of_another_firm(admin, outsider):
    theirs = ClientLedgerFactory(firm=outsider.firm, account__name="Their IOLTA")
    _entry(theirs, "777777.77", date(2026, 3, 2))
    _exception(theirs)
    FlaggedBillFactory(firm=outsider.firm)
    html = _page(client_for(admin))
    assert "Their IOLTA" not in html and "777,777.77" not in html
    assert "No open compliance exceptions." in html and "No flagged bills." in html


# -- the console -----------------------------------------------------------------------------


def _firm_with_everything(user, name, role=Role.ADMIN):
    member = MembershipFactory(firm=FirmFactory(name=name), user=user, role=role)
    ledger = ClientLedgerFactory(firm=member.firm, account__name=f"{name} IOLTA")
    _entry(ledger, "100.00", date(2026, 1, 5))
    _exception(ledger)
    FlaggedBillFactory(firm=member.firm)
    _failed_op(member.firm)
    ReconcileRunFactory(firm=member.firm)
    SyncRun.objects.create(firm=member.firm, status=SyncRun.Status.SUCCEEDED)
    Connection.objects.create(
        firm=member.firm,
        provider=Provider.CLIO,
        side=Side.PRACTICE,
        external_id=secrets.token_hex(4),
    )
    return member


def test_the_console_lists_every_firm_of_the_person_and_no_other(admin, outsider):
    second = _firm_with_everything(admin.user, "Second Firm LLP", Role.ACCOUNTANT)
    _firm_with_everything(outsider.user, "Not Yours LLP")
    html = _page(client_for(admin), "console")
    assert html.count('data-testid="console-firm"') == 2
    assert "Harbor &amp; Vale LLP" in html and "Second Firm LLP" in html
    assert "Not Yours LLP" not in html and f'value="{outsider.firm_id}"' not in html
    # Second Firm: an exception, a failed record, an overdue month; the accountant reads its
    # flagged bills there.
    row = html[html.index(f'id="firm-{second.firm_id}"') :]
    row = row[: row.index("</tr>")]
    assert "overdue" in row and "1 record failed to sync." in row
    assert "Flagged bills in Second Firm LLP: </span>" in row and "-150.00" in row
    assert "Not for your role" not in row


def test_a_member_of_three_firms_sees_exactly_those_three(admin, outsider):
    mine = {admin.firm_id}
    for name in ("Second Firm LLP", "Third Firm LLP"):
        mine.add(_firm_with_everything(admin.user, name, Role.VIEWER).firm_id)
    theirs = {outsider.firm_id, _firm_with_everything(outsider.user, "Not Yours LLP").firm_id}
    client = client_for(admin)
    html = _page(client, "console")
    api = client.get(reverse("api_console"), HTTP_ACCEPT="application/json").json()
    shown = {f["firm_id"] for f in api}
    assert shown == mine and len(mine) == 3
    assert html.count('data-testid="console-firm"') == 3
    for firm_id in mine:
        assert f'id="firm-{firm_id}"' in html
    for firm_id in theirs:
        assert f'id="firm-{firm_id}"' not in html and f'value="{firm_id}"' not in html
    assert "Not Yours LLP" not in html


def test_the_console_link_switches_firm_and_opens_the_page(admin):
    second = _firm_with_everything(admin.user, "Second Firm LLP")
    client = client_for(admin)
    response = client.post(
        reverse("firm_switch"), {"firm": second.firm_id, "next": reverse("trust_reconciliations")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("trust_reconciliations")
    assert client.session["current_firm_id"] == second.firm_id
    assert "Second Firm LLP IOLTA" in _page(client, "trust_reconciliations")


@pytest.mark.parametrize("after", ["https://evil.example/", "//evil.example/x", "javascript:1"])
def test_the_switch_never_sends_anyone_off_the_site(admin, after):
    second = _firm_with_everything(admin.user, "Second Firm LLP")
    response = client_for(admin).post(
        reverse("firm_switch"), {"firm": second.firm_id, "next": after}
    )
    assert response["Location"] == reverse("dashboard")


def test_the_switch_refuses_a_firm_the_person_does_not_belong_to(admin, outsider):
    client = client_for(admin)
    response = client.post(reverse("firm_switch"), {"firm": outsider.firm_id, "next": "/trust/"})
    assert response["Location"] == reverse("dashboard")
    assert client.session["current_firm_id"] == admin.firm_id


def test_the_menu_shows_the_console_only_to_people_in_several_firms(admin):
    assert reverse("console") not in _page(client_for(admin))
    _firm_with_everything(admin.user, "Second Firm LLP")
    assert reverse("console") in _page(client_for(admin))


def _queries(client: Client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, **headers).status_code == 200
    return len(ctx.captured_queries)


def test_the_consoles_queries_do_not_grow_with_the_number_of_firms(admin):
    client = client_for(admin)
    for i in range(2):
        _firm_with_everything(admin.user, f"Firm {i}")
    page_3, api_3 = (
        _queries(client, reverse("console")),
        _queries(client, reverse("api_console"), HTTP_ACCEPT="application/json"),
    )
    for i in range(2, 9):
        _firm_with_everything(admin.user, f"Firm {i}")
    assert admin.user.memberships.count() == 10
    assert _queries(client, reverse("console")) == page_3
    assert _queries(client, reverse("api_console"), HTTP_ACCEPT="application/json") == api_3


def test_the_consoles_queries_are_the_same_for_3_or_12_firms(admin):
    client = client_for(admin)
    for i in range(2):
        _firm_with_everything(admin.user, f"Firm {i}", Role.ACCOUNTANT)
    three = _queries(client, reverse("console"))
    for i in range(2, 11):
        _firm_with_everything(admin.user, f"Firm {i}", Role.ACCOUNTANT)
    assert admin.user.memberships.count() == 12
    assert _queries(client, reverse("console")) == three


def test_the_dashboards_queries_do_not_grow_with_accounts_or_records(admin):
    client = client_for(admin)

    def add(n):
        for _ in range(n):
            ledger = ClientLedgerFactory(firm=admin.firm)
            _entry(ledger, "10.00", date(2026, 1, 5))
            _exception(ledger)
            FlaggedBillFactory(firm=admin.firm)
            _failed_op(admin.firm)

    add(1)
    one = _queries(client, reverse("dashboard"))
    add(4)
    assert _queries(client, reverse("dashboard")) == one


# -- the console's API -----------------------------------------------------------------------


def test_the_api_gives_each_of_the_persons_firms_and_no_other(admin, outsider):
    second = _firm_with_everything(admin.user, "Second Firm LLP", Role.ACCOUNTANT)
    _firm_with_everything(outsider.user, "Not Yours LLP")
    body = client_for(admin).get(reverse("api_console"), HTTP_ACCEPT="application/json").json()
    assert {f["firm"] for f in body} == {"Harbor & Vale LLP", "Second Firm LLP"}
    row = next(f for f in body if f["firm_id"] == second.firm_id)
    assert row["role"] == "accountant" and row["flagged_bills"] == 1
    assert row["open_exceptions"] == 1 and row["sync"]["failed_records"] == 1
    assert row["trust_balances"][0]["balance"] == "99.00"
    assert row["receivables"]["difference"] == "-150.00"
    assert row["reconciliations_overdue"][0]["standing"] == "overdue"
    assert outsider.firm_id not in {f["firm_id"] for f in body}


def test_an_api_token_sees_its_own_firm_only(admin):
    _firm_with_everything(admin.user, "Second Firm LLP")
    _, raw = account_services.api_token_create(
        member=admin, name="console", scope=ApiToken.Scope.READ
    )
    body = Client().get(reverse("api_console"), HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert [f["firm"] for f in body] == ["Harbor & Vale LLP"]
    assert body[0]["flagged_bills"] == 0


def test_anonymous_callers_get_the_error_shape(client, db):
    response = client.get(reverse("api_console"), HTTP_ACCEPT="application/json")
    assert response.status_code in (401, 403) and "error" in response.json()


def test_the_console_endpoint_is_in_the_schema(client, db):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    assert "/api/v1/console" in schema["paths"]
    props = schema["components"]["schemas"]["ConsoleFirmOutput"]["properties"]
    assert {"reconciliations_due", "reconciliations_overdue", "flagged_bills"} <= set(props)


def test_the_reconciliations_page_marks_each_month_due_or_overdue_as_the_dashboard_counts(admin):
    ledger = ClientLedgerFactory(firm=admin.firm)
    _entry(ledger, "50.00", timezone.localdate().replace(day=1) - timezone.timedelta(days=70))
    html = _page(client_for(admin), "trust_reconciliations")
    assert '<span class="status-warn">due</span>' in html
    assert html.count('<span class="status-bad">overdue</span>') >= 2
