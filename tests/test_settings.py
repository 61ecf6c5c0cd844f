"""Bad environment values stop the process with a message naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _check(env_overrides: dict, *args: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("FIRMSYNC_TESTING", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update({"DEBUG": "True", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "nonsense://x"),
        ("DEBUG", "perhaps"),
        ("FIELD_ENCRYPTION_KEYS", "short"),
        ("CSRF_TRUSTED_ORIGINS", "example.com"),
    ],
)
def test_a_bad_value_names_the_variable(name, value):
    result = _check({name: value})
    assert result.returncode != 0
    assert name in result.stderr


def test_production_needs_a_secret_key():
    result = _check({"DEBUG": "False"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_settings_pass_check_deploy():
    from cryptography.fernet import Fernet

    result = _check(
        {
            "DEBUG": "False",
            "SECRET_KEY": "a-real-secret-" + "x7Q!k9#Lm2@pZ4$" * 4,
            "ALLOWED_HOSTS": "firmsync.example.com",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "SANDBOX_ENABLED": "False",
        },
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def _production(**overrides) -> dict:
    from cryptography.fernet import Fernet

    return {
        "DEBUG": "False",
        "SECRET_KEY": "a-real-secret-" + "x7Q!k9#Lm2@pZ4$" * 4,
        "ALLOWED_HOSTS": "firmsync.example.com",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        **overrides,
    }


def test_production_refuses_to_start_with_the_sandbox_on():
    result = _check(_production(SANDBOX_ENABLED="True"))
    assert result.returncode != 0
    assert "SANDBOX_ENABLED must be False when DEBUG is off" in result.stderr


def test_check_deploy_fails_whenever_the_sandbox_is_on():
    result = _check(
        _production(SANDBOX_ENABLED="True", SANDBOX_WITHOUT_DEBUG="True"),
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode != 0
    assert "firmsync.E001" in result.stderr + result.stdout
