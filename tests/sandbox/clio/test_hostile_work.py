"""No body or filter of any shape gets a 500 from the tasks, calendar, communications, notes,
documents, folders and custom field endpoints: every required key is present, holding anything."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.clio.test_hostile_input import JSON

HOSTILE = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
KEYS = {
    "tasks": ["name", "description", "assignee", "status", "priority", "due_at", "matter"],
    "calendar_entries": ["summary", "start_at", "end_at", "calendar_owner", "all_day"],
    "communications": ["type", "subject", "body", "received_at", "senders", "matter"],
    "notes": ["type", "matter", "contact", "detail", "date"],
    "documents": [
        "name",
        "parent",
        "filename",
        "content_type",
        "multiparts",
        "uuid",
        "fully_uploaded",
    ],
    "folders": ["name", "parent"],
    "custom_fields": ["name", "parent_type", "field_type", "picklist_options"],
    "task_templates": ["name", "task_template_list", "priority"],
    "matters": ["client", "description", "custom_field_values", "task_template_list_instances"],
    "contacts": ["type", "name", "custom_field_values"],
}
PARAMS = [
    "from", "to", "is_all_day", "complete", "priority", "statuses[]", "assignee_type",
    "received_since", "date", "type", "parent_id", "show_uncompleted", "parent_type",
    "custom_field_values[1]", "status", "query", "client_only", "fully_uploaded",
]  # fmt: skip


def _raw(firm, method, path, body=b""):
    client = Client(raise_request_exception=False)
    return getattr(client, method)(firm.url(path), body, "application/json", **firm.auth)


@pytest.fixture
def seeded(firm):
    """One record of each kind, so PATCHes and references can reach something real."""
    client = firm.act("create_contact", first_name="H", last_name="Ostile")
    matter = firm.act("create_matter", client_id=client["id"], description="H")
    doc = firm.act("upload_document", matter_id=matter["id"], name="h.txt", content="h")
    field = firm.act("create_custom_field", name="F", field_type="numeric")
    return {"matter": matter["id"], "document": doc["id"], "field": field["id"]}


@HOSTILE
@given(
    resource=st.sampled_from(sorted(KEYS)),
    values=st.lists(JSON, min_size=7, max_size=7)
    | st.lists(
        st.sampled_from(
            [
                {"id": [1]},
                [{"id": [1]}],
                [{"id": "x", "value": {}}],
                {"id": 1, "type": "Matter"},
                "x.pdf",
            ]
        ),
        min_size=7,
        max_size=7,
    ),
    patch=st.booleans(),
)
def test_hostile_bodies_get_4xx_never_5xx(firm, seeded, resource, values, patch):
    data = dict(zip(KEYS[resource], values, strict=False))
    body = json.dumps({"data": data}).encode()
    if patch:
        rid = seeded["document"] if resource == "documents" else seeded["matter"]
        path = f"{resource}/{rid}.json" if resource in ("documents", "matters") else None
        response = (
            _raw(firm, "patch", path, body)
            if path
            else _raw(firm, "post", f"{resource}.json", body)
        )
    else:
        response = _raw(firm, "post", f"{resource}.json", body)
    assert response.status_code < 500, response.content[:400]


@HOSTILE
@given(
    resource=st.sampled_from([*sorted(KEYS), "documents/DOC/versions"]),
    params=st.dictionaries(
        st.sampled_from(PARAMS),
        st.text(max_size=10)
        | st.sampled_from(
            ["true", ">=1", "[<=5, >=x]", "2026-02-30", "2026-02-01T09:00:00Z", "high"]
        ),
        max_size=3,
    ),
)
def test_hostile_filters_get_4xx_never_5xx(firm, seeded, resource, params):
    path = resource.replace("DOC", str(seeded["document"]))
    params = {k.replace("[1]", f"[{seeded['field']}]"): v for k, v in params.items()}
    client = Client(raise_request_exception=False)
    response = client.get(firm.url(f"{path}.json"), params, **firm.auth)
    assert response.status_code < 500, response.content[:400]
