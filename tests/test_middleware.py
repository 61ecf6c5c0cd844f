"""Site-wide guards: a NUL in the URL is a 400 before any view or database sees it."""

import pytest


@pytest.mark.parametrize(
    "url", ["/matters/?q=%00", "/bills/?q=a%00b", "/trust/?q=%00", "/matters/?%00=x"]
)
def test_a_nul_in_the_query_string_is_a_400_page(admin_client, url):
    answer = admin_client.get(url)
    assert answer.status_code == 400
    assert "Bad request" in answer.content.decode()


def test_a_nul_in_the_path_is_a_400(admin_client):
    assert admin_client.get("/matters/%00/").status_code == 400


def test_a_nul_in_an_api_query_is_a_400_in_the_apis_error_shape(admin_client):
    answer = admin_client.get("/api/v1/trust/ledgers?q=%00")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"


def test_ordinary_searches_still_work(admin_client):
    for url in ("/matters/?q=smith", "/bills/?q=%25", "/trust/?q=o%27brien"):
        assert admin_client.get(url).status_code == 200, url


# -- Content-Security-Policy ----------------------------------------------------------------

PAGES = [
    "/",
    "/settings/bill-syncing/",
    "/sync/",
    "/bills/",
    "/matters/",
    "/receivables/",
    "/trust/",
    "/trust/requests/",
    "/flagged-bills/",
    "/settings/members/",
    "/settings/api-tokens/",
    "/receivables/differences/",
    "/settings/firm/",
    "/settings/audit/",
    "/accounts/2fa/",
    "/api/docs/",
]


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_every_page_carries_a_strict_policy(admin_client):
    for url in PAGES:
        answer = admin_client.get(url)
        assert answer.status_code == 200, url
        policy = _directives(answer)
        assert policy["script-src"] == "'self'", url
        assert policy["style-src"] == "'self'", url
        assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"


def test_no_page_holds_an_inline_script_or_handler(admin_client):
    import re

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    inline_style = re.compile(r"<style|\sstyle\s*=", re.I)
    for url in PAGES:
        html = admin_client.get(url).content.decode()
        assert not inline_script.search(html), url
        assert not handler.search(html), url
        assert not inline_style.search(html), url


def test_sign_in_and_error_pages_carry_the_policy(client, db):
    for url, status in (("/accounts/login/", 200), ("/nowhere/", 404), ("/?q=%00", 400)):
        answer = client.get(url)
        assert answer.status_code == status
        assert _directives(answer)["script-src"] == "'self'"


def test_forms_may_go_to_the_providers_sign_in_pages(admin_client, settings):
    settings.PROVIDERS = {
        **settings.PROVIDERS,
        "clio": {**settings.PROVIDERS["clio"], "regions": {"us": "https://app.clio.com"}},
        "xero": {**settings.PROVIDERS["xero"], "login_base_url": "https://login.xero.com"},
    }
    form_action = _directives(admin_client.get("/"))["form-action"].split()
    assert "'self'" in form_action
    assert {"https://app.clio.com", "https://login.xero.com"} <= set(form_action)
