"""Secrets that travel in URLs never reach a log line.

A Clio webhook URL carries the token that is its only credential, an invitation link its token,
allauth's password-reset and email-confirmation links their keys, and an OAuth callback its
`code` and `state`. Every handler in settings.LOGGING runs `RedactFilter`; gunicorn's access log
runs through `GunicornLogger` (see the Dockerfile).
"""

import logging
import re

from gunicorn import glogging

REDACTED = "[redacted]"

_SECRET_PATHS = re.compile(
    r"(?P<prefix>/webhooks/clio/|/invitations/|/accounts/password/reset/key/"
    r"|/accounts/confirm-email/)[^/\s?\"']+"
)
_SECRET_PARAMS = re.compile(
    r"(?P<prefix>[?&](?:code|state|token|key|secret|password|access_token|refresh_token)=)"
    r"[^&\s\"']*",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    text = _SECRET_PATHS.sub(rf"\g<prefix>{REDACTED}", text)
    return _SECRET_PARAMS.sub(rf"\g<prefix>{REDACTED}", text)


class RedactFilter(logging.Filter):
    """Rewrites the formatted message and keeps the record: dropping lines would hide attacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's access log writes the request line itself, outside Django's LOGGING."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
