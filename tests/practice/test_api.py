"""The Clio mirror over the API: contacts and matters, read-only, paginated, the firm's own."""

from decimal import Decimal

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken
from tests.conftest import client_for
from tests.factories import BillFactory, ContactFactory, MatterFactory


def _bearer(member) -> dict:
    _, raw = services.api_token_create(member=member, name="ci", scope=ApiToken.Scope.READ)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_contacts_are_listed_by_name_and_searched(viewer, firm):
    ContactFactory(firm=firm, name="Grace Hopper", email="grace@example.com")
    ada = ContactFactory(firm=firm, name="Ada Lovelace", email="ada@example.com")
    MatterFactory(firm=firm, client=ada)
    body = client_for(viewer).get(reverse("api_contacts")).json()
    assert body["count"] == 2
    assert [c["name"] for c in body["results"]] == ["Ada Lovelace", "Grace Hopper"]
    assert body["results"][0]["matter_count"] == 1
    found = client_for(viewer).get(reverse("api_contacts"), {"q": "grace@"}).json()
    assert [c["name"] for c in found["results"]] == ["Grace Hopper"]


def test_matters_carry_their_client_and_what_is_owed_as_a_string(viewer, firm):
    matter = MatterFactory(firm=firm, display_number="00001-Lovelace")
    BillFactory(firm=firm, client=matter.client, balance=Decimal("120.50"), matters=[matter])
    BillFactory(firm=firm, client=matter.client, state="paid", balance=0, matters=[matter])
    body = client_for(viewer).get(reverse("api_matters")).json()
    [row] = body["results"]
    assert row["display_number"] == "00001-Lovelace" and row["bill_count"] == 2
    assert row["outstanding"] == "120.50"
    assert row["client"] == {
        "id": matter.client.pk,
        "clio_id": matter.client.clio_id,
        "name": matter.client.name,
    }
    one = client_for(viewer).get(reverse("api_matter", args=[matter.pk])).json()
    assert one["id"] == matter.pk and one["outstanding"] == "120.50"


def test_the_lists_are_paginated_and_run_the_same_queries_for_3_or_30(viewer, firm):
    client = client_for(viewer)
    counts = []
    for more in (3, 27):
        MatterFactory.create_batch(more, firm=firm)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("api_matters"), {"limit": 10}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    page = client.get(reverse("api_contacts"), {"limit": 5, "offset": 5}).json()
    assert page["count"] == 30 and len(page["results"]) == 5 and page["previous"]


def test_another_firms_contact_and_matter_are_not_found_by_session_or_token(outsider, firm):
    matter = MatterFactory(firm=firm)
    for http, extra in ((client_for(outsider), {}), (Client(), _bearer(outsider))):
        for name, pk in (("api_contact", matter.client.pk), ("api_matter", matter.pk)):
            response = http.get(reverse(name, args=[pk]), **extra)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        listed = http.get(reverse("api_matters"), **extra).json()
        assert listed["count"] == 0
