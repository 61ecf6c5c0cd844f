"""Fixtures for the Clio sandbox tests.

Every response a test receives from the sandbox's Clio API passes through `check_response`, which
validates it against the Clio OpenAPI document (the response schema of the matched path, method and
status). The Django test client (`api`) and the requests session (`http`) both do it, so no test
can skip it. Where the spec is silent or wrong the check says so here:

- SPEC-NULLABLE: the spec marks no property nullable, yet Clio serves `null` for unset values
  (`paid_at` of an unpaid bill, `memo`, a line's `note`). Every property is made nullable.
- SPEC-SILENT-STATUS: some statuses Clio documents are not listed per operation (410 for a bad
  `X-API-VERSION`, 412 on DELETE, 404 on webhook DELETE, 304 on lists), or listed without a body
  (the 400/404 of `GET /documents/{id}/download`). Such bodies are validated
  against the spec's `Error` schema (or must be empty for 204/304) and recorded in SPEC_SILENT.
- SPEC-OPEN-OBJECTS: the spec's schemas allow additional properties; the check also fails any
  key of a served record (or of its nested objects) that its schema does not define.
- SPEC-SILENT-PATH: `PUT /webhooks/{id}/activate` is described in the Webhooks tag text only; it is
  validated as `Webhook_Show`. OAuth endpoints are not in the spec; they are checked against the
  RFC 6749 token/error shapes below.
"""

import copy
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.test import Client
from openapi_schema_validator import OAS30Validator

from sandbox.clio import presets
from sandbox.clio.models import App, Setting
from sandbox.clio.oauth import issue_token
from sandbox.clio.spec import schema_fields, spec

SPEC_SILENT: set[str] = set()
API_RE = re.compile(r"^(?:https?://[^/]+)?/sandbox/clio/(us|eu|ca|au)/api/v4(/[^?]*)")
OAUTH_RE = re.compile(r"^(?:https?://[^/]+)?/sandbox/clio/(us|eu|ca|au)/oauth/(token|deauthorize)")
TOKEN_SCHEMA = {
    "type": "object",
    "required": ["token_type", "access_token", "expires_in"],
    "properties": {
        "token_type": {"enum": ["bearer"]},
        "access_token": {"type": "string"},
        "expires_in": {"type": "integer"},
        "refresh_token": {"type": "string"},
    },
}
OAUTH_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


def _nullable(node):
    """SPEC-NULLABLE: let every property be null (see the module docstring)."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "properties":
                for name, prop in value.items():
                    _nullable(prop)
                    if "$ref" in prop:
                        value[name] = {"anyOf": [{"$ref": prop.pop("$ref")}, {"enum": [None]}]}
                    else:
                        prop["nullable"] = True
                        if "enum" in prop:
                            prop["enum"] = prop["enum"] + [None]
            else:
                _nullable(value)
    elif isinstance(node, list):
        for item in node:
            _nullable(item)
    return node


class SpecIndex:
    def __init__(self):
        doc = spec()
        self.components = _nullable(copy.deepcopy(doc["components"]))
        self.paths = []
        for template, ops in doc["paths"].items():
            pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template.removesuffix(".json")))
            self.paths.append((re.compile(f"^{pattern}$"), template, ops))
        # Longer literal templates first, so /users/who_am_i wins over /users/{id}.
        self.paths.sort(key=lambda p: (p[1].count("{"), -len(p[1])))
        self.validators = {}

    def operation(self, path: str, method: str):
        path = path.removesuffix(".json")
        for regex, template, ops in self.paths:
            if regex.match(path) and method.lower() in ops:
                return template, ops[method.lower()]
        return None, None

    def validate(self, ref_or_schema, body):
        key = json.dumps(ref_or_schema, sort_keys=True)
        if key not in self.validators:
            schema = dict(ref_or_schema) | {"components": self.components}
            self.validators[key] = OAS30Validator(schema)
        errors = sorted(self.validators[key].iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"spec violation: {errors[0].message} at {list(errors[0].path)}"


_INDEX: SpecIndex | None = None


def spec_index() -> SpecIndex:
    global _INDEX
    if _INDEX is None:  # loaded once per session
        _INDEX = SpecIndex()
    return _INDEX


def check_response(method: str, url: str, status: int, content: bytes) -> None:
    """Validate one sandbox response against the Clio spec (or RFC 6749 for OAuth)."""
    oauth = OAUTH_RE.match(url)
    if oauth:
        return _check_oauth(oauth.group(2), status, content)
    match = API_RE.match(url)
    if not match:
        return None  # control API and console: not Clio
    index = spec_index()
    template, op = index.operation(match.group(2), method)
    if status in (204, 303, 304):  # 303: `GET /documents/{id}/download`, no body in the spec
        assert content in (b"", None), f"{status} must have no body"
        return None
    body = json.loads(content)
    if op is None:
        SPEC_SILENT.add(f"{method} {match.group(2)} (path)")
        schema = "Webhook_Show" if status < 400 else "Error"
        return index.validate({"$ref": f"#/components/schemas/{schema}"}, body)
    response = op["responses"].get(str(status))
    if response is None or (status >= 400 and "content" not in response):
        # The download's 400/404 are listed without a body; Clio answers them as `Error`.
        SPEC_SILENT.add(f"{method} {template} {status}")
        assert status >= 400, f"{method} {template} answered {status}, which the spec does not list"
        return index.validate({"$ref": "#/components/schemas/Error"}, body)
    schema = next(iter(response["content"].values()))["schema"]
    index.validate(schema, body)
    _no_unknown_keys(schema, body)


def _no_unknown_keys(schema: dict, body) -> None:
    """The spec's schemas allow additional properties; served records must not use that
    freedom: every key is a property of the record's schema (nested objects too)."""
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    if not name.endswith(("_List", "_Show")) or not isinstance(body, dict):
        return
    data_schema = spec()["components"]["schemas"][name]["properties"]["data"]
    ref = data_schema.get("items", data_schema).get("$ref", "")
    records = body["data"] if isinstance(body["data"], list) else [body["data"]]
    for record in records:
        _keys_within(record, ref.rsplit("/", 1)[-1], name)


def _keys_within(obj, schema_name: str, where: str) -> None:
    fields = schema_fields(schema_name)
    for key, value in obj.items():
        assert key in fields, f"{where}: {key!r} is not a property of {schema_name}"
        nested = fields[key].nested
        items = value if isinstance(value, list) else [value]
        for item in items:
            if nested and isinstance(item, dict):
                _keys_within(item, nested, f"{where}.{key}")


def check_delivery(payload: dict) -> None:
    """A webhook body: `data` is the model's record (spec schema), `meta` names event and hook."""
    from sandbox.clio.models import Record
    from sandbox.clio.spec import BY_TYPE

    assert set(payload) == {"data", "meta"} and set(payload["meta"]) == {"event", "webhook_id"}
    model = Record.objects.get(pk=payload["meta"]["webhook_id"]).data["model"]
    schema = next(r.schema for r in BY_TYPE.values() if r.webhook_model == model)
    spec_index().validate({"$ref": f"#/components/schemas/{schema}"}, payload["data"])
    _keys_within(payload["data"], schema, f"webhook {model}")


def _check_oauth(endpoint: str, status: int, content: bytes) -> None:
    body = json.loads(content or b"{}")
    if endpoint == "token":
        schema = TOKEN_SCHEMA if status == 200 else OAUTH_ERROR_SCHEMA
        OAS30Validator(schema).validate(body)


class SpecClient(Client):
    """Django's test client, checking every response against the spec."""

    def request(self, **request):
        response = super().request(**request)
        url = request["PATH_INFO"]
        check_response(request["REQUEST_METHOD"], url, response.status_code, response.content)
        return response


@pytest.fixture
def api():
    return SpecClient()


@pytest.fixture
def http():
    """A requests session for live-server tests, with the same spec check on every response."""
    session = requests.Session()

    def hook(response, *args, **kwargs):
        check_response(
            response.request.method, response.url, response.status_code, response.content
        )

    session.hooks["response"].append(hook)
    yield session
    # Closing the kept-alive sockets lets the live server's handler threads close their
    # database connections (PostgreSQL refuses to drop a test database still in use).
    session.close()


class Firm:
    """One sandbox account with an app and a token; `get/post/patch/delete` speak the API."""

    def __init__(self, client, info, app, token, region):
        self.client, self.info, self.app, self.token, self.region = client, info, app, token, region
        self.id = info["id"]
        self.user_id = info["users"][0]["id"]

    @property
    def auth(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token.access_token}"}

    def url(self, path: str, region: str | None = None) -> str:
        return f"/sandbox/clio/{region or self.region}/api/v4/{path}"

    def get(self, path, params=None, **headers):
        return self.client.get(self.url(path), params or {}, **self.auth, **headers)

    def post(self, path, data, **headers):
        body = json.dumps({"data": data})
        return self.client.post(self.url(path), body, "application/json", **self.auth, **headers)

    def patch(self, path, data, **headers):
        body = json.dumps({"data": data})
        return self.client.patch(self.url(path), body, "application/json", **self.auth, **headers)

    def delete(self, path, **headers):
        return self.client.delete(self.url(path), **self.auth, **headers)

    def act(self, action, **payload):
        body = json.dumps({"action": action, "account": self.id, **payload})
        response = self.client.post("/sandbox/clio/_control/actions", body, "application/json")
        assert response.status_code == 200, response.content
        return response.json()["result"]


def make_firm(client, name="Test Law", region="us", email="owner@test.example") -> Firm:
    users = [{"first_name": "Olive", "last_name": "Owner", "email": email, "password": "pw-1"}]
    info = presets.create_account(name, region, users)
    app = App.objects.create(
        name="Test app",
        client_id=f"cid-{info['id']}",
        client_secret="secret",
        redirect_uris=["https://app.test/cb"],
    )
    from sandbox.clio.models import Account

    token = issue_token(app, Account.objects.get(pk=info["id"]), info["users"][0]["id"])
    return Firm(client, info, app, token, region)


@pytest.fixture
def firm(db, api):
    Setting.objects.update_or_create(key="webhook_delivery", defaults={"value": "manual"})
    return make_firm(api)


@pytest.fixture
def other_firm(db, api):
    return make_firm(api, name="Other Law", email="other@test.example")


class Receiver:
    """A local HTTP server standing in for a webhook receiver."""

    def __init__(self):
        self.calls, self.status, self.echo = [], 200, True
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.calls.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                secret = self.headers.get("X-Hook-Secret")
                if secret and receiver.echo:
                    self.send_header("X-Hook-Secret", secret)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self):
        """Signed deliveries, each checked against the spec schema of its webhook's model."""
        calls = [c for c in self.calls if "X-Hook-Signature" in c["headers"]]
        for call in calls:
            check_delivery(json.loads(call["body"]))
        return calls


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


def pytest_terminal_summary(terminalreporter):
    """List the statuses and paths the spec is silent about, as met by this run."""
    if SPEC_SILENT:
        terminalreporter.write_line("Clio spec silent on: " + "; ".join(sorted(SPEC_SILENT)))
