"""The Clio OpenAPI document (v4, saved 2025) and what the sandbox derives from it.

The `fields` parameter accepts exactly the properties of the resource's response schema, and a
nested resource exactly those of its `*_base` schema ("For a complete list of each endpoint's
available fields, refer to the Response section", https://docs.developers.clio.com/api-docs/fields),
so the catalogue is read from the spec rather than typed by hand. The file is kept gzipped beside
this module; it is read once per process.
"""

import gzip
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent / "spec" / "clio_manage_api_v4_openapi.json.gz"


@cache
def spec() -> dict:
    with gzip.open(SPEC_PATH, "rt", encoding="utf-8") as fh:
        return json.load(fh)


@dataclass(frozen=True)
class Field:
    name: str
    nested: str | None = None  # schema name of a nested object (or of an array's items)
    many: bool = False


@cache
def schema_fields(schema_name: str) -> dict[str, Field]:
    """Every property of a component schema (following allOf), with the nested schema it names."""
    schemas = spec()["components"]["schemas"]
    out: dict[str, Field] = {}
    parts = schemas[schema_name].get("allOf", [schemas[schema_name]])
    for part in parts:
        if "$ref" in part:
            out.update(schema_fields(part["$ref"].rsplit("/", 1)[-1]))
            continue
        for name, prop in part.get("properties", {}).items():
            out[name] = _field(name, prop)
    return out


def _field(name: str, prop: dict) -> Field:
    if "$ref" in prop:
        return Field(name, prop["$ref"].rsplit("/", 1)[-1])
    items = prop.get("items", {})
    if prop.get("type") == "array" and "$ref" in items:
        return Field(name, items["$ref"].rsplit("/", 1)[-1], many=True)
    return Field(name)


@dataclass(frozen=True)
class Resource:
    path: str  # the URL segment: "bills"
    type: str  # Record.type: "bill"
    schema: str  # response schema: "Bill"
    methods: frozenset  # of "list", "show", "create", "update", "delete"
    webhook_model: str | None = None


_ALL = frozenset({"list", "show", "create", "update", "delete"})
_READ = frozenset({"list", "show"})

# Operations as the spec lists them (paths section); e.g. bills have no POST, allocations and
# credit memos are read-only, trust_requests are POST-only, bank_transfers are GET-by-id only.
RESOURCES = {
    r.path: r
    for r in [
        Resource("users", "user", "User", _READ),
        Resource("contacts", "contact", "Contact", _ALL, "contact"),
        Resource("matters", "matter", "Matter", _ALL, "matter"),
        Resource("activities", "activity", "Activity", _ALL, "activity"),
        Resource("bills", "bill", "Bill", frozenset({"list", "show", "update", "delete"}), "bill"),
        Resource("line_items", "line_item", "LineItem", frozenset({"list", "update", "delete"})),
        Resource("allocations", "allocation", "Allocation", _READ),
        Resource("credit_memos", "credit_memo", "CreditMemo", _READ),
        Resource("bank_accounts", "bank_account", "BankAccount", _ALL),
        Resource("bank_transactions", "bank_transaction", "BankTransaction", _READ),
        Resource("bank_transfers", "bank_transfer", "BankTransfer", frozenset({"show"})),
        Resource("trust_requests", "trust_request", "TrustRequest", frozenset({"create"})),
        Resource(
            "outstanding_client_balances",
            "outstanding_client_balance",
            "OutstandingClientBalance",
            frozenset({"list"}),
        ),
        Resource("webhooks", "webhook", "Webhook", _ALL),
        Resource("calendar_entries", "calendar_entry", "CalendarEntry", _ALL, "calendar_entry"),
        Resource("tasks", "task", "Task", _ALL, "task"),
        Resource("notes", "note", "Note", _ALL),
        Resource("communications", "communication", "Communication", _ALL, "communication"),
        Resource("documents", "document", "Document", _ALL, "document"),
        Resource("folders", "folder", "Folder", _ALL, "folder"),
        Resource("task_template_lists", "task_template_list", "TaskTemplateList", _ALL),
        Resource("task_templates", "task_template", "TaskTemplate", _ALL),
        Resource("custom_fields", "custom_field", "CustomField", _ALL),
        Resource(
            "clio_payments/payments",
            "clio_payments_payment",
            "ClioPaymentsPayment",
            _READ,
            "clio_payments_payment",
        ),
    ]
}
BY_TYPE = {r.type: r for r in RESOURCES.values()}

# Which stored record type a nested schema points at, so `{"id": N}` references can be resolved.
NESTED_TYPES = {
    "Contact_base": "contact",
    "Matter_base": "matter",
    "User_base": "user",
    "Bill_base": "bill",
    "Activity_base": "activity",
    "BankAccount_base": "bank_account",
    "Allocation_base": "allocation",
    "CreditMemo_base": "credit_memo",
    "Payment_base": "payment",
    "BankTransaction_base": "bank_transaction",
    "Task_base": "task",
    "TaskTemplateList_base": "task_template_list",
    "CustomField": "custom_field",
    "Document_base": "document",
    "DocumentVersion": "document_version",
    "DocumentVersion_base": "document_version",
    "Folder_base": "folder",
    "LinkedFolder_base": "folder",
    "ClioCreator_base": "user",
    # An activity's links to what it was recorded against (time on a task, a call, a note).
    "Activity_Task_base": "task",
    "Activity_CalendarEntry_base": "calendar_entry",
    "Communication_base": "communication",
    "Note_base": "note",
}
# Polymorphic parents (an allocation's Payment or CreditMemo) name their type in the reference.
POLYMORPHIC_TYPES = {"Payment": "payment", "CreditMemo": "credit_memo"}


# The Manage access permission each resource needs (API_NOTES §1.1, docs "Permissions"). Billing
# covers bills, line items and trust requests; bank accounts, transactions and transfers are
# Accounting. Which permission guards allocations and credit memos is not documented: Billing here.
PERMISSIONS = {
    "users": "users",
    "contacts": "contacts",
    "matters": "matters",
    "activities": "activities",
    "bills": "billing",
    "line_items": "billing",
    "trust_requests": "billing",
    "outstanding_client_balances": "billing",
    "allocations": "billing",
    "credit_memos": "billing",
    "bank_accounts": "accounting",
    "bank_transactions": "accounting",
    "bank_transfers": "accounting",
    "webhooks": "webhooks",
    "calendar_entries": "calendars",
    "tasks": "tasks",
    "task_template_lists": "tasks",
    "task_templates": "tasks",
    "custom_fields": "custom_fields",
    "notes": "general",
    "communications": "communications",
    "documents": "documents",
    "folders": "documents",
    "clio_payments/payments": "clio_payments",
}
WEBHOOK_MODEL_PERMISSIONS = {
    "matter": "matters",
    "activity": "activities",
    "bill": "billing",
    "calendar_entry": "calendars",
    "communication": "communications",
    "contact": "contacts",
    "task": "tasks",
    "document": "documents",
    "folder": "documents",
    "clio_payments_payment": "clio_payments",
}
