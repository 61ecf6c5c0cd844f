"""OAuth 2.0 as Xero does it: consent with organisation choice, PKCE, rotating refresh tokens
with a 30-minute grace, revocation, /connections and the tenant header."""

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sandbox.xero.conftest import API, Xero, ctl

LOGIN = "/sandbox/xero/login/identity/connect/authorize"
TOKEN = "/sandbox/xero/identity/connect/token"
REVOKE = "/sandbox/xero/identity/connect/revocation"
CONNECTIONS = "/sandbox/xero/api/connections"
REDIRECT = "https://app.example/callback"
SCOPE = "openid profile email offline_access accounting.transactions accounting.contacts accounting.settings"


@pytest.fixture
def demo(client, db):
    seeded = ctl(client, "seed", {"preset": "demo"})
    app = ctl(client, "apps", {"redirect_uris": [REDIRECT], "name": "FirmSync"})
    ctl(client, "limits", {"enabled": False})
    return {"orgs": seeded["organisations"], "user": seeded["user"], "app": app}


def _params(app, **extra):
    params = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": REDIRECT,
        "scope": SCOPE,
        "state": "xyz",
    }
    params.update(extra)
    return params


def _consent(client, demo, tenants, **extra):
    params = _params(demo["app"], **extra)
    creds = {"email": demo["user"]["email"], "password": demo["user"]["password"]}
    page = client.post(LOGIN, {**params, **creds, "signin": "1"})
    assert page.status_code == 200
    for org in demo["orgs"]:
        assert org["tenantName"] in page.content.decode()
    resp = client.post(LOGIN, {**params, **creds, "tenant": tenants, "allow": "1"})
    assert resp.status_code == 302
    query = parse_qs(urlsplit(resp["Location"]).query)
    assert query["state"] == ["xyz"]
    return query["code"][0]


def _basic(app):
    raw = f"{app['client_id']}:{app['client_secret']}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def _exchange(client, app, code, **extra):
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}
    headers = {} if "code_verifier" in extra else {"HTTP_AUTHORIZATION": _basic(app)}
    return client.post(TOKEN, body, **headers)


def _refresh(client, app, refresh_token):
    return client.post(
        TOKEN,
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=_basic(app),
    )


def _claims(jwt: str) -> dict:
    part = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_it_shows_an_error_page_for_an_unknown_client_or_redirect_uri(client, demo):
    assert client.get(LOGIN, _params(demo["app"], client_id="nope")).status_code == 400
    resp = client.get(LOGIN, _params(demo["app"], redirect_uri="https://evil.example/cb"))
    assert resp.status_code == 400 and "Invalid redirect_uri" in resp.content.decode()


def test_it_redirects_invalid_scope_back_to_the_app(client, demo):
    resp = client.get(LOGIN, _params(demo["app"], scope="accounting.everything"))
    assert resp.status_code == 302
    assert parse_qs(urlsplit(resp["Location"]).query)["error"] == ["invalid_scope"]


def test_a_wrong_password_does_not_sign_in(client, demo):
    page = client.post(
        LOGIN,
        {
            **_params(demo["app"]),
            "email": demo["user"]["email"],
            "password": "wrong",
            "signin": "1",
        },
    )
    assert "Sign in failed." in page.content.decode()


def test_consent_connects_only_the_chosen_organisation(client, demo):
    chosen, other = demo["orgs"][0]["tenantId"], demo["orgs"][1]["tenantId"]
    code = _consent(client, demo, [chosen])
    resp = _exchange(client, demo["app"], code)
    assert resp.status_code == 200
    body = resp.json()
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer" and "id_token" in body
    event = _claims(body["access_token"])["authentication_event_id"]
    auth = {
        "HTTP_AUTHORIZATION": f"Bearer {body['access_token']}",
        "HTTP_ACCEPT": "application/json",
    }
    conns = client.get(CONNECTIONS, **auth).json()
    assert [(c["tenantId"], c["tenantType"], c["authEventId"]) for c in conns] == [
        (chosen, "ORGANISATION", event)
    ]
    assert client.get(CONNECTIONS, {"authEventId": event}, **auth).json() == conns
    ok = client.get(f"{API}/Organisation", HTTP_XERO_TENANT_ID=chosen, **auth)
    assert ok.status_code == 200 and ok.json()["Organisations"][0]["OrganisationID"] == chosen
    denied = client.get(f"{API}/Organisation", HTTP_XERO_TENANT_ID=other, **auth)
    assert denied.status_code == 403
    assert denied.json()["Title"] == "Forbidden"
    assert denied.json()["Detail"] == "AuthenticationUnsuccessful"


def test_an_authorization_code_works_once(client, demo):
    code = _consent(client, demo, [demo["orgs"][0]["tenantId"]])
    assert _exchange(client, demo["app"], code).status_code == 200
    again = _exchange(client, demo["app"], code)
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}


def test_pkce_needs_the_matching_verifier(client, demo):
    verifier = "a" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    extra = {"code_challenge": challenge.decode(), "code_challenge_method": "S256"}
    code = _consent(client, demo, [demo["orgs"][0]["tenantId"]], **extra)
    app = demo["app"]
    bad = _exchange(client, app, code, client_id=app["client_id"], code_verifier="b" * 64)
    assert bad.json() == {"error": "invalid_grant"}
    code = _consent(client, demo, [demo["orgs"][0]["tenantId"]], **extra)
    good = _exchange(client, app, code, client_id=app["client_id"], code_verifier=verifier)
    assert good.status_code == 200 and good.json()["refresh_token"]


def test_refresh_tokens_rotate_with_a_thirty_minute_grace(client, demo):
    first = _exchange(client, demo["app"], _consent(client, demo, [demo["orgs"][0]["tenantId"]]))
    old = first.json()["refresh_token"]
    rotated = _refresh(client, demo["app"], old).json()
    assert rotated["refresh_token"] != old
    # the response was lost: the old token still answers, with the same new pair
    assert _refresh(client, demo["app"], old).json()["refresh_token"] == rotated["refresh_token"]
    ctl(client, "clock", {"advance_seconds": 31 * 60})
    late = _refresh(client, demo["app"], old)
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    assert _refresh(client, demo["app"], rotated["refresh_token"]).status_code == 200


def test_access_tokens_expire_after_thirty_minutes(client, db):
    xero = Xero(client)
    assert xero.get("Organisation").status_code == 200
    ctl(client, "clock", {"advance_seconds": 1801})
    resp = xero.get("Organisation")
    assert resp.status_code == 401
    assert resp.json()["Detail"].startswith("TokenExpired")


def test_unused_refresh_tokens_expire_after_sixty_days(client, db):
    xero = Xero(client)
    ctl(client, "clock", {"advance_seconds": 60 * 86400 + 1})
    resp = _refresh(client, xero.app, xero.tokens["refresh_token"])
    assert resp.json() == {"error": "invalid_grant"}


def test_revocation_ends_refresh_and_connections(client, db):
    xero = Xero(client)
    resp = client.post(
        REVOKE, {"token": xero.tokens["refresh_token"]}, HTTP_AUTHORIZATION=xero.basic()
    )
    assert resp.status_code == 200
    assert _refresh(client, xero.app, xero.tokens["refresh_token"]).json() == {
        "error": "invalid_grant"
    }
    assert xero.get("Organisation").status_code == 401


def test_deleting_a_connection_disconnects_the_tenant(client, db):
    xero = Xero(client)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {xero.tokens['access_token']}"}
    conn = client.get(CONNECTIONS, **auth).json()[0]
    assert client.delete(f"{CONNECTIONS}/{conn['id']}", **auth).status_code == 204
    assert client.get(CONNECTIONS, **auth).json() == []
    assert xero.get("Organisation").status_code == 403


def test_a_missing_scope_is_refused(client, db):
    xero = Xero(client)
    narrow = ctl(
        client, "tokens", {"client_id": xero.app["client_id"], "scope": "accounting.contacts.read"}
    )
    xero.tokens = narrow
    assert xero.get("Contacts").status_code == 200
    assert xero.put("Contacts", {"Contacts": [{"Name": "X"}]}).status_code == 401
    denied = xero.get("Invoices")
    assert denied.status_code == 401 and denied.json()["Detail"] == "AuthorizationUnsuccessful"


def test_a_missing_or_bad_bearer_token_is_unauthorized(client, db):
    xero = Xero(client)
    assert client.get(f"{API}/Invoices", HTTP_XERO_TENANT_ID=xero.tenant).status_code == 401
    xero.tokens = {"access_token": "forged"}
    assert xero.get("Invoices").json()["Title"] == "Unauthorized"


def test_without_offline_access_there_is_no_refresh_token(client, demo):
    scope = "openid accounting.transactions accounting.contacts"
    code = _consent(client, demo, [demo["orgs"][0]["tenantId"]], scope=scope)
    body = _exchange(client, demo["app"], code).json()
    assert "refresh_token" not in body and body["access_token"]


def test_control_tokens_name_the_organisation_by_name(client, demo):
    name = demo["orgs"][1]["tenantName"]
    out = ctl(client, "tokens", {"client_id": demo["app"]["client_id"], "account": name})
    assert out["tenantId"] == demo["orgs"][1]["tenantId"] and out["expires_in"] == 1800


def test_auth_event_id_tells_a_new_consent_from_earlier_ones(client, demo):
    first, second = demo["orgs"][0]["tenantId"], demo["orgs"][1]["tenantId"]
    _exchange(client, demo["app"], _consent(client, demo, [first]))
    body = _exchange(client, demo["app"], _consent(client, demo, [second])).json()
    event = _claims(body["access_token"])["authentication_event_id"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    every = client.get(CONNECTIONS, **auth).json()
    assert {c["tenantId"] for c in every} == {first, second}
    fresh = client.get(CONNECTIONS, {"authEventId": event}, **auth).json()
    assert [c["tenantId"] for c in fresh] == [second]
