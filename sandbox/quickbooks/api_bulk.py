"""Batch and change data capture.

Batch: at most 30 BatchItemRequest items (limits page, blog 2023-07-19), each with a `bId` and an
operation (create/update/delete, `optionsData: "void"`) or a Query; every item answers on its own
(batch_response.xml). The batch request counts once against the realm's 500 a minute and 40
batch requests a minute (sandbox.quickbooks.gate); its items are counted under "batch item".
CDC: `entities` + `changedSince` within 30 days, deleted objects as `{"Id", "status": "Deleted"}`
(change_data_capture_response.xml), 1,000 at most.
"""

from contextlib import nullcontext
from datetime import timedelta

from django.db import transaction
from django.views.decorators.csrf import csrf_exempt

from sandbox.core import counter_bump
from sandbox.quickbooks import clock, faults, unit
from sandbox.quickbooks.api import entity_write
from sandbox.quickbooks.entities import BY_LOWER, BY_NAME, REF_TARGETS
from sandbox.quickbooks.gate import PROVIDER, api_call, envelope, read_json
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.query import parse, run
from sandbox.quickbooks.store import deleted_stub

BATCH_MAX = 30
LINKED = ("Invoice", "CreditMemo", "Payment")  # what payment and deposit lines apply to
CDC_MAX = 1000


@csrf_exempt
def batch_view(request, realm: str):
    return api_call(request, realm, "POST batch", lambda c: _batch(request, c), batch=True)


def _batch(request, company: Company):
    body = read_json(request)
    items = body.get("BatchItemRequest")
    if not isinstance(items, list) or not items:
        raise faults.required("BatchItemRequest")
    if len(items) > BATCH_MAX:
        raise faults.QBOFault(
            1000,
            "Operation failed, see details for error",
            f"Number of items in the batch request ({len(items)}) exceeds the maximum allowed "
            f"({BATCH_MAX}).",
        )
    counter_bump(PROVIDER, "batch item", 200, by=len(items))
    with unit.scope(company) as work:
        work.id_hint = len(items)
        _prefetch(work, items)
        out = [_item(request, work, item) for item in items]
    return 200, {"BatchItemResponse": out, "time": clock.intuit_time()}


def _prefetch(work: unit.Unit, items: list) -> None:
    """Read what the items name in two queries: the records their references point at, and
    (locked, as applying a payment or deposit would) the transactions their lines link."""
    refs: set = set()
    linked: set = set()
    for item in items:
        for name, body in item.items() if isinstance(item, dict) else ():
            if name in BY_NAME and isinstance(body, dict):
                _wanted(body, refs, linked)
    work.prefetch(refs)
    work.prefetch(linked, lock=True)


def _wanted(data, refs: set, linked: set) -> None:
    if isinstance(data, list):
        for value in data:
            _wanted(value, refs, linked)
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        target = REF_TARGETS.get(key)
        if target and isinstance(value, dict):
            _add(refs, target, value.get("value"))
        elif key == "LinkedTxn" and isinstance(value, list):
            for link in value:
                if isinstance(link, dict) and link.get("TxnType") in LINKED:
                    _add(linked, link["TxnType"], link.get("TxnId"))
        elif isinstance(value, dict | list):
            _wanted(value, refs, linked)


def _add(into: set, entity: str, value) -> None:
    try:
        rid = int(str(value))
    except ValueError:
        return
    if 0 < rid < 2**63:
        into.add((entity, rid))


def _item(request, work: unit.Unit, item) -> dict:
    bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
    try:
        if not isinstance(item, dict):
            raise faults.request_invalid("A batch item must be a JSON object")
        alone = _self_contained(item)
        if not alone:
            # What this item reads or changes must see the items before it in the database
            # (and a Query or a customer's answer, their balances).
            work.flush_inserts()
            work.flush_saves()
            if "Query" in item or "Customer" in item:
                work.flush_balances()
        # A create writes nothing while it runs (its row and its changes to the invoices or
        # payments it links wait in the unit), so it needs no savepoint; anything else takes
        # one, to give back what it wrote.
        with work.item(defer=alone), nullcontext() if alone else transaction.atomic():
            return {"bId": bid, **_do(request, work, item)}
    except faults.QBOFault as exc:
        return {"bId": bid, "Fault": exc.fault()}


def _self_contained(item: dict) -> bool:
    """A create (no Query, update, delete or void): it adds its own row and, for a payment or a
    deposit, changes only the invoices, credits or payments its lines link."""
    names = [k for k in item if k in BY_NAME]
    if "Query" in item or len(names) != 1:
        return False
    if str(item.get("operation", "create")).lower() != "create" or item.get("optionsData"):
        return False
    body = item[names[0]]
    return isinstance(body, dict) and not body.get("Id")


class _ItemRequest:
    """The query string a batch item implies (operation, include) for entity_write."""

    def __init__(self, operation: str):
        self.GET = {"operation": operation}


def _do(request, work: unit.Unit, item: dict) -> dict:
    company = work.company
    if "Query" in item:
        if not isinstance(item["Query"], str):
            raise faults.query_parse("Encountered a query that is not a string")
        return {"QueryResponse": run(company, parse(item["Query"]))}
    names = [k for k in item if k in BY_NAME]
    if len(names) != 1:
        raise faults.request_invalid("A batch item needs exactly one entity or a Query.")
    spec = BY_NAME[names[0]]
    operation = str(item.get("operation", "create")).lower()
    if operation not in ("create", "update", "delete"):
        raise faults.unsupported(operation)
    void = str(item.get("optionsData", "")).lower() == "void"
    body = item[spec.name]
    if not isinstance(body, dict):
        raise faults.request_invalid(f"{spec.name} must be a JSON object")
    if operation == "create" and body.get("Id"):
        raise faults.request_invalid("Id must not be supplied for a create operation.")
    data = entity_write(company, spec, body, _ItemRequest(operation), options_void=void)
    return {spec.name: data}


@csrf_exempt
def cdc_view(request, realm: str):
    return api_call(request, realm, "GET cdc", lambda c: _cdc(request, c))


def _cdc(request, company: Company):
    names = [n.strip() for n in request.GET.get("entities", "").split(",") if n.strip()]
    since_text = request.GET.get("changedSince")
    if not names:
        raise faults.required("entities")
    if not since_text:
        raise faults.required("changedSince")
    try:
        since = clock.parse_time(since_text)
    except ValueError as exc:
        raise faults.request_invalid(f"Invalid changedSince: {since_text}") from exc
    if since < clock.now() - timedelta(days=30):
        raise faults.QBOFault(
            2010,
            "Request has invalid or unsupported property",
            "changedSince: the value can not be more than 30 days in the past.",
            element="changedSince",
        )
    blocks, budget = [], CDC_MAX
    for name in names:
        spec = BY_LOWER.get(name.lower())
        if spec is None:
            raise faults.request_invalid(f"Unsupported entity for CDC: {name}")
        block, budget = _cdc_block(company, spec.name, since, budget)
        blocks.append(block)
    return 200, envelope("CDCResponse", [{"QueryResponse": blocks}])


def _cdc_block(company: Company, entity: str, since, budget: int):
    rows = Record.objects.filter(company=company, type=entity, updated_at__gte=since)
    rows = list(rows.order_by("updated_at", "remote_id")[: max(budget, 0)])
    if not rows:
        return {}, budget
    items = [deleted_stub(r) if r.deleted else r.data for r in rows]
    block = {entity: items, "startPosition": 1, "maxResults": len(items), "totalCount": len(items)}
    return block, budget - len(items)
