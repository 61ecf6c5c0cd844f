"""The shared HTTP layer against a scripted local HTTP server (real sockets, no provider)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sync.providers import pacing
from sync.providers.clio.client import clio_throttle
from sync.providers.errors import (
    ProviderAuthError,
    ProviderConflict,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from sync.providers.http import HttpClient, Idempotency, RetryPolicy
from sync.providers.quickbooks.client import quickbooks_error, quickbooks_throttle
from sync.providers.xero.client import xero_throttle


class Script:
    """Answers requests from a list of (status, headers, body); records what arrived."""

    def __init__(self):
        self.replies: list[tuple[int, dict, dict]] = []
        self.seen: list[dict] = []


@pytest.fixture
def server():
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            script.seen.append(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": body,
                }
            )
            status, headers, payload = script.replies.pop(0) if script.replies else (200, {}, {})
            if status == 0:  # drop the connection without answering
                self.close_connection = True
                self.connection.shutdown(2)
                return
            raw = json.dumps(payload).encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _reply

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{httpd.server_port}"
    yield script
    httpd.shutdown()


def client(server, **kwargs) -> tuple[HttpClient, list[float]]:
    """A client whose backoff sleeps and throttle waits are recorded, not slept."""
    sleeps: list[float] = []
    http = HttpClient(
        provider="test",
        base_url=server.url,
        policy=RetryPolicy(attempts=4, base_seconds=0.01),
        sleep=sleeps.append,
        wait=lambda provider, seconds, **kw: sleeps.append(seconds),
        timeout=(2, 2),
        **kwargs,
    )
    return http, sleeps


def test_a_read_is_retried_after_5xx_and_succeeds(server):
    server.replies = [(503, {}, {}), (502, {}, {}), (200, {}, {"ok": True})]
    http, sleeps = client(server)
    assert http.request("GET", "/things").json() == {"ok": True}
    assert len(server.seen) == 3 and len(sleeps) == 2


def test_retry_after_is_honoured_on_429(server):
    server.replies = [(429, {"Retry-After": "7"}, {}), (200, {}, {})]
    http, sleeps = client(server)
    http.request("POST", "/write")  # a 429 means nothing was done: even a keyless write is resent
    assert 7 <= sleeps[0] < 7.3


def test_a_keyless_write_is_not_retried_after_a_5xx(server):
    server.replies = [(500, {}, {}), (200, {}, {})]
    http, _ = client(server)
    with pytest.raises(ProviderUnavailable):
        http.request("POST", "/write", json={"a": 1})
    assert len(server.seen) == 1


def test_a_keyed_write_is_retried_with_the_same_key_after_a_dropped_connection(server):
    server.replies = [(0, {}, {}), (200, {}, {"Id": "1"})]
    http, _ = client(server, idempotency=Idempotency("header", "Idempotency-Key"))
    assert http.request("PUT", "/Invoices", json={}, idempotency_key="k-1").json() == {"Id": "1"}
    assert [s["headers"]["Idempotency-Key"] for s in server.seen] == ["k-1", "k-1"]


def test_a_key_the_provider_does_not_take_does_not_make_a_write_retryable(server):
    # Clio takes no idempotency key: a write given one (an automation step's) still went out
    # bare, and resending it after a dropped connection made the record twice.
    server.replies = [(0, {}, {}), (201, {}, {"data": {"id": 1}})]
    http, _ = client(server)
    with pytest.raises(ProviderUnavailable):
        http.request("POST", "/contacts.json", json={}, idempotency_key="k-1")
    assert len(server.seen) == 1 and "Idempotency-Key" not in server.seen[0]["headers"]


def test_a_query_style_key_goes_in_the_query_string(server):
    http, _ = client(server, idempotency=Idempotency("query", "requestid"))
    http.request("POST", "/v3/company/1/invoice", json={}, idempotency_key="abc")
    assert server.seen[0]["path"].endswith("?requestid=abc")


def test_errors_are_typed_with_the_providers_code(server):
    http, _ = client(server, error_parser=lambda r: (r.json()["code"], r.json()["msg"]))
    for status, payload, kind in [
        (401, {"code": "AuthenticationFailed", "msg": "expired"}, ProviderAuthError),
        (412, {"code": "Precondition", "msg": "etag"}, ProviderConflict),
        (400, {"code": "6140", "msg": "Duplicate Document Number Error"}, ProviderError),
    ]:
        server.replies = [(status, {}, payload)]
        with pytest.raises(kind) as err:
            http.request("GET", "/x")
        assert err.value.code == payload["code"] and err.value.status == status


def test_a_long_retry_after_is_handed_to_the_caller(server):
    server.replies = [(429, {"Retry-After": "3600"}, {})]
    http, sleeps = client(server)
    with pytest.raises(ProviderRateLimited) as err:
        http.request("GET", "/x")
    assert err.value.retry_after == 3600 and sleeps == []


def test_retries_stop_after_the_policy_attempts(server):
    server.replies = [(503, {}, {})] * 10
    http, sleeps = client(server)
    with pytest.raises(ProviderUnavailable):
        http.request("GET", "/x")
    assert len(server.seen) == 4 and len(sleeps) == 3


def test_auth_headers_are_sent_and_never_logged(server, caplog):
    http, _ = client(server, auth_headers=lambda: {"Authorization": "Bearer secret-token-value"})
    with caplog.at_level("INFO", logger="firmsync.providers"):
        http.request("GET", "/x", params={"code": "also-secret"})
    assert server.seen[0]["headers"]["Authorization"] == "Bearer secret-token-value"
    assert "secret" not in caplog.text and "provider_call" in caplog.text


def test_429s_use_none_of_the_retries_and_have_no_count_of_their_own(server):
    server.replies = [(429, {"Retry-After": "1"}, {})] * 6 + [(503, {}, {})] * 3 + [(200, {}, {})]
    http, sleeps = client(server)  # 4 attempts: 3 retries after 5xx
    assert http.request("GET", "/x").status_code == 200
    assert len(server.seen) == 10 and len(sleeps) == 9


def test_a_keyed_write_resent_after_a_429_keeps_its_key(server):
    server.replies = [(429, {"Retry-After": "2"}, {}), (200, {}, {"Id": "9"})]
    http, sleeps = client(server, idempotency=Idempotency("query", "requestid"))
    assert http.request("POST", "/invoice", json={}, idempotency_key="k-9").json() == {"Id": "9"}
    assert [s["path"] for s in server.seen] == ["/invoice?requestid=k-9"] * 2
    assert 2 <= sleeps[0] < 2.25


def test_a_429_whose_wait_ends_past_the_step_deadline_raises_with_its_scope(server):
    server.replies = [(429, {"Retry-After": "30"}, {"code": "Throttled", "msg": "slow down"})]
    http, sleeps = client(server, error_parser=lambda r: (r.json()["code"], r.json()["msg"]))
    with pacing.step_deadline(time.time() + 10), pytest.raises(ProviderRateLimited) as err:
        http.request("GET", "/x")
    assert (err.value.retry_after, err.value.scope, err.value.code) == (30, "minute", "Throttled")
    assert sleeps == []


def test_a_429_within_the_step_is_waited_through_pacing(server):
    server.replies = [(429, {"Retry-After": "0"}, {}), (200, {}, {})]
    http = HttpClient(provider="test", base_url=server.url, timeout=(2, 2))
    heard: list[tuple[str, float | None]] = []
    with pacing.step_deadline(time.time() + 10), pacing.listening(lambda *a: heard.append(a)):
        started = time.monotonic()
        assert http.request("GET", "/x").status_code == 200
    assert time.monotonic() - started >= 1  # a provider second at least, never a tight loop
    assert heard[0][0] == "test" and heard[0][1] is not None and heard[-1] == ("test", None)


def test_quickbooks_older_403_with_fault_3001_is_a_throttle_of_its_batch_window(server, settings):
    settings.SANDBOX_TIME_SCALE = 60.0  # Intuit's 60 s is one second here
    fault = {"Fault": {"Error": [{"code": "3001", "Message": "ThrottleExceeded"}]}}
    server.replies = [(403, {}, fault), (200, {}, {"BatchItemResponse": []})]
    http, sleeps = client(server, throttle_of=quickbooks_throttle, error_parser=quickbooks_error)
    assert http.request("POST", "/v3/company/1/batch", json={}).status_code == 200
    assert 1 <= sleeps[0] < 1.15 and len(server.seen) == 2


def test_a_quickbooks_403_that_is_not_3001_is_an_error(server):
    fault = {"Fault": {"Error": [{"code": "3100", "Message": "ApplicationAuthorizationFailed"}]}}
    server.replies = [(403, {}, fault)]
    http, _ = client(server, throttle_of=quickbooks_throttle, error_parser=quickbooks_error)
    with pytest.raises(ProviderError) as err:
        http.request("GET", "/v3/company/1/preferences")
    assert err.value.code == "3100" and not isinstance(err.value, ProviderRateLimited)


def test_xero_concurrent_429_without_retry_after_waits_a_second(server):
    server.replies = [(429, {"X-Rate-Limit-Problem": "concurrent"}, {}), (200, {}, {})]
    http, sleeps = client(server, throttle_of=xero_throttle)
    http.request("GET", "/Organisation")
    assert 1 <= sleeps[0] < 1.15


def test_xero_app_minute_429_names_the_app_limit(server):
    problem = {"X-Rate-Limit-Problem": "appminute", "Retry-After": "40"}
    server.replies = [(429, problem, {})]
    http, _ = client(server, throttle_of=xero_throttle)
    with pacing.step_deadline(time.time() + 5), pytest.raises(ProviderRateLimited) as err:
        http.request("GET", "/Invoices")
    assert (err.value.scope, err.value.retry_after) == ("app", 40)


def test_clio_429_without_retry_after_waits_for_its_window_reset(server):
    reset = str(int(time.time()) + 3)
    server.replies = [(429, {"X-RateLimit-Reset": reset, "X-RateLimit-Remaining": "0"}, {})]
    server.replies.append((200, {}, {}))
    http, sleeps = client(server, throttle_of=clio_throttle)
    http.request("GET", "/api/v4/users/who_am_i.json")
    assert 1.5 < sleeps[0] <= 3.35
