"""A real HTTP receiver on this machine for webhook deliveries, and a subscription to it."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from hooks import services


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    body: bytes = b"ok"


class Receiver:
    """An http.server in a thread: records every POST and answers from a queue of answers
    (then with the default, 200)."""

    def __init__(self):
        self.received: list[Received] = []
        self.answers: list[Answer] = []
        self.default = Answer()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, dict(self.headers), body))
                answer = receiver.answers.pop(0) if receiver.answers else receiver.default
                time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting (the timeout tests)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/firmsync?token=abc"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@dataclass
class Subscribed:
    subscription: object
    secret: str


def subscribe(member, url: str, events: list[str]) -> Subscribed:
    sub, secret = services.subscription_create(member=member, url=url, events=events)
    return Subscribed(sub, secret)


@pytest.fixture
def subscribed(admin, receiver) -> Subscribed:
    return subscribe(admin, receiver.url, services.subscribable())


def independent_signature_ok(secret: str, received: Received) -> bool:
    """The receiver's side of FirmSync-Signature, written from the README, not from our code."""
    parts = dict(p.split("=", 1) for p in received.headers["FirmSync-Signature"].split(","))
    expected = hmac.new(
        secret.encode(), parts["t"].encode() + b"." + received.body, hashlib.sha256
    ).hexdigest()
    fresh = abs(time.time() - int(parts["t"])) <= 300
    return fresh and hmac.compare_digest(expected, parts["v1"])
