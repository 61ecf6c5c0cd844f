"""The Webhooks pages: empty state, adding an endpoint, the log, redelivery with htmx."""

from django.urls import reverse

from accounts.models import Role
from hooks import sending, services
from hooks.models import Subscription
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.hooks.conftest import Answer, subscribe


def test_the_page_shows_a_clear_empty_state_and_how_to_verify(admin_client):
    page = admin_client.get(reverse("webhooks")).content.decode()
    assert 'data-testid="empty-state"' in page and "No webhooks yet" in page
    assert "FirmSync-Signature" in page and "hmac.compare_digest" in page
    assert 'name="url"' in page and 'value="bill.synced"' in page


def test_the_settings_menu_links_the_page_for_admins_only(admin_client, firm):
    assert reverse("webhooks") in admin_client.get(reverse("api_tokens")).content.decode()
    staff = client_for(MembershipFactory(firm=firm, role=Role.STAFF))
    assert reverse("webhooks") not in staff.get(reverse("api_tokens")).content.decode()


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(admin_client, receiver):
    response = admin_client.post(
        reverse("webhooks"),
        {"url": receiver.url, "description": "Our ERP", "events": ["bill.synced", "bill.failed"]},
    )
    page = response.content.decode()
    sub = Subscription.objects.get()
    assert response.status_code == 200 and sub.secret in page
    assert sub.events == ["bill.synced", "bill.failed"] and sub.description == "Our ERP"
    again = admin_client.get(reverse("webhooks")).content.decode()
    assert sub.secret not in again and "Our ERP" in again


def test_a_bad_url_is_shown_on_the_form(admin_client, settings):
    settings.HOOKS_ALLOW_PRIVATE_URLS = False
    page = admin_client.post(
        reverse("webhooks"), {"url": "http://127.0.0.1/x", "events": ["bill.synced"]}, follow=True
    ).content.decode()
    assert "private or local address" in page and not Subscription.objects.exists()


def test_the_detail_page_shows_the_log_and_redelivers_with_htmx(
    admin, admin_client, receiver, django_capture_on_commit_callbacks
):
    made = subscribe(admin, receiver.url, ["bill.synced"])
    receiver.answers = [Answer(500, body=b"down for maintenance")]
    d = services.subscription_ping(member=admin, subscription=made.subscription)
    sending.delivery_send(delivery_id=d.pk)
    page = admin_client.get(reverse("webhook_detail", args=[made.subscription.pk])).content
    page = page.decode()
    assert f'data-testid="delivery-{d.pk}"' in page and "answered 500" in page
    assert "Send test event" in page and "Roll secret" in page
    assert made.secret not in page
    with django_capture_on_commit_callbacks(execute=True):
        row = admin_client.post(
            reverse("webhook_redeliver", args=[d.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
    # The row comes back at once, the event queued; the send follows the commit.
    assert row.startswith(f'<tr id="delivery-{d.pk}"') and "Pending" in row
    assert len(receiver.received) == 2
    d.refresh_from_db()
    assert d.status == "delivered"


def test_the_log_filters_by_status(admin, admin_client, receiver):
    made = subscribe(admin, receiver.url, ["bill.synced"])
    d = services.subscription_ping(member=admin, subscription=made.subscription)
    url = reverse("webhook_detail", args=[made.subscription.pk])
    assert f"delivery-{d.pk}" in admin_client.get(url, {"status": "pending"}).content.decode()
    page = admin_client.get(url, {"status": "failed"}).content.decode()
    assert f"delivery-{d.pk}" not in page and 'data-testid="empty-log"' in page


def test_test_roll_edit_and_delete_from_the_page(
    admin, admin_client, receiver, django_capture_on_commit_callbacks
):
    made = subscribe(admin, receiver.url, ["bill.synced"])
    pk = made.subscription.pk
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("webhook_test", args=[pk]))
    assert [r.json["type"] for r in receiver.received] == ["ping"]
    rolled = admin_client.post(reverse("webhook_roll_secret", args=[pk])).content.decode()
    new = Subscription.objects.get().secret
    assert new != made.secret and new in rolled
    response = admin_client.post(
        reverse("webhook_detail", args=[pk]),
        {"url": receiver.url + "&v=2", "description": "", "events": ["drift.flagged"]},
    )
    assert response.status_code == 302
    sub = Subscription.objects.get()
    assert (sub.events, sub.active, sub.url.endswith("&v=2")) == (["drift.flagged"], False, True)
    admin_client.post(reverse("webhook_delete", args=[pk]))
    assert not Subscription.objects.exists()


def test_the_page_reads_in_a_fixed_number_of_queries(
    admin, admin_client, receiver, django_assert_max_num_queries
):
    for n in range(5):
        made = subscribe(admin, f"{receiver.url}&{n}", ["bill.synced"])
        services.subscription_ping(member=admin, subscription=made.subscription)
    with django_assert_max_num_queries(14):
        assert admin_client.get(reverse("webhooks")).status_code == 200
    with django_assert_max_num_queries(14):
        detail = reverse("webhook_detail", args=[made.subscription.pk])
        assert admin_client.get(detail).status_code == 200
