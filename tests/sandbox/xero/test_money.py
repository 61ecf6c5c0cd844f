"""Payments, credit notes and allocations, bank transactions, transfers and manual journals."""

from tests.sandbox.xero.conftest import ctl, messages

ONLY_AUTHORISED = "Payments can only be made against Authorised documents"
OVER = "Payment amount exceeds the amount outstanding on this document"


def test_payments_only_against_authorised_documents(xero):
    draft = xero.invoice(status="DRAFT")
    resp = xero.pay(draft["InvoiceID"], 10)
    assert resp.status_code == 400 and messages(resp) == [ONLY_AUTHORISED]


def test_a_payment_cannot_exceed_the_amount_due(xero):
    inv = xero.invoice(amount=100)
    assert messages(xero.pay(inv["InvoiceID"], 100.01)) == [OVER]


def test_part_then_full_payment_marks_the_invoice_paid(xero):
    inv = xero.invoice(amount=100)
    first = xero.pay(inv["InvoiceID"], 40).json()["Payments"][0]
    assert first["PaymentType"] == "ACCRECPAYMENT" and first["Status"] == "AUTHORISED"
    mid = xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert (mid["Status"], mid["AmountPaid"], mid["AmountDue"]) == ("AUTHORISED", 40.0, 60.0)
    xero.pay(inv["InvoiceID"], 60)
    done = xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert (done["Status"], done["AmountDue"], len(done["Payments"])) == ("PAID", 0.0, 2)
    assert done["FullyPaidOnDate"].startswith("/Date(")
    assert messages(xero.pay(inv["InvoiceID"], 1)) == [ONLY_AUTHORISED, OVER]


def test_deleting_a_payment_reopens_the_invoice(xero):
    inv = xero.invoice(amount=50)
    pay = xero.pay(inv["InvoiceID"], 50).json()["Payments"][0]
    resp = xero.post(f"Payments/{pay['PaymentID']}", {"Status": "DELETED"})
    assert resp.json()["Payments"][0]["Status"] == "DELETED"
    back = xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert (back["Status"], back["AmountDue"], back["Payments"]) == ("AUTHORISED", 50.0, [])
    edit = xero.post(f"Payments/{pay['PaymentID']}", {"Amount": 10})
    assert edit.status_code == 400


def test_a_reconciled_payment_cannot_be_deleted(xero):
    inv = xero.invoice(amount=50)
    pay = xero.pay(inv["InvoiceID"], 20).json()["Payments"][0]
    ctl(
        xero.client,
        "actions",
        {"action": "reconcile_payment", "tenant_id": xero.tenant, "payment_id": pay["PaymentID"]},
    )
    resp = xero.post(f"Payments/{pay['PaymentID']}", {"Status": "DELETED"})
    assert messages(resp) == ["A reconciled payment cannot be deleted."]


def test_payments_need_a_bank_account(xero):
    inv = xero.invoice(amount=50)
    resp = xero.pay(inv["InvoiceID"], 5, Account={"Code": "200"})
    assert messages(resp) == ["Account could not be found."]


def test_payment_batches_report_per_element(xero):
    inv = xero.invoice(amount=50)
    draft = xero.invoice(status="DRAFT")
    body = {
        "Payments": [
            {"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 5},
            {"Invoice": {"InvoiceID": draft["InvoiceID"]}, "Account": {"Code": "090"}, "Amount": 5},
        ]
    }
    out = xero.put("Payments", body, "summarizeErrors=false").json()["Payments"]
    assert [p["StatusAttributeString"] for p in out] == ["OK", "ERROR"]
    assert out[1]["HasValidationErrors"] is True


def _credit_note(xero, contact_id, amount, status="AUTHORISED"):
    body = {
        "CreditNotes": [
            {
                "Type": "ACCRECCREDIT",
                "Contact": {"ContactID": contact_id},
                "Status": status,
                "Date": "2026-03-05",
                "LineItems": [
                    {
                        "Description": "Write-off",
                        "Quantity": 1,
                        "UnitAmount": amount,
                        "AccountCode": "200",
                        "TaxType": "NONE",
                    }
                ],
            }
        ]
    }
    resp = xero.put("CreditNotes", body)
    assert resp.status_code == 200, resp.content
    return resp.json()["CreditNotes"][0]


def test_credit_note_allocation_reduces_the_invoice(xero):
    inv = xero.invoice(amount=100)
    cn = _credit_note(xero, inv["Contact"]["ContactID"], 30)
    assert (cn["CreditNoteNumber"], cn["RemainingCredit"]) == ("CN-0001", 30.0)
    url = f"CreditNotes/{cn['CreditNoteID']}/Allocations"
    alloc = xero.put(
        url,
        {
            "Allocations": [
                {"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Amount": 30, "Date": "2026-03-06"}
            ]
        },
    )
    assert alloc.status_code == 200 and alloc.json()["Allocations"][0]["Amount"] == 30.0
    after = xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert (after["AmountCredited"], after["AmountDue"]) == (30.0, 70.0)
    used = xero.get(f"CreditNotes/{cn['CreditNoteID']}").json()["CreditNotes"][0]
    assert (used["Status"], used["RemainingCredit"]) == ("PAID", 0.0)
    locked = xero.post(
        f"Invoices/{inv['InvoiceID']}",
        {"LineItems": [{"Description": "y", "UnitAmount": 5, "AccountCode": "200"}]},
    )
    assert messages(locked)[0] == "Invoice not of valid status for modification"


def test_an_allocation_cannot_exceed_the_credit_or_the_amount_due(xero):
    inv = xero.invoice(amount=20)
    cn = _credit_note(xero, inv["Contact"]["ContactID"], 50)
    url = f"CreditNotes/{cn['CreditNoteID']}/Allocations"
    resp = xero.put(
        url,
        {
            "Allocations": [
                {"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Amount": 25, "Date": "2026-03-06"}
            ]
        },
    )
    assert messages(resp) == [OVER]
    draft = _credit_note(xero, inv["Contact"]["ContactID"], 5, status="DRAFT")
    resp = xero.put(
        f"CreditNotes/{draft['CreditNoteID']}/Allocations",
        {
            "Allocations": [
                {"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Amount": 5, "Date": "2026-03-06"}
            ]
        },
    )
    assert messages(resp) == ["Credit notes can only be allocated when they are Authorised."]


def test_removing_an_allocation_restores_both_sides(xero):
    inv = xero.invoice(amount=20)
    cn = _credit_note(xero, inv["Contact"]["ContactID"], 20)
    url = f"CreditNotes/{cn['CreditNoteID']}/Allocations"
    alloc = xero.put(
        url,
        {
            "Allocations": [
                {"Invoice": {"InvoiceID": inv["InvoiceID"]}, "Amount": 20, "Date": "2026-03-06"}
            ]
        },
    )
    assert xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]["Status"] == "PAID"
    alloc_id = alloc.json()["Allocations"][0]["AllocationID"]
    gone = xero.client.delete(f"/sandbox/xero/api/api.xro/2.0/{url}/{alloc_id}", **xero.headers())
    assert gone.status_code == 200
    back = xero.get(f"Invoices/{inv['InvoiceID']}").json()["Invoices"][0]
    assert (back["Status"], back["AmountDue"]) == ("AUTHORISED", 20.0)


def test_trust_deposit_is_a_receive_to_the_trust_bank(xero):
    contact = xero.contact("Trust Client")
    body = {
        "BankTransactions": [
            {
                "Type": "RECEIVE",
                "Contact": {"ContactID": contact["ContactID"]},
                "BankAccount": {"Code": "091"},
                "Date": "2026-03-02",
                "LineAmountTypes": "NoTax",
                "LineItems": [
                    {"Description": "Retainer", "UnitAmount": 2500, "AccountCode": "850"}
                ],
            }
        ]
    }
    bt = xero.put("BankTransactions", body).json()["BankTransactions"][0]
    assert (bt["Total"], bt["BankAccount"]["Code"], bt["Status"]) == (2500.0, "091", "AUTHORISED")
    wrong = dict(body["BankTransactions"][0], BankAccount={"Code": "200"})
    assert messages(xero.put("BankTransactions", {"BankTransactions": [wrong]})) == [
        "Account could not be found."
    ]
    deleted = xero.post(f"BankTransactions/{bt['BankTransactionID']}", {"Status": "DELETED"})
    assert deleted.json()["BankTransactions"][0]["Status"] == "DELETED"


def test_a_bank_transfer_makes_two_bank_transactions(xero):
    body = {
        "BankTransfers": [
            {
                "FromBankAccount": {"Code": "091"},
                "ToBankAccount": {"Code": "090"},
                "Amount": 400,
                "Date": "2026-03-03",
            }
        ]
    }
    tr = xero.put("BankTransfers", body).json()["BankTransfers"][0]
    legs = xero.get(
        "BankTransactions", {"where": 'Type=="SPEND-TRANSFER" OR Type=="RECEIVE-TRANSFER"'}
    )
    ids = {b["BankTransactionID"] for b in legs.json()["BankTransactions"]}
    assert ids == {tr["FromBankTransactionID"], tr["ToBankTransactionID"]}
    same = {"BankTransfers": [{**body["BankTransfers"][0], "ToBankAccount": {"Code": "091"}}]}
    assert messages(xero.put("BankTransfers", same)) == [
        "The From and To bank accounts must be different."
    ]
    assert len(xero.get("BankTransfers").json()["BankTransfers"]) == 1


def test_manual_journals_must_balance_to_post(xero):
    lines = [{"LineAmount": 100, "AccountCode": "850"}, {"LineAmount": -90, "AccountCode": "200"}]
    body = {"ManualJournals": [{"Narration": "Move", "Status": "POSTED", "JournalLines": lines}]}
    assert messages(xero.put("ManualJournals", body)) == [
        "The total debits (100.00) must equal total credits (90.00)"
    ]
    lines[1]["LineAmount"] = -100
    ok = xero.put("ManualJournals", body)
    assert ok.status_code == 200 and ok.json()["ManualJournals"][0]["Status"] == "POSTED"


def test_contact_names_are_unique_among_active_contacts(xero):
    first = xero.contact("Lakeshore Yacht Club")
    dup = xero.put("Contacts", {"Contacts": [{"Name": "Lakeshore Yacht Club"}]})
    assert messages(dup) == [
        "The contact name Lakeshore Yacht Club is already assigned to another contact. "
        "The contact name must be unique across all active contacts."
    ]
    xero.post(f"Contacts/{first['ContactID']}", {"ContactStatus": "ARCHIVED"})
    assert xero.put("Contacts", {"Contacts": [{"Name": "Lakeshore Yacht Club"}]}).status_code == 200
    names = [c["ContactStatus"] for c in xero.get("Contacts").json()["Contacts"]]
    assert names == ["ACTIVE"]
    assert len(xero.get("Contacts", {"includeArchived": "true"}).json()["Contacts"]) == 2


def test_contact_numbers_are_unique_and_addressable(xero):
    xero.put("Contacts", {"Contacts": [{"Name": "A", "ContactNumber": "clio-1"}]})
    dup = xero.put("Contacts", {"Contacts": [{"Name": "B", "ContactNumber": "clio-1"}]})
    assert messages(dup) == ["The contact number clio-1 is already assigned to another contact."]
    assert xero.get("Contacts/clio-1").json()["Contacts"][0]["Name"] == "A"
    bad = xero.put("Contacts", {"Contacts": [{"Name": "C", "EmailAddress": "not-an-email"}]})
    assert messages(bad) == ["Email address must be valid."]


def test_settings_endpoints_serve_the_chart(xero):
    accounts = xero.get("Accounts").json()["Accounts"]
    trust = next(a for a in accounts if a["Name"] == "Client funds held in trust")
    assert (trust["Type"], trust["Class"]) == ("CURRLIAB", "LIABILITY")
    assert {a["Code"] for a in accounts if a["Type"] == "BANK"} == {"090", "091"}
    assert {t["TaxType"] for t in xero.get("TaxRates").json()["TaxRates"]} >= {"NONE", "OUTPUT"}
    assert xero.get("TaxRates/OUTPUT").json()["TaxRates"][0]["EffectiveRate"] == 8.25
    tracking = xero.get("TrackingCategories").json()["TrackingCategories"][0]
    assert tracking["Name"] == "Matter" and len(tracking["Options"]) == 5
    assert {i["Code"] for i in xero.get("Items").json()["Items"]} == {"FEES", "FILING", "COPIES"}
    assert xero.get("Organisation").json()["Organisations"][0]["BaseCurrency"] == "USD"


def test_settings_can_be_extended(xero):
    acct = xero.put(
        "Accounts", {"Code": "092", "Name": "Savings", "Type": "BANK", "BankAccountNumber": "1"}
    )
    assert acct.status_code == 200 and acct.json()["Accounts"][0]["Class"] == "ASSET"
    assert messages(xero.put("Accounts", {"Code": "092", "Name": "Other", "Type": "BANK"})) == [
        "Please enter a unique Code."
    ]
    cat = xero.get("TrackingCategories").json()["TrackingCategories"][0]
    opt = xero.put(
        f"TrackingCategories/{cat['TrackingCategoryID']}/Options", {"Name": "2026-006 New matter"}
    )
    assert opt.status_code == 200 and opt.json()["Options"][0]["Name"] == "2026-006 New matter"
    item = xero.put(
        "Items",
        {
            "Items": [
                {
                    "Code": "MEDIATION",
                    "Name": "Mediation",
                    "SalesDetails": {"UnitPrice": 900, "AccountCode": "200"},
                }
            ]
        },
    )
    assert item.status_code == 200
    assert messages(xero.put("Items", {"Items": [{"Code": "MEDIATION"}]})) == [
        "Item code 'MEDIATION' already exists."
    ]
    item_id = item.json()["Items"][0]["ItemID"]
    gone = xero.client.delete(f"/sandbox/xero/api/api.xro/2.0/Items/{item_id}", **xero.headers())
    assert gone.status_code == 204 and gone.content == b""


def test_purchase_orders_and_quotes_are_numbered(xero):
    contact = xero.contact("Vendor")
    line = [
        {
            "Description": "Paper",
            "Quantity": 2,
            "UnitAmount": 5,
            "AccountCode": "429",
            "TaxType": "NONE",
        }
    ]
    po = xero.put(
        "PurchaseOrders",
        {
            "PurchaseOrders": [
                {
                    "Contact": {"ContactID": contact["ContactID"]},
                    "Date": "2026-03-01",
                    "LineItems": line,
                }
            ]
        },
    )
    assert po.json()["PurchaseOrders"][0]["PurchaseOrderNumber"] == "PO-0001"
    quote = xero.put(
        "Quotes",
        {
            "Quotes": [
                {
                    "Contact": {"ContactID": contact["ContactID"]},
                    "Date": "2026-03-01",
                    "LineItems": [{**line[0], "AccountCode": "200"}],
                }
            ]
        },
    )
    assert quote.status_code == 200, quote.content
    assert (
        quote.json()["Quotes"][0]["QuoteNumber"] == "QU-0001"
        and quote.json()["Quotes"][0]["Total"] == 10.0
    )
