"""Recipes: automations a firm starts from in one click (issue #16, item 5).

A recipe names its trigger and actions by catalog id. One whose trigger or an action is not in
the catalog is listed as needing that app and cannot be started. Starting one makes a draft, off,
with the recipe's mappings that fit the catalog as it is; the rest wait for the firm to map them
in the editor before it can be turned on."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Membership
from automations import services
from automations.catalog import registry
from automations.describe import action_words, trigger_words
from automations.models import Automation
from automations.validation import apps_connected, automation_problems


@dataclass(frozen=True)
class Recipe:
    key: str
    name: str
    description: str
    trigger: str
    steps: tuple[dict, ...]
    conditions: tuple[dict, ...] = ()
    # Required inputs a template cannot fill today, which the firm maps when it starts it.
    left_to_map: tuple[str, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [self.trigger, *(s["action"] for s in self.steps)]

    @property
    def apps(self) -> list[str]:
        return list(dict.fromkeys(i.split(".", 1)[0] for i in self.ids))


def _payment_to_matter(app: str, client: str, amount: str, when: str) -> tuple:
    """Find the client's open matter in Clio, note the payment on it, and make a task."""
    return (
        {
            "action": "clio.find_matter",
            "inputs": {"by": "client_name", "value": client, "status": "Open"},
        },
        {
            "action": "clio.create_matter_note",
            "inputs": {
                "matter_id": "{{steps.1.id}}",
                "subject": "Payment received",
                "detail": f"{amount} received in {app} on {when} from {client}.",
            },
        },
        {
            "action": "clio.create_task",
            "inputs": {
                "matter_id": "{{steps.1.id}}",
                "name": f"Payment received: {amount} from {client}",
                "description": f"Recorded in {app} on {when}. Check the matter's balance.",
            },
        },
    )


# Clio's state for a bill once it is approved (it waits for payment from then on).
BILL_APPROVED = ({"field": "state", "op": "equals", "value": "awaiting_payment"},)

RECIPES: list[Recipe] = [
    Recipe(
        "matter_to_quickbooks_sub_customer",
        "New Clio matter → QuickBooks sub-customer",
        "Each new matter becomes a sub-customer (a job) under its client's customer, made when "
        "the client has none yet.",
        "clio.new_matter",
        (
            {
                "action": "quickbooks.find_or_create_customer",
                "inputs": {"display_name": "{{client.name}}", "email": "{{client.email}}"},
            },
            {
                "action": "quickbooks.create_customer",
                "inputs": {
                    "display_name": "{{matter.display_number}} - {{client.name}}",
                    "parent_id": "{{steps.1.id}}",
                },
            },
        ),
    ),
    Recipe(
        "matter_to_xero_tracking_option",
        "New Clio matter → Xero tracking option",
        "Each new matter becomes an option of the Xero tracking category “Matter”, to track "
        "income and costs by matter.",
        "clio.new_matter",
        (
            {
                "action": "xero.create_tracking_option",
                "inputs": {"tracking_category": "Matter", "name": "{{matter.display_number}}"},
            },
        ),
    ),
    Recipe(
        "quickbooks_payment_to_clio_note_and_task",
        "QuickBooks payment → note and task on the Clio matter",
        "When a payment is received in QuickBooks, note it on the client's open Clio matter and "
        "make a task on it (assign it to the responsible attorney in the editor).",
        "quickbooks.new_payment",
        _payment_to_matter(
            "QuickBooks",
            "{{customer.name}}",
            "{{payment.total}}",
            "{{payment.date}}",
        ),
    ),
    Recipe(
        "xero_payment_to_clio_note_and_task",
        "Xero payment → note and task on the Clio matter",
        "When a payment is received in Xero, note it on the client's open Clio matter and make "
        "a task on it (assign it to the responsible attorney in the editor).",
        "xero.new_payment",
        _payment_to_matter("Xero", "{{contact.name}}", "{{payment.amount}}", "{{payment.date}}"),
    ),
    Recipe(
        "quickbooks_vendor_to_clio_company",
        "New QuickBooks vendor → Clio company contact",
        "Each new vendor in QuickBooks becomes a company contact in Clio, with its email, phone "
        "and address.",
        "quickbooks.new_vendor",
        (
            {
                "action": "clio.create_company_contact",
                "inputs": {
                    "name": "{{vendor.name}}",
                    "email": "{{vendor.email}}",
                    "phone": "{{vendor.phone}}",
                    "street": "{{vendor.address.line1}}",
                    "city": "{{vendor.address.city}}",
                    "province": "{{vendor.address.region}}",
                    "postal_code": "{{vendor.address.postal_code}}",
                    "country": "{{vendor.address.country}}",
                },
            },
        ),
    ),
    Recipe(
        "approved_bill_to_quickbooks_invoice_sent",
        "Bill approved in Clio → send the QuickBooks invoice",
        "When a Clio bill is approved, find its invoice in QuickBooks by number and email it to "
        "the client. (With an invoice number prefix on Bill Syncing, add it to the number.)",
        "clio.bill_state_updated",
        (
            {"action": "quickbooks.find_invoice", "inputs": {"number": "{{number}}"}},
            {
                "action": "quickbooks.send_invoice",
                "inputs": {"id": "{{steps.1.id}}", "email": "{{client.email}}"},
            },
        ),
        conditions=BILL_APPROVED,
    ),
    Recipe(
        "approved_bill_to_xero_invoice_emailed",
        "Bill approved in Clio → email the Xero invoice",
        "When a Clio bill is approved, find its invoice in Xero by number and email it to the "
        "client from Xero. (With an invoice number prefix on Bill Syncing, add it to the number.)",
        "clio.bill_state_updated",
        (
            {"action": "xero.find_invoice", "inputs": {"invoice_number": "{{number}}"}},
            {"action": "xero.email_invoice", "inputs": {"invoice_id": "{{steps.1.id}}"}},
        ),
        conditions=BILL_APPROVED,
    ),
    Recipe(
        "clio_activity_to_quickbooks_time",
        "New Clio time entry → QuickBooks time activity",
        "Each time entry recorded in Clio becomes a time activity in QuickBooks for the client "
        "(choose the employee or vendor who did the work in the editor).",
        "clio.new_activity",
        (
            {
                "action": "quickbooks.find_or_create_customer",
                "inputs": {"display_name": "{{client.name}}", "email": "{{client.email}}"},
            },
            {
                "action": "quickbooks.create_time_activity",
                "inputs": {
                    "customer_id": "{{steps.1.id}}",
                    "date": "{{date}}",
                    "hours": "{{quantity_in_hours}}",
                    "hourly_rate": "{{price}}",
                    "description": "{{matter.display_number}}: {{note}}",
                },
            },
        ),
        conditions=({"field": "type", "op": "equals", "value": "TimeEntry"},),
    ),
    Recipe(
        "document_to_month_folder",
        "New document in a matter → folder per month",
        "Each new document's matter gets a folder named for the month it arrived in (2026-12).",
        "clio.new_document",
        (
            {
                "action": "clio.create_matter_folder",
                "inputs": {"matter_id": "{{matter.id}}", "name": "{{event.month}}"},
            },
        ),
    ),
]

BY_KEY = {r.key: r for r in RECIPES}


def recipe_missing(recipe: Recipe) -> list[str]:
    """The apps whose catalog lacks one of the recipe's trigger or actions."""
    known = set(registry.TRIGGERS) | set(registry.ACTIONS)
    return list(dict.fromkeys(i.split(".", 1)[0] for i in recipe.ids if i not in known))


@dataclass(frozen=True)
class RecipeRow:
    recipe: Recipe
    needs: list[str]  # apps' names whose catalog lacks a trigger or action it uses
    unconnected: list[str]  # apps' names to connect before it can be turned on
    words: str

    @property
    def available(self) -> bool:
        return not self.needs


def recipes_for_firm(*, firm_id: int) -> list[RecipeRow]:
    connected = apps_connected(firm_id)
    rows = []
    for r in RECIPES:
        missing = recipe_missing(r)
        then = ", then ".join(action_words(s["action"]) for s in r.steps)
        rows.append(
            RecipeRow(
                r,
                [registry.APPS.get(a, a) for a in missing],
                [registry.APPS.get(a, a) for a in r.apps if a not in connected],
                f"When {trigger_words(r.trigger)}: {then}.",
            )
        )
    return rows


def _fitting_steps(recipe: Recipe, firm_id: int) -> list[dict]:
    """The recipe's steps, keeping each mapping that fits the catalog: a field the action has,
    naming fields the trigger and earlier steps give."""
    steps: list[dict] = []
    for step in recipe.steps:
        kept = dict(step["inputs"])
        steps.append({**step, "inputs": kept})
        problems = automation_problems(
            firm_id=firm_id,
            name=recipe.name,
            trigger=recipe.trigger,
            conditions=[dict(c) for c in recipe.conditions],
            steps=steps,
            complete=False,
        )
        for key in list(kept):
            if f"steps.{len(steps)}.inputs.{key}" in problems:
                del kept[key]
    return steps


def _fitting_conditions(recipe: Recipe, firm_id: int) -> list[dict]:
    """The recipe's conditions on fields its trigger has."""
    conditions = [dict(c) for c in recipe.conditions]
    problems = automation_problems(
        firm_id=firm_id,
        name=recipe.name,
        trigger=recipe.trigger,
        conditions=conditions,
        steps=[],
        complete=False,
    )
    return [c for n, c in enumerate(conditions, start=1) if f"conditions.{n}" not in problems]


@transaction.atomic
def recipe_start(*, member: Membership, key: str, ip: str | None = None) -> Automation:
    """A draft automation from the recipe, off, owned by the member."""
    recipe = BY_KEY.get(key)
    if recipe is None:
        raise ValidationError({"recipe": "No such recipe."})
    missing = recipe_missing(recipe)
    if missing:
        names = ", ".join(registry.APPS.get(a, a) for a in missing)
        raise ValidationError({"recipe": f"This recipe needs {names}, which is not available yet."})
    return services.automation_create(
        member=member,
        name=recipe.name,
        trigger=recipe.trigger,
        steps=_fitting_steps(recipe, member.firm_id),
        conditions=_fitting_conditions(recipe, member.firm_id),
        recipe=recipe.key,
        complete=False,
        ip=ip,
    )
