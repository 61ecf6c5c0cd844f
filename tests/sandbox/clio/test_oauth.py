"""OAuth 2.0 as Clio Manage does it: consent page, codes, tokens, refresh, deauthorize, regions."""

from urllib.parse import parse_qs, urlparse

import pytest

from tests.sandbox.clio.conftest import make_firm

REDIRECT = "https://app.test/cb"


def _authorize_url(firm, region="us", **extra):
    params = {
        "response_type": "code",
        "client_id": firm.app.client_id,
        "redirect_uri": REDIRECT,
        "state": "xyz",
    } | extra
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/sandbox/clio/{region}/oauth/authorize?{query}", params


def _consent(api, firm, decision="allow", region="us", password="pw-1", **extra):
    url, params = _authorize_url(firm, region, **extra)
    form = params | {"email": "owner@test.example", "password": password, "decision": decision}
    return api.post(url, form)


def _query(response):
    return parse_qs(urlparse(response["Location"]).query)


def _exchange(api, firm, code, region="us", **over):
    form = {
        "client_id": firm.app.client_id,
        "client_secret": "secret",
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
    } | over
    return api.post(f"/sandbox/clio/{region}/oauth/token", form)


def _code(api, firm):
    response = _consent(api, firm)
    assert response.status_code == 302
    return _query(response)["code"][0]


def test_consent_page_shows_the_app_and_its_permissions(api, firm):
    url, _ = _authorize_url(firm)
    page = api.get(url)
    assert page.status_code == 200
    assert b"Test app" in page.content and b"Billing: read/write" in page.content


def test_allow_redirects_with_code_and_state_and_the_code_buys_tokens(api, firm):
    response = _consent(api, firm)
    assert response["Location"].startswith(REDIRECT + "?")
    assert _query(response)["state"] == ["xyz"]
    tokens = _exchange(api, firm, _query(response)["code"][0])
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 2592000
    me = api.get(
        "/sandbox/clio/us/api/v4/users/who_am_i.json",
        {"fields": "id,email"},
        HTTP_AUTHORIZATION=f"Bearer {body['access_token']}",
    )
    assert me.json()["data"]["email"] == "owner@test.example"


def test_wrong_password_keeps_the_user_on_the_consent_page(api, firm):
    response = _consent(api, firm, password="nope")
    assert response.status_code == 401 and b"Invalid email or password" in response.content


def test_deny_with_redirect_on_decline_returns_access_denied(api, firm):
    response = _consent(api, firm, decision="deny", redirect_on_decline="true")
    assert response.status_code == 302
    assert _query(response) == {"error": ["access_denied"], "state": ["xyz"]}


def test_deny_without_redirect_on_decline_stays_on_clio(api, firm):
    response = _consent(api, firm, decision="deny")
    assert response.status_code == 200 and b"declined" in response.content


def test_unregistered_redirect_uri_is_never_redirected_to(api, firm):
    url, _ = _authorize_url(firm)
    page = api.get(url.replace("app.test", "evil.test"))
    assert page.status_code == 400 and b"redirect_uri is not registered" in page.content


def test_bad_code_is_invalid_grant(api, firm):
    response = _exchange(api, firm, "not-a-code")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_a_code_works_once(api, firm):
    code = _code(api, firm)
    assert _exchange(api, firm, code).status_code == 200
    again = _exchange(api, firm, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_authorization_request(api, firm):
    response = _exchange(api, firm, _code(api, firm), redirect_uri="https://app.test/other")
    assert response.json()["error"] == "invalid_grant"


def test_bad_client_secret_is_invalid_client_401(api, firm):
    response = _exchange(api, firm, _code(api, firm), client_secret="wrong")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_unknown_grant_type_is_rejected(api, firm):
    response = _exchange(api, firm, "x", grant_type="password")
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_gives_a_new_access_token_and_keeps_the_refresh_token(api, firm):
    tokens = _exchange(api, firm, _code(api, firm)).json()
    form = {
        "client_id": firm.app.client_id,
        "client_secret": "secret",
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
    }
    first = api.post("/sandbox/clio/us/oauth/token", form).json()
    second = api.post("/sandbox/clio/us/oauth/token", form).json()  # not rotated: reusable
    assert first["access_token"] != tokens["access_token"] != second["access_token"]
    assert "refresh_token" not in first and first["expires_in"] == 2592000


def test_expired_access_token_is_401_and_refresh_recovers(api, firm):
    api.post(
        "/sandbox/clio/_control/tokens/expire",
        {"access_token": firm.token.access_token},
        "application/json",
    )
    response = firm.get("users/who_am_i.json")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "The access token has expired."


def test_deauthorize_revokes_the_grant(api, firm):
    token = firm.token.access_token
    response = api.post(
        "/sandbox/clio/us/oauth/deauthorize",
        {"token": token},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    assert firm.get("users/who_am_i.json").status_code == 401
    refresh = api.post(
        "/sandbox/clio/us/oauth/token",
        {
            "client_id": firm.app.client_id,
            "client_secret": "secret",
            "grant_type": "refresh_token",
            "refresh_token": firm.token.refresh_token,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("region", ["eu", "ca", "au"])
def test_a_us_token_is_unknown_in_other_regions(api, firm, region):
    response = api.get(f"/sandbox/clio/{region}/api/v4/users/who_am_i.json", **firm.auth)
    assert response.status_code == 401


def test_an_eu_account_signs_in_and_works_only_on_eu(api, db):
    eu = make_firm(api, name="Euro Law", region="eu", email="eu@test.example")
    assert eu.get("users/who_am_i.json").status_code == 200
    assert api.get("/sandbox/clio/us/api/v4/users/who_am_i.json", **eu.auth).status_code == 401
    # The consent page of the US host does not know EU users.
    url, params = _authorize_url(eu, "us")
    form = params | {"email": "eu@test.example", "password": "pw-1", "decision": "allow"}
    assert api.post(url, form).status_code == 401
    # And an EU code is not redeemable on the US token endpoint.
    url, params = _authorize_url(eu, "eu")
    form = params | {"email": "eu@test.example", "password": "pw-1", "decision": "allow"}
    code = _query(api.post(url, form))["code"][0]
    assert _exchange(api, eu, code, region="us").json()["error"] == "invalid_grant"
    assert _exchange(api, eu, code, region="eu").status_code == 200


def test_another_accounts_records_are_404(api, firm, other_firm):
    contact = other_firm.act("create_contact", first_name="Hidden", last_name="Person")
    assert firm.get(f"contacts/{contact['id']}.json").status_code == 404
    assert other_firm.get(f"contacts/{contact['id']}.json").status_code == 200
    listed = firm.get("contacts.json").json()["data"]
    assert contact["id"] not in [c["id"] for c in listed]
    patched = firm.patch(f"contacts/{contact['id']}.json", {"first_name": "X"})
    assert patched.status_code == 404


def test_control_tokens_issue_tokens_in_the_token_endpoints_shape(api, firm):
    response = api.post(
        "/sandbox/clio/_control/tokens",
        {"client_id": firm.app.client_id, "account": firm.id},
        "application/json",
    )
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 2592000
    assert body["account"] == firm.id
    me = api.get(
        "/sandbox/clio/us/api/v4/users/who_am_i.json",
        HTTP_AUTHORIZATION=f"Bearer {body['access_token']}",
    )
    assert me.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_whole_flow_over_real_http(live_server, http):
    """Consent page, redirect, token exchange and an API call, as a browser and a client do."""
    firm = make_firm(None)
    base = f"{live_server.url}/sandbox/clio/us"
    params = {
        "response_type": "code",
        "client_id": firm.app.client_id,
        "redirect_uri": REDIRECT,
        "state": "s1",
    }
    page = http.get(f"{base}/oauth/authorize", params=params)
    assert page.status_code == 200 and "Allow access" in page.text
    form = params | {"email": "owner@test.example", "password": "pw-1", "decision": "allow"}
    answer = http.post(f"{base}/oauth/authorize", data=form, allow_redirects=False)
    assert answer.status_code == 302
    code = parse_qs(urlparse(answer.headers["Location"]).query)["code"][0]
    tokens = http.post(
        f"{base}/oauth/token",
        data={
            "client_id": firm.app.client_id,
            "client_secret": "secret",
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
        },
    ).json()
    me = http.get(
        f"{base}/api/v4/users/who_am_i.json",
        params={"fields": "id,name"},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert me.json()["data"] == {"id": firm.user_id, "name": "Olive Owner"}
