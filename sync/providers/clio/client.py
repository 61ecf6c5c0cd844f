"""Clio Manage API v4 client: HTTP only, typed results, our errors.

Paging, fields and errors: https://docs.developers.clio.com/api-docs/paging ,
https://docs.developers.clio.com/api-docs/fields . Rate limit: 50 calls a minute per token.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests

from sync.providers.http import Budget, HttpClient

API_VERSION = "4.0.9"
RATE_PER_MINUTE = 50


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
        query = {"fields": fields, "limit": 200, "order": "id(asc)", **params}
        url: str | None = f"{resource}.json"
        while url:
            body = self.http.request("GET", url, params=query).json()
            yield from body["data"]
            url = body.get("meta", {}).get("paging", {}).get("next")
            query = {}  # the next URL carries every parameter, including page_token

    # https://docs.developers.clio.com/api-reference/#tag/Webhooks
    def webhooks(self) -> list[dict]:
        return list(self.iter_records("webhooks", fields="id,url,model,events,status,expires_at"))
