"""Xero Accounting API 2.0 client: HTTP only, typed results, our errors.

https://developer.xero.com/documentation/api/accounting/overview
"""

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import requests

from sync.providers import pacing
from sync.providers.errors import ProviderError
from sync.providers.http import (
    Budget,
    HttpClient,
    Idempotency,
    Seen,
    Throttle,
    idempotency_key,
    retry_after_seconds,
)
from sync.providers.xero import mapping
from sync.providers.xero.mapping import BatchResult, RemoteContact, RemoteInvoice, RemotePayment

# Xero's limits (https://developer.xero.com/documentation/guides/oauth2/limits/): per tenant 60
# calls a minute, 5,000 a day and 5 at once; per app 10,000 a minute across every tenant. Every
# answer says what is left (X-MinLimit-Remaining, X-DayLimit-Remaining, X-AppMinLimit-Remaining);
# a 429 names the limit (X-Rate-Limit-Problem) and, for the windows, Retry-After in seconds.
MINUTE_LIMIT = 60
RATE_PER_MINUTE = MINUTE_LIMIT  # our budget: the benchmark lifts it, and the windows below with it
PER_DAY = 5000
APP_PER_MINUTE = 10000
CONCURRENT = 5
# X-Rate-Limit-Problem → our scope.
PROBLEMS = {"minute": "minute", "appminute": "app", "day": "day", "concurrent": "concurrent"}
# Waits when a 429 carries no Retry-After (provider seconds): a concurrent refusal clears as soon
# as one of our requests answers.
FALLBACK_WAIT = {"concurrent": 1.0, "day": 86400.0}
LIMIT_HEADERS = {
    "minute": "X-MinLimit-Remaining",
    "day": "X-DayLimit-Remaining",
    "app": "X-AppMinLimit-Remaining",
}
BATCH_MAX = 50  # elements per write call (the Accounting API's recommended batch size)
PAGE_SIZE = 1000
# Endpoints that accept `page`/`pageSize`; the others answer everything at once.
PAGED = {"Contacts", "Invoices", "CreditNotes", "Payments", "ManualJournals", "BankTransactions"}
# Resources with a natural key find-or-create can match on (besides Contacts and Invoices).
CODE_KEYED = {"Items", "Accounts"}


def xero_error(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:300]
    if not isinstance(body, dict):
        return "", str(body)[:300]
    messages = [
        err.get("Message", "")
        for element in body.get("Elements", [])
        for err in element.get("ValidationErrors", [])
    ]
    message = "; ".join(m for m in messages if m) or body.get("Message") or body.get("Detail") or ""
    return str(body.get("Type") or body.get("ErrorNumber") or body.get("Title") or ""), message


# https://developer.xero.com/documentation/guides/oauth2/limits/
def xero_throttle(response: requests.Response) -> Throttle | None:
    if response.status_code != 429:
        return None
    problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower()
    scope = PROBLEMS.get(problem, "minute")
    wait = retry_after_seconds(response)
    if wait is None:
        wait = pacing.scaled(FALLBACK_WAIT.get(scope, 60.0))
    return Throttle(scope, wait)


# https://developer.xero.com/documentation/guides/oauth2/limits/ (the headers on every answer)
def xero_limits_seen(response: requests.Response) -> list[Seen]:
    seen = []
    for scope, header in LIMIT_HEADERS.items():
        value = response.headers.get(header, "")
        if value.strip().isdigit():
            seen.append(Seen(scope, int(value)))
    return seen


class XeroClient:
    def __init__(
        self,
        *,
        api_base: str,
        token: Callable[[], str],
        tenant_id: str = "",
        budget: Budget | None = None,
        on_success: Callable[[], None] | None = None,
    ):
        self.api_base = api_base.rstrip("/")
        self.tenant_id = tenant_id
        self.http = HttpClient(
            provider="xero",
            base_url=f"{self.api_base}/api.xro/2.0",
            auth_headers=lambda: {
                "Authorization": f"Bearer {token()}",
                "xero-tenant-id": self.tenant_id,
            },
            error_parser=xero_error,
            idempotency=Idempotency("header", "Idempotency-Key"),
            throttle_of=xero_throttle,
            limits_seen=xero_limits_seen,
            budget=budget,
            on_success=on_success,
        )

    # https://developer.xero.com/documentation/guides/oauth2/tenants
    def connections(self) -> list[dict]:
        return self.http.request("GET", f"{self.api_base}/connections").json()

    # https://developer.xero.com/documentation/guides/oauth2/tenants#removing-connections
    def connection_delete(self, connection_id: str) -> None:
        self.http.request(
            "DELETE", f"{self.api_base}/connections/{connection_id}", retry_writes=True
        )

    # https://developer.xero.com/documentation/api/accounting/organisation
    def organisation(self) -> dict:
        return self.http.request("GET", "Organisation").json()["Organisations"][0]

    # https://developer.xero.com/documentation/api/accounting/invoices (page: 100 a page by default,
    # pageSize up to 1000)
    def paged(self, resource: str, headers: dict | None = None, **params) -> list[dict]:
        rows: list[dict] = []
        page = 1
        while True:
            body = self.http.request(
                "GET",
                resource,
                params={"page": page, "pageSize": PAGE_SIZE, **params},
                headers=headers,
            ).json()
            batch = body.get(resource, [])
            rows.extend(batch)
            if len(batch) < PAGE_SIZE:
                return rows
            page += 1

    # https://developer.xero.com/documentation/api/accounting/accounts
    def accounts(self) -> list[dict]:
        return self.http.request("GET", "Accounts").json()["Accounts"]

    # https://developer.xero.com/documentation/api/accounting/taxrates
    def tax_rates(self) -> list[dict]:
        return self.http.request("GET", "TaxRates").json()["TaxRates"]

    # https://developer.xero.com/documentation/api/accounting/accounts#put-accounts
    def account_create(self, *, payload: dict, key: str) -> dict:
        return self.http.request("PUT", "Accounts", json=payload, idempotency_key=key).json()[
            "Accounts"
        ][0]

    # -- generic resource calls ---------------------------------------------------------------

    # https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-filtered-data
    # (If-Modified-Since: only records created or changed after that UTC time)
    def read_all(
        self, resource: str, *, where: str = "", modified_since: datetime | None = None, **params
    ) -> list:
        headers = (
            {"If-Modified-Since": mapping.modified_since_header(modified_since)}
            if modified_since
            else {}
        )
        if where:
            params["where"] = where
        if resource in PAGED:
            rows = self.paged(resource, headers=headers, **params)
        else:
            rows = self.http.request("GET", resource, params=params, headers=headers).json()
            rows = rows.get(resource, [])
        return [mapping.entity_from(resource, row) for row in rows]

    # https://developer.xero.com/documentation/api/accounting/invoices#get-invoices
    def get(self, resource: str, entity_id: str):
        body = self.http.request("GET", f"{resource}/{entity_id}").json()
        return mapping.entity_from(resource, body[resource][0])

    # https://developer.xero.com/documentation/api/accounting/invoices#put-invoices
    def create(self, resource: str, payload: dict, *, key: str):
        """PUT: create only. A validation error raises ProviderError with Xero's messages."""
        body = self.http.request("PUT", resource, json=payload, idempotency_key=key).json()
        return mapping.entity_from(resource, body[resource][0])

    # https://developer.xero.com/documentation/api/accounting/invoices#post-invoices
    def update(self, resource: str, entity_id: str, changes: dict, *, key: str):
        """POST /{resource}/{id}: only the fields sent change."""
        body = self.http.request(
            "POST", f"{resource}/{entity_id}", json=changes, idempotency_key=key
        ).json()
        return mapping.entity_from(resource, body[resource][0])

    # https://developer.xero.com/documentation/api/accounting/requests-and-responses#summarize-errors
    def save_many(
        self, resource: str, elements: list[dict], *, key: str, create_only: bool = False
    ) -> list[BatchResult]:
        """Many elements, 50 a call, with summarizeErrors=false: each element is saved or comes
        back with its ValidationErrors (HTTP 200); results keep the order of `elements`."""
        results: list[BatchResult] = []
        method = "PUT" if create_only else "POST"
        for start in range(0, len(elements), BATCH_MAX):
            chunk = elements[start : start + BATCH_MAX]
            body = self.http.request(
                method,
                resource,
                params={"summarizeErrors": "false"},
                json={resource: chunk},
                idempotency_key=idempotency_key(key, start // BATCH_MAX),
            ).json()
            results.extend(
                mapping.element_result(resource, start + i, element)
                for i, element in enumerate(body.get(resource, []))
            )
        return results

    # https://developer.xero.com/documentation/api/accounting/contacts#put-contacts
    def find_or_create(self, resource: str, payload: dict, *, key: str) -> tuple[Any, bool]:
        """(record, created): Contacts (number, name, email), Invoices (InvoiceNumber), Items and
        Accounts (Code)."""
        found = self._find_natural(resource, payload)
        if found is not None:
            return found, False
        try:
            return self.create(resource, payload, key=key), True
        except ProviderError as exc:
            if exc.status != 400:
                raise
            # Another worker created it first ("... is already assigned to another contact",
            # "Invoice # must be unique", "Item code ... already exists"): read the winner.
            found = self._find_natural(resource, payload)
            if found is None:
                raise
            return found, False

    def _find_natural(self, resource: str, payload: dict):
        if resource == "Invoices" and payload.get("InvoiceNumber"):
            return self.invoice_find(payload["InvoiceNumber"])
        if resource == "Contacts":
            return self.contact_find(
                name=payload.get("Name", ""),
                email=payload.get("EmailAddress", ""),
                number=payload.get("ContactNumber", ""),
            )
        if resource in CODE_KEYED and payload.get("Code"):
            code = mapping.where_string(payload["Code"])
            rows = self.read_all(resource, where=f"Code=={code}")
            return rows[0] if rows else None
        raise ValueError(f"{resource} has no natural key to find it by")

    # -- contacts -----------------------------------------------------------------------------

    # https://developer.xero.com/documentation/api/accounting/contacts#get-contacts
    # (searchTerm: case-insensitive search across Name, FirstName, LastName, EmailAddress, ...)
    def contact_find(self, *, name: str = "", email: str = "", number: str = ""):
        """By ContactNumber (our Clio id), then Name ignoring case and spacing, then email."""
        if number:
            rows = self.read_all("Contacts", where=f"ContactNumber=={mapping.where_string(number)}")
            if rows:
                return rows[0]
        if name.strip():
            words = mapping.contact_name(name).split(" ")
            wanted = mapping.name_key(name)
            rows = self.read_all("Contacts", searchTerm=max(words, key=len))
            found = next((r for r in rows if mapping.name_key(r.name) == wanted), None)
            if found:
                return found
        if email.strip():
            rows = self.read_all(
                "Contacts", where=f"EmailAddress=={mapping.where_string(email.strip())}"
            )
            if rows:
                return rows[0]
        return None

    # https://developer.xero.com/documentation/api/accounting/contacts
    def contact_find_or_create(
        self, *, name: str, email: str = "", number: str = "", key: str
    ) -> tuple[RemoteContact, bool]:
        payload = mapping.contact_payload(name=name, email=email, number=number)
        return self.find_or_create("Contacts", payload, key=key)

    # -- invoices, payments, credit notes -----------------------------------------------------

    # https://developer.xero.com/documentation/api/accounting/invoices#get-invoices (InvoiceNumbers)
    def invoice_find(self, number: str) -> RemoteInvoice | None:
        rows = self.read_all("Invoices", InvoiceNumbers=number)
        return next((r for r in rows if r.status != "DELETED"), rows[0] if rows else None)

    # https://developer.xero.com/documentation/api/accounting/invoices#post-invoices
    # (DRAFT→AUTHORISED; DRAFT/SUBMITTED→DELETED; AUTHORISED without payments→VOIDED)
    def invoice_status_set(self, invoice_id: str, status: str, *, key: str) -> RemoteInvoice:
        return self.update("Invoices", invoice_id, {"Status": status}, key=key)

    # https://developer.xero.com/documentation/api/accounting/payments#put-payments
    def payment_create(
        self,
        *,
        invoice_id: str,
        account_code: str,
        amount: Decimal,
        txn_date: date,
        key: str,
        reference: str = "",
    ) -> RemotePayment:
        payload = mapping.payment_payload(
            invoice_id=invoice_id,
            account_code=account_code,
            amount=amount,
            txn_date=txn_date,
            reference=reference,
        )
        return self.create("Payments", payload, key=key)

    # https://developer.xero.com/documentation/api/accounting/payments#deleting-payments
    def payment_delete(self, payment_id: str, *, key: str) -> RemotePayment:
        return self.update("Payments", payment_id, {"Status": "DELETED"}, key=key)

    # https://developer.xero.com/documentation/api/accounting/creditnotes#allocate-credit-notes
    def credit_note_allocate(
        self, credit_note_id: str, *, invoice_id: str, amount: Decimal, txn_date: date, key: str
    ) -> dict:
        payload = mapping.allocation_payload(
            invoice_id=invoice_id, amount=amount, txn_date=txn_date
        )
        body = self.http.request(
            "PUT", f"CreditNotes/{credit_note_id}/Allocations", json=payload, idempotency_key=key
        ).json()
        allocation = body["Allocations"][0]
        return {**allocation, "Amount": mapping.money(allocation.get("Amount"))}
