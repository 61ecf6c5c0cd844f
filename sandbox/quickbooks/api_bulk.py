"""Batch and change data capture.

Batch: at most 30 BatchItemRequest items (limits page, blog 2023-07-19), each with a `bId` and an
operation (create/update/delete, `optionsData: "void"`) or a Query; every item answers on its own
(batch_response.xml). The batch request counts once against the realm's 500 a minute and 40
batch requests a minute (sandbox.quickbooks.gate); its items are counted under "batch item".
CDC: `entities` + `changedSince` within 30 days, deleted objects as `{"Id", "status": "Deleted"}`
(change_data_capture_response.xml), 1,000 at most.
"""

from datetime import timedelta

from django.db import transaction
from django.views.decorators.csrf import csrf_exempt

from sandbox.core import counter_bump
from sandbox.quickbooks import clock, faults
from sandbox.quickbooks.api import entity_write
from sandbox.quickbooks.entities import BY_LOWER, BY_NAME
from sandbox.quickbooks.gate import PROVIDER, api_call, envelope, read_json
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.query import parse, run
from sandbox.quickbooks.store import deleted_stub

BATCH_MAX = 30
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
    out = [_item(request, company, item) for item in items]
    return 200, {"BatchItemResponse": out, "time": clock.intuit_time()}


def _item(request, company: Company, item) -> dict:
    bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
    try:
        if not isinstance(item, dict):
            raise faults.request_invalid("A batch item must be a JSON object")
        with transaction.atomic():
            return {"bId": bid, **_do(request, company, item)}
    except faults.QBOFault as exc:
        return {"bId": bid, "Fault": exc.fault()}


class _ItemRequest:
    """The query string a batch item implies (operation, include) for entity_write."""

    def __init__(self, operation: str):
        self.GET = {"operation": operation}


def _do(request, company: Company, item: dict) -> dict:
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
