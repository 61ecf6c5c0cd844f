"""Bills and their line items: totals, states and the transitions Clio allows.

States (spec `Bill_base.state`): draft, awaiting_approval, awaiting_payment, paid, void, deleted.
Approving is `PATCH {"state": "awaiting_payment"}`. `DELETE /bills/{id}` works only while nothing
has been paid: a draft or pending-approval bill becomes `deleted`, an unpaid one `void` (204).
Line items can be edited or removed only while the bill `can_update`; every change recomputes the
bill's totals, `updated_at` and `etag`, as in Clio.
"""

from datetime import date, timedelta
from decimal import Decimal

from sandbox.clio import store
from sandbox.clio.models import Account, Record
from sandbox.clio.resources import clean, next_seq
from sandbox.clio.store import ApiError, money, num

TRANSITIONS = {
    "draft": ["awaiting_approval", "awaiting_payment", "deleted"],
    "awaiting_approval": ["awaiting_payment", "deleted"],
    "awaiting_payment": ["void"],
    "paid": [],
    "void": [],
    "deleted": [],
}
EDITABLE = {"draft", "awaiting_approval", "awaiting_payment"}
PATCHABLE = {
    "issued_at",
    "due_at",
    "number",
    "memo",
    "subject",
    "purchase_order",
    "tax_rate",
    "secondary_tax_rate",
    "discount",
    "state",
}
LINE_PATCHABLE = {"description", "date", "price", "quantity", "kind", "taxable", "note"}


def lines_of(bill: Record):
    return Record.objects.filter(
        account_id=bill.account_id, type="line_item", deleted=False, parent_id=bill.id
    ).order_by("pk")


def allocations_of(bill: Record):
    return Record.objects.filter(
        account_id=bill.account_id, type="allocation", parent_id=bill.id, data__voided_at=None
    )


def totals(data: dict, lines: list[dict], allocations: list[dict]) -> dict:
    """The bill's money fields from its lines and allocations (pure, Decimal throughout)."""
    services = sum(
        (money(line["total"]) for line in lines if line.get("kind") == "Service"), Decimal(0)
    )
    sub_total = sum((money(line["total"]) for line in lines), Decimal(0))
    taxable = sum((money(line["total"]) for line in lines if line.get("taxable")), Decimal(0))
    discount = _discount(data.get("discount") or {}, sub_total)
    tax = (taxable * money(data.get("tax_rate")) / 100).quantize(store.CENT)
    tax2 = (taxable * money(data.get("secondary_tax_rate")) / 100).quantize(store.CENT)
    total = sub_total - discount + tax + tax2
    paid = sum((money(a["amount"]) for a in allocations if _kind(a) == "Payment"), Decimal(0))
    credits = sum((money(a["amount"]) for a in allocations if _kind(a) == "CreditMemo"), Decimal(0))
    balance = total - paid - credits
    return {
        "services_sub_total": num(services),
        "sub_total": num(sub_total),
        "taxable_sub_total": int(taxable),  # the spec types these subtotals as integers
        "tax_sum": num(tax),
        "secondary_tax_sum": num(tax2),
        "total_tax": num(tax + tax2),
        "total": num(total),
        "paid": num(paid),
        "credits_issued": num(credits),
        "balance": num(balance),
        "due": num(balance),
        "pending": 0.0,
    }


def _kind(allocation: dict) -> str:
    return (allocation.get("parent") or {}).get("type", "Payment")


def _discount(discount: dict, sub_total: Decimal) -> Decimal:
    rate = money(discount.get("rate"))
    if discount.get("type") == "percentage":
        return (sub_total * rate / 100).quantize(store.CENT)
    return rate


def refresh(bill: Record, changes: dict | None = None) -> Record:
    """Recompute a bill after any change; moves an unpaid bill with nothing due to paid."""
    data = {**bill.data, **(changes or {})}
    lines = [r.data for r in lines_of(bill)]
    allocs = [r.data for r in allocations_of(bill)]
    data.update(totals(data, lines, allocs))
    if data["state"] == "awaiting_payment" and money(data["balance"]) <= 0 < money(data["total"]):
        data["state"] = "paid"
        data["paid_at"] = max((a["date"] for a in allocs), default=None)
    data["can_update"] = data["state"] in EDITABLE and not allocs
    data["available_state_transitions"] = _transitions(data["state"], bool(allocs))
    data["balances"] = _balances(data)
    return store.update(bill, data)


def _transitions(state: str, has_allocations: bool) -> list[str]:
    return [] if has_allocations and state == "awaiting_payment" else TRANSITIONS[state]


def _balances(data: dict) -> list[dict]:
    matter = (data.get("matters") or [{}])[0]
    return [
        {
            "id": matter.get("id"),
            "amount": data["balance"],
            "type": "Matter",
            "interest_amount": 0.0,
            "due": data["due"],
        }
    ]


# -- API: PATCH / DELETE bills --------------------------------------------------------------


def bill_patch(ctx, bill: Record, data: dict) -> Record:
    unknown = set(data) - PATCHABLE
    if unknown:
        raise ApiError(400, "BadRequest", f"Unpermitted parameters: {', '.join(sorted(unknown))}.")
    new_state = data.pop("state", None)
    if data and not bill.data.get("can_update"):
        raise ApiError(422, "ValidationError", "This bill can no longer be updated.")
    if new_state and new_state != bill.data["state"]:
        return transition(bill, new_state, data)
    return refresh(bill, data)


def bill_delete(ctx, bill: Record) -> None:
    state = bill.data["state"]
    if allocations_of(bill).exists() or state not in EDITABLE:
        raise ApiError(422, "ValidationError", "Only unpaid bills without payments can be deleted.")
    transition(bill, "void" if state == "awaiting_payment" else "deleted")


def transition(bill: Record, new_state: str, changes: dict | None = None) -> Record:
    """Move a bill along Clio's allowed transitions, or answer 422."""
    allowed = bill.data.get("available_state_transitions") or TRANSITIONS[bill.data["state"]]
    if new_state not in allowed:
        raise ApiError(
            422, "ValidationError", f"Bill can't move from {bill.data['state']} to {new_state}."
        )
    changes = dict(changes or {})
    changes["state"] = new_state
    if new_state == "awaiting_payment":
        changes.setdefault("issued_at", bill.data.get("issued_at") or date.today().isoformat())
        _mark_activities(bill, billed=True)
    if new_state in ("void", "deleted"):
        _release_activities(bill)
    return refresh(bill, changes)


def _activities(bill: Record):
    ids = [(line.data.get("activity") or {}).get("id") for line in lines_of(bill)]
    return Record.objects.filter(account_id=bill.account_id, type="activity", pk__in=ids)


def _mark_activities(bill: Record, *, billed: bool) -> None:
    for record in _activities(bill):
        store.update(record, {"billed": billed})


def _release_activities(bill: Record) -> None:
    for record in _activities(bill):
        store.update(record, {"billed": False, "on_bill": False, "bill": None})


# -- line items ------------------------------------------------------------------------------


def _editable_bill(ctx, line: Record) -> Record:
    bill = store.get(ctx.account, "bill", line.data["bill"]["id"], lock=True)
    if not bill.data.get("can_update"):
        raise ApiError(422, "ValidationError", "The bill of this line item can't be updated.")
    return bill


def line_patch(ctx, line: Record, data: dict) -> Record:
    bill = _editable_bill(ctx, line)
    changes = {k: v for k, v in clean(ctx.account, "LineItem", data).items() if k in LINE_PATCHABLE}
    line = store.update(line, line_fill({**line.data, **changes}))
    refresh(bill)
    return line


def line_delete(ctx, line: Record) -> None:
    bill = _editable_bill(ctx, line)
    activity = (line.data.get("activity") or {}).get("id")
    store.destroy(line)
    if activity:
        record = store.get(ctx.account, "activity", activity)
        store.update(record, {"on_bill": False, "bill": None})
    refresh(bill)


def line_fill(data: dict) -> dict:
    total = (money(data.get("price")) * Decimal(str(data.get("quantity") or 0))).quantize(
        store.CENT
    )
    data.update(total=num(total), sub_total=num(total), tax=0.0, secondary_tax=0.0)
    return data


# -- generating a bill (what a firm member does in Clio's UI) --------------------------------


def generate_bill(account: Account, matter: Record, user_id: int, *, issued: date | None = None):
    """A draft bill from the matter's unbilled, billable activities."""
    activities = Record.objects.filter(
        account=account,
        type="activity",
        deleted=False,
        parent_id=matter.id,
        data__on_bill=False,
        data__billed=False,
        data__non_billable=False,
    ).order_by("pk")
    if not activities:
        raise ApiError(422, "ValidationError", "This matter has no unbilled activities.")
    issued = issued or date.today()
    bill = store.create(account, "bill", new_bill_data(account, matter, user_id, issued))
    for i, activity in enumerate(activities):
        store.create(account, "line_item", line_from_activity(bill, activity, i))
        store.update(activity, {"on_bill": True, "bill": {"id": bill.id}})
    return refresh(bill)


def new_bill_data(account: Account, matter: Record, user_id: int, issued: date, number=None):
    return {
        "number": str(number or next_seq(f"bill:{account.id}")),
        "issued_at": issued.isoformat(),
        "due_at": (issued + timedelta(days=30)).isoformat(),
        "type": "MatterBill",
        "kind": "revenue_kind",
        "state": "draft",
        "subject": matter.data.get("description"),
        "memo": None,
        "purchase_order": None,
        "tax_rate": 0.0,
        "secondary_tax_rate": 0.0,
        "discount": {"rate": 0.0, "type": "percentage", "note": None},
        "paid_at": None,
        "shared": False,
        "last_sent_at": None,
        "client": matter.data["client"],
        "matters": [{"id": matter.id}],
        "_matter_key": f"|{matter.id}|",
        "user": {"id": user_id},
        "currency": {"id": 1, "code": "USD", "sign": "$"},
        "can_update": True,
        "available_state_transitions": TRANSITIONS["draft"],
    }


def line_from_activity(bill: Record, activity: Record, order: int) -> dict:
    a = activity.data
    service = a["type"] == "TimeEntry"
    return line_fill(
        {
            "type": "ActivityLineItem",
            "description": a.get("note") or ("Legal services" if service else "Expense"),
            "date": a["date"],
            "price": a["price"],
            "quantity": a["quantity_in_hours"] if service else a.get("quantity", 1),
            "kind": "Service" if service else "Expense",
            "taxable": False,
            "secondary_taxable": False,
            "note": a.get("note"),
            "group_ordering": order,
            "bill": {"id": bill.id},
            "activity": {"id": activity.id},
            "matter": a["matter"],
            "user": a.get("user"),
        }
    )
