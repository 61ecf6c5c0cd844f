"""Provider errors in words a bookkeeper can act on, each with the place to fix it.

What every provider shares is here (authorisation, an unavailable provider); each provider's own
codes and messages are in its package (`sync/providers/<name>/explain.py`). Anything unknown still
says what the provider said and where to look.
"""

from sync.engine.registry import PROVIDERS
from sync.providers.base import Explanation

AUTH = Explanation(
    "The connection's authorisation was refused. Reconnect it on the Bill Syncing page.",
    "Reconnect",
    "reconnect",
)
UNAVAILABLE = Explanation(
    "The provider did not answer in time or was busy. FirmSync retries on its own; retry now if "
    "it has been a while.",
    "Retry",
    "retry",
)
UNKNOWN = Explanation(
    "The provider refused the record; its words are below.",
    "Retry",
    "retry",
)


def explain(provider: str, code: str, message: str) -> Explanation:
    if code in {"auth", "401", "AuthenticationFailed", "invalid_grant"}:
        return AUTH
    if code in {"unavailable", "rate_limited", "429", "500", "503"}:
        return UNAVAILABLE
    books_explain = PROVIDERS[provider].explain if provider in PROVIDERS else None
    return (books_explain and books_explain(code, message)) or UNKNOWN
