"""QuickBooks Online Accounting API v3 client: HTTP only, typed results, our errors.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/companyinfo ;
limits: 500 requests a minute per company, 10 at once, 40 batch requests a minute.
"""

from collections.abc import Callable

import requests

from sync.providers.http import Budget, HttpClient, Idempotency

MINOR_VERSION = "75"
RATE_PER_MINUTE = 500


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
