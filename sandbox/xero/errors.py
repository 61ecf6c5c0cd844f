"""Xero's error bodies.

[XERO-SPEC `Error`/`Element`; developer.xero.com/documentation/api/http-response-codes]
"""

import json

from django.http import HttpResponse

from sandbox.xero import store


class XeroError(Exception):
    """Raised by handlers; rendered by the API wrapper."""

    def __init__(self, status: int, body: dict | str, headers: dict | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class ElementError(Exception):
    """One element of a request failed validation; `messages` are Xero's texts."""

    def __init__(self, *messages: str):
        super().__init__(messages[0] if messages else "")
        self.messages = list(messages)


def json_response(body, status: int = 200, headers: dict | None = None) -> HttpResponse:
    resp = HttpResponse(
        json.dumps(body), status=status, content_type="application/json; charset=utf-8"
    )
    for key, value in (headers or {}).items():
        resp[key] = value
    return resp


def problem(status: int, title: str, detail: str) -> XeroError:
    """401/403 from Xero's gateway: {"Type":null,"Title":"Forbidden","Status":403,"Detail":...}
    (xero-python issue 116, xero-node issue 432)."""
    body = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": store.new_id(),
        "Extensions": {},
    }
    return XeroError(status, body)


def not_found() -> XeroError:
    # Xero answers an unknown id with plain text, not JSON (Xero-OpenAPI issue 163, wontfix).
    return XeroError(404, "The resource you're looking for cannot be found")


def validation_body(elements: list[dict]) -> dict:
    return {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": elements,
    }


def validation(message: str, element: dict | None = None) -> XeroError:
    elem = dict(element or {})
    elem["ValidationErrors"] = [{"Message": message}]
    return XeroError(400, validation_body([elem]))


def render(err: XeroError) -> HttpResponse:
    if isinstance(err.body, str):
        resp = HttpResponse(err.body, status=err.status, content_type="text/html; charset=utf-8")
        for key, value in err.headers.items():
            resp[key] = value
        return resp
    return json_response(err.body, err.status, err.headers)
