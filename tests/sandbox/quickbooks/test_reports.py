"""GET reports/TrialBalance: balances as of a day, posted from the transactions the sandbox holds."""

from tests.sandbox.quickbooks.conftest import invoice_body


def _row(report, account_id):
    for row in report["Rows"]["Row"]:
        cells = row.get("ColData")
        if cells and cells[0].get("id") == account_id:
            return cells[1]["value"], cells[2]["value"]
    return None


def test_a_trust_deposit_and_cheque_show_on_the_liability_as_of_their_days(qbo, books):
    trust = books["accounts"]["TrustAccounts"]
    liability = books["accounts"]["TrustAccountsLiabilities"]
    line = {"AccountRef": {"value": liability}}
    qbo.create(
        "Deposit",
        {
            "DepositToAccountRef": {"value": trust},
            "TxnDate": "2026-03-02",
            "Line": [
                {"Amount": 1000, "DetailType": "DepositLineDetail", "DepositLineDetail": line}
            ],
        },
    )
    qbo.create(
        "Purchase",
        {
            "AccountRef": {"value": trust},
            "PaymentType": "Check",
            "TxnDate": "2026-03-05",
            "Line": [
                {
                    "Amount": 250,
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": line,
                }
            ],
        },
    )
    early = qbo.get("reports/TrialBalance", end_date="2026-03-03").json()
    late = qbo.get("reports/TrialBalance", end_date="2026-03-31").json()
    before = qbo.get("reports/TrialBalance", end_date="2026-03-01").json()
    assert _row(early, liability) == ("", "1000.00")
    assert _row(late, liability) == ("", "750.00")
    assert _row(late, trust) == ("750.00", "")
    assert _row(before, liability) is None
    assert late["Header"]["ReportName"] == "TrialBalance"
    assert late["Header"]["EndPeriod"] == "2026-03-31"


def test_the_trial_balance_balances_with_invoices_payments_and_journals(qbo, books):
    invoice = qbo.create("Invoice", invoice_body(books, TxnDate="2026-03-01"))
    qbo.create(
        "Payment",
        {
            "CustomerRef": {"value": books["customer"]},
            "TotalAmt": 300,
            "TxnDate": "2026-03-02",
            "Line": [
                {"Amount": 300, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        },
    )
    report = qbo.get("reports/TrialBalance", end_date="2026-03-31").json()
    total = report["Rows"]["Row"][-1]
    assert total["group"] == "GrandTotal"
    _, debit, credit = (c["value"] for c in total["Summary"]["ColData"])
    assert debit == credit


def test_an_unknown_report_is_refused(qbo):
    response = qbo.client.get(
        qbo.url("reports/NoSuchReport"), HTTP_AUTHORIZATION=f"Bearer {qbo.token}"
    )
    assert response.status_code in (400, 500)
    assert "Fault" in response.json()
