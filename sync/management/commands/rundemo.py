"""Run the web server and the task worker together in the foreground; Ctrl-C stops both."""

import signal
import subprocess
import sys
import time

import requests
from django.conf import settings
from django.core.management.base import BaseCommand

from sync.management.commands.seed_demo import demo_logins_text


class Command(BaseCommand):
    help = "Serve FirmSync on 127.0.0.1:8000 with its task worker, until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options):
        python = sys.executable
        procs = [subprocess.Popen([python, "manage.py", "runserver", addr, "--noreload"])]
        if settings.SANDBOX_ENABLED and _wait_until_up(f"http://{addr}/healthz"):
            # The sandbox providers answer on this same server: set the demo up through them.
            subprocess.run(
                [python, "manage.py", "sandbox_demo", "--base-url", f"http://{addr}"], check=False
            )
        procs.append(subprocess.Popen([python, "manage.py", "qcluster"]))
        self.stdout.write(demo_logins_text())
        self.stdout.write(
            self.style.SUCCESS(
                f"FirmSync is at http://{addr}/  (Ctrl-C stops the server and worker)"
            )
        )
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        self.stdout.write("Stopped.")


def _wait_until_up(url: str, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False
