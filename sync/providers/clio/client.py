"""Clio Manage API v4 client: HTTP only, typed results, our errors.

Paging, fields and errors: https://docs.developers.clio.com/api-docs/paging ,
https://docs.developers.clio.com/api-docs/fields .
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

import requests

from sync.providers import pacing
from sync.providers.clio import mapping as m
from sync.providers.http import Budget, HttpClient, Seen, Throttle, retry_after_seconds

API_VERSION = "4.0.9"
PAGE_SIZE = 200  # the most Clio gives in one page
# Clio's limit (https://docs.developers.clio.com/api-docs/rate-limits/): 50 calls a minute per
# access token at peak hours, in a fixed window; every answer carries X-RateLimit-Limit,
# X-RateLimit-Remaining and X-RateLimit-Reset (the window's end, epoch seconds), and a 429 carries
# Retry-After. No concurrency limit is published: none is imposed.
MINUTE_LIMIT = 50
RATE_PER_MINUTE = MINUTE_LIMIT  # our budget: the benchmark lifts it


# https://docs.developers.clio.com/api-docs/rate-limits/
def clio_throttle(response: requests.Response) -> Throttle | None:
    if response.status_code != 429:
        return None
    wait = retry_after_seconds(response)
    if wait is None:
        reset = _number(response.headers.get("X-RateLimit-Reset"))
        wait = reset - time.time() if reset else pacing.scaled(60.0)
    return Throttle("minute", max(wait, 0.0))


# https://docs.developers.clio.com/api-docs/rate-limits/
def clio_limits_seen(response: requests.Response) -> list[Seen]:
    remaining = _number(response.headers.get("X-RateLimit-Remaining"))
    if remaining is None:
        return []
    return [Seen("minute", int(remaining), _number(response.headers.get("X-RateLimit-Reset")))]


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def clio_error(response: requests.Response) -> tuple[str, str]:
    try:
        error = response.json()["error"]
        return str(error.get("type", "")), str(error.get("message", ""))
    except (ValueError, KeyError, TypeError):
        return "", response.text[:300]


@dataclass(frozen=True)
class ClioUser:
    id: int
    name: str
    email: str


class ClioClient:
    def __init__(
        self,
        *,
        base_url: str,
        token: Callable[[], str],
        budget: Budget | None = None,
        on_success: Callable[[], None] | None = None,
    ):
        self.http = HttpClient(
            provider="clio",
            base_url=f"{base_url.rstrip('/')}/api/v4",
            auth_headers=lambda: {
                "Authorization": f"Bearer {token()}",
                "X-API-VERSION": API_VERSION,
            },
            error_parser=clio_error,
            throttle_of=clio_throttle,
            limits_seen=clio_limits_seen,
            budget=budget,
            on_success=on_success,
        )

    # https://docs.developers.clio.com/api-reference/#tag/Users/operation/User#who_am_i
    def who_am_i(self) -> ClioUser:
        data = self.http.request(
            "GET", "users/who_am_i.json", params={"fields": "id,name,email"}
        ).json()
        return ClioUser(
            id=data["data"]["id"], name=data["data"]["name"], email=data["data"]["email"]
        )

    # https://docs.developers.clio.com/api-docs/paging (cursor: order=id(asc), meta.paging.next)
    def iter_records(self, resource: str, *, fields: str, **params) -> Iterator[dict]:
        for rows, _ in self.pages(resource, fields=fields, **params):
            yield from rows

    def pages(
        self, resource: str, *, fields: str, start: str | None = None, **params
    ) -> Iterator[tuple[list[dict], str | None]]:
        """Each page's records with the URL of the next page (None after the last), so a pull
        stopped between pages can start again where it was (`start`)."""
        query = (
            {} if start else {"fields": fields, "limit": PAGE_SIZE, "order": "id(asc)", **params}
        )
        query = {k: v for k, v in query.items() if v is not None}  # order=None: not sent
        url: str | None = start or f"{resource}.json"
        while url:
            body = self.http.request("GET", url, params=query).json()
            url = body.get("meta", {}).get("paging", {}).get("next")
            query = {}  # the next URL carries every parameter, including page_token
            yield body["data"], url

    def _since(self, updated_since: datetime | None) -> dict:
        return {"updated_since": updated_since.isoformat()} if updated_since else {}

    # https://docs.developers.clio.com/api-reference/#tag/Contacts/operation/Contact#index
    def contacts(self, *, updated_since: datetime | None = None) -> Iterator[m.ClioContact]:
        for row in self.iter_records(
            "contacts", fields=m.CONTACT_FIELDS, **self._since(updated_since)
        ):
            yield m.contact(row)

    # https://docs.developers.clio.com/api-reference/#tag/Matters/operation/Matter#index
    def matters(self, *, updated_since: datetime | None = None) -> Iterator[m.ClioMatter]:
        for row in self.iter_records(
            "matters", fields=m.MATTER_FIELDS, **self._since(updated_since)
        ):
            yield m.matter(row)

    # https://docs.developers.clio.com/api-reference/#tag/Bills/operation/Bill#index
    def bills(
        self, *, updated_since: datetime | None = None, issued_after: date | None = None
    ) -> Iterator[m.ClioBill]:
        params = self._since(updated_since)
        if issued_after:
            params["issued_after"] = issued_after.isoformat()
        for row in self.iter_records("bills", fields=m.BILL_FIELDS, **params):
            yield m.bill(row)

    # https://docs.developers.clio.com/api-reference/#tag/Line-Items/operation/LineItem#index
    def line_items(self, *, bill_id: int) -> list[m.ClioLine]:
        return [
            m.line(r)
            for r in self.iter_records("line_items", fields=m.LINE_FIELDS, bill_id=bill_id)
        ]

    # https://docs.developers.clio.com/api-reference/#tag/Line-Items/operation/LineItem#index
    # (bill_id is optional: every changed line of the account, 200 a page, far fewer calls)
    def line_items_changed(self, *, updated_since: datetime | None = None) -> Iterator[m.ClioLine]:
        for row in self.iter_records(
            "line_items", fields=m.LINE_FIELDS, **self._since(updated_since)
        ):
            yield m.line(row)

    # https://docs.developers.clio.com/api-reference/#tag/Allocations/operation/Allocation#index
    # (allocations default to order=date(asc); id(asc) is needed for cursor paging)
    def allocations(self, *, updated_since: datetime | None = None) -> Iterator[m.ClioAllocation]:
        rows = self.iter_records(
            "allocations", fields=m.ALLOCATION_FIELDS, **self._since(updated_since)
        )
        for row in rows:
            yield m.allocation(row)

    # https://docs.developers.clio.com/api-reference/#tag/Bank-Accounts/operation/BankAccount#index
    def bank_accounts(self) -> list[dict]:
        return list(self.iter_records("bank_accounts", fields=m.BANK_ACCOUNT_FIELDS))

    # https://docs.developers.clio.com/api-reference/#tag/Bank-Transactions/operation/BankTransaction#index
    # (no webhooks exist for bank transactions: they are polled with updated_since)
    def bank_transactions(
        self, *, bank_account_id: int | None = None, updated_since: datetime | None = None
    ) -> Iterator[m.ClioBankTransaction]:
        params = self._since(updated_since)
        if bank_account_id:
            params["bank_account_id"] = bank_account_id
        for row in self.iter_records(
            "bank_transactions", fields=m.BANK_TRANSACTION_FIELDS, **params
        ):
            yield m.bank_transaction(row)

    # Same index, a page at a time (https://docs.developers.clio.com/api-docs/paging).
    def bank_transaction_pages(
        self,
        *,
        bank_account_id: int | None = None,
        updated_since: datetime | None = None,
        start: str | None = None,
    ) -> Iterator[tuple[list[m.ClioBankTransaction], str, str | None]]:
        """Page by page: (transactions, the URL this page was read from, the next page's URL or
        None). The first page's URL is built here, so a pull can read any page again."""
        if start is None:
            params = {
                "fields": m.BANK_TRANSACTION_FIELDS,
                "limit": PAGE_SIZE,
                "order": "id(asc)",
                **self._since(updated_since),
            }
            if bank_account_id:
                params["bank_account_id"] = bank_account_id
            start = f"bank_transactions.json?{urlencode(params)}"
        url = start
        for rows, next_url in self.pages(
            "bank_transactions", fields=m.BANK_TRANSACTION_FIELDS, start=start
        ):
            yield [m.bank_transaction(r) for r in rows], url, next_url
            url = next_url or ""

    # https://docs.developers.clio.com/api-reference/#tag/Clio-Payments-Payments/operation/ClioPaymentsPayment#index
    # The index lists neither `updated_since` nor `order` (its pages follow id): each call reads
    # every payment, and the mirror skips those whose updated_at has not moved.
    def clio_payments(self) -> Iterator[m.ClioPaymentsPayment]:
        rows = self.iter_records("clio_payments/payments", fields=m.CLIO_PAYMENT_FIELDS, order=None)
        for row in rows:
            yield m.clio_payment(row)

    # https://docs.developers.clio.com/api-reference/#tag/Bills/operation/Bill#update
    # Approving = moving the bill to awaiting_payment; If-Match refuses it (412) if it changed.
    def bill_approve(self, *, bill_id: int, etag: str) -> m.ClioBill:
        body = {"data": {"state": "awaiting_payment"}}
        response = self.http.request(
            "PATCH",
            f"bills/{bill_id}.json",
            params={"fields": m.BILL_FIELDS},
            json=body,
            headers={"If-Match": etag},
            retry_writes=True,
        )
        return m.bill(response.json()["data"])

    # https://docs.developers.clio.com/api-reference/#tag/Trust-Requests/operation/TrustRequest#create
    def trust_request_create(
        self,
        *,
        client_id: int,
        amount: Decimal,
        issue_date: date,
        due_date: date,
        note: str = "",
        matter_id: int | None = None,
    ) -> dict:
        data = m.trust_request_payload(
            client_id=client_id,
            amount=amount,
            issue_date=issue_date,
            due_date=due_date,
            note=note,
            matter_id=matter_id,
        )
        return self.http.request("POST", "trust_requests.json", json={"data": data}).json()["data"]

    # https://docs.developers.clio.com/api-reference/#tag/Webhooks/operation/Webhook#create
    def webhook_create(
        self, *, url: str, model: str, events: list[str], fields: str, expires_at: datetime
    ) -> dict:
        body = {
            "data": {
                "url": url,
                "model": model,
                "events": events,
                "fields": fields,
                "expires_at": expires_at.isoformat(),
            }
        }
        params = {"fields": "id,etag,url,model,events,status,shared_secret,expires_at"}
        return self.http.request("POST", "webhooks.json", params=params, json=body).json()["data"]

    # https://docs.developers.clio.com/api-reference/#tag/Webhooks/operation/Webhook#update
    # (webhooks expire after at most 31 days; extend them by moving expires_at)
    def webhook_extend(self, *, webhook_id: int, expires_at: datetime) -> dict:
        body = {"data": {"expires_at": expires_at.isoformat()}}
        params = {"fields": "id,etag,status,expires_at"}
        return self.http.request(
            "PATCH", f"webhooks/{webhook_id}.json", params=params, json=body, retry_writes=True
        ).json()["data"]

    # https://docs.developers.clio.com/api-reference/#tag/Webhooks/operation/Webhook#index
    def webhooks(self) -> list[dict]:
        return list(self.iter_records("webhooks", fields="id,url,model,events,status,expires_at"))
