"""The one HTTP layer every provider client uses.

A timeout on every call; retries with jittered exponential backoff, only for reads and for writes
that carry an idempotency key (so a retried write cannot land twice); a per-connection budget of
every window the provider meters, shared by every worker through the database
(sync.providers.budget); structured logs that never contain tokens or bodies.

Throttling is never an error. A refusal for throttling (a 429, QuickBooks' 3001) means the request
was not done, so it is resent, keyed or not, after the wait the provider names (or the provider's
advice when it names none), waited through `pacing.wait`: it heartbeats, and a wait past the
step's deadline raises `ProviderRateLimited` for the engine to park the run. Throttles use none of
the 5xx attempts and have no count of their own; a spent day raises at once.
"""

import hashlib
import logging
import os
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests

from sync.providers import pacing
from sync.providers.errors import (
    ProviderAuthError,
    ProviderConflict,
    ProviderError,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderUnavailable,
)

logger = logging.getLogger("firmsync.providers")

RETRY_STATUSES = {500, 502, 503, 504}
READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class RetryPolicy:
    attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 30.0
    # Outside a sync step (a page, a shell: no deadline set), waits for throttling stop here and
    # raise ProviderRateLimited instead of holding the request; inside one, the deadline decides.
    max_retry_after: float = 65.0

    def backoff(self, attempt: int) -> float:
        """Full jitter (AWS architecture blog): uniform between 0 and the capped exponential."""
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))


@dataclass(frozen=True)
class Throttle:
    """A refusal for throttling only: nothing was done, so the request may be sent again in
    `seconds` (the provider's Retry-After, or its advice when it gives none)."""

    scope: str  # minute, second, day, batch, app, concurrent
    seconds: float
    # The provider did not say which window (QuickBooks: no Retry-After, one fault for all): the
    # scope is a guess, which the budget may narrow from its own count.
    guessed: bool = False


@dataclass(frozen=True)
class Seen:
    """What a response says is left of one of the provider's windows, and when it resets."""

    scope: str
    remaining: int
    reset: float | None = None  # epoch seconds; None when the provider does not say


def throttle_429(response: requests.Response) -> Throttle | None:
    """A 429 is a throttle; without Retry-After, wait a minute (scaled) as most providers say."""
    if response.status_code != 429:
        return None
    wait = retry_after_seconds(response)
    return Throttle("minute", pacing.scaled(60.0) if wait is None else wait)


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
    # The provider's throttle answers and the limit headers it sends (see its client module).
    throttle_of: Callable[[requests.Response], Throttle | None] = throttle_429
    limits_seen: Callable[[requests.Response], list[Seen]] = lambda r: []
    sleep: Callable[[float], None] = time.sleep  # 5xx and dropped-connection backoff
    # Throttles wait through pacing.wait (heartbeats, the step's deadline) unless told otherwise.
    wait: Callable[..., None] | None = None
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
        meter: str = "",
    ) -> requests.Response:
        """`meter` names a window only some requests count in ("batch" for QuickBooks)."""
        method = method.upper()
        self.calls += 1
        params = dict(params or {})
        headers = {"Accept": "application/json", **(headers or {})}
        keyed = bool(idempotency_key and self.idempotency)
        if keyed and self.idempotency:
            if self.idempotency.kind == "query":
                params[self.idempotency.name] = idempotency_key
            else:
                headers[self.idempotency.name] = idempotency_key
        # A key the provider does not take (Clio) is not sent, so it makes no write safe to resend.
        retryable = method in READ_METHODS or keyed or retry_writes
        url = path if path.startswith("http") else f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"
        attempt, throttled_for = 0, 0.0
        while True:
            with self.budget.call(meter) if self.budget is not None else nullcontext():
                response, error = self._send(method, url, params, json, data, headers, attempt)
            if error is None:
                throttle = self.throttle_of(response) if response.status_code >= 400 else None
                if throttle is not None:
                    # Learnt from the throttle, which says when the window reopens; its
                    # "0 remaining" headers do not.
                    throttled_for += self._throttled(response, throttle, throttled_for)
                    continue
                self._learn(response)
                if response.status_code < 400:
                    if self.on_success:
                        self.on_success()
                    return response
            attempt += 1
            delay = self._retry_delay(response, error, retryable, attempt)
            if delay is None:
                raise self._error(response, error)
            self.sleep(delay)

    def _learn(self, response: requests.Response) -> None:
        if self.budget is not None:
            for seen in self.limits_seen(response):
                self.budget.learn(seen.scope, seen.remaining, seen.reset)

    def _throttled(self, response, throttle: Throttle, so_far: float) -> float:
        """Wait out one throttle (or raise); the seconds waited."""
        if throttle.guessed and not so_far and self.budget is not None:
            throttle = self.budget.narrowed(throttle)  # a second refusal is taken as guessed
        # At least a provider second: "Retry-After: 0" would otherwise resend in a tight loop.
        seconds = max(throttle.seconds, pacing.scaled(1.0))
        if self.budget is not None and throttle.scope != "concurrent":
            # Every worker holds back until then, not only this one.
            self.budget.refused(throttle.scope, time.time() + seconds)
        deadline = pacing.deadline()
        if deadline is None:
            too_long = so_far + seconds > self.policy.max_retry_after
        else:
            too_long = time.time() + seconds > deadline  # pacing.wait would raise, without the code
        if throttle.scope == "day" or too_long:
            code, message = self.error_parser(response)
            raise ProviderRateLimited(
                self.provider,
                message or "rate limited",
                retry_after=seconds,
                code=code,
                scope=throttle.scope,
            )
        # A little jitter, so that workers refused together do not all come back together.
        seconds += random.uniform(0, min(0.25, seconds / 10))
        wait = self.wait or pacing.wait
        wait(self.provider, seconds, why=f"{throttle.scope} limit", scope=throttle.scope)
        return seconds

    def _send(self, method, url, params, json, data, headers, attempt):
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
        return self.policy.backoff(attempt) if retryable else None

    def _error(self, response, error) -> ProviderError:
        if error is not None:
            return ProviderUnavailable(self.provider, f"no answer ({type(error).__name__})")
        code, message = self.error_parser(response)
        status = response.status_code
        if status == 429:
            wait = retry_after_seconds(response) or pacing.scaled(60.0)
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
    """What a connection's rate budget provides (sync.providers.budget.DbBudget)."""

    def call(self, meter: str = "") -> AbstractContextManager[None]:  # pragma: no cover
        """Held around one request: waits until every window (and a concurrency slot) allows
        it, counts it, and frees the slot when the request is over."""
        raise NotImplementedError

    def learn(self, scope: str, remaining: int, reset: float | None = None) -> None:
        """The provider says `remaining` calls are left in its `scope` window until `reset`."""

    def refused(self, scope: str, until: float) -> None:
        """The provider refused a call for its `scope` window until `until` (epoch)."""

    def narrowed(self, throttle: Throttle) -> Throttle:
        """A throttle whose window the provider did not name, as our count explains it."""
        return throttle
