"""Every product route has a tenant-isolation case: outsiders get 404, wrong roles get 403."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.route_cases import ROUTE_CASES, UNSCOPED_ROUTES

# Third-party or separately tested URL trees.
EXCLUDED_PREFIXES = ("admin/", "accounts/", "sandbox/", "static/")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


def product_route_names() -> set[str]:
    return {
        name
        for route, name in _walk(get_resolver().url_patterns)
        if not route.startswith(EXCLUDED_PREFIXES) and name
    }


def test_every_product_route_has_an_isolation_case():
    missing = product_route_names() - set(ROUTE_CASES) - set(UNSCOPED_ROUTES)
    assert not missing, (
        f"Routes without a tenant-isolation case in tests/route_cases.py: {sorted(missing)}"
    )


def test_every_case_names_a_real_route():
    stale = (set(ROUTE_CASES) | set(UNSCOPED_ROUTES)) - product_route_names()
    assert not stale, f"Cases for routes that no longer exist: {sorted(stale)}"


def _call(client, name, case, kwargs):
    url = reverse(name, kwargs={**case.kwargs, **(kwargs or {})} or None)
    if case.api and case.data:
        return getattr(client, case.method)(
            url, case.data, content_type="application/json", HTTP_ACCEPT="application/json"
        )
    if case.api:
        return getattr(client, case.method)(url, HTTP_ACCEPT="application/json")
    return getattr(client, case.method)(url, case.data)


def _fixtures(case, request) -> None:
    """The fixtures a case names (a test catalog in the registry, say), set up for this call."""
    for name in case.fixtures:
        request.getfixturevalue(name)


ID_ROUTES = sorted(name for name, case in ROUTE_CASES.items() if case.setup)


@pytest.mark.parametrize("name", ID_ROUTES)
def test_outsider_gets_404_for_another_firms_object(name, firm, admin, outsider, request):
    case = ROUTE_CASES[name]
    _fixtures(case, request)
    kwargs = case.setup(firm, admin)
    response = _call(client_for(outsider), name, case, kwargs)
    assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(ROUTE_CASES))
def test_wrong_roles_get_403_and_right_roles_get_through(name, firm, admin, request):
    case = ROUTE_CASES[name]
    _fixtures(case, request)
    for role in Role.values:
        member = admin if role == Role.ADMIN else MembershipFactory(firm=firm, role=role)
        kwargs = case.setup(firm, member) if case.setup else None
        response = _call(client_for(member), name, case, kwargs)
        if role in case.roles:
            assert response.status_code in (200, 201, 202, 204, 302), (role, response.status_code)
        else:
            assert response.status_code == 403, (role, response.status_code)


@pytest.mark.parametrize("name", sorted(ROUTE_CASES))
def test_anonymous_is_sent_to_sign_in(name, client, firm, admin, request):
    case = ROUTE_CASES[name]
    _fixtures(case, request)
    kwargs = case.setup(firm, admin) if case.setup else None
    response = _call(client, name, case, kwargs)
    if case.api:
        assert response.status_code in (401, 403)
        assert "error" in response.json()
    else:
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_every_api_route_is_in_the_openapi_schema(client, db):
    documented = set(client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"])
    api_routes = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        for route, name in _walk(get_resolver().url_patterns)
        if route.startswith("api/v1/") and name in ROUTE_CASES
    }
    assert api_routes and api_routes <= documented, sorted(api_routes - documented)
