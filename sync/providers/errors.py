"""The only errors provider clients raise. Each carries the provider's own code and message."""

import time


class ProviderError(Exception):
    """A provider answered with an error we cannot retry our way out of."""

    def __init__(self, provider: str, message: str, *, status: int | None = None, code: str = ""):
        super().__init__(f"{provider}: {message}" + (f" (code {code})" if code else ""))
        self.provider = provider
        self.message = message
        self.status = status
        self.code = code


class ProviderAuthError(ProviderError):
    """The token is expired, revoked or refused (401, invalid_grant): the firm must reconnect."""


class ProviderRateLimited(ProviderError):
    """A limit that will not reopen within this step: try again in `retry_after` seconds.

    `scope` names the provider's window, for the words a person reads ("waiting for Xero's day
    limit"): minute, second, day, batch (QuickBooks' batch calls), app (every firm's calls
    through our app), concurrent. `resume_at` is when that is, as an epoch: `retry_after` counts
    from the moment of the raise.
    """

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        retry_after: float,
        status: int = 429,
        code: str = "",
        scope: str = "minute",
    ):
        super().__init__(provider, message, status=status, code=code)
        self.retry_after = retry_after
        self.resume_at = time.time() + retry_after
        self.scope = scope


class ProviderUnavailable(ProviderError):
    """5xx, timeouts and dropped connections that outlasted our retries."""


class ProviderConflict(ProviderError):
    """Someone else changed the record first (Clio 412, QuickBooks 5010): re-read and retry."""


class ProviderNotFound(ProviderError):
    pass
