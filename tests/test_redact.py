"""Secrets carried in URLs never reach a log line: Django's loggers, the dev server, gunicorn."""

import io
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest

from firmsync.redact import GunicornLogger, RedactFilter, redact

TOKEN = "Zq8xwebhooktokenthatistheonlysecret_1234"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (f"POST /webhooks/clio/{TOKEN}/ HTTP/1.1", "POST /webhooks/clio/[redacted]/ HTTP/1.1"),
        (f"GET /invitations/{TOKEN}/", "GET /invitations/[redacted]/"),
        (f"/accounts/password/reset/key/1-{TOKEN}/", "/accounts/password/reset/key/[redacted]/"),
        (f"/accounts/confirm-email/{TOKEN}/", "/accounts/confirm-email/[redacted]/"),
        (
            f"GET /settings/bill-syncing/callback/clio/?code={TOKEN}&state={TOKEN}&realmId=9",
            "GET /settings/bill-syncing/callback/clio/?code=[redacted]&state=[redacted]&realmId=9",
        ),
        ("GET /matters/?q=smith", "GET /matters/?q=smith"),
    ],
)
def test_secrets_in_urls_are_redacted(line, kept):
    assert redact(line) == kept


def _emit(logger_name: str, msg: str, *args) -> str:
    """What the configured handlers of `logger_name` write, captured from their streams."""
    logger = logging.getLogger(logger_name)
    handlers, current = [], logger
    while current is not None:  # the handlers a record reaches, as Logger.callHandlers walks
        handlers += current.handlers
        current = current.parent if current.propagate else None
    # settings.LOGGING's stream handlers, not pytest's capture handler.
    configured = [h for h in handlers if type(h) is logging.StreamHandler]
    assert configured, f"{logger_name} has no configured handler"
    out = io.StringIO()
    for handler in configured:
        assert any(isinstance(f, RedactFilter) for f in handler.filters)
        old = handler.setStream(out)
        try:
            logger.warning(msg, *args)
        finally:
            handler.setStream(old)
    return out.getvalue()


def test_the_dev_servers_access_line_hides_the_webhook_token():
    written = _emit("django.server", '"%s" %s %s', f"POST /webhooks/clio/{TOKEN}/ HTTP/1.1", 401, 7)
    assert "/webhooks/clio/[redacted]/" in written and TOKEN not in written


def test_django_request_warnings_hide_the_webhook_token():
    written = _emit("django.request", "%s: %s", "Unauthorized", f"/webhooks/clio/{TOKEN}/")
    assert "Unauthorized: /webhooks/clio/[redacted]/" in written and TOKEN not in written


def test_gunicorns_access_log_hides_the_webhook_token():
    from gunicorn.config import Config

    logger = GunicornLogger(Config())
    path = f"/webhooks/clio/{TOKEN}/"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": f"code={TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.1",
    }
    resp = SimpleNamespace(status="401 Unauthorized", response_length=12, sent=12, headers=[])
    req = SimpleNamespace(headers=[])
    atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=5))
    line = logger.cfg.access_log_format % logger.atoms_wrapper_class(atoms)
    assert '"POST /webhooks/clio/[redacted]/ HTTP/1.1" 401' in line and TOKEN not in line
