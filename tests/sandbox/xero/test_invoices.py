"""Invoices: totals in Decimal, numbering, status rules, locks, batches, filters and paging."""

import datetime as dt
from email.utils import format_datetime

from tests.sandbox.xero.conftest import ctl, messages

LOCKED = "Invoice not of valid status for modification"
HAS_PAYMENTS = "This document cannot be edited as it has a payment or credit note allocated to it."


def _lines(*amounts, tax="OUTPUT"):
    return [
        {
            "Description": f"Line {i}",
            "Quantity": 1,
            "UnitAmount": a,
            "AccountCode": "200",
            "TaxType": tax,
        }
        for i, a in enumerate(amounts)
    ]


def _create(xero, **fields):
    contact = xero.contact(fields.pop("name", "Tax Client"))
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "Date": "2026-03-01",
        **fields,
    }
    return xero.put("Invoices", {"Invoices": [body]})


def test_exclusive_tax_is_rounded_per_line(xero):
    inv = _create(xero, LineAmountTypes="Exclusive", LineItems=_lines(100, 33.33)).json()[
        "Invoices"
    ][0]
    # 8.25% of 100 = 8.25; of 33.33 = 2.749725 -> 2.75
    assert [ln["TaxAmount"] for ln in inv["LineItems"]] == [8.25, 2.75]
    assert (inv["SubTotal"], inv["TotalTax"], inv["Total"], inv["AmountDue"]) == (
        133.33,
        11.0,
        144.33,
        144.33,
    )


def test_inclusive_amounts_carry_their_tax_inside(xero):
    inv = _create(xero, LineAmountTypes="Inclusive", LineItems=_lines(108.25)).json()["Invoices"][0]
    assert (inv["SubTotal"], inv["TotalTax"], inv["Total"]) == (100.0, 8.25, 108.25)


def test_no_tax_ignores_tax_types_and_discounts_apply(xero):
    lines = [
        {
            "Description": "Fee",
            "Quantity": 3,
            "UnitAmount": 33.335,
            "DiscountRate": 10,
            "AccountCode": "200",
            "TaxType": "OUTPUT",
        }
    ]
    inv = _create(xero, LineAmountTypes="NoTax", LineItems=lines).json()["Invoices"][0]
    # unit amounts keep 2 decimals by default: 33.335 -> 33.34; 3 x 33.34 x 0.9 = 90.018 -> 90.02
    line = inv["LineItems"][0]
    assert (line["UnitAmount"], line["LineAmount"], inv["TotalTax"], inv["Total"]) == (
        33.34,
        90.02,
        0.0,
        90.02,
    )
    assert line["TaxType"] == "NONE"
    contact = xero.contact("Four places")
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "LineAmountTypes": "NoTax",
        "LineItems": lines,
    }
    four = xero.put("Invoices", {"Invoices": [body]}, "unitdp=4").json()["Invoices"][0]
    # with unitdp=4: 3 x 33.335 x 0.9 = 90.0045 -> 90.00
    assert (four["LineItems"][0]["UnitAmount"], four["Total"]) == (33.335, 90.0)


def test_item_codes_and_tracking_fill_the_line(xero):
    ctl(xero.client, "seed", {"preset": "demo"})  # another org; the reference org has items too
    lines = [
        {
            "ItemCode": "FEES",
            "Quantity": 2,
            "Tracking": [{"Name": "Matter", "Option": "2026-004 Litigation"}],
        }
    ]
    inv = _create(xero, LineItems=lines).json()["Invoices"][0]
    line = inv["LineItems"][0]
    assert (line["UnitAmount"], line["AccountCode"], line["LineAmount"]) == (350.0, "200", 700.0)
    assert line["Tracking"][0]["Option"] == "2026-004 Litigation"
    bad = _create(
        xero,
        name="T2",
        LineItems=[{"ItemCode": "FEES", "Tracking": [{"Name": "Matter", "Option": "Nope"}]}],
    )
    assert messages(bad) == ["Tracking option 'Nope' could not be found."]


def test_invoice_numbers_are_generated_and_must_be_unique(xero):
    first = xero.invoice()
    second = xero.invoice(status="DRAFT")
    assert (first["InvoiceNumber"], second["InvoiceNumber"]) == ("INV-0001", "INV-0002")
    dup = _create(xero, InvoiceNumber="INV-0001", name="Someone else")
    assert dup.status_code == 400
    assert dup.json()["ErrorNumber"] == 10 and dup.json()["Type"] == "ValidationException"
    assert dup.json()["Message"] == "A validation exception occurred"
    assert messages(dup) == ["Invoice # must be unique."]


def test_bills_may_share_a_number(xero):
    for name in ("Supplier A", "Supplier B"):
        resp = _create(
            xero, name=name, Type="ACCPAY", InvoiceNumber="7781", LineItems=_lines(10, tax="NONE")
        )
        assert resp.status_code == 200


def test_unknown_account_and_tax_codes_are_refused(xero):
    bad_acct = _create(
        xero, LineItems=[{"Description": "x", "UnitAmount": 1, "AccountCode": "999"}]
    )
    assert messages(bad_acct) == ["Account code '999' is not a valid code for this document."]
    bank = _create(
        xero, name="B", LineItems=[{"Description": "x", "UnitAmount": 1, "AccountCode": "090"}]
    )
    assert messages(bank) == ["Account code '090' is not a valid code for this document."]
    bad_tax = _create(xero, name="C", LineItems=_lines(1, tax="GST"))
    assert messages(bad_tax) == [
        "The TaxType code GST does not exist or cannot be used for this type of transaction."
    ]


def test_a_draft_can_be_approved_but_not_sent_back(xero):
    inv = xero.invoice(status="DRAFT")
    approved = xero.post(f"Invoices/{inv['InvoiceID']}", {"Status": "AUTHORISED"})
    assert approved.json()["Invoices"][0]["Status"] == "AUTHORISED"
    back = xero.post(f"Invoices/{inv['InvoiceID']}", {"Status": "DRAFT"})
    assert back.status_code == 400 and messages(back) == [LOCKED]
    deleted = xero.post(f"Invoices/{inv['InvoiceID']}", {"Status": "DELETED"})
    assert messages(deleted) == [LOCKED]


def test_drafts_are_deleted_and_then_final(xero):
    inv = xero.invoice(status="DRAFT")
    resp = xero.post(
        "Invoices", {"Invoices": [{"InvoiceID": inv["InvoiceID"], "Status": "DELETED"}]}
    )
    assert resp.json()["Invoices"][0]["Status"] == "DELETED"
    again = xero.post(f"Invoices/{inv['InvoiceID']}", {"Reference": "late"})
    assert messages(again) == [LOCKED]


def test_an_authorised_invoice_is_voided_only_without_payments(xero):
    clean = xero.invoice()
    voided = xero.post(f"Invoices/{clean['InvoiceID']}", {"Status": "VOIDED"}).json()["Invoices"][0]
    assert (voided["Status"], voided["AmountDue"]) == ("VOIDED", 0.0)
    paid = xero.invoice(amount=100)
    assert xero.pay(paid["InvoiceID"], 40).status_code == 200
    refused = xero.post(f"Invoices/{paid['InvoiceID']}", {"Status": "VOIDED"})
    assert messages(refused) == [
        "The status VOIDED cannot be applied to the invoice because it has payments or credit notes allocated to it."
    ]


def test_lines_lock_once_a_payment_is_allocated(xero):
    inv = xero.invoice(amount=100)
    xero.pay(inv["InvoiceID"], 10)
    edit = xero.post(f"Invoices/{inv['InvoiceID']}", {"LineItems": _lines(500, tax="NONE")})
    assert edit.status_code == 400 and messages(edit) == [LOCKED, HAS_PAYMENTS]
    ref = xero.post(f"Invoices/{inv['InvoiceID']}", {"Reference": "PO 12"})
    assert ref.status_code == 200 and ref.json()["Invoices"][0]["Reference"] == "PO 12"


def test_post_by_invoice_number_updates_the_invoice(xero):
    inv = xero.invoice(status="DRAFT", number="CLIO-42")
    resp = xero.post(
        "Invoices", {"Invoices": [{"InvoiceNumber": "CLIO-42", "Reference": "matter 7"}]}
    )
    out = resp.json()["Invoices"][0]
    assert out["InvoiceID"] == inv["InvoiceID"] and out["Reference"] == "matter 7"


def test_the_period_lock_date_refuses_older_documents(xero):
    old = xero.invoice(status="DRAFT")  # dated 2026-03-01
    ctl(
        xero.client,
        "actions",
        {"action": "set_period_lock_date", "tenant_id": xero.tenant, "date": "2026-03-31"},
    )
    created = _create(xero, name="Late", Date="2026-03-31", LineItems=_lines(1))
    message = (
        "The document date cannot be before the period lock date, currently set at 31-Mar-2026"
    )
    assert messages(created) == [message]
    edited = xero.post(f"Invoices/{old['InvoiceID']}", {"Reference": "x"})
    assert messages(edited) == [message]
    org = xero.get("Organisation").json()["Organisations"][0]
    assert org["PeriodLockDate"].startswith("/Date(")
    assert _create(xero, name="New", Date="2026-04-01", LineItems=_lines(1)).status_code == 200


def test_a_summarised_batch_fails_whole(xero):
    contact = xero.contact()
    good = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "LineItems": _lines(5),
    }
    bad = {**good, "LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "999"}]}
    resp = xero.put("Invoices", {"Invoices": [good, bad]})
    assert resp.status_code == 400 and len(resp.json()["Elements"]) == 1
    assert xero.get("Invoices").json()["Invoices"] == []


def test_summarize_errors_false_reports_each_element(xero):
    contact = xero.contact()
    good = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact["ContactID"]},
        "LineItems": _lines(5),
    }
    bad = {**good, "LineItems": [{"Description": "x", "UnitAmount": 1, "AccountCode": "999"}]}
    resp = xero.put("Invoices", {"Invoices": [good, bad, good]}, "summarizeErrors=false")
    assert resp.status_code == 200
    out = resp.json()["Invoices"]
    assert [i["StatusAttributeString"] for i in out] == ["OK", "ERROR", "OK"]
    assert out[1]["HasErrors"] is True
    assert out[1]["ValidationErrors"] == [
        {"Message": "Account code '999' is not a valid code for this document."}
    ]
    assert len(xero.get("Invoices").json()["Invoices"]) == 2


def test_an_unknown_invoice_is_a_plain_text_404(xero):
    resp = xero.get("Invoices/00000000-0000-0000-0000-000000000000")
    assert resp.status_code == 404
    assert resp.content.decode() == "The resource you're looking for cannot be found"


def test_idempotency_key_replays_the_first_answer(xero):
    contact = xero.contact()
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": contact["ContactID"]},
                "LineItems": _lines(5),
            }
        ]
    }
    first = xero.put("Invoices", body, **{"Idempotency-Key": "clio-bill-1-v1"})
    second = xero.put("Invoices", body, **{"Idempotency-Key": "clio-bill-1-v1"})
    assert first.json()["Invoices"][0]["InvoiceID"] == second.json()["Invoices"][0]["InvoiceID"]
    assert first.content == second.content
    assert len(xero.get("Invoices").json()["Invoices"]) == 1
    third = xero.put("Invoices", body, **{"Idempotency-Key": "clio-bill-1-v2"})
    assert third.json()["Invoices"][0]["InvoiceNumber"] == "INV-0002"


def test_where_order_and_filters(xero):
    a = xero.invoice(number="A-1", amount=10)
    xero.invoice(number="A-2", amount=30, status="DRAFT")
    c = xero.invoice(number="A-3", amount=20)
    got = xero.get(
        "Invoices", {"where": 'Status=="AUTHORISED" AND Type=="ACCREC"', "order": "Total DESC"}
    )
    assert [i["InvoiceNumber"] for i in got.json()["Invoices"]] == ["A-3", "A-1"]
    by_contact = xero.get(
        "Invoices", {"where": f'Contact.ContactID==guid("{a["Contact"]["ContactID"]}")'}
    )
    assert [i["InvoiceNumber"] for i in by_contact.json()["Invoices"]] == ["A-1"]
    dated = xero.get("Invoices", {"where": "Date>=DateTime(2026,3,1) && AmountDue<15"})
    assert [i["InvoiceNumber"] for i in dated.json()["Invoices"]] == ["A-1"]
    either = xero.get("Invoices", {"where": 'InvoiceNumber=="A-1" OR InvoiceNumber=="A-2"'})
    assert len(either.json()["Invoices"]) == 2
    assert (
        xero.get("Invoices", {"IDs": f"{a['InvoiceID']},{c['InvoiceID']}"}).json()["Invoices"][1][
            "InvoiceNumber"
        ]
        == "A-3"
    )
    assert len(xero.get("Invoices", {"InvoiceNumbers": "A-2"}).json()["Invoices"]) == 1
    assert len(xero.get("Invoices", {"Statuses": "DRAFT,AUTHORISED"}).json()["Invoices"]) == 3
    assert xero.get("Invoices", {"where": 'Status=="'}).status_code == 400
    assert [
        i["InvoiceNumber"] for i in xero.get("Invoices", {"searchTerm": "a-3"}).json()["Invoices"]
    ] == ["A-3"]


def test_paging_adds_pagination_and_line_items(xero):
    contact = xero.contact()
    body = [
        {"Type": "ACCREC", "Contact": {"ContactID": contact["ContactID"]}, "LineItems": _lines(1)}
    ] * 7
    assert xero.put("Invoices", {"Invoices": body}).status_code == 200
    page = xero.get("Invoices", {"page": 2, "pageSize": 3}).json()
    assert page["pagination"] == {"page": 2, "pageSize": 3, "pageCount": 3, "itemCount": 7}
    assert [i["InvoiceNumber"] for i in page["Invoices"]] == ["INV-0004", "INV-0005", "INV-0006"]
    assert "LineItems" in page["Invoices"][0]
    unpaged = xero.get("Invoices").json()
    assert "pagination" not in unpaged and "LineItems" not in unpaged["Invoices"][0]
    assert (
        xero.get("Invoices", {"page": 1, "pageSize": 5000}).json()["pagination"]["pageSize"] == 1000
    )


def _http_date(ahead_seconds: int) -> str:
    return format_datetime(
        dt.datetime.now(dt.UTC) + dt.timedelta(seconds=ahead_seconds), usegmt=True
    )


def test_if_modified_since_returns_only_newer_records(xero):
    old = xero.invoice(status="DRAFT")
    ctl(xero.client, "clock", {"advance_seconds": 600})  # the access token lives 30 minutes
    cutoff = _http_date(300)
    xero.post(f"Invoices/{old['InvoiceID']}", {"Reference": "touched"})
    newer = xero.get("Invoices", **{"If-Modified-Since": cutoff}).json()["Invoices"]
    assert [i["InvoiceID"] for i in newer] == [old["InvoiceID"]]
    ctl(xero.client, "clock", {"advance_seconds": 600})
    later = _http_date(900)
    assert xero.get("Invoices", **{"If-Modified-Since": later}).json()["Invoices"] == []


def test_dates_are_served_in_both_forms(xero):
    inv = xero.invoice()
    assert inv["Date"].startswith("/Date(") and inv["Date"].endswith("+0000)/")
    assert inv["DateString"] == "2026-03-01T00:00:00"
    assert inv["UpdatedDateUTC"].startswith("/Date(")
