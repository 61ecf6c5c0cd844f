"""Intuit's JSON binding: what SDK-style clients send is read as QuickBooks reads it, and no body
of any shape gets a 500 (the 2010 binding fault instead)."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.quickbooks.conftest import invoice_body


def _post(qbo, path, body):
    client = Client(raise_request_exception=False)
    raw = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(qbo.url(path), raw, content_type="application/json", **qbo._headers())


def test_empty_strings_from_sdk_style_clients_are_unset(qbo, books):
    body = invoice_body(books) | {"TxnDate": "", "DueDate": "", "TotalAmt": "", "ClassRef": ""}
    response = _post(qbo, "invoice?minorversion=75", body)
    assert response.status_code == 200, response.content
    invoice = response.json()["Invoice"]
    assert invoice["TxnDate"]  # defaulted to today, as when the field is left out
    assert invoice["TotalAmt"] == 700.0
    assert "ClassRef" not in invoice


def test_null_date_is_unset(qbo, books):
    response = _post(qbo, "invoice", invoice_body(books) | {"TxnDate": None})
    assert response.status_code == 200
    assert response.json()["Invoice"]["TxnDate"]


def test_reference_with_empty_id_refers_to_nothing(qbo, books):
    response = _post(qbo, "invoice", invoice_body(books) | {"CustomerRef": {"value": ""}})
    fault = response.json()["Fault"]["Error"][0]
    assert response.status_code == 400
    assert (fault["code"], fault["element"]) == ("2020", "CustomerRef")


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ({"TxnDate": "2026-13-45"}, "Invoice.TxnDate"),
        ({"TotalAmt": "abc"}, "Invoice.TotalAmt"),
        ({"Line": "x"}, "Invoice.Line"),
        ({"Line": [1, 2]}, "Invoice.Line[0]"),
        ({"PrivateNote": {"a": 1}}, "Invoice.PrivateNote"),
        ({"ApplyTaxAfterDiscount": "maybe"}, "Invoice.ApplyTaxAfterDiscount"),
    ],
)
def test_a_value_of_the_wrong_type_is_the_binding_fault(qbo, books, extra, where):
    response = _post(qbo, "invoice", invoice_body(books) | extra)
    assert response.status_code == 400
    fault = response.json()["Fault"]
    assert fault["type"] == "ValidationFault"
    assert fault["Error"][0]["code"] == "2010"
    assert where in fault["Error"][0]["Detail"]


def test_infinite_amount_is_refused(qbo, books):
    body = b'{"CustomerRef": {"value": "1"}, "Line": [{"Amount": 1e400}]}'
    response = _post(qbo, "invoice", body)
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "2010"


def test_update_of_an_id_too_large_for_any_record_is_not_found(qbo, books):
    response = _post(qbo, "invoice", {"Id": "9" * 30, "SyncToken": "0", "sparse": True})
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "610"


def test_select_star_with_named_fields_serves_every_field(qbo):
    items = qbo.query("SELECT *, Sku FROM Item").json()["QueryResponse"]["Item"]
    plain = qbo.query("SELECT * FROM Item").json()["QueryResponse"]["Item"]
    assert items == plain and items[0]["Name"]


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "2026-02-30", "1e400", "-0", "9" * 40]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = ["TxnDate", "DueDate", "TotalAmt", "Line", "CustomerRef", "DocNumber", "Balance", "Id"]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples every run: CI stays reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entity=st.sampled_from(["invoice", "customer", "payment", "creditmemo", "deposit", "item"]),
    fields=st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=4),
    operation=st.sampled_from(["", "?operation=update", "?operation=delete", "?operation=void"]),
)
def test_no_body_of_any_shape_gets_a_server_error(qbo, books, entity, fields, operation):
    response = _post(qbo, f"{entity}{operation}", invoice_body(books) | fields)
    assert response.status_code < 500, response.content[:300]
    if response.status_code != 200:
        assert response.json()["Fault"]["Error"][0]["code"]


ITEM = st.dictionaries(
    st.sampled_from(["bId", "operation", "optionsData", "Invoice", "Customer", "Query"]),
    JSON,
    max_size=4,
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples every run: CI stays reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(items=st.lists(ITEM, min_size=1, max_size=3) | JSON)
def test_no_batch_of_any_shape_gets_a_server_error(qbo, items):
    response = _post(qbo, "batch", {"BatchItemRequest": items})
    assert response.status_code < 500, response.content[:300]


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples every run: CI stays reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=st.text(max_size=60)
    | st.builds(
        "SELECT {} FROM {} {}".format,
        st.sampled_from(["*", "*, Sku", "COUNT(*)", "Id, Name", "", "*,"]),
        st.sampled_from(["Invoice", "Item", "Nope", ""]),
        st.text(max_size=30),
    ),
    since=st.text(max_size=30),
)
def test_no_query_or_change_feed_gets_a_server_error(qbo, text, since):
    client = Client(raise_request_exception=False)
    for path, params in (
        ("query", {"query": text}),
        ("cdc", {"entities": text, "changedSince": since}),
    ):
        response = client.get(qbo.url(path), params, **qbo._headers())
        assert response.status_code < 500, (path, params, response.content[:300])


def test_infinity_and_nul_are_refused_before_anything_is_stored(qbo, books):
    for raw in (
        b'{"DisplayName": "Ada", "Balance": Infinity}',
        b'{"DisplayName": "Ada\\u0000Lovelace"}',
    ):
        response = _post(qbo, "customer", raw)
        assert response.status_code == 400, (raw, response.content[:300])
        assert response.json()["Fault"]["Error"][0]["code"] == "2010"
