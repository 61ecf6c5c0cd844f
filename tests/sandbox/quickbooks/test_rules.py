"""The rules that make real syncs drift: each provoked, with Intuit's exact code and message."""

from tests.sandbox.quickbooks.conftest import invoice_body


def _fault(response):
    assert response.status_code == 400, response.content
    error = response.json()["Fault"]["Error"][0]
    return error["code"], error["Message"], error["Detail"]


def test_stale_sync_token_is_5010(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    first = qbo.post(
        "invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "a"}
    )
    assert first.json()["Invoice"]["SyncToken"] == "1"
    stale = qbo.post(
        "invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "b"}
    )
    code, message, _ = _fault(stale)
    assert (code, message) == ("5010", "Stale Object Error")
    assert stale.json()["Fault"]["type"] == "ValidationFault"


def test_sparse_update_keeps_other_fields_and_full_update_clears_them(qbo, books):
    inv = qbo.create(
        "Invoice", invoice_body(books, PrivateNote="keep", CustomerMemo={"value": "x"})
    )
    sparse = qbo.post(
        "invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "new"}
    ).json()["Invoice"]
    assert sparse["CustomerMemo"] == {"value": "x"} and sparse["PrivateNote"] == "new"
    full = qbo.post("invoice", {**invoice_body(books), "Id": inv["Id"], "SyncToken": "1"}).json()[
        "Invoice"
    ]
    assert "CustomerMemo" not in full and "PrivateNote" not in full and full["SyncToken"] == "2"


def test_doc_number_is_assigned_while_custom_numbers_are_off(qbo, books):
    first = qbo.create("Invoice", invoice_body(books))
    second = qbo.create("Invoice", invoice_body(books))
    assert (first["DocNumber"], second["DocNumber"]) == ("1001", "1002")
    # Intuit keeps a sent number as is when custom numbers are off (and does not check it).
    sent = qbo.create("Invoice", invoice_body(books, DocNumber="1001"))
    assert sent["DocNumber"] == "1001"
    assert qbo.create("Invoice", invoice_body(books))["DocNumber"] == "1003"


def _custom_numbers_on(qbo):
    prefs = qbo.get("preferences").json()["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    body = {
        "Id": "1",
        "SyncToken": prefs["SyncToken"],
        "sparse": True,
        "SalesFormsPrefs": {"CustomTxnNumbers": True},
    }
    updated = qbo.post("preferences", body).json()["Preferences"]
    assert updated["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    assert updated["SalesFormsPrefs"]["AutoApplyCredit"] is True  # sparse: the rest stays


def test_duplicate_doc_number_is_6140_across_sales_forms(qbo, books):
    _custom_numbers_on(qbo)
    inv = qbo.create("Invoice", invoice_body(books, DocNumber="H-77"))
    assert inv["DocNumber"] == "H-77"
    assert "DocNumber" not in qbo.create("Invoice", invoice_body(books))
    clash = qbo.post("creditmemo", invoice_body(books, DocNumber="H-77"))
    code, message, detail = _fault(clash)
    assert (code, message) == ("6140", "Duplicate Document Number Error")
    assert detail.endswith(f"DocNumber=H-77 is assigned to TxnType=Invoice with TxnId={inv['Id']}")
    allowed = qbo.post(
        "invoice?include=allowduplicatedocnum", invoice_body(books, DocNumber="H-77")
    )
    assert allowed.status_code == 200


def test_doc_number_longer_than_21_is_rejected(qbo, books):
    response = qbo.post("invoice", invoice_body(books, DocNumber="X" * 22))
    assert _fault(response)[0] == "2050"


def test_display_name_unique_across_customers_vendors_employees_6240(qbo, books):
    response = qbo.post("vendor", {"DisplayName": "olivia  smith"})
    assert response.status_code == 200  # inner spacing differs: a different name
    response = qbo.post("vendor", {"DisplayName": "OLIVIA SMITH"})
    code, message, detail = _fault(response)
    assert (code, message) == ("6240", "Duplicate Name Exists Error")
    assert (
        detail
        == "The name supplied already exists. : Another customer is already using this name. Please use a different name."
    )


def test_closed_books_refuse_changes_on_or_before_the_date_6210(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books, TxnDate="2026-01-15"))
    qbo.control(
        "actions", {"action": "set_closing_date", "realmId": qbo.realm, "date": "2026-01-31"}
    )
    for response in (
        qbo.post("invoice", invoice_body(books, TxnDate="2026-01-31")),
        qbo.post(
            "invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"}
        ),
        qbo.post("invoice?operation=delete", {"Id": inv["Id"], "SyncToken": "0"}),
        qbo.post(
            "invoice", {"Id": inv["Id"], "SyncToken": "0", "sparse": True, "TxnDate": "2026-03-01"}
        ),
    ):
        code, message, detail = _fault(response)
        assert code == "6210"
        assert message == "Account Period Closed, Cannot Update Through Services API"
        assert detail.startswith("The account period has closed")
    assert qbo.post("invoice", invoice_body(books, TxnDate="2026-02-01")).status_code == 200


def _pay(qbo, books, inv, amount):
    line = {"Amount": amount, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}
    return qbo.create(
        "Payment", {"CustomerRef": {"value": books["customer"]}, "TotalAmt": amount, "Line": [line]}
    )


def test_payment_lowers_balance_and_void_restores_it(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))  # 700
    pay = _pay(qbo, books, inv, 250.5)
    assert pay["UnappliedAmt"] == 0
    assert pay["DepositToAccountRef"]["value"] == books["accounts"]["UndepositedFunds"]
    after = qbo.get(f"invoice/{inv['Id']}").json()["Invoice"]
    assert after["Balance"] == 449.5 and after["SyncToken"] == "1"
    assert after["LinkedTxn"] == [{"TxnId": pay["Id"], "TxnType": "Payment"}]
    voided = qbo.post(
        "payment?operation=update&include=void", {"Id": pay["Id"], "SyncToken": "0", "sparse": True}
    ).json()["Payment"]
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"] == "Voided"
    restored = qbo.get(f"invoice/{inv['Id']}").json()["Invoice"]
    assert restored["Balance"] == 700 and restored["LinkedTxn"] == []


def test_customer_balance_follows_invoices_and_payments(qbo, books):
    def customer():
        return qbo.get(f"customer/{books['customer']}").json()["Customer"]

    inv = qbo.create("Invoice", invoice_body(books))
    assert customer()["Balance"] == 700
    _pay(qbo, books, inv, 200)
    assert customer()["Balance"] == 500
    qbo.create("Payment", {"CustomerRef": {"value": books["customer"]}, "TotalAmt": 50})
    assert (customer()["Balance"], customer()["SyncToken"]) == (450, "0")


def test_credit_memo_applied_by_zero_payment(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    memo = qbo.create("CreditMemo", invoice_body(books, (1, 100)))
    assert memo["RemainingCredit"] == 100
    lines = [
        {"Amount": 100, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]},
        {"Amount": 100, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
    ]
    pay = qbo.create(
        "Payment", {"CustomerRef": {"value": books["customer"]}, "TotalAmt": 0, "Line": lines}
    )
    assert qbo.get(f"invoice/{inv['Id']}").json()["Invoice"]["Balance"] == 600
    assert qbo.get(f"creditmemo/{memo['Id']}").json()["CreditMemo"]["RemainingCredit"] == 0
    deleted = qbo.post("payment?operation=delete", {"Id": pay["Id"], "SyncToken": "0"}).json()
    assert deleted["Payment"] == {"domain": "QBO", "status": "Deleted", "Id": pay["Id"]}
    assert qbo.get(f"invoice/{inv['Id']}").json()["Invoice"]["Balance"] == 700
    assert qbo.get(f"creditmemo/{memo['Id']}").json()["CreditMemo"]["RemainingCredit"] == 100


def test_overpaying_an_invoice_is_refused(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    line = {"Amount": 701, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}
    response = qbo.post(
        "payment", {"CustomerRef": {"value": books["customer"]}, "TotalAmt": 701, "Line": [line]}
    )
    assert _fault(response)[0] == "6000"


def test_deposited_payment_cannot_change_or_be_deleted_6540(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    pay = _pay(qbo, books, inv, 100)
    deposit = qbo.control(
        "actions", {"action": "deposit_payment", "realmId": qbo.realm, "payment_ids": [pay["Id"]]}
    )
    assert deposit["Deposit"]["TotalAmt"] == 100
    assert deposit["Deposit"]["Line"][0]["LinkedTxn"][0] == {
        "TxnId": pay["Id"],
        "TxnType": "Payment",
        "TxnLineId": "0",
    }
    for response in (
        qbo.post(
            "payment", {"Id": pay["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"}
        ),
        qbo.post("payment?operation=delete", {"Id": pay["Id"], "SyncToken": "0"}),
    ):
        code, message, detail = _fault(response)
        assert (code, message) == ("6540", "Deposited Transaction cannot be changed")
        assert detail.startswith("This transaction has been deposited.")


def test_void_invoice_zeroes_it_and_unapplies_payments(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    pay = _pay(qbo, books, inv, 100)
    current = qbo.get(f"invoice/{inv['Id']}").json()["Invoice"]
    voided = qbo.post(
        "invoice?operation=void", {"Id": inv["Id"], "SyncToken": current["SyncToken"]}
    ).json()["Invoice"]
    assert (voided["TotalAmt"], voided["Balance"], voided["PrivateNote"]) == (0, 0, "Voided")
    assert (voided["domain"], voided["sparse"]) == ("QBO", False)
    payment = qbo.get(f"payment/{pay['Id']}").json()["Payment"]
    assert payment["Line"] == [] and payment["UnappliedAmt"] == 100


def test_amount_must_equal_qty_times_price_6070(qbo, books):
    body = invoice_body(books)
    body["Line"][0]["Amount"] = 10
    assert _fault(qbo.post("invoice", body))[0] == "6070"


def test_missing_and_inactive_references(qbo, books):
    response = qbo.post("invoice", {**invoice_body(books), "CustomerRef": {"value": "99999"}})
    assert _fault(response)[0] == "2500"
    cust = qbo.get(f"customer/{books['customer']}").json()["Customer"]
    qbo.post(
        "customer",
        {"Id": cust["Id"], "SyncToken": cust["SyncToken"], "sparse": True, "Active": False},
    )
    code, message, _ = _fault(qbo.post("invoice", invoice_body(books)))
    assert (code, message) == ("610", "Object Not Found")
    assert _fault(qbo.get("invoice/424242"))[0] == "610"


def test_unknown_fields_are_refused_like_intuit_2010(qbo, books):
    body = invoice_body(books, Total=5)
    code, message, detail = _fault(qbo.post("invoice", body))
    assert (code, message) == ("2010", "Request has invalid or unsupported property")
    assert detail.startswith(
        'Property Name:Unrecognized field "Total" (class com.intuit.schema.finance.v3.Invoice)'
    )
    nested = invoice_body(books)
    nested["Line"][0]["SalesItemLineDetail"]["Rate"] = 1
    assert _fault(qbo.post("invoice", nested))[0] == "2010"


def test_deleting_the_deposit_frees_the_payment(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books))
    pay = _pay(qbo, books, inv, 100)
    act = {"action": "deposit_payment", "realmId": qbo.realm, "payment_ids": [pay["Id"]]}
    deposit = qbo.control("actions", act)["Deposit"]
    gone = qbo.post("deposit?operation=delete", {"Id": deposit["Id"], "SyncToken": "0"})
    assert gone.json()["Deposit"]["status"] == "Deleted"
    edit = {"Id": pay["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "ok"}
    assert qbo.post("payment", edit).status_code == 200


def test_payment_links_on_an_invoice_are_read_only(qbo, books):
    body = invoice_body(
        books, LinkedTxn=[{"TxnId": "999", "TxnType": "Payment"}], TotalAmt=1, Balance=1
    )
    inv = qbo.create("Invoice", body)
    assert inv["LinkedTxn"] == [] and inv["TotalAmt"] == 700 and inv["Balance"] == 700
    pay = _pay(qbo, books, inv, 100)
    current = qbo.get(f"invoice/{inv['Id']}").json()["Invoice"]
    update = {"Id": inv["Id"], "SyncToken": current["SyncToken"], "sparse": True, "LinkedTxn": []}
    kept = qbo.post("invoice", update).json()["Invoice"]
    assert (
        kept["LinkedTxn"] == [{"TxnId": pay["Id"], "TxnType": "Payment"}] and kept["Balance"] == 600
    )
