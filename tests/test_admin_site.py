"""The Django admin sits behind allauth's sign-in with two-factor; its own login form is gone."""

import os
import subprocess
import sys

import pyotp
import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.factories import PASSWORD, UserFactory
from tests.test_settings import ROOT, _production

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(email="root@example.test", is_staff=True, is_superuser=True)


def _with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def _sign_in(client, user, secret: str | None = None, next_url: str = "/admin/"):
    answer = client.post(
        f"/accounts/login/?next={next_url}", {"login": user.email, "password": PASSWORD}
    )
    if secret:
        assert answer["Location"].startswith("/accounts/2fa/authenticate/")
        answer = client.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(secret).now()})
    return answer


def test_the_admin_login_sends_people_to_the_sign_in_page(client, superuser):
    answer = client.get("/admin/login/?next=/admin/accounts/firm/")
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/login/?next=/admin/accounts/firm/"


def test_the_admin_login_form_does_not_sign_anyone_in(client, superuser):
    _with_totp(superuser)
    client.post("/admin/login/", {"username": superuser.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/accounts/firm/").status_code == 302


def test_a_password_alone_does_not_open_the_admin(client, superuser):
    _sign_in(client, superuser)
    assert client.session["_auth_user_id"] == str(superuser.pk)
    assert client.get("/admin/accounts/firm/", follow=True).status_code == 403
    assert client.get("/admin/login/").status_code == 403


def test_the_django_admin_lists_firms_after_a_two_factor_sign_in(client, superuser, admin):
    secret = _with_totp(superuser)
    answer = _sign_in(client, superuser, secret, next_url="/admin/accounts/membership/")
    assert answer["Location"] == "/admin/accounts/membership/"
    body = client.get("/admin/accounts/membership/").content.decode()
    assert admin.user.email in body and admin.firm.name.replace("&", "&amp;") in body


def test_members_who_are_not_staff_get_nothing_even_with_two_factor(client, admin):
    secret = _with_totp(admin.user)
    _sign_in(client, admin.user, secret)
    assert client.get("/admin/login/").status_code == 403
    assert client.get("/admin/accounts/firm/", follow=True).status_code == 403


def test_the_admin_is_not_mounted_in_production_unless_turned_on():
    probe = (
        "from django.urls import Resolver404, resolve\n"
        "try:\n    resolve('/admin/login/'); print('mounted')\n"
        "except Resolver404:\n    print('absent')\n"
    )

    def run(**overrides):
        env = {k: v for k, v in os.environ.items() if k not in ("FIRMSYNC_TESTING",)}
        env.update(_production(SANDBOX_ENABLED="False", **overrides))
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", probe],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert run() == "absent"
    assert run(ADMIN_ENABLED="True") == "mounted"
