import os
import shutil
from pathlib import Path

import pytest
from django.test import Client

from accounts.models import Role
from tests.factories import FirmFactory, MembershipFactory
from tests.support import fast_flush

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def pytest_configure(config):
    fast_flush.install()
    config.addinivalue_line(
        "markers", "worker: starts a real task worker (manage.py qcluster) on the test database"
    )


@pytest.fixture
def firm(db):
    return FirmFactory(name="Harbor & Vale LLP", slug="hv")


@pytest.fixture
def other_firm(db):
    return FirmFactory(name="Elsewhere LLP", slug="elsewhere")


def _member(firm, role):
    return MembershipFactory(firm=firm, role=role)


@pytest.fixture
def admin(firm):
    return _member(firm, Role.ADMIN)


@pytest.fixture
def accountant(firm):
    return _member(firm, Role.ACCOUNTANT)


@pytest.fixture
def staff(firm):
    return _member(firm, Role.STAFF)


@pytest.fixture
def viewer(firm):
    return _member(firm, Role.VIEWER)


@pytest.fixture
def outsider(other_firm):
    """An admin of another firm: sees nothing of `firm`."""
    return _member(other_firm, Role.ADMIN)


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session["current_firm_id"] = membership.firm_id
    session.save()
    return client


@pytest.fixture
def admin_client(admin):
    return client_for(admin)


@pytest.fixture
def staff_client(staff):
    return client_for(staff)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


# Browser tests: Debian's chromium, never a downloaded browser.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def screenshot(page, request):
    """Call screenshot('step') to save var/screenshots/<test>-<step>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(step: str):
        page.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-{step}.png"), full_page=True)

    return take
