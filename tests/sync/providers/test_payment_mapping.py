"""Payments as the books send them become our dataclasses: money as Decimal, dates as dates."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from sync.providers.quickbooks import mapping as qbo
from sync.providers.xero import mapping as xero


def test_a_quickbooks_payment_keeps_its_date_reference_customer_and_creation_time():
    # Shape from Intuit's Payment page, "Read a payment" response.
    payment = qbo.payment_from(
        {
            "Id": "163",
            "SyncToken": "0",
            "TotalAmt": 55.1,
            "UnappliedAmt": 0,
            "TxnDate": "2026-03-05",
            "PaymentRefNum": "CHK 1001",
            "CustomerRef": {"value": "3", "name": "Cool Cars"},
            "Line": [{"Amount": 55.1, "LinkedTxn": [{"TxnId": "70", "TxnType": "Invoice"}]}],
            "MetaData": {
                "CreateTime": "2026-03-05T13:46:12-08:00",
                "LastUpdatedTime": "2026-03-05T13:46:12-08:00",
            },
        }
    )
    assert payment.total == Decimal("55.10")
    assert payment.txn_date == date(2026, 3, 5)
    assert payment.reference == "CHK 1001"
    assert payment.customer_name == "Cool Cars"
    assert payment.invoice_ids == ("70",)
    pacific = timezone(timedelta(hours=-8))
    assert payment.created_at == datetime(2026, 3, 5, 13, 46, 12, tzinfo=pacific)


def test_a_quickbooks_payment_without_the_optional_fields_reads_as_blank():
    payment = qbo.payment_from({"Id": "9", "TotalAmt": "10"})
    assert (payment.reference, payment.customer_name) == ("", "")
    assert payment.txn_date is None and payment.created_at is None


def test_a_xero_payment_keeps_its_date_reference_invoice_number_contact_and_type():
    # Shape from Xero's Payments page, GET response (MS-JSON dates).
    payment = xero.payment_from(
        {
            "PaymentID": "b26fd49a-cbae-470a-a8f8-bcbc119e0379",
            "Date": "/Date(1772668800000+0000)/",
            "Amount": 500.0,
            "Reference": "chq 12",
            "Status": "AUTHORISED",
            "PaymentType": "ACCRECPAYMENT",
            "UpdatedDateUTC": "/Date(1772722800000+0000)/",
            "Invoice": {
                "InvoiceID": "3b3e0a87-4bb5-4e5f-9a3b-0e2f6e0b8a11",
                "InvoiceNumber": "INV-0007",
                "Contact": {"ContactID": "c1", "Name": "Walk-in Client"},
            },
        }
    )
    assert payment.amount == Decimal("500.00")
    assert payment.txn_date == date(2026, 3, 5)
    assert payment.reference == "chq 12"
    assert payment.invoice_number == "INV-0007"
    assert payment.contact_name == "Walk-in Client"
    assert payment.payment_type == "ACCRECPAYMENT"
    assert payment.updated_at == datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


def test_a_xero_payment_with_a_null_reference_reads_as_blank():
    payment = xero.payment_from({"PaymentID": "p", "Amount": 1, "Reference": None})
    assert payment.reference == "" and payment.txn_date is None and payment.updated_at is None
