"""The sandboxes' OAuth endpoints answer any form with an RFC 6749 error, never a 500."""

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ENDPOINTS = [
    ("post", "/sandbox/clio/us/oauth/token"),
    ("post", "/sandbox/clio/us/oauth/deauthorize"),
    ("get", "/sandbox/clio/us/oauth/authorize"),
    ("post", "/sandbox/quickbooks/oauth/oauth2/v1/tokens/bearer"),
    ("post", "/sandbox/quickbooks/developer/v2/oauth2/tokens/revoke"),
    ("get", "/sandbox/quickbooks/appcenter/connect/oauth2"),
    ("post", "/sandbox/xero/identity/connect/token"),
    ("post", "/sandbox/xero/identity/connect/revocation"),
    ("get", "/sandbox/xero/login/identity/connect/authorize"),
]
FIELD = st.sampled_from(
    ["grant_type", "code", "refresh_token", "client_id", "client_secret", "redirect_uri",
     "token", "response_type", "scope", "state", "code_verifier", "code_challenge"]
)  # fmt: skip
VALUE = st.text(max_size=30) | st.sampled_from(["authorization_code", "refresh_token", "", "%00"])


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,  # the same examples every run: CI stays reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(ENDPOINTS),
    form=st.dictionaries(FIELD, VALUE, max_size=5),
    auth=st.sampled_from(["", "Basic", "Basic !!!", "Basic Og==", "Bearer x"]),
)
def test_no_oauth_request_gets_a_server_error(db, endpoint, form, auth):
    method, path = endpoint
    client = Client(raise_request_exception=False)
    response = getattr(client, method)(path, form, HTTP_AUTHORIZATION=auth)
    assert response.status_code < 500, (path, form, response.content[:300])
