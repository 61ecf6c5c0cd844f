"""The one shared check: every Xero response the suite sees must match Xero's own OpenAPI.

Loaded once per session. The operation is found from the request's path and method in
xero_accounting.yaml (or xero-identity.yaml for /connections and the token endpoint); the JSON
body is validated against that operation's response schema for the status code, as a response
(readOnly allowed). Where the spec is silent — 401/403/404/429 carry no schema, the token endpoint
has no path, the 404 body is text — the status codes are checked by the tests themselves.
Format keywords (uuid, date-time) are not asserted: the spec's own examples break them
("2019-12-07T18:46:19.5165400" has no offset).
"""

import json
import re
from functools import cache
from pathlib import Path

import yaml
from openapi_schema_validator import OAS30ReadValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPECS = Path("/work/shared/specs/xero")
API_PREFIX = "/sandbox/xero/api/api.xro/2.0"


@cache
def _spec(name: str) -> tuple[dict, Registry]:
    doc = yaml.load(
        (SPECS / name).read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    doc = json.loads(json.dumps(doc, default=str))  # YAML dates in examples → strings
    registry = Registry().with_resource(f"urn:{name}", Resource(doc, DRAFT4))
    return doc, registry


@cache
def _operations(name: str) -> list[tuple[re.Pattern, str, dict]]:
    doc, _ = _spec(name)
    ops = []
    for template, item in doc["paths"].items():
        pattern = re.sub(
            r"\{[^}]+\}", "[^/]+", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
        )
        for method, op in item.items():
            if isinstance(op, dict) and "responses" in op:
                ops.append((re.compile(f"^{pattern}$", re.I), method.upper(), op))
    # literal segments before templated ones: /Invoices/{id}/pdf must not shadow /Invoices/{id}
    ops.sort(key=lambda o: o[0].pattern.count("[^/]+"))
    return ops


def _schema_ref(name: str, op: dict, status: int) -> str | None:
    doc, _ = _spec(name)
    resp = op["responses"].get(str(status))
    if resp is None:
        return None
    if "$ref" in resp:
        resp = doc["components"]["responses"][resp["$ref"].rsplit("/", 1)[-1]]
    schema = resp.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    return schema["$ref"] if "$ref" in schema else json.dumps(schema)


def _validate(name: str, schema_ref: str, body) -> None:
    _, registry = _spec(name)
    schema = (
        {"$ref": f"urn:{name}{schema_ref}"}
        if schema_ref.startswith("#")
        else json.loads(schema_ref)
    )
    if not schema_ref.startswith("#"):
        schema = _rebase(schema, name)
    errors = sorted(OAS30ReadValidator(schema, registry=registry).iter_errors(body), key=str)
    if errors:
        first = errors[0]
        raise AssertionError(
            f"response breaks {name} {schema_ref[:60]}: {first.message} at {list(first.absolute_path)}"
        )


def _rebase(schema, name):
    if isinstance(schema, dict):
        return {
            k: (f"urn:{name}{v}" if k == "$ref" else _rebase(v, name)) for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase(v, name) for v in schema]
    return schema


TOKEN_PATHS = ("/sandbox/xero/identity/connect/token",)
VALIDATED = {"count": 0, "silent": {}}  # silent: status -> answers the spec gives no schema for


def check(method: str, path: str, status: int, content_type: str, raw: bytes) -> None:
    """Validate one response; raises AssertionError naming the mismatch."""
    if path in TOKEN_PATHS and status == 200:
        _validate("xero-identity.yaml", "#/components/schemas/AccessToken", json.loads(raw))
        VALIDATED["count"] += 1
        return
    if path.lower().startswith("/sandbox/xero/api/connections"):
        name, sub = "xero-identity.yaml", path[len("/sandbox/xero/api") :]
    elif path.startswith(API_PREFIX):
        name, sub = "xero_accounting.yaml", path[len(API_PREFIX) :]
    else:
        return
    op = next((o for rx, m, o in _operations(name) if m == method and rx.match(sub)), None)
    assert op is not None, f"{method} {sub} is not an operation in {name}"
    ref = _schema_ref(name, op, status)
    if ref is None or "json" not in content_type:
        silent = VALIDATED["silent"]
        silent[status] = silent.get(status, 0) + 1
        return
    _validate(name, ref, json.loads(raw))
    VALIDATED["count"] += 1
