"""Production static files build: hashed, compressed names for every file the templates use."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_collectstatic_builds_the_production_manifest(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FIRMSYNC_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DEBUG="False",
        SECRET_KEY="collectstatic-check-" + "k" * 40,
        ALLOWED_HOSTS="example.com",
        FIELD_ENCRYPTION_KEYS="Zmlyc3luYy1kZXYtb25seS1rZXktMDEyMzQ1Njc4OTA=",
        STATIC_ROOT_OVERRIDE=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/htmx/htmx.min.js", "vendor/pico/pico.min.css", "css/app.css"):
        assert name in paths
        assert (tmp_path / (paths[name] + ".gz")).exists()
