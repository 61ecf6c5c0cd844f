"""Intuit OAuth: discovery, consent page, token endpoint (rotation), revoke, 401s."""

import base64
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from django.test import Client

from sandbox.quickbooks.models import Token
from tests.sandbox.quickbooks.conftest import BASE, control

TOKEN_URL = f"{BASE}/oauth/oauth2/v1/tokens/bearer"


def _basic(app):
    raw = f"{app['client_id']}:{app['client_secret']}".encode()
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(raw).decode()}


def test_discovery_document_points_at_the_sandbox(client):
    for path in ("openid_sandbox_configuration", "openid_configuration/"):
        doc = client.get(f"{BASE}/developer/.well-known/{path}").json()
        assert doc["authorization_endpoint"] == f"http://testserver{BASE}/appcenter/connect/oauth2"
        assert doc["token_endpoint"] == f"http://testserver{TOKEN_URL}"
        assert (
            doc["revocation_endpoint"]
            == f"http://testserver{BASE}/developer/v2/oauth2/tokens/revoke"
        )
        assert doc["token_endpoint_auth_methods_supported"] == [
            "client_secret_post",
            "client_secret_basic",
        ]


def _consent(client, app, realm, decision="allow"):
    params = {
        "client_id": app["client_id"],
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": "http://localhost/cb",
        "state": "xyz",
    }
    page = client.get(f"{BASE}/appcenter/connect/oauth2", params)
    assert page.status_code == 200 and b"Sign in" in page.content
    login = {
        **params,
        "email": "sandbox@intuit.example",
        "password": "sandbox",
        "decision": decision,
    }
    picker = client.post(f"{BASE}/appcenter/connect/oauth2", login)
    if decision == "deny":
        return picker
    assert realm.encode() in picker.content
    return client.post(f"{BASE}/appcenter/connect/oauth2", {**login, "realm_id": realm})


def test_consent_code_exchange_refresh_rotation(db):
    client = Client()
    realm = control(client, "seed", {"preset": "reference"})["realmId"]
    app = control(client, "apps", {"redirect_uris": ["http://localhost/cb"]})
    back = _consent(client, app, realm)
    query = parse_qs(urlparse(back["Location"]).query)
    assert query["state"] == ["xyz"] and query["realmId"] == [realm]
    form = {
        "grant_type": "authorization_code",
        "code": query["code"][0],
        "redirect_uri": "http://localhost/cb",
    }
    first = client.post(TOKEN_URL, form, **_basic(app)).json()
    assert first["token_type"] == "bearer" and first["expires_in"] == 3600
    assert 8639990 <= first["x_refresh_token_expires_in"] <= 8640000
    assert client.post(TOKEN_URL, form, **_basic(app)).json() == {
        "error": "invalid_grant"
    }  # code used
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = client.post(TOKEN_URL, refresh, **_basic(app)).json()
    assert second["refresh_token"] != first["refresh_token"]
    superseded = client.post(TOKEN_URL, refresh, **_basic(app))
    assert superseded.status_code == 400 and superseded.json() == {"error": "invalid_grant"}
    api = f"{BASE}/api/v3/company/{realm}/companyinfo/{realm}"
    info = client.get(api, HTTP_AUTHORIZATION="Bearer " + second["access_token"]).json()
    assert info["CompanyInfo"]["CompanyName"] == "Reference Law Firm LLP"


def test_deny_redirects_with_access_denied(db):
    client = Client()
    realm = control(client, "seed", {"preset": "reference"})["realmId"]
    app = control(client, "apps", {"redirect_uris": ["http://localhost/cb"]})
    back = _consent(client, app, realm, decision="deny")
    assert parse_qs(urlparse(back["Location"]).query) == {
        "error": ["access_denied"],
        "state": ["xyz"],
    }


def test_bad_client_is_invalid_client_401(qbo):
    response = qbo.client.post(
        TOKEN_URL,
        {"grant_type": "refresh_token", "refresh_token": "x"},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"nope:nope").decode(),
    )
    assert response.status_code == 401 and response.json() == {"error": "invalid_client"}


def test_daily_rotation_keeps_the_refresh_token_within_a_day(db):
    client = Client()
    realm = control(client, "seed", {"preset": "reference"})["realmId"]
    app = control(client, "apps", {"redirect_uris": [], "refresh_rotation": "daily", "name": "d"})
    tokens = control(client, "tokens", {"client_id": app["client_id"], "account": realm})
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    again = client.post(TOKEN_URL, refresh, **_basic(app)).json()
    assert (
        again["refresh_token"] == tokens["refresh_token"]
        and again["access_token"] != tokens["access_token"]
    )
    Token.objects.update(created_at=Token.objects.get().created_at - timedelta(hours=25))
    rotated = client.post(TOKEN_URL, refresh, **_basic(app)).json()
    assert rotated["refresh_token"] != tokens["refresh_token"]


def test_expired_and_revoked_access_tokens_get_intuit_401(qbo):
    Token.objects.update(
        access_expires_at=Token.objects.get().access_expires_at - timedelta(hours=2)
    )
    response = qbo.get("preferences")
    assert response.status_code == 401
    error = response.json()["fault"]["error"][0]
    assert error["code"] == "3200" and "AuthenticationFailed" in error["message"]
    tokens = control(
        qbo.client, "tokens", {"client_id": qbo.app["client_id"], "account": qbo.realm}
    )
    assert qbo.get("preferences", token=tokens["access_token"]).status_code == 200
    revoke = qbo.client.post(
        f"{BASE}/developer/v2/oauth2/tokens/revoke",
        {"token": tokens["refresh_token"]},
        content_type="application/json",
        **_basic(qbo.app),
    )
    assert revoke.status_code == 200
    assert qbo.get("preferences", token=tokens["access_token"]).status_code == 401


def test_token_for_another_realm_is_403(qbo):
    other = control(qbo.client, "seed", {"preset": "reference", "account": "Other LLP"})["realmId"]
    response = qbo.client.get(
        f"{BASE}/api/v3/company/{other}/preferences", HTTP_AUTHORIZATION=f"Bearer {qbo.token}"
    )
    assert response.status_code == 403 and response.json()["Fault"]["Error"][0]["code"] == "3100"
