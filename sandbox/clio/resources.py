"""Create, update and delete for each resource, with the rules the spec and docs state.

Required fields come from each POST's request schema in the spec (`data.required`); a missing one
is a 422 as Clio answers it. Bills and line items live in billing.py, webhooks in webhooks.py.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F

from sandbox.clio import custom_fields, documents, store, tasks
from sandbox.clio.models import Account, Record, Sequence
from sandbox.clio.spec import NESTED_TYPES, RESOURCES, schema_fields, spec
from sandbox.clio.store import ApiError, money, num

READ_ONLY = {"id", "etag", "created_at", "updated_at"}


def next_seq(name: str, start: int = 1) -> int:
    """A sandbox-wide counter (nested ids such as email addresses, matter and bill numbers)."""
    row, _ = Sequence.objects.select_for_update().get_or_create(
        name=name, defaults={"value": start - 1}
    )
    Sequence.objects.filter(pk=row.pk).update(value=F("value") + 1)
    row.refresh_from_db()
    return row.value


def required_fields(path: str) -> list[str]:
    body = spec()["paths"][f"/{path}.json"]["post"]["requestBody"]["content"]["application/json"]
    return body["schema"]["properties"]["data"].get("required", [])


def clean(account: Account, schema: str, data: dict) -> dict:
    """Keep the schema's fields; check `{id}` references point at this account's records."""
    fields = schema_fields(schema)
    out = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None or key in READ_ONLY:
            continue
        target = NESTED_TYPES.get(field.nested or "")
        if target and isinstance(value, dict) and "id" in value:
            value = {"id": store.get(account, target, value["id"]).id}
        out[key] = value
    return out


def _missing(path: str, data: dict, skip=()) -> None:
    for name in required_fields(path):
        if name not in skip and data.get(name) in (None, "", []):
            raise ApiError(422, "ValidationError", f"{name} can't be blank.")


# -- generic --------------------------------------------------------------------------------


def generic_create(path: str, extra: Callable | None = None):
    def create(ctx, data):
        res = RESOURCES[path]
        _missing(path, data, skip=_SKIP_REQUIRED.get(path, ()))
        clean_data = clean(ctx.account, res.schema, data)
        if extra:
            clean_data = extra(ctx, clean_data, data)
        return store.create(ctx.account, res.type, clean_data)

    return create


def generic_update(path: str, extra: Callable | None = None):
    def update(ctx, record, data):
        changes = clean(ctx.account, RESOURCES[path].schema, data)
        if extra:
            changes = extra(ctx, record, changes, data)
        return store.update(record, changes)

    return update


def generic_delete(ctx, record):
    store.destroy(record)


# The spec marks some fields required that Clio documents as alternatives (a note belongs to a
# matter *or* a contact); those are checked by hand below instead.
_SKIP_REQUIRED = {"notes": ("contact", "matter"), "contacts": ("name",)}


@dataclass
class Hooks:
    create: Callable
    update: Callable
    delete: Callable = generic_delete


# -- contacts -------------------------------------------------------------------------------


def _contact_extra(ctx, out, data):
    if out.get("type") not in ("Person", "Company"):
        raise ApiError(422, "ValidationError", "Type must be Person or Company.")
    return custom_fields.values_apply(ctx.account, "Contact", [], contact_fill(out))


def contact_fill(out: dict) -> dict:
    """Derive name, primary email/phone and sub-record ids as Clio serves them."""
    if out["type"] == "Person":
        first, last = out.get("first_name") or "", out.get("last_name") or ""
        if not (first or last):
            # Contacts tag: "At least one of first name or last name must be provided".
            raise ApiError(
                422, "ValidationError", "At least one of first name or last name must be provided"
            )
        out["name"] = " ".join(p for p in (first, last) if p)
    elif not out.get("name"):
        raise ApiError(422, "ValidationError", "Name can't be blank.")
    out["email_addresses"] = [_sub(e, "default_email") for e in out.get("email_addresses") or []]
    out["phone_numbers"] = [_sub(p, "default_number") for p in out.get("phone_numbers") or []]
    out["addresses"] = [_sub(a, None) for a in out.get("addresses") or []]
    out["primary_email_address"] = _primary(out["email_addresses"], "address")
    out["primary_phone_number"] = _primary(out["phone_numbers"], "number")
    out.setdefault("is_client", False)
    return out


def _sub(item: dict, default_key: str | None) -> dict:
    item = dict(item)
    item.setdefault("id", next_seq("sub", 1_000_000))
    if default_key:
        item["primary"] = bool(item.pop(default_key, item.get("primary", False)))
    return item


def _primary(items: list, key: str):
    chosen = next((i for i in items if i.get("primary")), items[0] if items else None)
    return chosen.get(key) if chosen else None


def _contact_update(ctx, record, changes, data):
    for key in ("email_addresses", "phone_numbers", "addresses"):
        if key in changes:
            changes[key] = _merge_collection(record.data.get(key) or [], changes[key])
    current = record.data.get("custom_field_values") or []
    changes = custom_fields.values_apply(ctx.account, "Contact", current, changes)
    return contact_fill({**record.data, **changes})


def _merge_collection(current: list[dict], edits: list[dict]) -> list[dict]:
    """Nested collections in PATCH: `{id, ...}` edits one, `{id, _destroy: true}` removes it,
    an item without `id` is added; items not mentioned stay (Contacts tag text)."""
    by_id = {item["id"]: dict(item) for item in current}
    added = []
    for edit in edits if isinstance(edits, list) else []:
        rid = edit.get("id")
        if rid is None:
            added.append({k: v for k, v in edit.items() if k != "_destroy"})
        elif rid in by_id and edit.get("_destroy") in (True, "true", "1"):
            del by_id[rid]
        elif rid in by_id:
            by_id[rid].update({k: v for k, v in edit.items() if k != "_destroy"})
        else:
            raise ApiError(404, "NotFound", f"Could not find nested record with id {rid}.")
    return list(by_id.values()) + added


def _contact_delete(ctx, record):
    used = Record.objects.filter(
        account=ctx.account, type="matter", deleted=False, data__client__id=record.id
    )
    if used.exists():
        raise ApiError(
            422, "ValidationError", "A contact that is a matter's client can't be deleted."
        )
    store.destroy(record)


# -- matters --------------------------------------------------------------------------------


def _matter_extra(ctx, out, data):
    out = custom_fields.values_apply(ctx.account, "Matter", [], out)
    return matter_fill(ctx.account, out)


def _matter_create(ctx, data):
    """A matter, and the tasks of each task template list assigned in the same request."""
    plans = []
    if "task_template_list_instances" in data:
        instances, plans = tasks.instances_plan(ctx, data["task_template_list_instances"])
        data = {**data, "task_template_list_instances": instances}
    matter = generic_create("matters", _matter_extra)(ctx, data)
    tasks.instances_create_tasks(ctx, matter, plans)
    return matter


def _matter_update(ctx, record, data):
    plans = []
    if "task_template_list_instances" in data:
        added, plans = tasks.instances_plan(ctx, data["task_template_list_instances"])
        current = record.data.get("task_template_list_instances") or []
        data = {**data, "task_template_list_instances": current + added}
    current = record.data.get("custom_field_values") or []
    matter = generic_update(
        "matters",
        lambda c, r, changes, d: custom_fields.values_apply(c.account, "Matter", current, changes),
    )(ctx, record, data)
    tasks.instances_create_tasks(ctx, matter, plans)
    return matter


def matter_fill(account: Account, out: dict, *, number: int | None = None) -> dict:
    client = store.get(account, "contact", out["client"]["id"])
    out.setdefault("status", "Open")
    out["number"] = number or next_seq(f"matter:{account.id}")
    surname = client.data.get("last_name") or client.data.get("name")
    # Clio's default matter numbering: five-digit number, dash, client's last name.
    out.setdefault("display_number", f"{out['number']:05d}-{surname}")
    out.setdefault("billable", True)
    out.setdefault("billing_method", "hourly")
    out.setdefault("open_date", out.get("open_date"))
    if not client.data.get("is_client"):
        store.update(client, {"is_client": True})
    return out


# -- activities -----------------------------------------------------------------------------


def activity_fill(out: dict) -> dict:
    """Totals: a TimeEntry's `quantity` is seconds (since 4.0.4) at an hourly `price`."""
    price = money(out.get("price"))
    if out["type"] == "TimeEntry":
        seconds = int(out.get("quantity") or 0)
        hours = round(seconds / 3600, 4)
        out.update(quantity=seconds, quantity_in_hours=hours, rounded_quantity=seconds)
        out["rounded_quantity_in_hours"] = hours
        total = (price * Decimal(seconds) / Decimal(3600)).quantize(store.CENT)
    else:
        quantity = out.get("quantity") or 1
        out.update(quantity=quantity, quantity_in_hours=0, rounded_quantity_in_hours=0)
        total = (price * money(quantity)).quantize(store.CENT)
    out["price"], out["total"] = num(price), num(total)
    for flag in ("billed", "on_bill", "non_billable", "no_charge", "flat_rate"):
        out.setdefault(flag, False)
    out["non_billable_total"] = out["total"] if out["non_billable"] else 0.0
    out.setdefault("tax_setting", "no_tax")
    return out


def _activity_extra(ctx, out, data):
    out.setdefault("user", {"id": ctx.user_id})
    if out["type"] not in ("TimeEntry", "ExpenseEntry", "HardCostEntry", "SoftCostEntry"):
        raise ApiError(422, "ValidationError", "Type is not a valid activity type.")
    return activity_fill(out)


def _activity_update(ctx, record, changes, data):
    if record.data.get("billed"):
        raise ApiError(422, "ValidationError", "A billed activity can't be changed.")
    return activity_fill({**record.data, **changes})


def _activity_delete(ctx, record):
    if record.data.get("billed") or record.data.get("on_bill"):
        raise ApiError(422, "ValidationError", "An activity on a bill can't be deleted.")
    store.destroy(record)


# -- bank accounts, trust requests -----------------------------------------------------------


def _bank_account_extra(ctx, out, data):
    if out.get("type") not in ("Operating", "Trust"):
        raise ApiError(422, "ValidationError", "Type must be Operating or Trust.")
    out.setdefault("name", f"{out['type']} Account")
    out["balance"] = 0.0
    out.setdefault("default_account", False)
    return out


def _bank_account_update(ctx, record, changes, data):
    changes.pop("balance", None)  # balances are summed from transactions, never typed in
    changes.pop("type", None)
    return changes


def _bank_account_delete(ctx, record):
    used = Record.objects.filter(
        account=ctx.account, type="bank_transaction", data__bank_account_id=record.id
    )
    if used.exists():
        raise ApiError(422, "ValidationError", "A bank account with transactions can't be deleted.")
    store.destroy(record)


def _trust_request_create(ctx, data):
    _missing("trust_requests", data)
    if data.get("trust_type") not in ("client", "matter"):
        raise ApiError(422, "ValidationError", "trust_type must be client or matter.")
    store.get(ctx.account, "contact", data.get("client_id"))
    kept = {k: data[k] for k in [*required_fields("trust_requests"), "matter", "note"] if k in data}
    return store.create(ctx.account, "trust_request", {**kept, "_status": "open"})


def _folder_delete(ctx, record):
    """409 Conflict (listed for DELETE /folders in the spec) while the folder holds anything."""
    children = Record.objects.filter(
        account=ctx.account,
        type__in=("folder", "document"),
        deleted=False,
        data__parent__id=record.id,
    )
    if children.exists():
        raise ApiError(409, "Conflict", "The folder is not empty.")
    store.destroy(record)


def _base_url(ctx) -> str:
    return ctx.request.build_absolute_uri("/")


def hooks(resource) -> Hooks:
    from sandbox.clio import billing, webhooks
    from sandbox.clio import matter_records as mr

    special = {
        "contacts": Hooks(
            generic_create("contacts", _contact_extra),
            generic_update("contacts", _contact_update),
            _contact_delete,
        ),
        "matters": Hooks(_matter_create, _matter_update),
        "activities": Hooks(
            generic_create("activities", _activity_extra),
            generic_update("activities", _activity_update),
            _activity_delete,
        ),
        "bank_accounts": Hooks(
            generic_create("bank_accounts", _bank_account_extra),
            generic_update("bank_accounts", _bank_account_update),
            _bank_account_delete,
        ),
        "trust_requests": Hooks(_trust_request_create, None),
        "notes": Hooks(
            generic_create("notes", mr.note_extra), generic_update("notes", mr.note_update)
        ),
        "calendar_entries": Hooks(
            generic_create("calendar_entries", mr.calendar_entry_extra),
            generic_update("calendar_entries", mr.calendar_entry_update),
        ),
        "communications": Hooks(
            generic_create("communications", mr.communication_extra),
            generic_update("communications", mr.communication_update),
        ),
        "tasks": Hooks(
            generic_create("tasks", tasks.task_extra), generic_update("tasks", tasks.task_update)
        ),
        "task_template_lists": Hooks(
            generic_create("task_template_lists", tasks.list_extra),
            generic_update("task_template_lists", tasks.list_update),
            tasks.list_delete,
        ),
        "task_templates": Hooks(
            tasks.template_create,
            generic_update("task_templates", tasks.template_update),
            tasks.template_delete,
        ),
        "custom_fields": Hooks(
            generic_create("custom_fields", custom_fields.field_extra),
            generic_update("custom_fields", custom_fields.field_update),
        ),
        "folders": Hooks(documents.folder_create, documents.folder_update, _folder_delete),
        "documents": Hooks(
            lambda ctx, data: documents.document_create(ctx, data, base_url=_base_url(ctx)),
            lambda ctx, record, data: documents.document_update(
                ctx, record, data, base_url=_base_url(ctx)
            ),
        ),
        "bills": Hooks(None, billing.bill_patch, billing.bill_delete),
        "line_items": Hooks(None, billing.line_patch, billing.line_delete),
        "webhooks": Hooks(webhooks.api_create, webhooks.api_update, webhooks.api_delete),
    }
    path = resource.path
    return special.get(path) or Hooks(generic_create(path), generic_update(path))


def outstanding_balances(account: Account, params) -> list[Record]:
    """One row per client with unpaid bills (computed, as Clio computes it)."""
    bills = Record.objects.filter(
        account=account, type="bill", deleted=False, data__state="awaiting_payment"
    )
    rows: dict[int, Record] = {}
    for bill in bills:
        cid = bill.data["client"]["id"]
        row = rows.setdefault(cid, _balance_row(account, cid, bill))
        row.data["total_outstanding_balance"] = num(
            money(row.data["total_outstanding_balance"]) + money(bill.data.get("due"))
        )
        row.data["outstanding_bills"].append({"id": bill.id})
        row.data["associated_matter_ids"].extend(m["id"] for m in bill.data.get("matters", []))
        row.updated_at = max(row.updated_at, bill.updated_at)
    contact_id = params.get("contact_id")
    return [r for r in rows.values() if not contact_id or str(r.pk) == contact_id]


def _balance_row(account, cid, bill) -> Record:
    data = {
        "contact": {"id": cid},
        "total_outstanding_balance": 0.0,
        "outstanding_bills": [],
        "associated_matter_ids": [],
        "pending_payments_total": 0.0,
        "reminders_enabled": False,
    }
    return Record(
        pk=cid,
        account=account,
        type="outstanding_client_balance",
        data=data,
        etag=bill.etag,
        created_at=bill.created_at,
        updated_at=bill.updated_at,
    )
