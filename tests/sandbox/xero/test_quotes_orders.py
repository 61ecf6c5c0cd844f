"""Quotes (DRAFT → SENT → ACCEPTED/DECLINED → INVOICED) and purchase orders (DRAFT → SUBMITTED →
AUTHORISED → BILLED): status rules, numbering, filters."""

import pytest

from tests.sandbox.xero.conftest import messages
from tests.sandbox.xero.test_collections_polling import line


def quote(xero, **extra) -> dict:
    body = {
        "Contact": {"ContactID": xero.contact(extra.pop("name", "Prospect"))["ContactID"]},
        "Date": "2026-03-01",
        "ExpiryDate": "2026-03-31",
        "Title": "Estate planning",
        "LineItems": [line(amount=900, description="Will and trust")],
        **extra,
    }
    resp = xero.put("Quotes", {"Quotes": [body]})
    assert resp.status_code == 200, resp.content
    return resp.json()["Quotes"][0]


def order(xero, **extra) -> dict:
    body = {
        "Contact": {"ContactID": xero.contact(extra.pop("name", "Supplier"))["ContactID"]},
        "Date": "2026-03-01",
        "DeliveryDate": "2026-03-15",
        "LineItems": [line("310", 40, "Certified copies")],
        **extra,
    }
    resp = xero.put("PurchaseOrders", {"PurchaseOrders": [body]})
    assert resp.status_code == 200, resp.content
    return resp.json()["PurchaseOrders"][0]


def move(xero, plural, key, status):
    return xero.post(f"{plural}/{key}", {plural: [{"Status": status}]})


def test_a_quote_is_numbered_totalled_and_walks_its_statuses(xero):
    q = quote(xero)
    assert (q["QuoteNumber"], q["Status"], q["Total"]) == ("QU-0001", "DRAFT", 900.0)
    assert q["LineAmountTypes"] == "EXCLUSIVE" and q["ExpiryDateString"].startswith("2026-03-31")
    for status in ("SENT", "ACCEPTED", "INVOICED"):
        resp = move(xero, "Quotes", q["QuoteID"], status)
        assert resp.json()["Quotes"][0]["Status"] == status
    assert messages(move(xero, "Quotes", q["QuoteID"], "SENT")) == [
        "Quote not of valid status for modification"
    ]


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["ACCEPTED"], "Quote not of valid status for modification"),  # DRAFT cannot be accepted
        (["INVOICED"], "Quote not of valid status for modification"),
        (["SENT", "DECLINED", "INVOICED"], "Quote not of valid status for modification"),
        (["DELETED", "DRAFT"], "Quote not of valid status for modification"),
        (["PAID"], "Status PAID is not valid for a quote."),
    ],
)
def test_quote_moves_xero_refuses(xero, path, refused):
    q = quote(xero)
    *allowed, last = path
    for status in allowed:
        assert move(xero, "Quotes", q["QuoteID"], status).status_code == 200
    resp = move(xero, "Quotes", q["QuoteID"], last)
    assert resp.status_code == 400 and resp.json()["Type"] == "ValidationException"
    assert messages(resp) == [refused]


def test_an_accepted_quote_keeps_its_lines_but_may_go_back_to_sent(xero):
    q = quote(xero)
    move(xero, "Quotes", q["QuoteID"], "SENT")
    move(xero, "Quotes", q["QuoteID"], "ACCEPTED")
    edit = xero.post(f"Quotes/{q['QuoteID']}", {"Quotes": [{"LineItems": [line(amount=1)]}]})
    assert messages(edit) == ["Quote not of valid status for modification"]
    assert move(xero, "Quotes", q["QuoteID"], "SENT").json()["Quotes"][0]["Status"] == "SENT"


def test_a_quote_needs_a_contact_a_date_and_lines_to_be_sent(xero):
    contact = xero.contact("Quote Contact")
    no_date = xero.put("Quotes", {"Quotes": [{"Contact": {"ContactID": contact["ContactID"]}}]})
    assert messages(no_date) == ["Date must be specified."]
    no_contact = xero.put("Quotes", {"Quotes": [{"Date": "2026-03-01"}]})
    assert messages(no_contact) == ["A Contact must be specified for this type of transaction"]
    empty = xero.put(
        "Quotes",
        {"Quotes": [{"Contact": {"ContactID": contact["ContactID"]}, "Date": "2026-03-01",
                     "Status": "SENT"}]},
    )  # fmt: skip
    assert messages(empty) == ["One or more line items must be specified"]


def test_quotes_are_filtered_as_the_spec_allows(xero):
    early = quote(xero, name="Early", Date="2026-01-10", ExpiryDate="2026-02-10")
    late = quote(xero, name="Late", Date="2026-05-10", ExpiryDate="2026-06-10")
    move(xero, "Quotes", late["QuoteID"], "SENT")

    def ids(params):
        resp = xero.get("Quotes", params)
        assert resp.status_code == 200, resp.content
        return [q["QuoteID"] for q in resp.json()["Quotes"]]

    assert ids({"DateFrom": "2026-03-01"}) == [late["QuoteID"]]
    assert ids({"DateTo": "2026-03-01"}) == [early["QuoteID"]]
    assert ids({"ExpiryDateTo": "2026-02-10"}) == [early["QuoteID"]]
    assert ids({"ExpiryDateFrom": "2026-06-01", "Status": "SENT"}) == [late["QuoteID"]]
    assert ids({"QuoteNumber": early["QuoteNumber"]}) == [early["QuoteID"]]
    assert ids({"ContactID": late["Contact"]["ContactID"]}) == [late["QuoteID"]]
    bad = xero.get("Quotes", {"DateFrom": "someday"})
    assert bad.status_code == 400 and messages(bad) == [
        "'someday' is not a valid date for DateFrom."
    ]


def test_a_purchase_order_walks_draft_submitted_authorised_billed(xero):
    po = order(xero)
    assert (po["PurchaseOrderNumber"], po["Status"], po["Total"]) == ("PO-0001", "DRAFT", 40.0)
    assert po["DeliveryDateString"].startswith("2026-03-15")
    for status in ("SUBMITTED", "AUTHORISED", "BILLED"):
        resp = move(xero, "PurchaseOrders", po["PurchaseOrderID"], status)
        assert resp.json()["PurchaseOrders"][0]["Status"] == status
    again = move(xero, "PurchaseOrders", po["PurchaseOrderID"], "AUTHORISED")
    assert messages(again) == ["Purchase Order not of valid status for modification"]
    edit = xero.post(
        f"PurchaseOrders/{po['PurchaseOrderID']}",
        {"PurchaseOrders": [{"LineItems": [line("310", 1)]}]},
    )
    assert messages(edit) == ["Purchase Order not of valid status for modification"]


def test_a_draft_purchase_order_cannot_be_billed_and_a_deleted_one_is_final(xero):
    po = order(xero)
    assert messages(move(xero, "PurchaseOrders", po["PurchaseOrderID"], "BILLED")) == [
        "Purchase Order not of valid status for modification"
    ]
    assert move(xero, "PurchaseOrders", po["PurchaseOrderID"], "DELETED").status_code == 200
    assert move(xero, "PurchaseOrders", po["PurchaseOrderID"], "DRAFT").status_code == 400
    created_billed = xero.put(
        "PurchaseOrders", {"PurchaseOrders": [{**_po_body(xero), "Status": "BILLED"}]}
    )
    assert messages(created_billed) == ["Cannot create a purchase order with a status of BILLED."]


def _po_body(xero):
    contact = xero.contact("Direct Supplier")
    return {"Contact": {"ContactID": contact["ContactID"]}, "LineItems": [line("310", 5)]}


def test_purchase_orders_filter_by_status_and_date_and_are_found_by_number(xero):
    first = order(xero, name="First", Date="2026-02-01")
    second = order(xero, name="Second", Date="2026-04-01", Status="AUTHORISED")
    by_status = xero.get("PurchaseOrders", {"Status": "AUTHORISED"}).json()["PurchaseOrders"]
    assert [p["PurchaseOrderID"] for p in by_status] == [second["PurchaseOrderID"]]
    by_date = xero.get("PurchaseOrders", {"DateTo": "2026-03-01"}).json()["PurchaseOrders"]
    assert [p["PurchaseOrderID"] for p in by_date] == [first["PurchaseOrderID"]]
    by_number = xero.get(f"PurchaseOrders/{second['PurchaseOrderNumber']}").json()
    assert by_number["PurchaseOrders"][0]["PurchaseOrderID"] == second["PurchaseOrderID"]


def test_per_element_errors_for_quotes_with_summarize_errors_false(xero):
    good = {"Contact": {"Name": "Fine"}, "Date": "2026-03-01", "LineItems": [line()]}
    bad = {"Contact": {"Name": "Fine"}, "Date": "2026-03-01", "Status": "INVOICED"}
    resp = xero.put("Quotes", {"Quotes": [good, bad]}, "summarizeErrors=false")
    assert resp.status_code == 200
    out = resp.json()["Quotes"]
    assert [q["StatusAttributeString"] for q in out] == ["OK", "ERROR"]
    assert out[1]["ValidationErrors"] == [
        {"Message": "Cannot create a quote with a status of INVOICED."}
    ]


def test_purchase_orders_page_and_answer_xml_without_accept_json(xero):
    made = [order(xero, name=f"Vendor {n}") for n in range(3)]
    page = xero.get("PurchaseOrders", {"page": 2, "pageSize": 2}).json()
    assert [p["PurchaseOrderID"] for p in page["PurchaseOrders"]] == [made[2]["PurchaseOrderID"]]
    assert page["pagination"] == {"page": 2, "pageSize": 2, "pageCount": 2, "itemCount": 3}
    headers = xero.headers()
    del headers["HTTP_ACCEPT"]
    resp = xero.client.get("/sandbox/xero/api/api.xro/2.0/PurchaseOrders", **headers)
    body = resp.content.decode()
    assert resp["Content-Type"].startswith("text/xml")
    assert "<PurchaseOrders><PurchaseOrder>" in body and "<PurchaseOrderNumber>PO-0003<" in body


def test_the_whole_quote_sent_back_with_a_new_status_is_accepted(xero):
    """SDKs post the object they read, changed only in Status."""
    q = quote(xero)
    for status in ("SENT", "ACCEPTED"):
        move(xero, "Quotes", q["QuoteID"], status)
    whole = xero.get(f"Quotes/{q['QuoteID']}").json()["Quotes"][0]
    resp = xero.post(f"Quotes/{q['QuoteID']}", {"Quotes": [{**whole, "Status": "INVOICED"}]})
    assert resp.status_code == 200, resp.content
    assert resp.json()["Quotes"][0]["Status"] == "INVOICED"
