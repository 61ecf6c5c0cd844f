"""Intuit OAuth: discovery, consent page, token endpoint (rotation), revoke, 401s."""

import base64
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

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
    assert first["x_refresh_token_expires_in"] == 8640000
    assert client.post(TOKEN_URL, form, **_basic(app)).json() == {
        "error": "invalid_grant"
    }  # code used
    assert "x_refresh_token_hard_expires_in" not in first
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    hard = {"HTTP_X_INCLUDE_REFRESH_TOKEN_HARD_EXPIRES_IN": "true"}
    second = client.post(TOKEN_URL, refresh, **_basic(app), **hard).json()
    assert 157679000 < second["x_refresh_token_hard_expires_in"] <= 157680000
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


@pytest.mark.django_db(transaction=True)
def test_requests_oauthlib_client_connects_over_http(live_server, monkeypatch):
    """A client written from Intuit's docs (requests-oauthlib) works by base URL alone."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the live server speaks plain HTTP
    base = f"{live_server.url}{BASE}"
    realm = requests.post(f"{base}/_control/seed", json={"preset": "reference"}, timeout=10).json()[
        "realmId"
    ]
    app = requests.post(
        f"{base}/_control/apps", json={"redirect_uris": ["http://localhost/cb"]}, timeout=10
    ).json()
    discovery = requests.get(
        f"{base}/developer/.well-known/openid_sandbox_configuration", timeout=10
    ).json()
    session = OAuth2Session(
        app["client_id"],
        redirect_uri="http://localhost/cb",
        scope=["com.intuit.quickbooks.accounting"],
    )
    url, state = session.authorization_url(discovery["authorization_endpoint"])
    browser = requests.Session()
    page = browser.get(url, timeout=10)
    assert page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()} | {
        "csrfmiddlewaretoken": csrf
    }
    form |= {
        "email": "sandbox@intuit.example",
        "password": "sandbox",
        "decision": "allow",
        "realm_id": realm,
    }
    back = browser.post(
        discovery["authorization_endpoint"], data=form, allow_redirects=False, timeout=10
    )
    assert back.status_code == 302
    callback = back.headers["Location"]
    auth = HTTPBasicAuth(app["client_id"], app["client_secret"])
    token = session.fetch_token(
        discovery["token_endpoint"],
        authorization_response=callback,
        auth=auth,
        include_client_id=False,
    )
    assert parse_qs(urlparse(callback).query)["state"] == [state]
    info = session.get(
        f"{base}/api/v3/company/{realm}/companyinfo/{realm}?minorversion=75",
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert info.status_code == 200 and info.json()["CompanyInfo"]["CompanyName"]
    fresh = session.refresh_token(discovery["token_endpoint"], auth=auth, include_client_id=False)
    assert fresh["refresh_token"] != token["refresh_token"]
    revoked = requests.post(
        discovery["revocation_endpoint"],
        json={"token": fresh["refresh_token"]},
        auth=auth,
        timeout=10,
    )
    assert revoked.status_code == 200
