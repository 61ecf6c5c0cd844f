"""Xero Accounting API 2.0 client: HTTP only, typed results, our errors.

https://developer.xero.com/documentation/api/accounting/overview ; limits per tenant: 60 calls a
minute, 5 at once, 5,000 a day.
"""

from collections.abc import Callable

import requests

from sync.providers.http import Budget, HttpClient, Idempotency

RATE_PER_MINUTE = 60


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
    def paged(self, resource: str, **params) -> list[dict]:
        rows: list[dict] = []
        page = 1
        while True:
            body = self.http.request(
                "GET", resource, params={"page": page, "pageSize": 1000, **params}
            ).json()
            batch = body.get(resource, [])
            rows.extend(batch)
            if len(batch) < 1000:
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
