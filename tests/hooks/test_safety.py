"""Which endpoint URLs FirmSync will POST to."""

import pytest
from django.core.exceptions import ValidationError

from hooks import sending, services
from hooks.safety import url_check
from tests.hooks.conftest import subscribe


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "https://10.0.0.8/hook",
        "https://192.168.1.20/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_loopback_and_link_local_hosts_are_refused(url, settings):
    settings.HOOKS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError, match="private or local address"):
        url_check(url)


@pytest.mark.parametrize(
    "url", ["ftp://example.test/x", "file:///etc/passwd", "https:///nohost", "javascript:alert(1)"]
)
def test_only_http_and_https_urls_with_a_host_are_taken(url, settings):
    settings.HOOKS_ALLOW_PRIVATE_URLS = True
    with pytest.raises(ValidationError, match="http:// or https://"):
        url_check(url)


def test_credentials_in_the_url_are_refused(settings):
    with pytest.raises(ValidationError, match="passwords"):
        url_check("https://user:pass@example.test/hook")


def test_a_public_address_is_taken(settings):
    settings.HOOKS_ALLOW_PRIVATE_URLS = False
    url_check("https://93.184.216.34/hook")  # an address literal: no DNS needed
    url_check("http://[2606:2800:220:1:248:1893:25c8:1946]/hook")


def test_the_setting_is_on_in_tests_so_a_local_receiver_can_be_used(settings):
    assert settings.HOOKS_ALLOW_PRIVATE_URLS is True
    url_check("http://127.0.0.1:8123/hook")


def test_a_host_that_turned_private_since_it_was_saved_is_not_sent_to(admin, receiver, settings):
    made = subscribe(admin, receiver.url, ["bill.synced"])
    settings.HOOKS_ALLOW_PRIVATE_URLS = False
    d = services.subscription_ping(member=admin, subscription=made.subscription)
    d = sending.delivery_send(delivery_id=d.pk)
    assert d.status == "pending" and "private or local address" in d.last_error
    assert receiver.received == []
