"""The trust duties page, the overdue duties on the trust page, the forms that record what was
done, and the duties API, through the views as a browser and an API client see them."""

from django.urls import reverse

from tests.conftest import client_for
from tests.trust.duties.builders import account_under, days_ago, deposit, ledger_on
from trust.models import DutyRecord, TrustAccount


def _overdue_notice(firm):
    account = account_under(firm, "US-CA")
    return account, deposit(ledger_on(account), ago=20)


def test_the_duties_page_shows_overdue_items_with_their_citation_and_counsel_note(firm, accountant):
    _overdue_notice(firm)
    page = client_for(accountant).get(reverse("trust_duties"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "California" in body and 'data-status="overdue"' in body
    assert "Client notified within 14 days of receiving funds" in body
    assert "California Rule 1.15 as amended: notify within 14 days" in body
    assert "Review with counsel" in body
    assert "Record notice" in body  # an accountant may record it


def test_a_viewer_sees_the_duties_but_no_forms(firm, viewer):
    _overdue_notice(firm)
    body = client_for(viewer).get(reverse("trust_duties")).content.decode()
    assert 'data-status="overdue"' in body
    assert "Record notice" not in body and 'name="jurisdiction"' not in body


def test_an_outsider_sees_none_of_the_firms_duties(firm, outsider):
    _overdue_notice(firm)
    body = client_for(outsider).get(reverse("trust_duties")).content.decode()
    assert 'data-testid="duty-item"' not in body and "duties-empty" in body


def test_the_trust_page_lists_overdue_duties(firm, staff):
    _overdue_notice(firm)
    body = client_for(staff).get(reverse("trust_overview")).content.decode()
    assert 'data-testid="duties-overdue"' in body
    assert "Client notified within 14 days" in body


def test_recording_a_notice_on_the_page_clears_the_overdue_item(firm, accountant):
    _, entry = _overdue_notice(firm)
    client = client_for(accountant)
    response = client.post(
        reverse("trust_duty_notice", args=[entry.pk]),
        {"noticed_on": days_ago(10).isoformat(), "note": "Emailed."},
    )
    assert response.status_code == 302
    record = DutyRecord.objects.get(entry=entry)
    assert (record.done_on, record.note, record.recorded_by) == (
        days_ago(10),
        "Emailed.",
        accountant.user,
    )
    overdue = client.get(reverse("trust_overview")).context["duties_overdue"]
    assert overdue and "ca.deposit-notice" not in {i.rule.id for i in overdue}  # months remain


def test_a_refused_notice_is_shown_and_records_nothing(firm, accountant):
    _, entry = _overdue_notice(firm)
    response = client_for(accountant).post(
        reverse("trust_duty_notice", args=[entry.pk]),
        {"noticed_on": days_ago(30).isoformat()},
        follow=True,
    )
    assert "The notice date is before" in response.content.decode()
    assert not DutyRecord.objects.exists()


def test_an_outsider_cannot_record_a_notice_on_another_firms_deposit(firm, outsider):
    _, entry = _overdue_notice(firm)
    response = client_for(outsider).post(
        reverse("trust_duty_notice", args=[entry.pk]), {"noticed_on": days_ago(10).isoformat()}
    )
    assert response.status_code == 404
    assert not DutyRecord.objects.exists()


def test_an_admin_chooses_the_rule_pack_on_the_page(firm, admin):
    account = account_under(firm, "")
    client_for(admin).post(
        reverse("trust_duty_jurisdiction", args=[account.pk]),
        {"jurisdiction": "US-NC", "duties_from": days_ago(30).isoformat()},
    )
    account = TrustAccount.objects.get(pk=account.pk)
    assert (account.jurisdiction, account.duties_from) == ("US-NC", days_ago(30))
    body = client_for(admin).get(reverse("trust_duties")).content.decode()
    assert "North Carolina" in body and "Quarterly three-way reconciliation" in body


def test_the_duties_page_costs_the_same_queries_for_more_deposits(
    firm, accountant, django_assert_max_num_queries
):
    account = account_under(firm, "US-CA")
    for n in range(5):
        deposit(ledger_on(account, number=f"0002{n}-Client"), ago=20 + n)
    client = client_for(accountant)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("trust_duties"))
    assert page.content.decode().count('data-rule="ca.deposit-notice"') == 5


# -- API -----------------------------------------------------------------------------------------


def test_the_api_lists_duties_with_rule_citation_and_counsel_note(firm, viewer):
    account, entry = _overdue_notice(firm)
    rows = client_for(viewer).get(reverse("api_trust_duties") + "?status=overdue").json()
    (row,) = [r for r in rows["results"] if r["rule"]["id"] == "ca.deposit-notice"]
    assert row["account"] == account.pk and row["entry"] == entry.pk
    assert row["status"] == "overdue" and row["due"] == days_ago(6).isoformat()
    assert row["rule"]["citation"].startswith("California Rule 1.15")
    assert row["rule"]["counsel"].startswith("Review with counsel")
    assert row["rule"]["is_deadline"] is True
    assert all(r["status"] == "overdue" for r in rows["results"])


def test_the_api_refuses_another_firms_account_filter_with_404(firm, outsider):
    account, _ = _overdue_notice(firm)
    response = client_for(outsider).get(reverse("api_trust_duties") + f"?account={account.pk}")
    assert response.status_code == 404
    assert client_for(outsider).get(reverse("api_trust_duties")).json()["results"] == []


def test_the_api_records_a_notice_once(firm, accountant):
    _, entry = _overdue_notice(firm)
    client = client_for(accountant)
    url = reverse("api_trust_deposit_notice", args=[entry.pk])
    body = {"noticed_on": days_ago(8).isoformat(), "note": "Letter."}
    first = client.post(url, body, content_type="application/json")
    assert first.status_code == 201, first.json()
    assert first.json()["kind"] == "notice" and first.json()["entry"] == entry.pk
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "trust_refused"
    assert "already recorded" in again.json()["error"]["message"]


def test_the_api_refuses_a_notice_from_a_viewer(firm, viewer):
    _, entry = _overdue_notice(firm)
    response = client_for(viewer).post(
        reverse("api_trust_deposit_notice", args=[entry.pk]),
        {"noticed_on": days_ago(8).isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_the_duties_api_costs_the_same_queries_for_more_deposits(
    firm, viewer, django_assert_max_num_queries
):
    account = account_under(firm, "US-CA")
    for n in range(5):
        deposit(ledger_on(account, number=f"0003{n}-Client"), ago=20 + n)
    client = client_for(viewer)
    with django_assert_max_num_queries(12):
        rows = client.get(reverse("api_trust_duties"), HTTP_ACCEPT="application/json").json()
    notices = [r for r in rows["results"] if r["rule"]["id"] == "ca.deposit-notice"]
    assert len(notices) == 5


def test_a_reconciliation_item_links_to_its_month(firm, accountant):
    account = account_under(firm, "US-FL", since_days=90)
    body = client_for(accountant).get(reverse("trust_duties")).content.decode()
    first = account.duties_from.replace(day=1)
    url = reverse("trust_reconcile_month", args=[account.pk, first.year, first.month])
    assert url in body
