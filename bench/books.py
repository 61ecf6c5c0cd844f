"""Read the books straight from their APIs, apart from the product's clients, to check what the
engine wrote: record counts after a run, one invoice while waiting for a change to land.

QuickBooks: https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
(COUNT(*) answers `totalCount`) and .../all-entities/invoice#read-an-invoice.
Xero: https://developer.xero.com/documentation/api/accounting/invoices (`page` + `pageSize`
answer `pagination.itemCount`) and #get-invoices for one invoice.
"""

from dataclasses import dataclass
from decimal import Decimal

import requests
from django.conf import settings

from sync.models import Connection
from sync.services import connection_access_token

TIMEOUT = (5.0, 30.0)
# Customers include the matters' sub-customers; the rest of the second row is trust.
QBO_ENTITIES = (
    *("Customer", "Invoice", "Payment", "CreditMemo"),
    *("Deposit", "Purchase", "JournalEntry", "Transfer"),
)
XERO_RESOURCES = (
    *("Contacts", "Invoices", "Payments", "CreditNotes"),
    *("BankTransactions", "BankTransfers", "ManualJournals"),
)


@dataclass(frozen=True)
class InvoiceSeen:
    total: Decimal
    descriptions: tuple[str, ...]


def _get(conn: Connection, path: str, params: dict | None = None) -> dict:
    token = connection_access_token(connection_id=conn.pk)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    base = settings.PROVIDERS[conn.provider]["api_base_url"].rstrip("/")
    if conn.provider == "quickbooks":
        url = f"{base}/v3/company/{conn.external_id}/{path}"
    else:
        url = f"{base}/api.xro/2.0/{path}"
        headers["xero-tenant-id"] = conn.external_id
    response = requests.get(url, params=params, headers=headers, timeout=TIMEOUT)
    response.raise_for_status()
    return response.json()


def record_counts(conn: Connection) -> dict[str, int]:
    """Contacts, invoices, payments and credit notes the books hold."""
    if conn.provider == "quickbooks":
        return {
            entity: _get(conn, "query", {"query": f"SELECT COUNT(*) FROM {entity}"})[  # noqa: S608 - Intuit's query language, constant names
                "QueryResponse"
            ].get("totalCount", 0)
            for entity in QBO_ENTITIES
        }
    return {resource: _xero_count(conn, resource) for resource in XERO_RESOURCES}


def _xero_count(conn: Connection, resource: str) -> int:
    """Paged resources say how many they hold; Xero does not page bank transfers."""
    body = _get(conn, resource, {"page": 1, "pageSize": 1})
    if "pagination" in body:
        return body["pagination"]["itemCount"]
    return len(body.get(resource, []))


def invoice_seen(conn: Connection, remote_id: str) -> InvoiceSeen:
    if conn.provider == "quickbooks":
        invoice = _get(conn, f"invoice/{remote_id}")["Invoice"]
        total, lines = invoice.get("TotalAmt", 0), invoice.get("Line", [])
    else:
        invoice = _get(conn, f"Invoices/{remote_id}")["Invoices"][0]
        total, lines = invoice.get("Total", 0), invoice.get("LineItems", [])
    return InvoiceSeen(Decimal(str(total)), tuple(line.get("Description") or "" for line in lines))
