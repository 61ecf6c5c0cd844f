"""Connect, reconnect and disconnect against the sandbox providers over real HTTP."""

import pytest
import requests

from accounts.models import AuditEvent, Role
from sync.models import Connection
from tests.factories import FirmFactory, MembershipFactory
from tests.support.forms import forms_in, submit
from tests.support.sandboxes import control, signed_in_session, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandboxes(live_server, settings):
    use_sandboxes(settings, live_server.url)
    return live_server.url


@pytest.fixture
def lakeside_admin(db):
    return MembershipFactory(
        role=Role.ADMIN, firm=FirmFactory(name="Lakeside Legal", slug="lakeside")
    )


def _connect(session, base, provider, **form):
    """Press Connect (or Reconnect) for `provider`, as the Bill Syncing page's form does."""
    token = session.cookies["csrftoken"]
    return session.post(
        f"{base}/settings/bill-syncing/connect/{provider}/",
        data={"csrfmiddlewaretoken": token, **form},
        timeout=30,
    )


def test_clio_connects_through_the_consent_page(sandboxes, lakeside_admin):
    account = control(sandboxes, "clio", "accounts", {"name": "Lakeside Legal", "region": "ca"})
    user = account["users"][0]
    session = signed_in_session(sandboxes, lakeside_admin.user)
    consent = _connect(session, sandboxes, "clio", region="ca")
    assert "/sandbox/clio/ca/oauth/authorize" in consent.url
    done = submit(
        session,
        consent,
        {"email": user["email"], "password": user["password"]},
        button=("decision", "allow"),
    )
    assert "Clio is connected as" in done.text
    conn = Connection.objects.get(firm=lakeside_admin.firm, provider="clio")
    assert conn.region == "ca" and conn.is_active and conn.access_token
    assert AuditEvent.objects.filter(
        firm=lakeside_admin.firm, action="connection.connected"
    ).exists()


def test_declining_on_the_consent_page_changes_nothing(sandboxes, lakeside_admin):
    account = control(sandboxes, "clio", "accounts", {"name": "Lakeside Legal", "region": "us"})
    session = signed_in_session(sandboxes, lakeside_admin.user)
    consent = _connect(session, sandboxes, "clio", region="us")
    done = submit(
        session, consent, {"email": account["users"][0]["email"]}, button=("decision", "deny")
    )
    assert "access was declined" in done.text
    assert not Connection.objects.exists()


def test_a_callback_with_a_foreign_state_is_refused(sandboxes, lakeside_admin):
    session = signed_in_session(sandboxes, lakeside_admin.user)
    page = session.get(
        f"{sandboxes}/settings/bill-syncing/callback/clio/?code=x&state=forged", timeout=30
    )
    assert "could not be verified" in page.text
    assert not Connection.objects.exists()


def test_a_reused_code_is_explained(sandboxes, lakeside_admin):
    account = control(sandboxes, "clio", "accounts", {"name": "Lakeside Legal", "region": "us"})
    user = account["users"][0]
    session = signed_in_session(sandboxes, lakeside_admin.user)
    consent = _connect(session, sandboxes, "clio", region="us")
    submit_resp = submit(
        session,
        consent,
        {"email": user["email"], "password": user["password"]},
        button=("decision", "allow"),
    )
    callback_url = next(
        r.headers["Location"]
        for r in submit_resp.history
        if "code=" in r.headers.get("Location", "")
    )
    # Start a fresh flow so the state matches, then replay the old, already used code.
    consent_again = _connect(session, sandboxes, "clio", region="us")
    state = requests.utils.urlparse(consent_again.url).query.split("state=")[1].split("&")[0]
    code = callback_url.split("code=")[1].split("&")[0]
    page = session.get(
        f"{sandboxes}/settings/bill-syncing/callback/clio/",
        params={"code": code, "state": state},
        timeout=30,
    )
    assert "did not accept the sign-in" in page.text


def test_quickbooks_connects_and_a_company_linked_elsewhere_is_refused(sandboxes, lakeside_admin):
    seeded = control(sandboxes, "quickbooks", "seed", {"preset": "demo"})
    session = signed_in_session(sandboxes, lakeside_admin.user)
    consent = _connect(session, sandboxes, "quickbooks")
    signed_in = submit(
        session,
        consent,
        {"email": "sandbox@intuit.example", "password": "sandbox"},
        button=("decision", "allow"),
    )
    done = submit(session, signed_in, {"realm_id": seeded["realmId"]}, button=("decision", "allow"))
    assert "QuickBooks Online is connected as Harbor &amp; Vale LLP" in done.text
    assert Connection.objects.get(provider="quickbooks").external_id == seeded["realmId"]

    other = MembershipFactory(role=Role.ADMIN)
    session2 = signed_in_session(sandboxes, other.user)
    consent2 = _connect(session2, sandboxes, "quickbooks")
    signed_in2 = submit(
        session2,
        consent2,
        {"email": "sandbox@intuit.example", "password": "sandbox"},
        button=("decision", "allow"),
    )
    refused = submit(
        session2, signed_in2, {"realm_id": seeded["realmId"]}, button=("decision", "allow")
    )
    assert "already linked to another firm" in refused.text
    assert not Connection.objects.filter(firm=other.firm).exists()


def test_xero_with_two_organisations_asks_which_one(sandboxes, lakeside_admin):
    seeded = control(sandboxes, "xero", "seed", {"preset": "demo"})
    orgs = seeded["organisations"]
    session = signed_in_session(sandboxes, lakeside_admin.user)
    consent = _connect(session, sandboxes, "xero")
    logged_in = submit(
        session, consent, {**seeded["user"]}, button=("signin", "1"), containing="email"
    )
    chooser = submit(
        session,
        logged_in,
        {"tenant": [o["tenantId"] for o in orgs]},
        button=("allow", "1"),
        containing="tenant",
    )
    assert "Choose the Xero organisation" in chooser.text
    done = submit(session, chooser, {"tenant": orgs[0]["tenantId"]}, containing="tenant")
    assert f"Xero is connected as {orgs[0]['tenantName']}" in done.text
    conn = Connection.objects.get(firm=lakeside_admin.firm, provider="xero")
    assert conn.external_id == orgs[0]["tenantId"]


def test_disconnect_revokes_the_token_at_the_provider(sandboxes, lakeside_admin):
    seeded = control(sandboxes, "xero", "seed", {"preset": "demo"})
    session = signed_in_session(sandboxes, lakeside_admin.user)
    consent = _connect(session, sandboxes, "xero")
    logged_in = submit(
        session, consent, {**seeded["user"]}, button=("signin", "1"), containing="email"
    )
    done = submit(
        session,
        logged_in,
        {"tenant": [seeded["organisations"][0]["tenantId"]]},
        button=("allow", "1"),
        containing="tenant",
    )
    assert "Xero is connected" in done.text
    conn = Connection.objects.get(provider="xero")
    token = conn.access_token
    disconnected = submit(session, done, {}, form_index=_disconnect_index(done.text))
    assert "was disconnected" in disconnected.text
    conn.refresh_from_db()
    assert conn.status == "disconnected" and conn.access_token == ""
    answer = requests.get(
        f"{sandboxes}/sandbox/xero/api/connections",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.status_code == 401


def _disconnect_index(html):
    from tests.support.forms import forms_in

    return next(i for i, f in enumerate(forms_in(html)) if "/disconnect/" in f["action"])


def _connect_clio(sandboxes, session):
    account = control(sandboxes, "clio", "accounts", {"name": "Lakeside Legal", "region": "us"})
    user = account["users"][0]
    consent = _connect(session, sandboxes, "clio", region="us")
    return submit(
        session,
        consent,
        {"email": user["email"], "password": user["password"]},
        button=("decision", "allow"),
    ), user


def test_reconnect_after_needs_reconnect_restores_the_same_connection(sandboxes, lakeside_admin):
    from sync import services

    session = signed_in_session(sandboxes, lakeside_admin.user)
    _, user = _connect_clio(sandboxes, session)
    conn = Connection.objects.get(provider="clio")
    services.connection_mark_needs_reconnect(connection_id=conn.pk, reason="invalid_grant")
    page = session.get(f"{sandboxes}/settings/bill-syncing/", timeout=30)
    assert "Needs reconnect." in page.text and "Reconnect Clio" in page.text
    consent = _connect(session, sandboxes, "clio", region="us")
    again = submit(
        session,
        consent,
        {"email": user["email"], "password": user["password"]},
        button=("decision", "allow"),
    )
    assert "Clio is connected as" in again.text
    conn.refresh_from_db()
    assert conn.status == "connected" and Connection.objects.count() == 1
    assert AuditEvent.objects.filter(
        action="connection.reconnected", object_id=str(conn.pk)
    ).exists()


def test_purging_links_needs_the_firms_name_and_then_deletes_every_link(sandboxes, lakeside_admin):
    from sync.models import ExternalLink

    session = signed_in_session(sandboxes, lakeside_admin.user)
    done, _ = _connect_clio(sandboxes, session)
    conn = Connection.objects.get(provider="clio")
    ExternalLink.objects.create(
        firm=lakeside_admin.firm,
        connection=conn,
        entity="contact",
        local_id="1",
        remote_type="Customer",
        remote_id="9",
    )
    index = next(
        i
        for i, f in enumerate(forms_in(done.text))
        if any(a.get("name") == "purge" for _, a in f["fields"])
    )
    refused = submit(session, done, {"confirm_name": "Lakeside"}, form_index=index)
    assert "Type the firm&#x27;s name exactly" in refused.text
    assert ExternalLink.objects.count() == 1 and Connection.objects.get().status == "connected"
    purged = submit(session, done, {"confirm_name": "Lakeside Legal"}, form_index=index)
    assert "every record link was deleted" in purged.text
    assert ExternalLink.objects.count() == 0
    assert AuditEvent.objects.filter(
        action="connection.links_purged", after__links_deleted=1
    ).exists()


@pytest.mark.parametrize("query", ["", "?error=access_denied", "?error=x&state=y", "?code=z"])
def test_a_callback_for_an_unknown_provider_is_a_404(client, lakeside_admin, query):
    client.force_login(lakeside_admin.user)
    answer = client.get(f"/settings/bill-syncing/callback/evil/{query}")
    assert answer.status_code == 404
