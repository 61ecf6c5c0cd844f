"""The environment every benchmark process shares (settings come from the environment,
firmsync/settings.py): one database, the sandbox on, production-like settings (DEBUG off, so no
query log inflates the engine's CPU), and SITE_URL pointing at the benchmark's own server, which
also moves every provider base URL and the webhook callbacks there."""

import os
from pathlib import Path

from bench.processes import BASE_DIR

SQLITE_PATH = BASE_DIR / "var" / "bench.sqlite3"
# Not secrets: a throwaway database on 127.0.0.1. The Fernet key is the development key the
# Makefile's collectstatic uses; every process must share it to read the stored tokens.
SECRET_KEY = "bench-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz-0123456789"
FERNET_KEY = "Zmlyc3luYy1kZXYtb25seS1rZXktMDEyMzQ1Njc4OTA="


def database_url() -> tuple[str, Path | None]:
    """DATABASE_URL when the caller set one, else a dedicated SQLite file (WAL, see settings)."""
    given = os.environ.get("DATABASE_URL", "")
    if given:
        return given, None
    return f"sqlite:///{SQLITE_PATH}", SQLITE_PATH


def fresh_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def bench_environment(*, port: int, db_url: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "firmsync.settings",
        "DATABASE_URL": db_url,
        "DEBUG": "False",
        "FIRMSYNC_TESTING": "False",  # tests run tasks inline; here the worker runs them
        "SECRET_KEY": SECRET_KEY,
        "FIELD_ENCRYPTION_KEYS": FERNET_KEY,
        "SANDBOX_ENABLED": "True",
        "SANDBOX_WITHOUT_DEBUG": "True",  # on purpose: the sandbox with production-like settings
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        # The server and the worker log at INFO to their files under var/bench/.
        "LOG_LEVEL": "INFO",
    }


# In this process one line per provider call would drown the progress lines, and cost CPU the
# engine does not spend in production, where logs go to a collector.
BENCH_LOG_LEVEL = "WARNING"


def apply(values: dict[str, str]) -> dict[str, str]:
    """Set `values` in this process's environment; returns the full environment for children."""
    os.environ.update(values)
    return dict(os.environ)
