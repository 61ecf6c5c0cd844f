"""QuickBooks Online triggers: each polls with one query on MetaData.CreateTime (new records) or
MetaData.LastUpdatedTime (updated customers), oldest first; webhooks on the same entity names
only make the engine poll sooner (Intuit: webhooks, with CDC or queries as the safety net).

Every event's data has one shape: `id`, `type` (the QuickBooks entity), `url`, `created_at`,
`updated_at`, the record under its own name (`invoice`, `bill`, `customer`, ...), and the
`customer` and `vendor` it belongs to ({"id", "name"}; the whole record for customer and vendor
triggers).

QuickBooks keeps MetaData times to the second, so `since` is cut down to its second and compared
with `>=`: a record made in the same second as the last one read is never missed, and the ones
read before come again with the same keys (the engine records each key once). More than `limit`
records made in one second would come back as the same page each time: a limit of at least 100
(three batches of 30) keeps clear of it.
"""

from datetime import datetime

from automations.catalog.base import Ctx, Event, Field, Trigger
from automations.catalog.quickbooks import records
from automations.catalog.quickbooks.calls import query
from automations.catalog.quickbooks.wire import parse_time, query_time, quote, web_url

NAME_LISTS = {"Customer", "Vendor", "Account"}
PARTY = (Field("id", "Id", "id"), Field("name", "Name"))
COMMON = (
    Field("id", "Id", "id"),
    Field("type", "QuickBooks entity"),
    Field("url", "Link"),
    Field("created_at", "Created", "datetime"),
    Field("updated_at", "Last updated", "datetime"),
)
LABELS = {
    "Invoice": "Invoice",
    "Estimate": "Estimate",
    "SalesReceipt": "Sales receipt",
    "Bill": "Bill",
    "Purchase": "Expense",
    "PurchaseOrder": "Purchase order",
    "Payment": "Payment",
    "Customer": "Customer",
    "Vendor": "Vendor",
    "Account": "Account",
}


def event_fields(entity: str) -> tuple[Field, ...]:
    noun, _, fields = records.SHAPES[entity]
    out = [*COMMON, *(_under(noun, f) for f in fields)]
    for party in ("customer", "vendor"):
        if party != noun:
            out.extend(_under(party, f) for f in PARTY)
    return tuple(out)


def _under(prefix: str, f: Field) -> Field:
    return Field(f"{prefix}.{f.key}", f.label, f.type, help=f.help, fields=f.fields)


def event_data(ctx: Ctx, entity: str, raw: dict) -> dict:
    noun = records.SHAPES[entity][0]
    flat = records.flat(entity, raw)
    data = {
        "id": flat["id"],
        "type": entity,
        "url": web_url(ctx.web_base, entity, flat["id"]),
        "created_at": flat.get("created_at", ""),
        "updated_at": flat.get("updated_at", ""),
        "customer": {"id": flat.get("customer_id", ""), "name": flat.get("customer_name", "")},
        "vendor": {"id": flat.get("vendor_id", ""), "name": flat.get("vendor_name", "")},
    }
    if flat.get("payee_type") == "Customer":  # an expense paid to (or refunded to) a customer
        data["customer"] = {"id": flat["payee_id"], "name": flat["payee_name"]}
    data[noun] = flat
    return data


def summary(entity: str, flat: dict, updated: bool = False) -> str:
    label = LABELS[entity]
    if entity in NAME_LISTS:
        kind = f" ({flat['type']})" if entity == "Account" else ""
        return f"{label} {flat['name']}{kind} {'updated' if updated else 'added'}"
    who = flat.get("customer_name") or flat.get("vendor_name") or flat.get("payee_name") or ""
    if entity == "Payment":
        return f"Payment {flat['total']}" + (f" from {who}" if who else "")
    number = flat.get("number") or f"#{flat['id']}"
    return f"{label} {number}" + (f" for {who}" if who else "") + f", {flat['total']}"


def _event(ctx: Ctx, entity: str, raw: dict, *, updated: bool) -> Event:
    data = event_data(ctx, entity, raw)
    flat = data[records.SHAPES[entity][0]]
    meta = raw.get("MetaData") or {}
    when = parse_time(str(meta.get("LastUpdatedTime" if updated else "CreateTime") or ""))
    key = flat["id"] if not updated else f"{flat['id']}:{flat['sync_token']}:{data['updated_at']}"
    return Event(
        key=key,
        data=data,
        occurred_at=when,
        record_id=flat["id"],
        record_url=data["url"],
        summary=summary(entity, flat, updated),
    )


def _where(entity: str, stamp: str, since: datetime) -> str:
    where = f"MetaData.{stamp} >= {quote(query_time(since))}"
    # Name lists hide inactive rows unless the WHERE names Active (data queries page).
    return where + (" AND Active IN (true, false)" if entity in NAME_LISTS else "")


def new_poll(entity: str):
    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    def poll(ctx: Ctx, since: datetime, limit: int) -> list[Event]:
        rows = query(
            ctx,
            entity,
            _where(entity, "CreateTime", since),
            order="MetaData.CreateTime",
            limit=limit,
        )
        return [_event(ctx, entity, row, updated=False) for row in rows[:limit]]

    return poll


UPDATED_PAGES = 5  # a burst of new customers is skipped over, page by page, up to this many


def updated_customer_poll(ctx: Ctx, since: datetime, limit: int) -> list[Event]:
    """Customers changed after `since` that existed before their change: SyncToken 0 is a
    customer never changed since it was made (new customers have their own trigger)."""
    events: list[Event] = []
    where, start = _where("Customer", "LastUpdatedTime", since), 1
    for _ in range(UPDATED_PAGES):
        page = max(limit, 100)
        rows = query(
            ctx, "Customer", where, order="MetaData.LastUpdatedTime", limit=page, start=start
        )
        changed = [r for r in rows if str(r.get("SyncToken", "0")) != "0"]
        events.extend(_event(ctx, "Customer", r, updated=True) for r in changed)
        if len(events) >= limit or len(rows) < page:
            break
        start += page
    return events[:limit]


def _new(key: str, entity: str, name: str, description: str) -> Trigger:
    return Trigger(
        app="quickbooks",
        key=key,
        name=name,
        description=description,
        fields=event_fields(entity),
        poll=new_poll(entity),
        wakes_on=(entity,),
    )


TRIGGERS: list[Trigger] = [
    _new("new_account", "Account", "New account", "Triggered when you add a new account."),
    _new("new_bill", "Bill", "New bill", "Triggers when a new bill is added (with its lines)."),
    _new("new_customer", "Customer", "New customer", "Triggered when you add a new customer."),
    _new("new_estimate", "Estimate", "New estimate", "Triggered when you add a new estimate."),
    _new(
        "new_expense",
        "Purchase",
        "New expense",
        "Triggers when a new expense (check, cash or credit card purchase) is added.",
    ),
    _new(
        "new_invoice",
        "Invoice",
        "New invoice",
        "Triggered when you add a new invoice (with line item support).",
    ),
    _new(
        "new_sales_receipt",
        "SalesReceipt",
        "New sales receipt",
        "Triggered when a new sales receipt is added (with line item support).",
    ),
    _new(
        "new_payment",
        "Payment",
        "New payment",
        "Triggered when a payment is received (with line item support).",
    ),
    _new(
        "new_purchase_order",
        "PurchaseOrder",
        "New purchase order",
        "Triggers when a new purchase order is added.",
    ),
    Trigger(
        app="quickbooks",
        key="updated_customer",
        name="Updated customer",
        description="Triggered when an existing customer is updated.",
        fields=event_fields("Customer"),
        poll=updated_customer_poll,
        wakes_on=("Customer",),
    ),
    _new("new_vendor", "Vendor", "New vendor", "Triggered when a new vendor is added."),
]
