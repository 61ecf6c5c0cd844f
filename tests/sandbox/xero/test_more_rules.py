"""Smaller rules: bills and their payments, submitted invoices, lookups by number, the app-wide
minute limit, refresh by another client, reconciled bank transactions, credit refunds."""

from tests.sandbox.xero.conftest import ctl, messages

TOKEN = "/sandbox/xero/identity/connect/token"


def test_bills_are_paid_with_accpay_payments(xero):
    contact = xero.contact("Court Reporter")
    bill = xero.put(
        "Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCPAY",
                    "Contact": {"ContactID": contact["ContactID"]},
                    "Status": "AUTHORISED",
                    "LineItems": [
                        {"Description": "Transcript", "UnitAmount": 75, "AccountCode": "310"}
                    ],
                }
            ]
        },
    )
    bill = bill.json()["Invoices"][0]
    assert bill["InvoiceNumber"] == ""
    pay = xero.pay(bill["InvoiceID"], 75).json()["Payments"][0]
    assert pay["PaymentType"] == "ACCPAYPAYMENT"
    assert xero.get(f"Contacts/{contact['ContactID']}").json()["Contacts"][0]["IsSupplier"] is True


def test_submitted_invoices_can_be_approved_or_returned_to_draft(xero):
    inv = xero.invoice(status="SUBMITTED")
    assert (
        xero.post(f"Invoices/{inv['InvoiceID']}", {"Status": "DRAFT"}).json()["Invoices"][0][
            "Status"
        ]
        == "DRAFT"
    )
    assert messages(xero.pay(inv["InvoiceID"], 1)) == [
        "Payments can only be made against Authorised documents"
    ]
    empty = xero.contact("Empty")
    resp = xero.put(
        "Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": empty["ContactID"]},
                    "Status": "AUTHORISED",
                    "LineItems": [],
                }
            ]
        },
    )
    assert messages(resp) == ["One or more line items must be specified"]


def test_an_invoice_is_found_by_its_number(xero):
    inv = xero.invoice(number="CLIO-7")
    assert xero.get("Invoices/CLIO-7").json()["Invoices"][0]["InvoiceID"] == inv["InvoiceID"]
    assert xero.get("invoices/CLIO-7").status_code == 200  # paths are case-insensitive


def test_the_app_minute_limit(xero):
    ctl(xero.client, "limits", {"enabled": True, "app_minute": 1})
    assert xero.get("Organisation").status_code == 200
    resp = xero.get("Organisation")
    assert resp.status_code == 429 and resp["X-Rate-Limit-Problem"] == "appminute"
    assert resp["X-AppMinLimit-Remaining"] == "0"


def test_a_refresh_token_belongs_to_its_client(xero):
    other = ctl(xero.client, "apps", {"redirect_uris": []})
    resp = xero.client.post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": xero.tokens["refresh_token"],
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
        },
    )
    assert resp.status_code == 400 and resp.json() == {"error": "invalid_grant"}
    bad_secret = xero.client.post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": xero.tokens["refresh_token"],
            "client_id": xero.app["client_id"],
            "client_secret": "wrong",
        },
    )
    assert bad_secret.json() == {"error": "invalid_client"}
    form = xero.client.post(
        TOKEN,
        {
            "grant_type": "refresh_token",
            "refresh_token": xero.tokens["refresh_token"],
            "client_id": xero.app["client_id"],
            "client_secret": xero.app["client_secret"],
        },
    )
    assert form.status_code == 200


def test_a_reconciled_bank_transaction_is_not_deleted(xero):
    contact = xero.contact("Trust Client")
    body = {
        "BankTransactions": [
            {
                "Type": "SPEND",
                "Contact": {"ContactID": contact["ContactID"]},
                "BankAccount": {"Code": "091"},
                "IsReconciled": True,
                "LineAmountTypes": "NoTax",
                "LineItems": [
                    {"Description": "Disbursement", "UnitAmount": 100, "AccountCode": "850"}
                ],
            }
        ]
    }
    bt = xero.put("BankTransactions", body).json()["BankTransactions"][0]
    resp = xero.post(f"BankTransactions/{bt['BankTransactionID']}", {"Status": "DELETED"})
    assert messages(resp) == ["A reconciled bank transaction cannot be deleted."]


def test_a_credit_note_can_be_refunded_in_cash(xero):
    contact = xero.contact("Refund Client")
    cn = xero.put(
        "CreditNotes",
        {
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": contact["ContactID"]},
                    "Status": "AUTHORISED",
                    "LineItems": [
                        {"Description": "Overbilled", "UnitAmount": 40, "AccountCode": "200"}
                    ],
                }
            ]
        },
    )
    cn = cn.json()["CreditNotes"][0]
    body = {
        "Payments": [
            {
                "CreditNote": {"CreditNoteID": cn["CreditNoteID"]},
                "Account": {"Code": "090"},
                "Amount": 40,
            }
        ]
    }
    pay = xero.put("Payments", body).json()["Payments"][0]
    assert pay["PaymentType"] == "ARCREDITPAYMENT"
    after = xero.get(f"CreditNotes/{cn['CreditNoteID']}").json()["CreditNotes"][0]
    assert (after["Status"], after["RemainingCredit"]) == ("PAID", 0.0)


def test_an_invoice_may_name_a_new_contact(xero):
    resp = xero.put(
        "Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": "Brand New Client"},
                    "LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "200"}],
                }
            ]
        },
    )
    contact_id = resp.json()["Invoices"][0]["Contact"]["ContactID"]
    assert xero.get(f"Contacts/{contact_id}").json()["Contacts"][0]["Name"] == "Brand New Client"
    unknown = xero.put(
        "Invoices",
        {
            "Invoices": [
                {"Type": "ACCREC", "Contact": {"ContactID": "00000000-0000-0000-0000-000000000001"}}
            ]
        },
    )
    assert messages(unknown) == ["The contact with the specified ContactID could not be found."]


def test_without_accept_json_the_answer_is_xml(xero):
    inv = xero.invoice(number="X-1")
    headers = xero.headers()
    del headers["HTTP_ACCEPT"]
    resp = xero.client.get(f"/sandbox/xero/api/api.xro/2.0/Invoices/{inv['InvoiceID']}", **headers)
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/xml")
    body = resp.content.decode()
    assert body.startswith("<Response>") and "<Invoices><Invoice>" in body
    assert (
        "<InvoiceNumber>X-1</InvoiceNumber>" in body and "<Date>2026-03-01T00:00:00</Date>" in body
    )


def test_malformed_elements_are_validation_errors(xero):
    resp = xero.put(
        "Invoices",
        {"Invoices": [{"Type": "ACCREC", "Contact": "not an object"}, "nonsense"]},
        "summarizeErrors=false",
    )
    assert resp.status_code == 200
    assert [i["StatusAttributeString"] for i in resp.json()["Invoices"]] == ["ERROR", "ERROR"]
    assert xero.put("Invoices", b"{not json".decode()).status_code == 400
