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
