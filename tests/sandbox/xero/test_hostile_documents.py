"""Quotes, purchase orders, the email and PDF endpoints: no input shape gets a 500."""

import json

from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.sandbox.xero.conftest import API
from tests.sandbox.xero.test_hostile_input import HOSTILE, JSON

FIELDS = [
    "Contact", "Date", "ExpiryDate", "DeliveryDate", "ExpectedArrivalDate", "Status",
    "LineItems", "QuoteNumber", "PurchaseOrderNumber", "Title", "Reference", "LineAmountTypes",
]  # fmt: skip
RECORD = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=5)


@HOSTILE
@given(
    name=st.sampled_from(["Quotes", "PurchaseOrders"]),
    records=st.lists(RECORD, min_size=1, max_size=2),
    update=RECORD,
)
def test_no_quote_or_order_write_gets_a_server_error(xero, name, records, update):
    client = Client(raise_request_exception=False)
    created = client.put(
        f"{API}/{name}?summarizeErrors=false",
        json.dumps({name: records}),
        content_type="application/json",
        **xero.headers(),
    )
    assert created.status_code < 500, created.content[:400]
    id_field = "QuoteID" if name == "Quotes" else "PurchaseOrderID"
    for doc in created.json().get(name, []):
        if doc.get(id_field):
            resp = client.post(
                f"{API}/{name}/{doc[id_field]}",
                json.dumps(update),
                content_type="application/json",
                **xero.headers(),
            )
            assert resp.status_code < 500, resp.content[:400]
            pdf = client.get(
                f"{API}/{name}/{doc[id_field]}/pdf",
                **xero.headers() | {"HTTP_ACCEPT": "application/pdf"},
            )
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


@HOSTILE
@given(
    name=st.sampled_from(["Quotes", "PurchaseOrders"]),
    params=st.dictionaries(
        st.sampled_from(
            [
                "DateFrom",
                "DateTo",
                "ExpiryDateFrom",
                "ExpiryDateTo",
                "Status",
                "ContactID",
                "QuoteNumber",
                "page",
            ]
        ),
        st.text(max_size=30),
        max_size=3,
    ),
)
def test_no_quote_or_order_read_gets_a_server_error(xero, name, params):
    client = Client(raise_request_exception=False)
    resp = client.get(f"{API}/{name}", params, **xero.headers())
    assert resp.status_code < 500, resp.content[:400]


@HOSTILE
@given(
    key=st.sampled_from(["x", "00000000-0000-0000-0000-000000000000", "INV-0001", "%00"]),
    body=JSON,
)
def test_no_email_or_pdf_request_gets_a_server_error(xero, key, body):
    client = Client(raise_request_exception=False)
    resp = client.post(
        f"{API}/Invoices/{key}/Email",
        json.dumps(body),
        content_type="application/json",
        **xero.headers(),
    )
    assert resp.status_code < 500, resp.content[:400]
    pdf = client.get(
        f"{API}/Invoices/{key}/pdf", **xero.headers() | {"HTTP_ACCEPT": "application/pdf"}
    )
    assert pdf.status_code < 500
