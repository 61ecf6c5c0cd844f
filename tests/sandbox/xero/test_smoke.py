from tests.sandbox.xero.conftest import messages


def test_it_creates_and_reads_an_invoice(xero):
    inv = xero.invoice(amount=250)
    assert inv["Total"] == 250.0 and inv["AmountDue"] == 250.0
    got = xero.get(f"Invoices/{inv['InvoiceID']}")
    assert got.status_code == 200
    assert got.json()["Invoices"][0]["InvoiceNumber"] == inv["InvoiceNumber"]


def test_it_refuses_a_duplicate_invoice_number(xero):
    xero.invoice(number="INV-9")
    contact = xero.contact("Other")
    resp = xero.put(
        "Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "InvoiceNumber": "INV-9",
                    "Contact": {"ContactID": contact["ContactID"]},
                }
            ]
        },
    )
    assert resp.status_code == 400
    assert messages(resp) == ["Invoice # must be unique."]
