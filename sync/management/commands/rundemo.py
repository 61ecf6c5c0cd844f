"""Run the web server and the task worker together in the foreground; Ctrl-C stops both."""

import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand

from sync.management.commands.seed_demo import demo_logins_text


class Command(BaseCommand):
    help = "Serve FirmSync on 127.0.0.1:8000 with its task worker, until Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr: str, **options):
        python = sys.executable
        procs = [
            subprocess.Popen([python, "manage.py", "runserver", addr, "--noreload"]),
            subprocess.Popen([python, "manage.py", "qcluster"]),
        ]
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
