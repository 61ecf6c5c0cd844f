"""A small catalog defined here (a trigger in Clio, actions in QuickBooks and Clio), stand-ins
for the engine's mapping, polling and execution (patched in: the page calls them by name), and
connections for a firm."""

import re
import secrets
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from automations import execute, mapping, polling
from automations.catalog import registry
from automations.catalog.base import Action, Field, Result, Trigger
from automations.models import Run, RunStep, TriggerCursor, TriggerEvent
from sync.models import PROVIDER_SIDE, Connection

NEW_MATTER = Trigger(
    app="clio",
    key="new_matter",
    name="New matter",
    description="A matter is opened in Clio.",
    fields=(
        Field("matter.id", "Matter id", "id"),
        Field("matter.display_number", "Matter number"),
        Field("matter.description", "Matter description"),
        Field("matter.status", "Matter status"),
        Field("client.name", "Client name"),
        Field("client.email", "Client email", "email"),
    ),
    poll=lambda ctx, since, limit: [],
    wakes_on=("matter",),
)


def _made(ctx, inputs) -> Result:
    return Result(output={"id": "58"}, record_id="58", summary="Created customer 58")


CREATE_CUSTOMER = Action(
    app="quickbooks",
    key="create_customer",
    name="Create customer",
    description="A customer, or a sub-customer under a parent.",
    kind="create",
    fields=(
        Field("display_name", "Display name", required=True),
        Field("parent_id", "Parent customer id", "id", help="Makes it a sub-customer."),
        Field("email", "Email", "email"),
    ),
    outputs=(Field("id", "Customer id", "id"), Field("name", "Display name")),
    run=_made,
)
FIND_OR_CREATE_CUSTOMER = Action(
    app="quickbooks",
    key="find_or_create_customer",
    name="Find or create customer",
    description="The customer of this name, made when there is none.",
    kind="find_or_create",
    fields=(
        Field("display_name", "Display name", required=True),
        Field("email", "Email"),
    ),
    outputs=(Field("id", "Customer id", "id"),),
    run=_made,
)
CREATE_NOTE = Action(
    app="clio",
    key="create_matter_note",
    name="Create matter note",
    description="A note on a matter.",
    kind="create",
    fields=(
        Field("matter_id", "Matter id", "id", required=True),
        Field("subject", "Subject"),
        Field("detail", "Detail", "text", required=True),
    ),
    outputs=(Field("id", "Note id", "id"),),
    run=_made,
)
FIND_MATTER = Action(
    app="clio",
    key="find_matter",
    name="Find matter",
    description="A matter by its number.",
    kind="find",
    fields=(
        Field("by", "Find by", "choice", choices=("display_number", "client_name")),
        Field("value", "Value", required=True),
    ),
    outputs=(Field("id", "Matter id", "id"),),
    run=_made,
)

_PATH = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*"


def template_paths(text: str) -> list[str]:
    return [p.strip() for p in re.findall(r"\{\{([^{}]*)\}\}", text)]


def template_errors(text: str) -> str | None:
    if text.count("{{") != text.count("}}"):
        return "A {{ has no matching }}."
    for path in template_paths(text):
        if not re.fullmatch(_PATH, path):
            return f"“{path}” is not a field name."
    return None


def condition_errors(conditions: list[dict]) -> list[str]:
    return [
        f"Condition {n}: choose a test."
        for n, c in enumerate(conditions, start=1)
        if c.get("op") not in mapping.CONDITION_OPS
    ]


class Engine:
    """What the stand-ins were asked to do."""

    def __init__(self):
        self.cursors: list[str] = []
        self.tests: list[tuple[int, int, bool]] = []
        self.retries: list[int] = []
        self.samples: list[dict] = []  # data of the events samples_fetch "reads"

    def cursor_ensure(self, *, firm, trigger_id):
        self.cursors.append(trigger_id)
        cursor, _ = TriggerCursor.objects.get_or_create(
            firm=firm, trigger=trigger_id, defaults={"since": timezone.now()}
        )
        return cursor

    def samples_fetch(self, *, firm, trigger_id, limit=5):
        for n, data in enumerate(self.samples):
            TriggerEvent.objects.get_or_create(
                firm=firm,
                trigger=trigger_id,
                key=f"sample-{n}",
                defaults={
                    "data": data,
                    "summary": f"Matter {data['matter']['display_number']} opened",
                    "occurred_at": datetime(2026, 12, 1, 10, n, tzinfo=UTC),
                    "sample": True,
                },
            )
        return list(TriggerEvent.objects.filter(firm=firm, trigger=trigger_id)[:limit])

    def run_test(self, *, automation, event, dry_run, user):
        self.tests.append((automation.pk, event.pk, dry_run))
        run = Run.objects.create(
            firm_id=automation.firm_id,
            automation=automation,
            event=event,
            test=True,
            dry_run=dry_run,
            status=Run.Status.DRY_RUN if dry_run else Run.Status.SUCCEEDED,
            started_by=user,
            finished_at=timezone.now(),
        )
        for n, step in enumerate(automation.steps, start=1):
            body = {
                k: v.replace("{{matter.display_number}}", "00012-Smith")
                for k, v in step["inputs"].items()
            }
            RunStep.objects.create(
                run=run,
                index=n,
                action=step["action"],
                idempotency_key=secrets.token_hex(16),
                status=RunStep.Status.PLANNED if dry_run else RunStep.Status.DONE,
                inputs=body,
                sent=[{"method": "POST", "path": "/customer", "params": {}, "body": body}],
                record_url=""
                if dry_run
                else "https://app.qbo.intuit.com/app/customerdetail?nameId=58",
                summary="Would create a customer" if dry_run else "Created customer 58",
            )
        return run

    def run_retry(self, *, run, user):
        self.retries.append(run.pk)
        Run.objects.filter(pk=run.pk).update(status=Run.Status.PENDING, error="", fix="")
        run.refresh_from_db()
        return run


@pytest.fixture
def engine(monkeypatch) -> Engine:
    """The small catalog in the registry, and the engine's functions stood in for."""
    for t in (NEW_MATTER,):
        monkeypatch.setitem(registry.TRIGGERS, t.id, t)
    for a in (CREATE_CUSTOMER, FIND_OR_CREATE_CUSTOMER, CREATE_NOTE, FIND_MATTER):
        monkeypatch.setitem(registry.ACTIONS, a.id, a)
    monkeypatch.setattr(mapping, "template_paths", template_paths)
    monkeypatch.setattr(mapping, "template_errors", template_errors)
    monkeypatch.setattr(mapping, "condition_errors", condition_errors)
    fake = Engine()
    monkeypatch.setattr(polling, "cursor_ensure", fake.cursor_ensure)
    monkeypatch.setattr(polling, "samples_fetch", fake.samples_fetch)
    monkeypatch.setattr(execute, "run_test", fake.run_test)
    monkeypatch.setattr(execute, "run_retry", fake.run_retry)
    return fake


def connect(firm, *apps: str) -> None:
    for app in apps:
        Connection.objects.create(
            firm=firm,
            provider=app,
            side=PROVIDER_SIDE[app],
            external_id=secrets.token_hex(4),
            access_token="a",
            refresh_token="r",
        )


STEPS = [
    {
        "action": "quickbooks.create_customer",
        "inputs": {"display_name": "{{matter.display_number}} - {{client.name}}"},
    }
]


def event_for(firm, *, key="m-1", number="00012-Smith") -> TriggerEvent:
    return TriggerEvent.objects.create(
        firm=firm,
        trigger="clio.new_matter",
        key=key,
        data={"matter": {"id": 12, "display_number": number}, "client": {"name": "Ada"}},
        summary=f"Matter {number} opened",
        record_url="https://app.clio.com/nc/#/matters/12",
        occurred_at=timezone.now(),
    )
