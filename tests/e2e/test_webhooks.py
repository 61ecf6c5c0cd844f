"""Outbound webhooks in a real browser: an admin adds an endpoint (a real HTTP receiver on this
machine), copies the signing secret shown once, sends a test event and sees it delivered, signed
so that the receiver's own check passes. The endpoint then fails; the log says so, and once it is
fixed, Redeliver sends the same event again and the log shows it delivered."""

import json

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from hooks.models import Delivery, Subscription
from tests.e2e.test_foundation import sign_in
from tests.hooks.conftest import Answer, Receiver, independent_signature_ok

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_admin_adds_an_endpoint_tests_it_and_redelivers_a_failed_event(
    page, live_server, screenshot, admin, receiver
):
    sign_in(page, live_server, admin.user.email)
    page.goto(f"{live_server.url}{reverse('webhooks')}")
    expect(page.get_by_test_id("empty-state")).to_contain_text("No webhooks yet")

    page.get_by_label("Endpoint URL").fill(receiver.url)
    page.get_by_label("Description").fill("Practice dashboard")
    page.get_by_label("bill.synced", exact=False).check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_test_id("new-secret").inner_text().strip()
    assert secret
    expect(page.get_by_test_id("subscriptions")).to_contain_text("Practice dashboard")
    screenshot("1-subscribed")

    page.get_by_role("link", name="Open its delivery log").click()
    page.get_by_role("button", name="Send test event").click()
    delivered = Delivery.objects.get(type="ping")
    row = page.get_by_test_id(f"delivery-{delivered.pk}")
    expect(row).to_contain_text("Delivered")
    expect(row).to_contain_text("200")
    (ping,) = receiver.received
    assert json.loads(ping.body)["type"] == "ping"
    assert independent_signature_ok(secret, ping)
    screenshot("2-delivered")

    # The endpoint breaks: the next test event is refused and the log says so.
    receiver.default = Answer(status=500, body=b"down for maintenance")
    page.get_by_role("button", name="Send test event").click()
    failing = Delivery.objects.filter(type="ping").exclude(pk=delivered.pk).get()
    row = page.get_by_test_id(f"delivery-{failing.pk}")
    expect(row).to_contain_text("500")
    expect(row).not_to_contain_text("Delivered")
    screenshot("3-refused")

    # Fixed: Redeliver sends the same event (same id) again, and it lands.
    receiver.default = Answer()
    with page.expect_response(lambda r: "redeliver" in r.url):
        row.get_by_role("button", name="Redeliver").click()
    page.reload()
    expect(page.get_by_test_id(f"delivery-{failing.pk}")).to_contain_text("Delivered")
    again = receiver.received[-1]
    assert json.loads(again.body)["id"] == str(failing.event_id)
    assert independent_signature_ok(secret, again)
    assert Subscription.objects.get().failures_in_row == 0
    screenshot("4-redelivered")
