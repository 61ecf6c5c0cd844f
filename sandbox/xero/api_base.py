"""The wrapper every api.xero.com call goes through: faults, bearer token, tenant, scope,
limits, Idempotency-Key replay, counters, dropped connections."""

import functools
import time

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from sandbox.core import connection_drop, counter_bump, faults_decide
from sandbox.xero import limits, store, xml
from sandbox.xero.errors import XeroError, problem, render
from sandbox.xero.models import Connection, IdempotentReply, Token
from sandbox.xero.tokens import connections_of

WRITE_METHODS = {"PUT", "POST", "DELETE", "PATCH"}


def token_for_request(request) -> Token:
    """The access token in `Authorization: Bearer`; 401 as Xero's identity gateway answers."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    token = (
        Token.objects.select_related("grant", "grant__app")
        .filter(access_token=header[7:].strip())
        .first()
    )
    if token is None or token.revoked or token.grant.revoked:
        raise problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    if token.access_expires_at <= store.now():
        stamp = token.access_expires_at.strftime("%m/%d/%Y %H:%M:%S")
        raise problem(401, "Unauthorized", f"TokenExpired: token expired at {stamp}")
    return token


def connection_for(request, token: Token) -> Connection:
    """The `xero-tenant-id` header must name an organisation this grant is connected to;
    otherwise 403 Forbidden / AuthenticationUnsuccessful
    (developer.xero.com oauth2 troubleshooting)."""
    tenant_id = (request.headers.get("xero-tenant-id") or "").strip().lower()
    conn = connections_of(token.grant).filter(organisation__tenant_id=tenant_id).first()
    if conn is None:
        raise problem(403, "Forbidden", "AuthenticationUnsuccessful")
    return conn


def scope_allows(token: Token, scopes: tuple[str, ...], write: bool) -> bool:
    """Broad scopes (accounting.transactions ...) or the 2026 granular ones, `.read` for reads."""
    granted = set(token.grant.scope.split())
    return any(s in granted or (not write and f"{s}.read" in granted) for s in scopes)


class Ctx:
    """What a handler needs: the organisation, the token and the request."""

    def __init__(self, request, token: Token, conn: Connection | None):
        self.request, self.token, self.conn = request, token, conn
        self.org = conn.organisation if conn else None
        self.app = token.grant.app


def _idem_scope(ctx: Ctx) -> str:
    return f"{ctx.app.client_id}:{ctx.org.tenant_id if ctx.org else '-'}"


IN_PROGRESS = 0  # status of a reserved key whose first request has not answered yet
WAIT_FOR_TWIN = 10.0  # seconds a repeat waits for the first request's answer


def _reserve(ctx: Ctx, key: str):
    """Claim the key before running, so a retry racing the first request cannot write twice.
    Returns None when claimed, else the first answer to replay (or a 409 while it is still
    running: Xero documents no status for that race; 409 is what idempotent APIs use)."""
    scope = _idem_scope(ctx)
    try:
        with transaction.atomic():
            IdempotentReply.objects.create(
                scope=scope, key=key, status=IN_PROGRESS, body="", content_type="",
                created_at=store.now(),
            )  # fmt: skip
        return None
    except IntegrityError:
        pass
    deadline = time.monotonic() + WAIT_FOR_TWIN
    while True:
        row = IdempotentReply.objects.filter(scope=scope, key=key).first()
        if row is None:
            return _reserve(ctx, key)  # the first attempt failed and gave the key back
        if row.status != IN_PROGRESS:
            return HttpResponse(row.body, status=row.status, content_type=row.content_type)
        if time.monotonic() > deadline:
            return render(
                problem(409, "Conflict", "A request with this Idempotency-Key is in progress")
            )
        time.sleep(0.2)


def _settle(ctx: Ctx, key: str, resp) -> None:
    """Store the first answer for replay; a 5xx gives the key back for a retry."""
    mine = IdempotentReply.objects.filter(scope=_idem_scope(ctx), key=key, status=IN_PROGRESS)
    if resp is None or resp.status_code >= 500:
        mine.delete()
        return
    mine.update(
        status=resp.status_code, body=resp.content.decode(), content_type=resp["Content-Type"]
    )


def _run(handler, ctx: Ctx, kwargs: dict, idem_key: str | None):
    if idem_key:
        replayed = _reserve(ctx, idem_key)
        if replayed is not None:
            return replayed
    resp = None
    try:
        with transaction.atomic(), store.call_memo():
            resp = handler(ctx, **kwargs)
    except XeroError as err:
        resp = render(err)
    finally:
        if idem_key:
            _settle(ctx, idem_key, resp)
    return resp


def xero_api(endpoint: str, scopes: tuple[str, ...] = (), tenant: bool = True):
    """Decorate a handler `(ctx, **kwargs) -> HttpResponse` as an api.xero.com endpoint."""

    def wrap(handler):
        @csrf_exempt
        @functools.wraps(handler)
        def view(request, **kwargs):
            name = f"{request.method} {endpoint}"
            resp, drop = _serve(request, handler, name, scopes, tenant, kwargs)
            if not xml.wants_json(request) and resp.status_code != 204:
                xml.convert(resp)
            counter_bump(store.PROVIDER, name, resp.status_code)
            if drop:
                connection_drop(request)
            return resp

        return view

    return wrap


def _serve(request, handler, name, scopes, tenant, kwargs):
    decision = faults_decide(store.PROVIDER)
    write = request.method in WRITE_METHODS
    if decision.throttle_retry_after is not None:
        hdrs = {"Retry-After": str(decision.throttle_retry_after), "X-Rate-Limit-Problem": "minute"}
        return render(XeroError(429, {"Title": "Too Many Requests", "Status": 429}, hdrs)), False
    if decision.error_status:
        status = decision.error_status
        return render(
            problem(status, "Service Unavailable" if status == 503 else "Error", "")
        ), False
    headers, slot = {}, None
    try:
        token = token_for_request(request)
        conn = connection_for(request, token) if tenant else None
        if scopes and not scope_allows(token, scopes, write):
            raise problem(401, "Unauthorized", "AuthorizationUnsuccessful")
        ctx = Ctx(request, token, conn)
        if tenant:
            headers, slot = limits.acquire(conn.organisation.tenant_id, ctx.app.client_id)
        idem = request.headers.get("Idempotency-Key") if write else None
        resp = _run(handler, ctx, kwargs, idem)
    except XeroError as err:
        err.headers = {**headers, **err.headers}
        return render(err), False
    finally:
        limits.release(slot)
    for key, value in headers.items():
        resp[key] = value
    return resp, write and decision.drop_after_commit and resp.status_code < 400
