"""Every Clio action through the engine over real HTTP: a new QuickBooks customer runs three
automations whose steps, fed by the event and by earlier steps (`{{steps.N.id}}`), find, create
and update in Clio; what they made is read back from Clio."""

import base64
import json

import pytest

from automations.catalog import registry
from automations.models import RunStep, TriggerEvent
from tests.automations.scenarios.support import fire, run_failures
from tests.automations.world import World, next_second

pytestmark = pytest.mark.django_db(transaction=True)

CUSTOMER = "Grace Hopper"
DOCUMENT = json.dumps(
    {"name": "Welcome {{customer.id}}.txt", "content_base64": base64.b64encode(b"Hi").decode()}
)

COMPANY = [
    {
        "action": "clio.find_or_create_company_contact",
        "inputs": {"name": "{{customer.name}} Ltd", "email": "{{customer.email}}"},
    },
    {"action": "clio.find_company_contact", "inputs": {"name": "{{steps.1.name}}"}},
    {
        "action": "clio.update_company_contact",
        "inputs": {"contact_id": "{{steps.2.id}}", "phone": "555-0100"},
    },
    {
        "action": "clio.find_or_create_matter",
        "inputs": {"client_id": "{{steps.1.id}}", "description": "Books {{customer.id}}"},
    },
    {
        "action": "clio.find_matter",
        "inputs": {"by": "description", "value": "Books {{customer.id}}"},
    },
    {
        "action": "clio.update_matter",
        "inputs": {"matter_id": "{{steps.5.id}}", "status": "Pending"},
    },
    {
        "action": "clio.create_matter_note",
        "inputs": {
            "matter_id": "{{steps.4.id}}",
            "subject": "From QuickBooks",
            "detail": "Customer {{customer.name}}",
        },
    },
    {
        "action": "clio.create_task",
        "inputs": {"name": "Call {{customer.name}}", "matter_id": "{{steps.4.id}}"},
    },
    {"action": "clio.update_task", "inputs": {"task_id": "{{steps.8.id}}", "status": "complete"}},
    {
        "action": "clio.create_matter_folder",
        "inputs": {"matter_id": "{{steps.4.id}}", "name": "Books"},
    },
]
PERSON = [
    {
        "action": "clio.create_person_contact",
        "inputs": {
            "first_name": "Grace",
            "last_name": "Hopper {{customer.id}}",
            "email": "p{{customer.id}}@navy.test",
        },
    },
    {"action": "clio.find_person_contact", "inputs": {"email": "{{steps.1.email}}"}},
    {
        "action": "clio.update_person_contact",
        "inputs": {"contact_id": "{{steps.2.id}}", "title": "Dr"},
    },
    {
        "action": "clio.find_or_create_person_contact",
        "inputs": {"first_name": "Grace", "email": "{{steps.1.email}}"},
    },
    {
        "action": "clio.create_matter",
        "inputs": {"client_id": "{{steps.4.id}}", "description": "Matter for {{customer.name}}"},
    },
    {
        "action": "clio.create_calendar_entry",
        "inputs": {
            "summary": "Meet {{customer.name}}",
            "start_at": "2026-12-10T09:00:00+00:00",
            "matter_id": "{{steps.5.id}}",
        },
    },
    {
        "action": "clio.create_communication",
        "inputs": {"subject": "Welcome {{customer.name}}", "matter_id": "{{steps.5.id}}"},
    },
    {
        "action": "clio.create_time_entry",
        "inputs": {"hours": "1.5", "rate": "200.00", "matter_id": "{{steps.5.id}}"},
    },
    {
        "action": "clio.create_expense_entry",
        "inputs": {"price": "45.50", "matter_id": "{{steps.5.id}}"},
    },
    {"action": "clio.upload_document", "inputs": {"matter_id": "{{steps.5.id}}", "file": DOCUMENT}},
]


def _finds(custom: dict) -> list[dict]:
    return [
        {"action": "clio.find_matter_by_custom_field",
         "inputs": {"custom_field": "Court case number", "value": "CV-1"}},
        {"action": "clio.find_contact_by_custom_field",
         "inputs": {"custom_field": "Client code", "value": "ADA"}},
        {"action": "clio.find_bill", "inputs": {"matter_id": "{{steps.1.id}}"}},
        {"action": "clio.find_newest_matter_by_client_email", "inputs": {"email": "ada@example.com"}},
        {"action": "clio.find_user", "inputs": {"email": custom["user_email"]}},
        {"action": "clio.assign_task_template_list",
         "inputs": {"matter_id": "{{steps.4.id}}", "task_template_list_id": custom["list_id"]}},
        {"action": "clio.create_company_contact",
         "inputs": {"name": "{{customer.name}} Holdings", "email": "{{customer.email}}"}},
    ]  # fmt: skip


def _prepare(world: World) -> dict:
    """A client with a matter, a bill, custom field values and a task template list in Clio."""
    c = world.clio
    client = c.act(
        "create_contact", first_name="Ada", last_name="Lovelace", email="ada@example.com"
    )
    matter = c.act("create_matter", client_id=client["id"], description="Estate plan")
    c.act("create_time_entry", matter_id=matter["id"], hours=2, price=300)
    bill = c.act("generate_bill", matter_id=matter["id"])
    for parent, record, value, name in (
        ("Matter", {"matter_id": matter["id"]}, "CV-1", "Court case number"),
        ("Contact", {"contact_id": client["id"]}, "ADA", "Client code"),
    ):
        field = c.act("create_custom_field", name=name, parent_type=parent)
        c.act("set_custom_field_value", custom_field_id=field["id"], value=value, **record)
    writer = c.ctx().client.http
    body = {"data": {"name": "Intake", "description": "New client"}}
    task_list = writer.request("POST", "task_template_lists.json", json=body).json()["data"]
    template = {"name": "Conflict check", "task_template_list": {"id": task_list["id"]}}
    writer.request("POST", "task_templates.json", json={"data": template})
    me = world.clio_get("users/who_am_i.json", fields="id,email")
    return {"client": client, "matter": matter, "bill": bill, "list_id": str(task_list["id"]),
            "user_email": me["email"], "user_id": me["id"]}  # fmt: skip


def _done(event: TriggerEvent, automation) -> list[RunStep]:
    steps = list(event.runs.get(automation=automation).run_steps.order_by("index"))
    assert [s.status for s in steps] == [RunStep.Status.DONE] * len(automation.steps), [
        (s.action, s.status, s.error) for s in steps
    ]
    return steps


def test_every_clio_action_runs_from_an_automation_step(with_quickbooks):
    world = with_quickbooks
    ready = _prepare(world)
    company = world.automation("quickbooks.new_customer", COMPANY, name="Company")
    person = world.automation("quickbooks.new_customer", PERSON, name="Person")
    finds = world.automation("quickbooks.new_customer", _finds(ready), name="Finds")
    used = {s["action"] for s in COMPANY + PERSON + finds.steps}
    assert used == {a for a in registry.ACTIONS if a.startswith("clio.")}
    next_second()
    made = world.books.act("create_customer", display_name=CUSTOMER, email="g@navy.test")
    fire(world.admin.firm_id, ["quickbooks.new_customer"])
    event = TriggerEvent.objects.get(record_id=made["Customer"]["Id"])
    cid = event.record_id

    assert run_failures(world.admin.firm_id) == []
    c = _done(event, company)
    assert c[1].record_id == c[0].record_id and c[4].record_id == c[3].record_id
    contact = world.clio_get(f"contacts/{c[0].record_id}.json", fields="name,type,phone_numbers")
    assert (contact["name"], contact["type"]) == (f"{CUSTOMER} Ltd", "Company")
    assert contact["phone_numbers"][0]["number"] == "555-0100"
    matter = world.clio_get(f"matters/{c[3].record_id}.json", fields="description,status,client")
    assert (matter["description"], matter["status"]) == (f"Books {cid}", "Pending")
    assert matter["client"]["id"] == int(c[0].record_id)
    note = world.clio_get(f"notes/{c[6].record_id}.json", fields="subject,detail")
    assert (note["subject"], note["detail"]) == ("From QuickBooks", f"Customer {CUSTOMER}")
    task = world.clio_get(f"tasks/{c[7].record_id}.json", fields="name,status")
    assert (task["name"], task["status"]) == (f"Call {CUSTOMER}", "complete")
    folder = world.clio_get(f"folders/{c[9].record_id}.json", fields="name,matter")
    assert (folder["name"], folder["matter"]["id"]) == ("Books", int(c[3].record_id))

    p = _done(event, person)
    assert p[1].record_id == p[0].record_id == p[3].record_id
    who = world.clio_get(f"contacts/{p[0].record_id}.json", fields="first_name,last_name,title")
    assert (who["last_name"], who["title"]) == (f"Hopper {cid}", "Dr")
    for step, path, expected in (
        (p[5], "calendar_entries", {"summary": f"Meet {CUSTOMER}"}),
        (p[6], "communications", {"subject": f"Welcome {CUSTOMER}"}),
        (p[7], "activities", {"total": 300.0}),
        (p[8], "activities", {"total": 45.5}),
        (p[9], "documents", {"name": f"Welcome {cid}.txt", "size": 2}),
    ):
        got = world.clio_get(f"{path}/{step.record_id}.json", fields=",".join(expected))
        assert {k: got[k] for k in expected} == expected, (step.action, got)

    f = _done(event, finds)
    assert f[0].record_id == f[3].record_id == str(ready["matter"]["id"])
    assert f[1].record_id == str(ready["client"]["id"])
    assert f[2].record_id == str(ready["bill"]["id"])
    assert f[4].record_id == str(ready["user_id"])
    tasks = world.clio_get("tasks.json", matter_id=ready["matter"]["id"], fields="name")
    assert [t["name"] for t in tasks] == ["Conflict check"]
    holdings = world.clio_get(f"contacts/{f[6].record_id}.json", fields="name")
    assert holdings["name"] == f"{CUSTOMER} Holdings"
