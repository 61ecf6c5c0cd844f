"""`/api/v4/<resource>[.json]` and `/api/v4/<resource>/<id>[.json]` for every resource.

Envelopes: `{"data": {...}}` for one record, `{"data": [...], "meta": {"paging": {...},
"records": N}}` for lists. Single records carry `ETag` and `Last-Modified`; `If-None-Match` gives
304 and `If-Match` on PATCH gives 412 on mismatch (https://docs.developers.clio.com/api-docs/etags/).
"""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.utils.http import http_date, parse_http_date_safe

from sandbox.clio import custom_fields, documents, listing, resources, tasks
from sandbox.clio.http import api_view, json_response, not_modified, read_body
from sandbox.clio.spec import PERMISSIONS, RESOURCES
from sandbox.clio.store import ApiError, Renderer, get, parse_fields

# allocations and credit memos are ordered by date by default (spec: `order` "Default: date(asc)").
DEFAULT_ORDER = {"allocations": "date(asc)", "credit_memos": "date(asc)"}


def _resource(path: str, operation: str):
    resource = RESOURCES.get(path)
    if resource is None:
        raise ApiError(404, "NotFound", f"No route matches /api/v4/{path}.")
    if operation not in resource.methods:
        # Clio is a Rails app: an operation the spec does not list has no route at all.
        raise ApiError(404, "NotFound", f"No route matches {operation} /api/v4/{path}.")
    return resource


def _allowed(ctx, res, write: bool) -> None:
    ctx.require(PERMISSIONS[res.path], write=write)


@api_view("/api/v4/{resource}")
def collection(request, ctx, resource):
    if request.method == "GET":
        res = _resource(resource, "list")
        _allowed(ctx, res, False)
        return _list(ctx, res)
    if request.method == "POST":
        res = _resource(resource, "create")
        _allowed(ctx, res, True)
        sels = parse_fields(request.GET.get("fields"), res.schema)
        record = resources.hooks(res).create(ctx, read_body(request))
        return json_response({"data": Renderer(ctx.account).render(record, res.schema, sels)}, 201)
    raise ApiError(404, "NotFound", f"No route matches /api/v4/{resource}.")


@api_view("/api/v4/{resource}/{id}")
def member(request, ctx, resource, rid):
    op = {"GET": "show", "PATCH": "update", "PUT": "update", "DELETE": "delete"}.get(request.method)
    res = _resource(resource, op or "none")
    _allowed(ctx, res, op != "show")
    sels = parse_fields(request.GET.get("fields"), res.schema)
    record = get(ctx.account, res.type, rid, lock=op != "show")
    if op == "delete":
        resources.hooks(res).delete(ctx, record)
        return HttpResponse(status=204)
    if op == "update":
        if_match = request.headers.get("If-Match")
        if if_match and if_match != record.etag:
            raise ApiError(412, "PreconditionFailed", "The resource has changed (ETag mismatch).")
        record = resources.hooks(res).update(ctx, record, read_body(request))
    elif _not_modified(request, record):
        return _headers(not_modified(), record)
    body = {"data": Renderer(ctx.account).render(record, res.schema, sels)}
    return _headers(json_response(body), record)


def _not_modified(request, record) -> bool:
    """`If-None-Match` (etag) or `If-Modified-Since` (Last-Modified) → 304 (docs, ETags)."""
    if request.headers.get("If-None-Match"):
        return request.headers["If-None-Match"] == record.etag
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    return since is not None and int(record.updated_at.timestamp()) <= since


def _headers(response, record):
    response["ETag"] = record.etag
    response["Last-Modified"] = http_date(record.updated_at.timestamp())
    return response


@api_view("/api/v4/users/who_am_i")
def who_am_i(request, ctx):
    sels = parse_fields(request.GET.get("fields"), "User")
    record = get(ctx.account, "user", ctx.user_id)
    return json_response({"data": Renderer(ctx.account).render(record, "User", sels)})


def _list(ctx, res):
    params = ctx.request.GET
    sels = parse_fields(params.get("fields"), res.schema)
    limit = listing.limit_of(params)
    field, desc = listing.order_of(params, DEFAULT_ORDER.get(res.path, "id(asc)"), res.path)
    if res.path == "outstanding_client_balances":
        qs = resources.outstanding_balances(ctx.account, params)
    else:
        qs = listing.base_queryset(ctx.account, res)
        qs = listing.apply_filters(qs, res, params, ctx.account.id)
        if res.path in ("contacts", "matters"):  # `custom_field_values[ID]`, when given
            qs = custom_fields.filter_by_values(qs, params, ctx.account.id, res.schema)
    page, next_query, total = _page(qs, params, field, desc, limit)
    if res.path in ("contacts", "matters") and params.getlist("custom_field_ids[]"):
        custom_fields.values_only(page, params.getlist("custom_field_ids[]"))
    renderer = Renderer(ctx.account)
    renderer.prefetch(page, res.schema, sels)
    meta = {"paging": {}, "records": total}
    url = ctx.request.build_absolute_uri(ctx.request.path)
    if next_query is not None:
        meta["paging"]["next"] = f"{url}?{urlencode(next_query, doseq=True)}"
    offset = int(params.get("offset") or 0)
    if offset > 0:  # offset pages link back; cursor pages only forward
        back = {k: params.getlist(k) for k in params} | {"offset": str(max(offset - limit, 0))}
        meta["paging"]["previous"] = f"{url}?{urlencode(back, doseq=True)}"
    return json_response(
        {"data": [renderer.render(r, res.schema, sels) for r in page], "meta": meta}
    )


def _page(qs, params, field, desc, limit):
    """Cursor paging on id order without offset; offset paging otherwise (capped at 10,000)."""
    base = {k: params.getlist(k) for k in params if k not in ("page_token", "offset")}
    total = len(qs) if isinstance(qs, list) else qs.count()
    if field == "id" and not params.get("offset"):
        if isinstance(qs, list):
            return _page_list(qs, params, desc, limit, base, total)
        if params.get("page_token"):
            after = listing.decode_token(params["page_token"])
            qs = qs.filter(pk__lt=after) if desc else qs.filter(pk__gt=after)
        rows = list(listing.order_queryset(qs, field, desc)[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = base | {"page_token": listing.encode_token(rows[-1].pk)} if more else None
        return rows, nxt, total
    offset = listing._int("offset", params.get("offset") or 0)
    if offset < 0 or offset + limit > listing.OFFSET_CAP:
        raise ApiError(422, "ArgumentError", "Offset pagination is limited to 10,000 records.")
    rows = list(listing.order_queryset(qs, field, desc)[offset : offset + limit + 1])
    more = len(rows) > limit and offset + 2 * limit <= listing.OFFSET_CAP
    nxt = base | {"offset": str(offset + limit)} if more else None
    return rows[:limit], nxt, total


def _page_list(rows, params, desc, limit, base, total):
    rows = sorted(rows, key=lambda r: r.pk, reverse=desc)
    if params.get("page_token"):
        after = listing.decode_token(params["page_token"])
        rows = [r for r in rows if (r.pk < after if desc else r.pk > after)]
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = base | {"page_token": listing.encode_token(rows[-1].pk)} if more else None
    return rows, nxt, total


@api_view("/api/v4/webhooks/{id}/activate")
def webhook_activate(request, ctx, rid):
    """Delayed handshake: `PUT /webhooks/{id}/activate` with the `X-Hook-Secret` received."""
    from sandbox.clio.webhooks import activate

    if request.method != "PUT":
        raise ApiError(405, "MethodNotAllowed", "Use PUT.")
    record = get(ctx.account, "webhook", rid, lock=True)
    record = activate(record, request.headers.get("X-Hook-Secret", ""))
    sels = parse_fields(request.GET.get("fields"), "Webhook")
    return json_response({"data": Renderer(ctx.account).render(record, "Webhook", sels)})


@api_view("/api/v4/documents/{id}/download")
def document_download(request, ctx, rid):
    """303 See Other to a signed URL of the version's bytes (the spec lists 303, 400, 404)."""
    if request.method != "GET":
        raise ApiError(404, "NotFound", "No route matches this method.")
    ctx.require(PERMISSIONS["documents"], write=False)
    document = get(ctx.account, "document", rid)
    base = request.build_absolute_uri("/")
    location = documents.download_location(
        ctx.account, document, request.GET.get("document_version_id"), base
    )
    response = HttpResponse(status=303)
    response["Location"] = location
    return response


@api_view("/api/v4/documents/{id}/versions")
def document_versions(request, ctx, rid):
    """Every version of one document (`fully_uploaded` filters), cursor paged."""
    if request.method != "GET":
        raise ApiError(404, "NotFound", "No route matches this method.")
    ctx.require(PERMISSIONS["documents"], write=False)
    document = get(ctx.account, "document", rid)
    params = request.GET
    sels = parse_fields(params.get("fields"), "DocumentVersion")
    qs = listing.base_queryset(ctx.account, _VERSIONS).filter(data__document_id=document.id)
    flag = params.get("fully_uploaded")
    if flag not in (None, ""):
        if flag not in ("true", "false"):
            raise ApiError(400, "InvalidParameter", "fully_uploaded must be true or false.")
        qs = qs.filter(data__fully_uploaded=flag == "true")
    page, next_query, total = _page(qs, params, "id", False, listing.limit_of(params))
    meta = {"paging": {}, "records": total}
    if next_query is not None:
        url = request.build_absolute_uri(request.path)
        meta["paging"]["next"] = f"{url}?{urlencode(next_query, doseq=True)}"
    renderer = Renderer(ctx.account)
    data = [renderer.render(r, "DocumentVersion", sels) for r in page]
    return json_response({"data": data, "meta": meta})


class _Versions:
    type = "document_version"


_VERSIONS = _Versions()


@api_view("/api/v4/task_template_lists/{id}/copy")
def task_template_list_copy(request, ctx, rid):
    if request.method != "POST":
        raise ApiError(404, "NotFound", "No route matches this method.")
    ctx.require(PERMISSIONS["task_template_lists"], write=True)
    sels = parse_fields(request.GET.get("fields"), "TaskTemplateList")
    source = get(ctx.account, "task_template_list", rid)
    data = read_body(request) if request.body.strip() else {}
    record = tasks.list_copy(ctx, source, data)
    body = {"data": Renderer(ctx.account).render(record, "TaskTemplateList", sels)}
    return json_response(body, 201)
