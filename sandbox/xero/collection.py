"""Generic GET/PUT/POST for Xero collections: many elements per request, summarizeErrors,
where/order/page/pageSize, IDs and friends, If-Modified-Since.

[XERO-SPEC: `summarizeErrors`, `pageSize`, `Pagination`; API_NOTES §3.4-3.5]
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from django.db import transaction

from sandbox.core import json_strict
from sandbox.xero import store
from sandbox.xero.errors import (
    ElementError,
    XeroError,
    json_response,
    not_found,
    validation,
    validation_body,
)
from sandbox.xero.lines import UNIT_DP
from sandbox.xero.models import Record
from sandbox.xero.where import WhereError, compile_where


@dataclass
class Spec:
    plural: str  # "Invoices"
    kind: str  # "Invoice"
    id_field: str  # "InvoiceID"
    build: Callable  # (org, payload, existing Record|None) -> (data, cols); raises ElementError
    number_field: str | None = None  # a second key for GET /{x} and POST matching
    paged: bool = False
    error_flag: str = "HasErrors"
    category: str | None = None  # webhook event category
    after_save: Callable | None = None  # (org, record, created)
    filters: dict = field(default_factory=dict)  # query param -> column or JSON path
    date_filters: dict = field(default_factory=dict)  # query param -> (date field, ">=" | "<=")


def envelope(ctx, plural: str, items: list, extra: dict | None = None) -> dict:
    """Xero wraps every JSON answer: Id, Status, ProviderName, DateTimeUTC, then the list."""
    body = {
        "Id": store.new_id(),
        "Status": "OK",
        "ProviderName": ctx.app.name,
        "DateTimeUTC": store.msdate(store.now()),
    }
    body.update(extra or {})
    body[plural] = items
    return body


def _if_modified_since(request):
    raw = request.headers.get("If-Modified-Since")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        pass
    import datetime as dt

    try:
        parsed = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _multi(request, name: str) -> list[str]:
    """`IDs=a,b` or repeated `IDs=a&IDs=b` (the SDKs send comma-joined lists)."""
    values = []
    for raw in request.GET.getlist(name):
        values += [v.strip() for v in raw.split(",") if v.strip()]
    return values


def list_page(ctx, spec: Spec, extra_filter: Callable | None = None) -> tuple[list[dict], dict]:
    """Filter in the database; `where`/`order`/`searchTerm` are applied to the JSON in Python,
    otherwise paging is a database slice (fast on the 20,000-invoice benchmark books)."""
    request = ctx.request
    qs = _filtered(ctx, spec, extra_filter)
    if any(request.GET.get(k) for k in ("where", "order", "searchTerm", *spec.date_filters)):
        rows = _dated(request, spec, [r.data for r in qs.iterator()])
        return page_of(request, spec, _where_order(request, rows))
    bounds = _page_bounds(request, spec)
    if bounds is None:
        return [r.data for r in qs.iterator()], {}
    page, size = bounds
    rows = [r.data for r in qs[(page - 1) * size : page * size]]
    return rows, _meta(page, size, qs.count())


def _filtered(ctx, spec: Spec, extra_filter):
    request = ctx.request
    qs = Record.objects.filter(organisation=ctx.org, kind=spec.kind).order_by("pk")
    since = _if_modified_since(request)
    if since:
        qs = qs.filter(updated_at__gt=since)
    if ids := _multi(request, "IDs"):
        qs = qs.filter(remote_id__in=[i.lower() for i in ids])
    for param, column in spec.filters.items():
        if values := _multi(request, param):
            lowered = [v.lower() for v in values] if column.endswith("ID") else values
            qs = qs.filter(**{f"{column}__in": lowered})
    if extra_filter:
        qs = extra_filter(request, qs)
    return qs


SEARCHED = (
    "InvoiceNumber",
    "Reference",
    "Name",
    "FirstName",
    "LastName",
    "EmailAddress",
    "ContactNumber",
    "CompanyNumber",
    "AccountNumber",
)


def _search(term: str, rows: list[dict]) -> list[dict]:
    """`searchTerm`: case-insensitive text search over the number/name fields [XERO-SPEC]."""
    term = term.lower()
    return [r for r in rows if any(term in str(r.get(k) or "").lower() for k in SEARCHED)]


def _dated(request, spec: Spec, rows: list[dict]) -> list[dict]:
    """`DateFrom`/`DateTo` (Quotes, PurchaseOrders): inclusive bounds on a document date."""
    for param, (name, op) in spec.date_filters.items():
        raw = request.GET.get(param)
        if not raw:
            continue
        bound = store.parse_date(raw)
        if bound is None:
            raise validation(f"'{raw}' is not a valid date for {param}.")
        rows = [r for r in rows if _within(store.parse_date(r.get(name)), bound, op)]
    return rows


def _within(day, bound, op: str) -> bool:
    if day is None:
        return False
    return day >= bound if op == ">=" else day <= bound


def _where_order(request, rows: list[dict]) -> list[dict]:
    if term := request.GET.get("searchTerm"):
        rows = _search(term, rows)
    where = request.GET.get("where")
    if where:
        try:
            predicate = compile_where(where)
        except WhereError as exc:
            raise validation(f"Unable to parse the where clause: {exc}") from exc
        rows = [r for r in rows if predicate(r)]
    order = request.GET.get("order")
    if order:
        for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
            name, _, direction = part.partition(" ")
            rows.sort(key=lambda r, n=name: _sort_key(r, n), reverse=direction.upper() == "DESC")
    return rows


def _sort_key(row: dict, name: str):
    value = row
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str) and value.startswith("/Date("):
        return (1, store.parse_msdate(value).timestamp())
    if isinstance(value, int | float):
        return (1, value)
    return (0, "") if value is None else (1, str(value).lower())


def _page_bounds(request, spec: Spec) -> tuple[int, int] | None:
    """`page` (1-based) and `pageSize` (default 100, at most 1000) [XERO-SPEC pageSize]."""
    if not spec.paged or "page" not in request.GET:
        return None
    try:
        page = max(int(request.GET["page"]), 1)
        size = int(request.GET.get("pageSize") or 100)
    except ValueError as exc:
        raise validation("The page and pageSize parameters must be whole numbers.") from exc
    return page, min(max(size, 1), 1000)


def _meta(page: int, size: int, count: int) -> dict:
    pages = (count + size - 1) // size
    return {"pagination": {"page": page, "pageSize": size, "pageCount": pages, "itemCount": count}}


def page_of(request, spec: Spec, rows: list[dict]) -> tuple[list[dict], dict]:
    bounds = _page_bounds(request, spec)
    if bounds is None:
        return rows, {}
    page, size = bounds
    return rows[(page - 1) * size : page * size], _meta(page, size, len(rows))


def find(ctx, spec: Spec, key: str) -> Record:
    rec = store.record_get(ctx.org, spec.kind, key)
    if rec is None and spec.number_field:
        rec = store.record_by_number(ctx.org, spec.kind, key)
    if rec is None:
        raise not_found()
    return rec


def body_elements(request, plural: str) -> list[dict]:
    try:
        body = json_strict(request.body)
    except ValueError as exc:
        raise validation("The request body could not be read as JSON.") from exc
    if isinstance(body, dict) and isinstance(body.get(plural), list):
        return body[plural]
    if isinstance(body, dict) and body:
        return [body]  # a single element, as the SDKs also send
    if isinstance(body, list):
        return body
    raise validation(f"No {plural} were found in the request.")


def summarize(request) -> bool:
    # Only an explicit summarizeErrors=false gives HTTP 200 with per-element errors
    # (API_NOTES §3.5).
    return request.GET.get("summarizeErrors", "true").lower() != "false"


def save_elements(ctx, spec: Spec, elements: list[dict], create_only: bool, target=None):
    """Create or update each element; returns the response. Rolls back all on a summarised error."""
    unit_dp = UNIT_DP.set(4 if ctx.request.GET.get("unitdp") == "4" else 2)
    _lock_named(ctx.org, spec, elements)
    _prefetch_contacts(ctx.org, elements)
    try:
        out, failed = _save_all(ctx, spec, elements, create_only, target)
    finally:
        UNIT_DP.reset(unit_dp)
    if failed and summarize(ctx.request):
        raise XeroError(400, validation_body([_strip_status(e) for e in failed]))
    if not summarize(ctx.request):
        for item in out:
            item.setdefault("StatusAttributeString", "OK")
    return json_response(envelope(ctx, spec.plural, out))


# The documents an element names whose rows its save may update (a payment its invoice, an
# invoice its contact's IsCustomer).
NAMED = (("Contact", "ContactID"), ("Invoice", "InvoiceID"), ("CreditNote", "CreditNoteID"))


def _lock_named(org, spec: Spec, elements: list) -> None:
    """Lock every record the save will update, in one order, before any is touched: two saves
    naming the same records in opposite orders would otherwise each hold one and wait for the
    other (PostgreSQL ends that deadlock by failing one). Saves of unrelated records still run
    side by side."""
    ids: set[str] = set()
    for e in elements:
        if not isinstance(e, dict):
            continue
        ids.add(str(e.get(spec.id_field) or ""))
        for key, id_field in NAMED:
            ref = e.get(key)
            if isinstance(ref, dict) and ref.get(id_field):
                ids.add(str(ref[id_field]))
    ids.discard("")
    if ids:
        ids |= {i.lower() for i in ids}
        rows = Record.objects.select_for_update().filter(organisation=org, remote_id__in=ids)
        list(rows.order_by("pk").values_list("pk", flat=True))


def _prefetch_contacts(org, elements: list) -> None:
    """Read the contacts the documents name by ContactID in one query (sales.contact_ref)."""
    wanted = {
        str(e["Contact"]["ContactID"])
        for e in elements
        if isinstance(e, dict)
        and isinstance(e.get("Contact"), dict)
        and e["Contact"].get("ContactID")
    }
    if not wanted:
        return
    keys = wanted | {w.lower() for w in wanted}
    found = {
        r.remote_id: r
        for r in Record.objects.filter(organisation=org, kind="Contact", remote_id__in=keys)
    }
    for raw in wanted:
        rec = found.get(raw) or found.get(raw.lower())
        if rec is not None:
            store.memo_put(("contact", raw), rec)


def _save_all(ctx, spec: Spec, elements: list, create_only: bool, target):
    out, failed = [], []
    for element in elements:
        try:
            if not isinstance(element, dict):
                raise ElementError(f"Each of the {spec.plural} must be an object.")
            out.append(_save_guarded(ctx, spec, element, create_only, target))
        except ElementError as err:
            bad = element if isinstance(element, dict) else {}
            failed.append(_error_element(spec, bad, err.messages))
            out.append(failed[-1])
    return out, failed


def _save_guarded(ctx, spec: Spec, element: dict, create_only: bool, target) -> dict:
    """One element in its own savepoint; a field of the wrong JSON type is a validation error
    (Xero answers malformed elements with a 400, not a 500)."""
    try:
        with transaction.atomic():
            existing = target or (None if create_only else _existing(ctx, spec, element))
            return _save_one(ctx, spec, element, existing)
    except (AttributeError, TypeError) as exc:
        raise ElementError("The element could not be read: a field has the wrong type.") from exc


def _existing(ctx, spec: Spec, element: dict):
    key = element.get(spec.id_field)
    if key:
        rec = store.record_get(ctx.org, spec.kind, key)
        if rec is None:
            raise ElementError(f"{spec.kind} could not be found")
        return rec
    if spec.number_field and element.get(spec.number_field):
        return store.record_by_number(ctx.org, spec.kind, element[spec.number_field])
    return None


def _save_one(ctx, spec: Spec, element: dict, existing):
    return save_record(ctx.org, spec, element, existing)


def save_record(org, spec: Spec, element: dict, existing) -> dict:
    """Build, store, run side effects and queue the webhook event; used by the API and control."""
    data, cols = spec.build(org, element, existing)
    # No existing record and no id sent: the build made a new id, so there is nothing to update.
    new = existing is None and not element.get(spec.id_field)
    rec = store.record_save(org, spec.kind, spec.id_field, data, new=new, **cols)
    if spec.after_save:
        spec.after_save(org, rec, existing is None)
    if spec.category:
        from sandbox.xero.webhooks import event_record

        event_record(org, spec.category, spec.plural, rec, existing is None)
    return dict(rec.data)


OBJECT_FIELDS = {"Contact", "Invoice", "CreditNote", "Account", "BankAccount", "FromBankAccount",
                 "ToBankAccount", "Item", "SalesDetails", "PurchaseDetails"}  # fmt: skip
LIST_FIELDS = {"LineItems", "Payments", "Tracking", "Addresses", "Phones", "JournalLines",
               "Allocations", "CreditNotes", "TaxComponents", "Options"}  # fmt: skip


def _echo(element: dict) -> dict:
    """The element as sent, less fields of the wrong JSON type (Xero echoes its own model)."""
    out = {}
    for key, value in element.items():
        if key in OBJECT_FIELDS and not isinstance(value, dict):
            continue
        if key in LIST_FIELDS and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            continue
        out[key] = value
    return out


def _error_element(spec: Spec, element: dict, messages: list[str]) -> dict:
    item = _echo(element)
    item["ValidationErrors"] = [{"Message": m} for m in messages]
    item[spec.error_flag] = True
    item["StatusAttributeString"] = "ERROR"
    return item


def _strip_status(item: dict) -> dict:
    return {k: v for k, v in item.items() if k not in ("StatusAttributeString",)}
