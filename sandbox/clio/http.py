"""What every Clio API call goes through: version header, token, rate limit, faults, counters.

Docs: versions https://app.clio.com/api/v4/documentation#section/Minor-Versions ; rate limits
https://docs.developers.clio.com/api-docs/rate-limits/ (per token, fixed 60 s window, 50/min at
peak, `X-RateLimit-*` on every response, 429 with `Retry-After`).
"""

import math
import time
from functools import wraps

from django.db import connection as db_connection
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox.clio.models import Setting, Token
from sandbox.clio.store import ApiError
from sandbox.core import (
    connection_drop,
    counter_bump,
    faults_decide,
    json_strict,
    rate_window_hit,
    retry_after,
    window_seconds,
)

PROVIDER = "clio"
DEFAULT_VERSION = "4.0.9"  # "This is the default version" in the saved spec
# Minor versions the saved spec documents (4.0.4 .. 4.0.10); anything else is 410 Gone.
SUPPORTED_VERSIONS = {f"4.0.{n}" for n in range(4, 11)}
SETTINGS_DEFAULTS = {"rate_limit": 50, "rate_window_seconds": 60, "webhook_delivery": "background"}
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def setting(key: str):
    row = Setting.objects.filter(key=key).first()
    return row.value if row else SETTINGS_DEFAULTS[key]


def error_response(err: ApiError) -> JsonResponse:
    body = {"error": {"type": err.type, "message": err.message}}
    response = JsonResponse(body, status=err.status, content_type="application/json; charset=utf-8")
    for name, value in err.headers.items():
        response[name] = value
    return response


def json_response(body, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, content_type="application/json; charset=utf-8")


# Clio's support article on expired tokens quotes this description (RFC 6750 `invalid_token`);
# the spec documents the 401 body as its `Error` schema, which the sandbox follows, adding the
# RFC 6750 challenge header that carries the same information.
INVALID_TOKEN = (
    "The access token provided is expired, revoked, malformed or invalid for other reasons."
)


def _unauthorized(message: str) -> ApiError:
    challenge = f'Bearer realm="Clio", error="invalid_token", error_description="{INVALID_TOKEN}"'
    return ApiError(401, "AuthenticationError", message, {"WWW-Authenticate": challenge})


def authenticate(request, region: str) -> Token:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    token = None
    if scheme.lower() == "bearer" and value:
        token = Token.objects.select_related("account", "app").filter(access_token=value).first()
    # A token from another region is unknown there (each region is a separate Clio).
    if token is None or token.account.region != region:
        raise _unauthorized("The access token is invalid.")
    if token.revoked:
        raise _unauthorized("The access token has been revoked.")
    if token.expires_at <= timezone.now():
        raise _unauthorized("The access token has expired.")
    return token


def _version(request) -> str:
    asked = request.headers.get("X-API-VERSION")
    if asked is None:
        return DEFAULT_VERSION
    if asked not in SUPPORTED_VERSIONS:
        raise ApiError(410, "Gone", f"API version {asked} is invalid or no longer supported.")
    return asked


def _rate_limit(token: Token) -> dict:
    """The token's fixed window; `rate_window_seconds` is Clio's real 60 s, which
    SANDBOX_TIME_SCALE shortens (the reset epoch and Retry-After follow the shortened window)."""
    limit = int(setting("rate_limit"))
    window = window_seconds(float(setting("rate_window_seconds")))
    allowed, remaining, reset = rate_window_hit(f"clio:token:{token.id}", limit, window)
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(math.ceil(reset)),
    }
    if not allowed:
        retry = retry_after(reset - time.time())
        raise ApiError(429, "RateLimited", "Rate limit exceeded.", headers | {"Retry-After": retry})
    return headers


def api_view(endpoint: str):
    """Decorate `view(request, ctx, **kwargs)`; ctx carries token, account, version."""

    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request, region, **kwargs):
            label = f"{request.method} {endpoint}"
            response, drop = _run(view, request, region, kwargs)
            counter_bump(PROVIDER, label, response.status_code)
            if drop and connection_drop(request):
                # The client is gone; the server will fail writing to it, so give the database
                # connection back now rather than on a request_finished that may never come.
                db_connection.close()
            return response

        return wrapper

    return decorate


class Ctx:
    def __init__(self, request, token: Token, version: str):
        self.request, self.token, self.version = request, token, version
        self.account = token.account
        self.user_id = token.user_id

    def require(self, permission: str, *, write: bool) -> None:
        """403 unless the app holds this access permission (read/write for writes)."""
        granted = self.token.app.permissions
        if granted is None or permission in granted:
            return
        if not write and f"{permission}:read" in granted:
            return
        kind = "write" if write else "read"
        raise ApiError(
            403, "Forbidden", f"The application lacks the {permission} {kind} permission."
        )


def _run(view, request, region, kwargs):
    headers, drop = {}, False
    try:
        version = _version(request)
        token = authenticate(request, region)
        headers = _rate_limit(token)
        decision = faults_decide(PROVIDER)
        if decision.throttle_retry_after is not None:
            retry = {"Retry-After": str(decision.throttle_retry_after)}
            raise ApiError(429, "RateLimited", "Rate limit exceeded.", retry)
        if decision.error_status:
            raise ApiError(decision.error_status, "ServerError", "Something went wrong.")
        with transaction.atomic():
            response = view(request, Ctx(request, token, version), **kwargs)
        response["X-API-VERSION"] = version
        drop = decision.drop_after_commit and request.method in WRITE_METHODS
    except ApiError as err:
        response = error_response(err)
    for name, value in headers.items():
        response.setdefault(name, value)
    return response, drop


def read_body(request) -> dict:
    """The `data` object of a JSON or form body (Clio accepts both)."""
    if request.content_type == "application/x-www-form-urlencoded":
        return _form_data(request.POST)
    try:
        body = json_strict(request.body)
    except ValueError:
        raise ApiError(400, "BadRequest", "The request body is not valid JSON.") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise ApiError(400, "BadRequest", 'The request body must be {"data": {...}}.')
    return data


def _form_data(post) -> dict:
    """`data[name]=v`, `data[client][id]=v` and `data[events][]=v` into a dict."""
    out: dict = {}
    for key in post:
        parts = key.replace("]", "").split("[")
        if parts[0] != "data" or len(parts) < 2:
            continue
        many = parts[-1] == ""
        parts = parts[:-1] if many else parts
        target = out
        for part in parts[1:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = post.getlist(key) if many else post[key]
    return out


def not_modified() -> HttpResponse:
    return HttpResponse(status=304)
