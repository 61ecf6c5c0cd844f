from tests.sandbox.quickbooks.conftest import invoice_body


def test_invoice_create_computes_amounts_in_decimal(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books, (1.5, 333.33), (3, 0.1)))
    assert [ln["Amount"] for ln in inv["Line"]] == [500.0, 0.3, 500.3]
    assert inv["Line"][-1]["DetailType"] == "SubTotalLineDetail"
    assert inv["TotalAmt"] == 500.3 and inv["Balance"] == 500.3
    assert inv["SyncToken"] == "0" and inv["Id"].isdigit()
    assert inv["DocNumber"] == "1001"
    assert set(inv["MetaData"]) == {"CreateTime", "LastUpdatedTime"}


def test_read_returns_envelope_with_time(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    body = qbo.get(f"invoice/{inv['Id']}", minorversion="75").json()
    assert body["Invoice"] == inv and "time" in body
