"""The one HTTP layer every provider client uses.

A timeout on every call; retries with jittered exponential backoff that honour `Retry-After`, only
for reads and for writes that carry an idempotency key (so a retried write cannot land twice); a
per-connection rate budget shared by every worker through the database; structured logs that never
contain tokens or bodies.
"""

import hashlib
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests

from sync.providers.errors import (
    ProviderAuthError,
    ProviderConflict,
    ProviderError,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
)

logger = logging.getLogger("firmsync.providers")

RETRY_STATUSES = {429, 500, 502, 503, 504}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    # Never sleep longer than this for one Retry-After; beyond it the caller reschedules.
    max_retry_after: float = 65.0

    def backoff(self, attempt: int) -> float:
        """Full jitter (AWS architecture blog): uniform between 0 and the capped exponential."""
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))


@dataclass
class Idempotency:
    """Where a provider wants the idempotency key: a query parameter or a header."""

    kind: str  # "query" or "header"
    name: str  # "requestid" (QuickBooks) or "Idempotency-Key" (Xero)


def session_new(base_url: str) -> requests.Session:
    """A session for one host that reads the proxy (honouring NO_PROXY) and CA-bundle environment
    once, here, instead of on every request: requests scans the whole environment per call when
    `trust_env` is on, which costs more CPU than building and parsing a 50-invoice batch."""
    session = requests.Session()
    session.trust_env = False
    session.proxies.update(requests.utils.get_environ_proxies(base_url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    return session


@dataclass
class HttpClient:
    provider: str
    base_url: str
    auth_headers: Callable[[], dict[str, str]] = dict
    error_parser: Callable[[requests.Response], tuple[str, str]] = lambda r: ("", r.text[:300])
    idempotency: Idempotency | None = None
    budget: "Budget | None" = None
    timeout: tuple[float, float] = (5.0, 30.0)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    session: requests.Session | None = None
    on_success: Callable[[], None] | None = None
    sleep: Callable[[float], None] = time.sleep
    calls: int = 0  # requests made (retries of one request count once): the read budgets use it

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = session_new(self.base_url)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json=None,
        data=None,
        headers: dict | None = None,
        idempotency_key: str | None = None,
        retry_writes: bool = False,
    ) -> requests.Response:
        method = method.upper()
        self.calls += 1
        params = dict(params or {})
        headers = {"Accept": "application/json", **(headers or {})}
        if idempotency_key and self.idempotency:
            if self.idempotency.kind == "query":
                params[self.idempotency.name] = idempotency_key
            else:
                headers[self.idempotency.name] = idempotency_key
        retryable = method in READ_METHODS or bool(idempotency_key) or retry_writes
        url = path if path.startswith("http") else f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        attempt = 0
        while True:
            response, error = self._send(method, url, params, json, data, headers, attempt)
            if error is None and response.status_code < 400:
                if self.on_success:
                    self.on_success()
                return response
            attempt += 1
            delay = self._retry_delay(response, error, retryable, attempt)
            if delay is None:
                raise self._error(response, error)
            self.sleep(delay)

    def _send(self, method, url, params, json, data, headers, attempt):
        if self.budget is not None:
            self.budget.acquire()
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers={**headers, **self.auth_headers()},
                timeout=self.timeout,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            self._log(method, url, None, started, attempt, type(exc).__name__)
            return None, exc
        self._log(method, url, response.status_code, started, attempt, "")
        return response, None

    def _retry_delay(self, response, error, retryable: bool, attempt: int) -> float | None:
        if attempt >= self.policy.attempts:
            return None
        if error is not None:
            return self.policy.backoff(attempt) if retryable else None
        if response.status_code not in RETRY_STATUSES:
            return None
        if response.status_code == 429:
            # A 429 means the request was not done: safe to resend even a keyless write.
            wait = retry_after_seconds(response)
            if wait is not None and wait > self.policy.max_retry_after:
                return None
            return (wait if wait is not None else self.policy.backoff(attempt)) + random.uniform(
                0, 0.25
            )
        return self.policy.backoff(attempt) if retryable else None

    def _error(self, response, error) -> ProviderError:
        if error is not None:
            return ProviderUnavailable(self.provider, f"no answer ({type(error).__name__})")
        code, message = self.error_parser(response)
        status = response.status_code
        if status == 429:
            wait = retry_after_seconds(response) or 60.0
            return ProviderRateLimited(
                self.provider, message or "rate limited", retry_after=wait, code=code
            )
        kind = {401: ProviderAuthError, 404: ProviderNotFound, 412: ProviderConflict}.get(status)
        if kind is None:
            kind = ProviderUnavailable if status >= 500 else ProviderError
        return kind(self.provider, message or response.reason, status=status, code=code)

    def _log(self, method, url, status, started, attempt, error):
        # Path only: query strings can hold codes and tokens.
        logger.info(
            "provider_call provider=%s method=%s path=%s status=%s ms=%d attempt=%d error=%s",
            self.provider,
            method,
            url.split("?")[0],
            status,
            (time.monotonic() - started) * 1000,
            attempt,
            error,
        )


def retry_after_seconds(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError):
        return None


def idempotency_key(*parts) -> str:
    """A deterministic key from (firm, target, entity, source id, source version, ...).

    Hashed so it fits every provider (QuickBooks `requestid` ≤ 50 characters, Xero ≤ 128).
    """
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return f"fs-{digest[:40]}"


class Budget:
    """What a rate budget provides: `acquire()` blocks until one more call is allowed."""

    def acquire(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError
