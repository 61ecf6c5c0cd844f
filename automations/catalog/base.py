"""What a trigger and an action are: the catalog's types, shared by every app module.

An app module (automations/catalog/clio.py, quickbooks.py, xero.py) lists its TRIGGERS and
ACTIONS with these types; automations.catalog.registry collects them. The engine never knows a
provider's wire format: it hands a trigger's `poll` or an action's `run` a `Ctx` holding the
connection's client (the same client, budget and fault rules as the sync) and keeps the rest:
cursors, de-duplication, conditions, mapping, the outbox, retries and the run log.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Field types the page offers an input for and the mapper converts to. Money is a string of a
# Decimal on the wire and in every event ("1250.00"), never a float.
FIELD_TYPES = (
    "string",  # one line
    "text",  # several lines
    "number",  # an integer
    "money",  # Decimal as a string
    "date",  # YYYY-MM-DD
    "datetime",  # ISO 8601 with offset
    "boolean",
    "email",
    "id",  # a record id in the action's app (a find step's output, usually)
    "choice",  # one of `choices`
    "lines",  # a list of objects (invoice lines, journal lines): its `fields` name the keys
    "file",  # a document: {"name", "content_type", "content_base64"} or a URL to fetch
)


@dataclass(frozen=True)
class Field:
    """One field of an event (a trigger's output) or of an action's input or output.

    `key` is a dotted path: "matter.display_number" in an event; an input's key is flat
    ("description") or dotted for a nested object ("client.id")."""

    key: str
    label: str
    type: str = "string"
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    fields: tuple["Field", ...] = ()  # a "lines" field's keys, one line's

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"{self.key}: unknown field type {self.type!r}")


@dataclass(frozen=True)
class Event:
    """One thing that happened in an app, as a trigger sees it.

    `key` is unique for what happened: the same change read twice (a webhook, then the poll that
    is the safety net) has the same key, and the engine records it once. For "new X" it is the
    record's id; for "X updated" or "status updated" it carries what changed ("123:closed:
    2026-12-01T10:00:00Z"), so each change fires once and a re-read of the same state does not."""

    key: str
    data: dict  # JSON-ready; the trigger's `fields` describe it; money as strings
    occurred_at: datetime  # aware
    record_id: str = ""
    record_url: str = ""  # the record in the app's own web pages, when it has one
    summary: str = ""  # one line for the run log: "Matter 00012-Smith created"


@dataclass(frozen=True)
class Result:
    """What an action did. `output` is what later steps may map (`{{steps.2.id}}`)."""

    output: dict
    record_id: str = ""
    record_url: str = ""
    summary: str = ""  # "Created task 981 'Call client'"; "Found contact 55"; "No matter found"
    found: bool | None = None  # finds: False when nothing matched (the run stops there, clearly)


class ActionError(Exception):
    """A problem the firm can fix: a required input empty, a record not found for an update, a
    value the app refuses. `fix` says how, in plain words."""

    def __init__(self, message: str, fix: str = ""):
        super().__init__(message)
        self.message = message
        self.fix = fix


@dataclass
class Sent:
    """A write an action made (or, in a dry run, would make): what the run log shows."""

    method: str
    path: str
    params: dict
    body: Any


@dataclass
class Ctx:
    """What a trigger's poll or an action's run is given.

    `client` is sync.engine.registry.client_for(connection): its `.http` is the HttpClient with
    the connection's rate budget, retries and error types; its base URL is the API root
    (Clio `/api/v4`, QuickBooks `/v3/company/<realm>`, Xero `/api.xro/2.0`). Reads go through
    `client.http.request` (or the client's own methods); writes go through `write`, which sends
    the step's idempotency key where the provider takes one and, in a dry run, sends nothing."""

    firm_id: int
    app: str
    client: Any
    connection: Any = None  # sync.models.Connection
    dry_run: bool = False
    idempotency_key: str = ""
    web_base: str = ""  # the app's web pages (record links), from settings.PROVIDERS
    sent: list[Sent] = field(default_factory=list)

    def write(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict | None = None,
        data: Any = None,
        headers: dict | None = None,
        part: str = "",
    ) -> dict | None:
        """Send one write; its JSON answer, or None in a dry run (nothing is sent). An action
        that makes more than one write names each `part` ("folder", "upload"), so each has its
        own idempotency key and a retried step replays rather than repeats them."""
        self.sent.append(
            Sent(method.upper(), path, dict(params or {}), json if json is not None else data)
        )
        if self.dry_run:
            return None
        key = (
            f"{self.idempotency_key}-{part}"
            if part and self.idempotency_key
            else self.idempotency_key
        )
        response = self.client.http.request(
            method,
            path,
            json=json,
            params=params,
            data=data,
            headers=headers,
            idempotency_key=key[:50] or None,
        )
        return response.json() if response.content else {}


@dataclass(frozen=True)
class Trigger:
    """Something that happens in an app. `poll(ctx, since, limit)` reads what happened after
    `since` (oldest first, at most `limit` events) and is the safety net: a webhook (`wakes_on`,
    the provider's model or entity names) only makes the engine poll sooner."""

    app: str
    key: str  # "new_matter": the catalog id is "clio.new_matter"
    name: str  # "New matter"
    description: str
    fields: tuple[Field, ...]
    poll: Callable[[Ctx, datetime, int], list[Event]]
    wakes_on: tuple[str, ...] = ()  # Clio models, QuickBooks entities, Xero event categories

    @property
    def id(self) -> str:
        return f"{self.app}.{self.key}"


@dataclass(frozen=True)
class Action:
    """Something FirmSync does in an app. `run(ctx, inputs)` gets the mapped inputs, already
    converted to the fields' types (missing optional inputs absent), and returns a Result or
    raises ActionError. `kind` is create, update, find, find_or_create or send."""

    app: str
    key: str  # "create_task": the catalog id is "clio.create_task"
    name: str  # "Create task"
    description: str
    kind: str
    fields: tuple[Field, ...]
    outputs: tuple[Field, ...]
    run: Callable[[Ctx, dict], Result]

    @property
    def id(self) -> str:
        return f"{self.app}.{self.key}"
