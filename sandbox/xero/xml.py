"""Xero answers XML unless the client asks for JSON with `Accept: application/json`
(developer.xero.com/documentation/api/accounting/requests-and-responses, "Response formats").

The sandbox keeps one JSON model and renders it as Xero's XML shape when JSON was not asked for:
`<Response>` with the collection inside, each list item named by its singular, MS-JSON dates as
ISO timestamps, `<ApiException>` for validation errors. Good enough for a client to notice it forgot
the header; not a full XML API.
"""

import datetime as dt
import json
from xml.etree import ElementTree as ET

from sandbox.xero.store import parse_msdate

SINGULAR = {
    "Addresses": "Address",
    "Phones": "Phone",
    "Tracking": "TrackingCategory",
    "Elements": "DataContractBase",
    "Options": "Option",
    "TaxComponents": "TaxComponent",
    "Accounts": "Account",
    "Items": "Item",
    "Quotes": "Quote",
    "Organisations": "Organisation",
    "Allocations": "Allocation",
    "JournalLines": "JournalLine",
}


def wants_json(request) -> bool:
    return "json" in request.headers.get("Accept", "").lower()


def _singular(name: str) -> str:
    return SINGULAR.get(name) or (name[:-1] if name.endswith("s") else name)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith("/Date("):
        stamp = parse_msdate(value)
        return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S") if stamp else value
    return "" if value is None else str(value)


def _fill(node: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _fill(ET.SubElement(node, key), inner)
    elif isinstance(value, list):
        for inner in value:
            _fill(ET.SubElement(node, _singular(node.tag)), inner)
    else:
        node.text = _text(value)


def to_xml(body) -> bytes:
    root_name = "ApiException" if isinstance(body, dict) and "ErrorNumber" in body else "Response"
    root = ET.Element(root_name)
    _fill(root, body if isinstance(body, dict) else {"Items": body})
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)


def convert(response):
    """Re-render a JSON answer as XML in place."""
    if "json" not in response.get("Content-Type", ""):
        return response
    response.content = to_xml(json.loads(response.content or b"{}"))
    response["Content-Type"] = "text/xml; charset=utf-8"
    return response
