"""A client written from Xero's docs with requests-oauthlib works against the sandbox over real
HTTP: authorize → consent → code exchange → /connections → API → refresh."""

import pytest
from requests_oauthlib import OAuth2Session

from tests.sandbox.xero.conftest import checked_session

SCOPE = ["openid", "profile", "email", "offline_access", "accounting.transactions",
         "accounting.contacts", "accounting.settings"]  # fmt: skip
REDIRECT = "https://app.example/xero/callback"


@pytest.mark.django_db(transaction=True)
def test_requests_oauthlib_connects_and_calls_the_api(live_server, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the live server speaks plain HTTP
    base = f"{live_server.url}/sandbox/xero"
    ctl = checked_session()
    seeded = ctl.post(f"{base}/_control/seed", json={"preset": "demo"}).json()
    ctl.post(f"{base}/_control/limits", json={"enabled": False})
    app = ctl.post(f"{base}/_control/apps", json={"redirect_uris": [REDIRECT]}).json()
    oauth = OAuth2Session(app["client_id"], redirect_uri=REDIRECT, scope=SCOPE)
    url, state = oauth.authorization_url(f"{base}/login/identity/connect/authorize")
    browser = checked_session()
    consent = {"email": seeded["user"]["email"], "password": seeded["user"]["password"],
               "tenant": [seeded["organisations"][0]["tenantId"]], "allow": "1"}  # fmt: skip
    answer = browser.post(url, data=consent, allow_redirects=False)
    assert answer.status_code == 302 and f"state={state}" in answer.headers["Location"]
    token = oauth.fetch_token(
        f"{base}/identity/connect/token",
        authorization_response=answer.headers["Location"],
        client_secret=app["client_secret"],
    )
    assert token["expires_in"] == 1800
    oauth.hooks["response"].append(checked_session().hooks["response"][0])
    tenants = oauth.get(f"{base}/api/connections").json()
    assert [t["tenantName"] for t in tenants] == ["Lakeside Legal"]
    headers = {"xero-tenant-id": tenants[0]["tenantId"], "Accept": "application/json"}
    invoices = oauth.get(f"{base}/api/api.xro/2.0/Invoices", params={"page": 1}, headers=headers)
    assert invoices.status_code == 200 and invoices.json()["pagination"]["itemCount"] == 6
    new = oauth.refresh_token(f"{base}/identity/connect/token",
                              auth=(app["client_id"], app["client_secret"]))  # fmt: skip
    assert new["refresh_token"] != token["refresh_token"]
    assert oauth.get(f"{base}/api/api.xro/2.0/Organisation", headers=headers).status_code == 200
