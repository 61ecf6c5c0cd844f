"""Sync settings and preflight, read live from the sandbox books over HTTP."""

from datetime import timedelta

import pytest
import requests
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from sync import books, preflight, services, setup_services
from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers import oauth
from tests.factories import FirmFactory, MembershipFactory
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


def _connect(base, settings, admin, provider, account):
    raw = control(
        base,
        provider,
        "tokens",
        {"client_id": settings.PROVIDERS[provider]["client_id"], "account": account},
    )
    external = raw.get("realmId") or account
    return services.connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider=provider,
        external_id=external,
        external_name=str(account),
        tokens=oauth.tokens_from(raw),
    )


@pytest.fixture
def harbor(live_server, settings):
    use_sandboxes(settings, live_server.url)
    realm = control(live_server.url, "quickbooks", "seed", {"preset": "demo"})["realmId"]
    # The tests write to the sandbox beside the product, which its budget cannot count.
    control(live_server.url, "quickbooks", "limits", {"lifted": True})
    admin = MembershipFactory(
        role=Role.ADMIN, firm=FirmFactory(name="Harbor & Vale LLP", currency="USD")
    )
    conn = _connect(live_server.url, settings, admin, "quickbooks", realm)
    return live_server.url, admin, conn, realm


def _check(checks, key):
    return next(c for c in checks if c.key == key)


def test_preflight_flags_custom_numbers_and_fix_it_for_me_turns_them_on(harbor):
    _, admin, _, _ = harbor
    checks, facts = preflight.preflight_run(firm=admin.firm)
    assert facts.custom_numbers is False
    custom = _check(checks, "qbo_custom_numbers")
    assert not custom.ok and custom.blocking and custom.fixable
    assert custom in preflight.preflight_blocking(checks)
    done = setup_services.preflight_fix(firm=admin.firm, actor=admin.user, key="qbo_custom_numbers")
    assert "on" in done
    checks, facts = preflight.preflight_run(firm=admin.firm)
    assert facts.custom_numbers is True and _check(checks, "qbo_custom_numbers").ok


def test_the_starting_number_is_one_past_the_highest_invoice_or_credit_memo(harbor, settings):
    base, admin, conn, realm = harbor
    facts = books.books_facts(conn)
    assert books.next_number(facts.numbers) == 1041  # the demo books' invoices run to 1040
    setup_services.preflight_fix(firm=admin.firm, actor=admin.user, key="qbo_custom_numbers")
    customer = control(
        base,
        "quickbooks",
        "actions",
        {"action": "create_customer", "realm_id": realm, "display_name": "Credit Test"},
    )
    item = client_for(conn).query("SELECT * FROM Item MAXRESULTS 1")["Item"][0]["Id"]
    memo = {
        "DocNumber": "1107",
        "CustomerRef": {"value": customer["Customer"]["Id"]},
        "Line": [
            {
                "Amount": 50,
                "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": {"ItemRef": {"value": item}},
            }
        ],
    }
    created = requests.post(
        f"{base}/sandbox/quickbooks/api/v3/company/{realm}/creditmemo",
        json=memo,
        headers={"Authorization": f"Bearer {conn.access_token}", "Accept": "application/json"},
        timeout=30,
    )
    assert created.status_code == 200, created.text
    facts = books.books_facts(conn)
    assert books.next_number(facts.numbers) == 1108
    errors = setup_services.sync_settings_validate(
        facts=facts, data={"starting_invoice_number": 1100}
    )
    assert (
        "would collide" in errors["starting_invoice_number"]
        and "1108" in errors["starting_invoice_number"]
    )
    assert (
        setup_services.sync_settings_validate(facts=facts, data={"starting_invoice_number": 1108})
        == {}
    )


def test_settings_are_saved_only_with_accounts_the_books_have(harbor):
    _, admin, conn, _ = harbor
    facts = books.books_facts(conn)
    income = books.accounts_for_role(facts, "fee_income")[0]
    bank = books.accounts_for_role(facts, "operating_bank")[0]
    with pytest.raises(ValidationError) as err:
        setup_services.sync_settings_save(
            firm=admin.firm,
            actor=admin.user,
            facts=facts,
            data={"start_date": timezone.localdate(), "accounts": {"fee_income": bank.id}},
        )
    assert "cannot be used here" in str(err.value)
    cfg = setup_services.sync_settings_save(
        firm=admin.firm,
        actor=admin.user,
        facts=facts,
        data={
            "start_date": timezone.localdate(),
            "starting_invoice_number": 1041,
            "accounts": {"fee_income": income.id, "operating_bank": bank.id},
        },
    )
    assert cfg.accounts["fee_income"] == {"id": income.id, "name": income.name}
    checks, _ = preflight.preflight_run(firm=admin.firm)
    assert _check(checks, "accounts_mapped").ok


def test_a_closed_period_after_the_start_date_blocks(harbor):
    base, _, conn, realm = harbor
    closed = timezone.localdate() - timedelta(days=1)
    control(
        base,
        "quickbooks",
        "actions",
        {"action": "set_closing_date", "realm_id": realm, "date": closed.isoformat()},
    )
    facts = books.books_facts(conn)
    errors = setup_services.sync_settings_validate(
        facts=facts, data={"start_date": closed - timedelta(days=30)}
    )
    assert "closed through" in errors["start_date"]


def test_trust_accounts_can_be_created_for_me(harbor):
    _, admin, conn, _ = harbor
    before = len(books.accounts_for_role(books.books_facts(conn), "trust_liability"))
    setup_services.preflight_fix(firm=admin.firm, actor=admin.user, key="account_trust_liability")
    after = books.accounts_for_role(books.books_facts(conn), "trust_liability")
    assert len(after) == before + 1 and any(a.subtype == "TrustAccountsLiabilities" for a in after)


def test_xero_preflight_reads_currency_and_accounts(live_server, settings):
    use_sandboxes(settings, live_server.url)
    seeded = control(live_server.url, "xero", "seed", {"preset": "demo"})
    admin = MembershipFactory(
        role=Role.ADMIN, firm=FirmFactory(name="Lakeside Legal", currency="USD")
    )
    _connect(live_server.url, settings, admin, "xero", seeded["organisations"][0]["tenantId"])
    Connection.objects.filter(provider="xero").update(
        external_id=seeded["organisations"][0]["tenantId"]
    )
    checks, facts = preflight.preflight_run(firm=admin.firm)
    assert facts.provider == "xero" and facts.name == "Lakeside Legal"
    assert _check(checks, "currency").ok == (facts.home_currency == "USD")
    assert _check(checks, "account_trust_bank").ok and _check(checks, "account_trust_liability").ok


def test_the_api_reads_the_preflight_and_updates_settings_with_the_same_validation(harbor):
    base, admin, _, _ = harbor
    from accounts.models import ApiToken
    from accounts.services import api_token_create

    _, raw = api_token_create(member=admin, name="ci", scope=ApiToken.Scope.READ_WRITE)
    auth = {"Authorization": f"Bearer {raw}"}
    preflight_body = requests.get(f"{base}/api/v1/sync/preflight", headers=auth, timeout=60).json()
    assert preflight_body["ready"] is False and preflight_body["next_invoice_number"] == 1041
    assert any(c["key"] == "qbo_custom_numbers" and not c["ok"] for c in preflight_body["checks"])
    refused = requests.patch(
        f"{base}/api/v1/sync/settings",
        json={"start_date": "2026-01-01", "starting_invoice_number": 1005},
        headers=auth,
        timeout=60,
    )
    assert refused.status_code == 400
    assert "would collide" in refused.json()["error"]["details"]["starting_invoice_number"][0]
    saved = requests.patch(
        f"{base}/api/v1/sync/settings",
        json={"start_date": "2026-01-01", "starting_invoice_number": 1041},
        headers=auth,
        timeout=60,
    )
    assert saved.status_code == 200 and saved.json()["starting_invoice_number"] == 1041
    connections = requests.get(f"{base}/api/v1/connections", headers=auth, timeout=60).json()
    assert [c["provider"] for c in connections] == ["quickbooks"]


def test_preflight_warns_when_clios_numbers_run_into_the_books_and_a_prefix_answers_it(harbor):
    from datetime import date
    from decimal import Decimal

    from practice.models import Bill
    from sync.models import SyncSettings

    _, admin, _, _ = harbor
    for clio_id, number in ((1, "1038"), (2, "1039")):
        Bill.objects.create(
            firm=admin.firm, clio_id=clio_id, number=number, state="paid", total=Decimal("10")
        )
    warned = _check(preflight.preflight_run(firm=admin.firm)[0], "clio_numbers")
    assert not warned.ok and not warned.blocking
    assert "Clio's highest bill number is 1039; QuickBooks already uses numbers up to 1040" in (
        warned.detail
    )
    assert "Set Clio's next bill number to 1041 or higher" in warned.fix
    SyncSettings.objects.create(
        firm=admin.firm, start_date=date(2026, 1, 1), invoice_number_prefix="C-"
    )
    answered = _check(preflight.preflight_run(firm=admin.firm)[0], "clio_numbers")
    assert answered.ok and "C-1042" in answered.detail


def test_the_api_saves_the_invoice_number_prefix_and_refuses_one_the_books_cannot_take(harbor):
    base, admin, _, _ = harbor
    from accounts.models import ApiToken
    from accounts.services import api_token_create

    _, raw = api_token_create(member=admin, name="ci", scope=ApiToken.Scope.READ_WRITE)
    auth = {"Authorization": f"Bearer {raw}"}
    url = f"{base}/api/v1/sync/settings"
    refused = requests.patch(
        url,
        json={"start_date": "2026-01-01", "invoice_number_prefix": "C 1"},
        headers=auth,
        timeout=60,
    )
    assert refused.status_code == 400
    assert "invoice_number_prefix" in refused.json()["error"]["details"]
    saved = requests.patch(
        url,
        json={"start_date": "2026-01-01", "invoice_number_prefix": "C-"},
        headers=auth,
        timeout=60,
    )
    assert saved.status_code == 200 and saved.json()["invoice_number_prefix"] == "C-"
