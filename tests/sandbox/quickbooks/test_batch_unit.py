"""A batch is one unit of work: what its items create, number and shift is seen by the items
after them, and an item that fails takes nothing with it."""

from sandbox.quickbooks.models import ChangeEvent, Record
from tests.sandbox.quickbooks.conftest import control, invoice_body


def _batch(qbo, *items):
    body = {"BatchItemRequest": [{"bId": str(n), **item} for n, item in enumerate(items)]}
    return qbo.post("batch", body).json()["BatchItemResponse"]


def _create(entity: str, body: dict) -> dict:
    return {"operation": "create", entity: body}


def test_a_failed_item_takes_no_id_number_balance_or_event(qbo, books):
    events = ChangeEvent.objects.count()
    bad = invoice_body(books)
    bad["Line"][0]["SalesItemLineDetail"]["ItemRef"] = {"value": "999999"}
    out = _batch(
        qbo,
        _create("Invoice", invoice_body(books, (1, 100))),
        _create("Invoice", bad),
        _create("Invoice", invoice_body(books, (1, 20))),
        {"Query": f"SELECT * FROM Customer WHERE Id = '{books['customer']}'"},
    )
    first, failed, third = out[0]["Invoice"], out[1]["Fault"], out[2]["Invoice"]
    assert failed["Error"][0]["code"] == "2500"
    assert int(third["Id"]) == int(first["Id"]) + 1
    assert (first["DocNumber"], third["DocNumber"]) == ("1001", "1002")
    assert out[3]["QueryResponse"]["Customer"][0]["Balance"] == 120
    assert ChangeEvent.objects.count() == events + 2
    customer = qbo.get(f"customer/{books['customer']}").json()["Customer"]
    assert customer["Balance"] == customer["BalanceWithJobs"] == 120
    assert customer["SyncToken"] == "0"
    assert qbo.create("Invoice", invoice_body(books))["DocNumber"] == "1003"


def test_names_and_numbers_are_unique_within_one_batch(qbo, books):
    control(qbo.client, "actions", {"action": "set_preferences", "realmId": qbo.realm,
                                    "preferences": {"SalesFormsPrefs": {"CustomTxnNumbers": True}}})  # fmt: skip
    out = _batch(
        qbo,
        _create("Customer", {"DisplayName": "Ada Lovelace"}),
        _create("Vendor", {"DisplayName": "ada lovelace "}),
        _create("Invoice", invoice_body(books, DocNumber="C-1")),
        _create("CreditMemo", invoice_body(books, DocNumber="C-1")),
    )
    assert out[0]["Customer"]["DisplayName"] == "Ada Lovelace"
    assert out[1]["Fault"]["Error"][0]["code"] == "6240"
    assert out[2]["Invoice"]["DocNumber"] == "C-1"
    assert out[3]["Fault"]["Error"][0]["code"] == "6140"
    assert Record.objects.filter(type__in=["Customer", "Vendor"], key="ada lovelace").count() == 1


def test_a_payment_in_a_batch_applies_to_an_invoice_made_before_it(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books, (1, 300)))
    link = [{"TxnId": inv["Id"], "TxnType": "Invoice"}]
    payment = {"CustomerRef": {"value": books["customer"]}, "TotalAmt": 100}
    out = _batch(
        qbo,
        _create("Invoice", invoice_body(books, (1, 40))),
        _create("Payment", payment | {"Line": [{"Amount": 100, "LinkedTxn": link}]}),
        _create(
            "Payment", payment | {"TotalAmt": 500, "Line": [{"Amount": 500, "LinkedTxn": link}]}
        ),
        _create("Payment", payment | {"TotalAmt": 5}),
    )
    assert out[1]["Payment"]["UnappliedAmt"] == 0
    assert out[2]["Fault"]["Error"][0]["code"] == "6000"
    assert out[3]["Payment"]["UnappliedAmt"] == 5
    invoice = qbo.get(f"invoice/{inv['Id']}").json()["Invoice"]
    assert invoice["Balance"] == 200 and invoice["SyncToken"] == "1"
    customer = qbo.get(f"customer/{books['customer']}").json()["Customer"]
    assert customer["Balance"] == 300 + 40 - 100 - 5


def test_a_payment_deposited_earlier_in_the_batch_cannot_be_deposited_again(qbo, books):
    inv = qbo.create("Invoice", invoice_body(books, (1, 80)))
    pay = qbo.create("Payment", {
        "CustomerRef": {"value": books["customer"]}, "TotalAmt": 80,
        "Line": [{"Amount": 80, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}],
    })  # fmt: skip
    bank = {"value": books["accounts"]["Checking"]}
    line = {"Amount": 80, "LinkedTxn": [{"TxnId": pay["Id"], "TxnType": "Payment"}]}
    deposit = {"DepositToAccountRef": bank, "Line": [line]}
    out = _batch(
        qbo,
        _create("Deposit", deposit),
        _create("Invoice", {"Line": []}),
        _create("Deposit", deposit),
    )
    assert out[0]["Deposit"]["TotalAmt"] == 80
    assert "Fault" in out[1]
    assert out[2]["Fault"]["Error"][0]["code"] == "6000"
    stored = Record.objects.get(type="Payment", remote_id=int(pay["Id"]))
    assert stored.meta["deposited_in"] == int(out[0]["Deposit"]["Id"])


def test_balances_and_applied_invoices_of_several_customers_are_written_together(qbo, books):
    other = qbo.create("Customer", {"DisplayName": "Grace Hopper"})["Id"]
    first = qbo.create("Invoice", invoice_body(books, (1, 300)))
    second = qbo.create("Invoice", invoice_body({**books, "customer": other}, (1, 90)))

    def pay(invoice: dict, amount) -> dict:
        link = [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
        body = {"CustomerRef": invoice["CustomerRef"], "TotalAmt": amount}
        return _create("Payment", body | {"Line": [{"Amount": amount, "LinkedTxn": link}]})

    out = _batch(qbo, pay(first, 100.5), pay(second, 90))
    assert [item["Payment"]["UnappliedAmt"] for item in out] == [0, 0]
    got = {
        i["Id"]: i for i in qbo.query("SELECT * FROM Invoice").json()["QueryResponse"]["Invoice"]
    }
    assert got[first["Id"]]["Balance"] == 199.5 and got[second["Id"]]["Balance"] == 0
    assert got[first["Id"]]["SyncToken"] == got[second["Id"]]["SyncToken"] == "1"
    assert got[second["Id"]]["LinkedTxn"] == [
        {"TxnId": out[1]["Payment"]["Id"], "TxnType": "Payment"}
    ]
    assert got[first["Id"]]["MetaData"]["LastUpdatedTime"] >= first["MetaData"]["LastUpdatedTime"]
    balances = {
        c["Id"]: c["Balance"]
        for c in qbo.query("SELECT * FROM Customer").json()["QueryResponse"]["Customer"]
    }
    assert balances[books["customer"]] == 199.5 and balances[other] == 0
