"""The processes the benchmark starts (web server, task worker): each in its own process group,
logged to a file, and stopped with its children however the benchmark ends."""

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class Service:
    name: str
    proc: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


_running: list[Service] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name: str, argv: list[str], env: dict[str, str], log_dir: Path) -> Service:
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with log.open("ab") as out:
        # A new session makes the child a process-group leader, so stop() reaches its workers.
        proc = subprocess.Popen(
            argv,
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service = Service(name, proc, log)
    _running.append(service)
    return service


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def stop(service: Service, grace: float = 15.0) -> None:
    if service in _running:
        _running.remove(service)
    if not service.alive():
        return
    _signal_group(service, signal.SIGTERM)
    try:
        service.proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal_group(service, signal.SIGKILL)
        service.proc.wait(timeout=grace)


def _signal_group(service: Service, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # the group has already gone
        os.killpg(service.proc.pid, sig)


def stop_all() -> None:
    for service in list(reversed(_running)):
        stop(service)


def _on_signal(signum, frame) -> None:
    stop_all()
    sys.exit(128 + signum)


def install_cleanup() -> None:
    """Stop every started process at exit, on Ctrl-C and on SIGTERM."""
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


class ServiceDied(RuntimeError):
    pass


def wait_until(
    ready: Callable[[], bool], *, timeout: float, service: Service | None = None, every=0.2
) -> float:
    """Poll `ready` until it is true; returns the seconds waited. Raises TimeoutError, or
    ServiceDied (with the end of its log) when the service stops first."""
    started = time.monotonic()
    while not ready():
        if service is not None and not service.alive():
            raise ServiceDied(f"{service.name} stopped:\n{service.log_tail()}")
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"Still waiting after {timeout:.0f} s.")
        time.sleep(every)
    return time.monotonic() - started


def http_ok(url: str) -> Callable[[], bool]:
    def ready() -> bool:
        try:
            return requests.get(url, timeout=2).status_code < 500
        except requests.RequestException:
            return False

    return ready


def kill(service: Service) -> None:
    """SIGKILL the service's whole process group at once, as a crashed host or an OOM kill would:
    nothing gets to finish or clean up."""
    if service in _running:
        _running.remove(service)
    _signal_group(service, signal.SIGKILL)
    service.proc.wait(timeout=30)
