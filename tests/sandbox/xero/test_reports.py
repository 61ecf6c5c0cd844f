"""GET Reports/TrialBalance?date=: movements for the month and balances as at the date, posted
from the documents the sandbox holds (checked against the spec by the suite's client)."""

TRUST_BANK, LIABILITY = "091", "850"


def _cells(report, code):
    for section in report["Rows"]:
        for row in section.get("Rows", []):
            if row["RowType"] == "Row" and row["Cells"][0]["Value"].endswith(f"({code})"):
                return [c["Value"] for c in row["Cells"][1:]]
    return None


def _bank(xero, kind, amount, day):
    contact = xero.contact(f"Client {kind} {day}")
    body = {
        "Type": kind,
        "Contact": {"ContactID": contact["ContactID"]},
        "BankAccount": {"Code": TRUST_BANK},
        "Date": f"2026-03-{day:02d}",
        "LineAmountTypes": "NoTax",
        "LineItems": [
            {"Description": "Trust", "Quantity": 1, "UnitAmount": amount, "AccountCode": LIABILITY}
        ],
    }
    resp = xero.put("BankTransactions", {"BankTransactions": [body]})
    assert resp.status_code == 200, resp.content


def _report(xero, day):
    resp = xero.get("Reports/TrialBalance", {"date": day})
    assert resp.status_code == 200, resp.content
    return resp.json()["Reports"][0]


def test_trust_receipts_and_payments_show_on_the_liability_as_at_their_days(xero):
    _bank(xero, "RECEIVE", 1000, 2)
    _bank(xero, "SPEND", 250, 5)
    journal = {
        "Narration": "Move between matters",
        "Date": "2026-03-06",
        "Status": "POSTED",
        "JournalLines": [
            {"LineAmount": 100, "AccountCode": LIABILITY},
            {"LineAmount": -100, "AccountCode": LIABILITY},
        ],
    }
    assert xero.put("ManualJournals", {"ManualJournals": [journal]}).status_code == 200

    early = _report(xero, "2026-03-03")
    late = _report(xero, "2026-03-31")
    assert _cells(early, LIABILITY)[3] == "1000.00"  # YTD Credit
    assert _cells(late, LIABILITY) == ["", "750.00", "", "750.00"]
    assert _cells(late, TRUST_BANK)[2] == "750.00"  # YTD Debit
    assert _cells(_report(xero, "2026-03-01"), LIABILITY) is None
    assert (
        late["ReportType"] == "TrialBalance" and late["ReportTitles"][-1] == "As at 31 March 2026"
    )


def test_the_trial_balance_balances(xero):
    invoice = xero.invoice(amount=300)
    xero.pay(invoice["InvoiceID"], 120)
    _bank(xero, "RECEIVE", 500, 10)
    report = _report(xero, "2026-12-31")
    summary = report["Rows"][-1]["Rows"][0]
    assert summary["RowType"] == "SummaryRow"
    values = [c["Value"] for c in summary["Cells"]]
    assert values[3] == values[4]


def test_a_date_xero_cannot_read_is_refused(xero):
    assert xero.get("Reports/TrialBalance", {"date": "31/31/2026"}).status_code == 400
