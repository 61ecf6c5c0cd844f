"""QuickBooks Online Accounting API v3 client: HTTP only, typed results, our errors.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import requests

from sync.providers import pacing
from sync.providers.errors import ProviderConflict, ProviderError
from sync.providers.http import (
    Budget,
    HttpClient,
    Idempotency,
    Throttle,
    idempotency_key,
    retry_after_seconds,
)
from sync.providers.quickbooks import mapping
from sync.providers.quickbooks.mapping import (
    BatchItem,
    BatchResult,
    Change,
    RemoteCustomer,
    RemoteInvoice,
    RemotePayment,
)

MINOR_VERSION = "75"
# Intuit's limits per realm (company) and app. "API calls are throttled at 500 requests per minute
# per realmId, including batch requests" (developer blog, 2016-08-08,
# https://developer.intuit.com/hub/blog/2016/08/08/idg-concurrent-api-use-changes-coming-soon ):
# a batch request is one request against the 500. The limits page lists batch separately, 40
# batch requests a minute, 30 payloads a batch recommended, and "10 requests per second, per realm
# ID and app" (https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles ).
# The blog's other rule, 10 concurrent requests per realm and app, we keep as a cap as well.
# No Retry-After: a throttled app waits 60 s.
MINUTE_LIMIT = 500
RATE_PER_MINUTE = MINUTE_LIMIT  # our budget: the benchmark lifts it, and the windows below with it
BATCH_PER_MINUTE = 40
PER_SECOND = 10
# Our own count of the one-second window keeps a call in hand: a call is counted when it leaves,
# QuickBooks counts it when it arrives, and a call that is slower on the way than the one after
# it puts two of ours into one of its seconds. Nine a second still exceeds the 500 a minute
# (8.3 a second), so it costs no throughput; a 429 costs a whole minute.
PER_SECOND_OURS = PER_SECOND - 1
CONCURRENT = 10
THROTTLED_WAIT = 60.0
BATCH_MAX = 30  # BatchItemRequest items per call (limits page)
THROTTLED = "3001"  # ThrottleExceeded: the whole call (HTTP 429), or one element of a batch
STALE_OBJECT = "5010"
DUPLICATE_NAME = "6240"
# The field that names a record, per entity: what find-or-create matches on.
NAME_FIELDS = {
    "Customer": "DisplayName",
    "Vendor": "DisplayName",
    "Item": "Name",
    "Account": "Name",
}
NUMBER_ENTITIES = {"Invoice", "CreditMemo", "JournalEntry", "SalesReceipt", "RefundReceipt"}


def quickbooks_error(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
        fault = body.get("Fault") or body.get("fault") or {}
        errors = fault.get("Error") or fault.get("error") or []
        first = errors[0]
        detail = first.get("Detail") or first.get("detail") or ""
        message = first.get("Message") or first.get("message") or ""
        return str(first.get("code", "")), f"{message}: {detail}" if detail else message
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return "", response.text[:300]


# https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles
def quickbooks_throttle(response: requests.Response) -> Throttle | None:
    """HTTP 429 and/or fault 3001 ThrottleExceeded (older answers said 403). Intuit sends no
    Retry-After and advises waiting 60 s; the limit is named by what was sent."""
    if response.status_code != 429 and quickbooks_error(response)[0] != THROTTLED:
        return None
    batch = (response.request.path_url or "").split("?")[0].endswith("/batch")
    wait = retry_after_seconds(response)
    if wait is not None:
        return Throttle("batch" if batch else "minute", wait)
    return Throttle("batch" if batch else "minute", pacing.scaled(THROTTLED_WAIT), guessed=True)


def quote_list(values) -> str:
    """A list for the query language's IN: `('a', 'b')`."""
    return "(" + ", ".join(mapping.quote(str(v)) for v in values) + ")"


class QuickBooksClient:
    def __init__(
        self,
        *,
        api_base: str,
        realm_id: str,
        token: Callable[[], str],
        budget: Budget | None = None,
        on_success: Callable[[], None] | None = None,
    ):
        self.realm_id = realm_id
        self.http = HttpClient(
            provider="quickbooks",
            base_url=f"{api_base.rstrip('/')}/v3/company/{realm_id}",
            auth_headers=lambda: {"Authorization": f"Bearer {token()}"},
            error_parser=quickbooks_error,
            idempotency=Idempotency("query", "requestid"),
            throttle_of=quickbooks_throttle,
            budget=budget,
            on_success=on_success,
        )

    def _get(self, path: str, **params) -> dict:
        return self.http.request(
            "GET", path, params={"minorversion": MINOR_VERSION, **params}
        ).json()

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo
    def company_info(self) -> dict:
        return self._get(f"companyinfo/{self.realm_id}")["CompanyInfo"]

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences
    def preferences(self) -> dict:
        return self._get("preferences")["Preferences"]

    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    def query(self, statement: str) -> dict:
        return self._get("query", query=statement)["QueryResponse"]

    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    # (STARTPOSITION is 1-based; at most 1000 rows a page)
    def query_all(self, entity: str, where: str = "", page: int = 1000) -> list[dict]:
        rows: list[dict] = []
        start = 1
        while True:
            # Intuit's query language, sent to the provider, not to our database.
            statement = f"SELECT * FROM {entity} {where} STARTPOSITION {start} MAXRESULTS {page}"  # noqa: S608
            batch = self.query(statement.replace("  ", " ")).get(entity, [])
            rows.extend(batch)
            if len(batch) < page:
                return rows
            start += page

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences#sparse-update-preferences
    def preferences_update(self, *, sync_token: str, changes: dict, key: str) -> dict:
        # Preferences is a single entity (Id 1) updated in place; never created.
        body = {"Id": "1", "sparse": True, "SyncToken": sync_token, **changes}
        response = self.http.request(
            "POST",
            "preferences",
            params={"minorversion": MINOR_VERSION},
            json=body,
            idempotency_key=key,
        )
        return response.json()["Preferences"]

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account#create-an-account
    def account_create(self, *, payload: dict, key: str) -> dict:
        response = self.http.request(
            "POST",
            "account",
            params={"minorversion": MINOR_VERSION},
            json=payload,
            idempotency_key=key,
        )
        return response.json()["Account"]

    # -- generic entity calls -----------------------------------------------------------------

    def _write(self, entity: str, body: dict, key: str, **params) -> dict:
        try:
            response = self.http.request(
                "POST",
                entity.lower(),
                params={"minorversion": MINOR_VERSION, **params},
                json=body,
                idempotency_key=key,
            )
        except ProviderError as exc:
            # A stale SyncToken is a 400 with code 5010: someone changed the record first.
            if exc.code == STALE_OBJECT:
                raise ProviderConflict(
                    exc.provider, exc.message, status=exc.status, code=exc.code
                ) from exc
            raise
        return response.json()[entity]

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/report-entities/trialbalance
    def report(self, name: str, **params) -> dict:
        return self._get(f"reports/{name}", **params)

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#read-an-invoice
    def get(self, entity: str, entity_id: str):
        return mapping.entity_from(entity, self._get(f"{entity.lower()}/{entity_id}")[entity])

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#full-update-an-invoice
    def save(self, entity: str, body: dict, *, key: str) -> dict:
        """Write `body` as it is (a create, or a full or sparse update by its Id and SyncToken)."""
        return self._write(entity, body, key)

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#create-an-invoice
    def create(self, entity: str, payload: dict, *, key: str):
        return mapping.entity_from(entity, self._write(entity, payload, key))

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#sparse-update-an-invoice
    def update(self, entity: str, entity_id: str, version: str, changes: dict, *, key: str):
        """Sparse update: only `changes` are touched; a stale `version` raises ProviderConflict."""
        body = {**changes, "Id": entity_id, "SyncToken": version, "sparse": True}
        return mapping.entity_from(entity, self._write(entity, body, key))

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#delete-an-invoice
    def delete(self, entity: str, entity_id: str, version: str, *, key: str) -> dict:
        body = {"Id": entity_id, "SyncToken": version}
        return self._write(entity, body, key, operation="delete")

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#void-an-invoice
    def void(self, entity: str, entity_id: str, version: str, *, key: str):
        body: dict = {"Id": entity_id, "SyncToken": version}
        if entity == "Payment":
            # Payment page, "Void a payment": a sparse update with include=void.
            body["sparse"] = True
            data = self._write(entity, body, key, operation="update", include="void")
        else:
            data = self._write(entity, body, key, operation="void")
        return mapping.entity_from(entity, data)

    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    def find_where(self, entity: str, where: str) -> list:
        return [
            mapping.entity_from(entity, row) for row in self.query_all(entity, f"WHERE {where}")
        ]

    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    # (MetaData.LastUpdatedTime is filterable on every transaction and list entity)
    def changed(self, entity: str, since: datetime) -> list:
        """Records of `entity` created or changed at or after `since` (deletions need `cdc`)."""
        stamp = mapping.quote(mapping.query_time(since))
        return self.find_where(entity, f"MetaData.LastUpdatedTime >= {stamp}")

    # -- finding by the natural key -----------------------------------------------------------

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#query-a-customer
    def find_by_name(self, entity: str, name: str):
        """The record whose name matches ignoring case and spacing, inactive ones included
        (an inactive name still blocks a new one: 6240)."""
        field_name = NAME_FIELDS[entity]
        pattern = mapping.quote(f"%{mapping.like_pattern(name)}%")
        rows = self.find_where(entity, f"{field_name} LIKE {pattern} AND Active IN (true, false)")
        wanted = mapping.name_key(name)
        found = [r for r in rows if mapping.name_key(r.name) == wanted]
        # An active record wins over an inactive namesake.
        return next((r for r in found if r.active), found[0] if found else None)

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#query-a-customer
    def customer_find_by_email(self, email: str) -> RemoteCustomer | None:
        # Intuit's Customer page does not list PrimaryEmailAddr among the filterable fields and
        # the local sandbox never matches it, so a miss falls back to one scan of the list.
        wanted = email.strip().casefold()
        rows = self.find_where("Customer", f"PrimaryEmailAddr = {mapping.quote(email.strip())}")
        if not rows:
            rows = [mapping.customer_from(r) for r in self.query_all("Customer")]
        return next((r for r in rows if r.email.strip().casefold() == wanted), None)

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#query-an-invoice
    def find_by_number(self, entity: str, number: str):
        rows = self.find_where(entity, f"DocNumber = {mapping.quote(number)}")
        return rows[0] if rows else None

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#create-a-customer
    def find_or_create(self, entity: str, payload: dict, *, key: str) -> tuple[Any, bool]:
        """(record, created). Matches on the name (Customer, Vendor, Item, Account) or the DocNumber
        (sales forms, journal entries); a racing create that loses to 6240 re-reads the winner."""
        found = self._find_natural(entity, payload)
        if found is not None:
            return found, False
        return self._create_or_refind(entity, payload, key)

    def _create_or_refind(self, entity: str, payload: dict, key: str) -> tuple[Any, bool]:
        try:
            return self.create(entity, payload, key=key), True
        except ProviderError as exc:
            if exc.code != DUPLICATE_NAME:
                raise
            found = self._find_natural(entity, payload)
            if found is None:
                raise
            return found, False

    def _find_natural(self, entity: str, payload: dict):
        if entity in NAME_FIELDS:
            return self.find_by_name(entity, payload[NAME_FIELDS[entity]])
        if entity in NUMBER_ENTITIES and payload.get("DocNumber"):
            return self.find_by_number(entity, payload["DocNumber"])
        raise ValueError(f"{entity} has no natural key to find it by")

    # -- typed shortcuts the engine calls most -----------------------------------------------

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
    def customer_find_or_create(
        self, *, name: str, email: str = "", key: str
    ) -> tuple[RemoteCustomer, bool]:
        """By DisplayName first, then by PrimaryEmailAddr, else create."""
        found = self.find_by_name("Customer", name) or (
            self.customer_find_by_email(email) if email else None
        )
        if found is not None:
            return found, False
        payload = mapping.customer_payload(name=name, email=email)
        return self._create_or_refind("Customer", payload, key)

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#query-an-invoice
    def invoice_find(self, number: str) -> RemoteInvoice | None:
        return self.find_by_number("Invoice", number)

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment#create-a-payment
    def payment_create(
        self, *, customer_id: str, invoice_id: str, amount, key: str, **extra
    ) -> RemotePayment:
        payload = mapping.payment_payload(
            customer_id=customer_id, invoice_id=invoice_id, amount=amount, **extra
        )
        return self.create("Payment", payload, key=key)

    # -- batch and change data capture --------------------------------------------------------

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
    def batch(self, items: Iterable[BatchItem], *, key: str) -> dict[str, BatchResult]:
        """Results by bId (each item's `key`); an item's Fault is its result, never an exception.
        Lists over 30 go in several calls, each with its own requestid derived from `key`."""
        items = list(items)
        results: dict[str, BatchResult] = {}
        for start in range(0, len(items), BATCH_MAX):
            chunk = items[start : start + BATCH_MAX]
            body = {"BatchItemRequest": [_batch_request(item) for item in chunk]}
            # One of the realm's 500 a minute, and one of its 40 batch calls.
            response = self.http.request(
                "POST",
                "batch",
                params={"minorversion": MINOR_VERSION},
                json=body,
                idempotency_key=idempotency_key(key, start // BATCH_MAX),
                meter="batch",
            )
            for answer in response.json().get("BatchItemResponse", []):
                result = mapping.batch_result(answer)
                results[result.key] = result
        return results

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture
    def cdc(self, entities: Iterable[str], changed_since: datetime) -> list[Change]:
        """Everything of `entities` changed since then (at most 30 days back, 1,000 objects),
        deleted records as stubs."""
        body = self._get(
            "cdc",
            entities=",".join(entities),
            changedSince=changed_since.isoformat(timespec="seconds"),
        )
        return mapping.changes_from(body)


def _batch_request(item: BatchItem) -> dict:
    request = {"bId": item.key, item.entity: item.payload}
    if item.operation == "void":
        # Batch page: void is an update (delete for Payment is not a void) with optionsData.
        request.update(operation="update", optionsData="void")
    else:
        request["operation"] = item.operation
    return request
