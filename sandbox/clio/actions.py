"""`_control/actions`: what the firm's people do in Clio's web app, as one function each.

Every action goes through the same code as the API (store/billing/ledger), so `updated_at`, the
etag and webhooks change exactly as an API write would change them.
"""

from datetime import date

from sandbox.clio import billing, clio_payments, ledger, resources, store
from sandbox.clio.models import Account, Record
from sandbox.clio.store import ApiError
from sandbox.clio.work_actions import WORK_ACTIONS

BILL_MOVES = {
    "submit": "awaiting_approval",
    "approve": "awaiting_payment",
    "void": "void",
    "delete": "deleted",
}


def describe(record: Record) -> dict:
    """An action's result: the record as stored (private keys hidden) plus its columns."""
    data = {k: v for k, v in record.data.items() if not k.startswith("_")}
    return {
        "type": record.type,
        "id": record.id,
        "etag": record.etag,
        "updated_at": store.stamp(record.updated_at),
        "data": data,
    }


def _need(payload: dict, key: str):
    if payload.get(key) in (None, ""):
        raise ApiError(400, "BadRequest", f"{key} is required.")
    return payload[key]


def _owner(account: Account, payload: dict) -> int:
    if payload.get("user_id"):
        return store.get(account, "user", payload["user_id"]).id
    owner = (
        Record.objects.filter(account=account, type="user", deleted=False).order_by("pk").first()
    )
    if owner is None:
        raise ApiError(400, "BadRequest", "The account has no users.")
    return owner.id


def create_contact(account, p):
    kind = p.get("type", "Person")
    data = {
        "type": kind,
        "first_name": p.get("first_name"),
        "last_name": p.get("last_name"),
        "name": p.get("name"),
    }
    if p.get("email"):
        data["email_addresses"] = [{"name": "Work", "address": p["email"], "default_email": True}]
    if p.get("phone"):
        data["phone_numbers"] = [{"name": "Work", "number": p["phone"], "default_number": True}]
    return store.create(account, "contact", resources.contact_fill(data))


def update_contact(account, p):
    contact = store.get(account, "contact", _need(p, "contact_id"), lock=True)
    changes = {k: p[k] for k in ("first_name", "last_name", "name", "title", "prefix") if k in p}
    return store.update(contact, resources.contact_fill({**contact.data, **changes}))


def create_matter(account, p):
    data = {
        "client": {"id": store.get(account, "contact", _need(p, "client_id")).id},
        "description": _need(p, "description"),
        "status": p.get("status", "Open"),
        "open_date": p.get("open_date", date.today().isoformat()),
        "responsible_attorney": {
            "id": _owner(account, {"user_id": p.get("responsible_attorney_id")})
        },
    }
    return store.create(account, "matter", resources.matter_fill(account, data))


def update_matter(account, p):
    matter = store.get(account, "matter", _need(p, "matter_id"), lock=True)
    changes = {k: p[k] for k in ("description", "status", "close_date") if k in p}
    if changes.get("status") not in (None, "Open", "Pending", "Closed"):
        raise ApiError(422, "ValidationError", "Status must be Open, Pending or Closed.")
    return store.update(matter, changes)


def _entry(account, p, kind: str, quantity, price):
    matter = store.get(account, "matter", _need(p, "matter_id"))
    data = {
        "type": kind,
        "date": p.get("date", date.today().isoformat()),
        "quantity": quantity,
        "price": price,
        "note": p.get("note"),
        "matter": {"id": matter.id},
        "user": {"id": _owner(account, p)},
        "non_billable": bool(p.get("non_billable", False)),
    }
    return store.create(account, "activity", resources.activity_fill(data))


def create_time_entry(account, p):
    seconds = int(p["quantity"]) if "quantity" in p else round(float(_need(p, "hours")) * 3600)
    return _entry(account, p, "TimeEntry", seconds, _need(p, "price"))


def create_expense_entry(account, p):
    return _entry(account, p, "ExpenseEntry", p.get("quantity", 1), _need(p, "amount"))


def generate_bill(account, p):
    matter = store.get(account, "matter", _need(p, "matter_id"))
    issued = date.fromisoformat(p["issued_at"]) if p.get("issued_at") else None
    return billing.generate_bill(account, matter, _owner(account, p), issued=issued)


def edit_line(account, p):
    line = store.get(account, "line_item", _need(p, "line_item_id"), lock=True)
    changes = {k: v for k, v in p.items() if k in billing.LINE_PATCHABLE}
    return billing.line_patch(_Ctx(account), line, changes)


def remove_line(account, p):
    line = store.get(account, "line_item", _need(p, "line_item_id"), lock=True)
    bill_id = line.data["bill"]["id"]
    billing.line_delete(_Ctx(account), line)
    return store.get(account, "bill", bill_id)


def bill_transition(account, p):
    bill = store.get(account, "bill", _need(p, "bill_id"), lock=True)
    move = _need(p, "to")
    if move not in BILL_MOVES:
        raise ApiError(400, "BadRequest", f"to must be one of {', '.join(BILL_MOVES)}.")
    billing.transition(bill, BILL_MOVES[move])
    return store.get(account, "bill", bill.id)


def edit_bill(account, p):
    bill = store.get(account, "bill", _need(p, "bill_id"), lock=True)
    changes = {k: v for k, v in p.items() if k in billing.PATCHABLE - {"state"}}
    return billing.bill_patch(_Ctx(account), bill, changes)


def record_payment(account, p):
    bill = store.get(account, "bill", _need(p, "bill_id"), lock=True)
    source = p.get("source", "operating")
    if source not in ("operating", "trust"):
        raise ApiError(400, "BadRequest", "source must be operating or trust.")
    bill, _ = ledger.record_payment(
        account,
        bill,
        _need(p, "amount"),
        source=source,
        day=p.get("date"),
        reference=p.get("reference", ""),
    )
    return bill


def record_clio_payment(account, p):
    """A client pays a bill by card or bank through Clio Payments (see clio_payments.py)."""
    bill = store.get(account, "bill", _need(p, "bill_id"), lock=True)
    return clio_payments.record_clio_payment(account, bill, _need(p, "amount"), day=p.get("date"))


def void_clio_payment(account, p):
    payment = store.get(account, "clio_payments_payment", _need(p, "payment_id"), lock=True)
    return clio_payments.void_clio_payment(account, payment)


def issue_credit_memo(account, p):
    bill = store.get(account, "bill", _need(p, "bill_id"), lock=True)
    _, memo, _ = ledger.issue_credit_memo(
        account,
        bill,
        _need(p, "amount"),
        day=p.get("date"),
        description=p.get("description", "Credit"),
        user_id=_owner(account, p),
    )
    return memo


def void_payment(account, p):
    allocation = store.get(account, "allocation", _need(p, "allocation_id"), lock=True)
    return ledger.void_allocation(account, allocation, day=p.get("date"))


def trust_deposit(account, p):
    matter = store.get(account, "matter", _need(p, "matter_id"))
    return ledger.trust_deposit(
        account,
        matter,
        _need(p, "amount"),
        day=p.get("date"),
        description=p.get("description", "Trust deposit"),
    )


def trust_disbursement(account, p):
    matter = store.get(account, "matter", _need(p, "matter_id"))
    return ledger.trust_disbursement(
        account,
        matter,
        _need(p, "amount"),
        day=p.get("date"),
        description=p.get("description", "Disbursement"),
    )


def trust_transfer(account, p):
    source = store.get(account, "matter", _need(p, "from_matter_id"))
    target = store.get(account, "matter", _need(p, "to_matter_id"))
    return ledger.trust_transfer(
        account,
        source,
        target,
        _need(p, "amount"),
        day=p.get("date"),
        description=p.get("description", ""),
    )


class _Ctx:
    """The minimum of an API call's context that billing needs."""

    def __init__(self, account: Account):
        self.account = account


ACTIONS = {
    f.__name__: f
    for f in [
        create_contact,
        update_contact,
        create_matter,
        update_matter,
        create_time_entry,
        create_expense_entry,
        generate_bill,
        edit_line,
        remove_line,
        bill_transition,
        edit_bill,
        record_payment,
        record_clio_payment,
        void_clio_payment,
        issue_credit_memo,
        void_payment,
        trust_deposit,
        trust_disbursement,
        trust_transfer,
        *WORK_ACTIONS,
    ]
}
