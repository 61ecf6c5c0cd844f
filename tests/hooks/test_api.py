"""The webhook API, end to end with an API token: subscriptions, the log, redelivery."""

import pytest
from django.test import Client

from accounts import services as account_services
from accounts.models import ApiToken, AuditEvent, Role
from hooks import sending, services
from hooks.models import Delivery, Subscription
from tests.factories import MembershipFactory
from tests.hooks.conftest import Answer, independent_signature_ok, subscribe

BASE = "/api/v1/webhooks"


def _api(member) -> Client:
    scope = ApiToken.Scope.READ if member.role == Role.VIEWER else ApiToken.Scope.READ_WRITE
    _, raw = account_services.api_token_create(member=member, name="ci", scope=scope)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT="application/json")


def _post(client, path, data=None):
    return client.post(f"{BASE}{path}", data or {}, content_type="application/json")


@pytest.fixture
def api(admin):
    return _api(admin)


def test_an_admin_subscribes_and_sees_the_secret_once(api, admin, receiver):
    response = _post(
        api,
        "/subscriptions",
        {"url": receiver.url, "events": ["drift.flagged", "bill.synced"], "description": "ERP"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    sub = Subscription.objects.get()
    assert body["secret"] == sub.secret and body["secret"].startswith("whsec_")
    assert body["events"] == ["bill.synced", "drift.flagged"] and body["active"] is True
    detail = api.get(f"{BASE}/subscriptions/{sub.pk}").json()
    assert "secret" not in detail and detail["url"] == receiver.url
    listed = api.get(f"{BASE}/subscriptions").json()
    assert [s["id"] for s in listed["results"]] == [sub.pk] and "secret" not in listed["results"][0]
    audit = AuditEvent.objects.get(action="webhook.created")
    assert "token=abc" not in str(audit.after) and sub.secret not in str(audit.after)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "ftp://example.test/x", "events": ["bill.synced"]}, "url"),
        ({"url": "https://example.test/x", "events": ["bill.eaten"]}, "events"),
        ({"url": "https://example.test/x", "events": []}, "events"),
        ({"url": "https://example.test/x", "events": ["ping"]}, "events"),
        ({"events": ["bill.synced"]}, "url"),
    ],
)
def test_bad_input_is_a_400_in_our_error_shape(api, data, field):
    response = _post(api, "/subscriptions", data)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["details"]
    assert not Subscription.objects.exists()


def test_a_private_address_is_refused_when_not_allowed(api, settings):
    settings.HOOKS_ALLOW_PRIVATE_URLS = False
    response = _post(api, "/subscriptions", {"url": "http://10.1.2.3/x", "events": ["ping"]})
    assert response.status_code == 400
    response = _post(
        api, "/subscriptions", {"url": "http://169.254.169.254/latest", "events": ["bill.synced"]}
    )
    assert response.status_code == 400
    assert "private or local address" in str(response.json()["error"]["details"]["url"])


def test_an_admin_changes_turns_off_and_deletes_a_subscription(api, admin, receiver):
    sub = subscribe(admin, receiver.url, ["bill.synced"]).subscription
    url = f"{BASE}/subscriptions/{sub.pk}"
    response = api.patch(
        url, {"events": ["bill.failed"], "active": False}, content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["events"], response.json()["active"]) == (["bill.failed"], False)
    bad = api.patch(url, {"url": "gopher://x"}, content_type="application/json")
    assert bad.status_code == 400
    assert api.delete(url).status_code == 204
    assert not Subscription.objects.exists()
    assert api.get(url).status_code == 404


def test_turning_it_back_on_forgets_the_failures(api, admin, receiver):
    sub = subscribe(admin, receiver.url, ["bill.synced"]).subscription
    Subscription.objects.filter(pk=sub.pk).update(
        active=False, failures_in_row=5, disabled_reason="Turned off after 5 events"
    )
    body = api.patch(
        f"{BASE}/subscriptions/{sub.pk}", {"active": True}, content_type="application/json"
    ).json()
    assert (body["active"], body["failures_in_row"], body["disabled_reason"]) == (True, 0, "")


def test_rolling_the_secret_returns_the_new_one_once(api, admin, receiver):
    made = subscribe(admin, receiver.url, ["bill.synced"])
    body = _post(api, f"/subscriptions/{made.subscription.pk}/roll-secret").json()
    assert body["secret"] != made.secret and body["secret"] == Subscription.objects.get().secret


def test_the_test_button_sends_a_ping_and_the_log_shows_it(
    api, admin, receiver, django_capture_on_commit_callbacks
):
    made = subscribe(admin, receiver.url, ["bill.synced"])
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api, f"/subscriptions/{made.subscription.pk}/test")
    assert response.status_code == 202 and response.json()["type"] == "ping"
    [got] = receiver.received
    assert independent_signature_ok(made.secret, got) and got.json["type"] == "ping"
    log = api.get(f"{BASE}/deliveries", {"subscription": made.subscription.pk}).json()
    [row] = log["results"]
    assert (row["type"], row["status"], row["attempts"], row["last_status_code"]) == (
        "ping",
        "delivered",
        1,
        200,
    )
    one = api.get(f"{BASE}/deliveries/{row['id']}").json()
    assert one["data"]["message"] == "A test event from FirmSync." and one["response_excerpt"]


def test_a_turned_off_subscription_sends_no_test_event(api, admin, receiver):
    sub = subscribe(admin, receiver.url, ["bill.synced"]).subscription
    Subscription.objects.filter(pk=sub.pk).update(active=False)
    response = _post(api, f"/subscriptions/{sub.pk}/test")
    assert response.status_code == 400
    assert "turned off" in str(response.json()["error"]["details"]["non_field_errors"])


def test_the_log_filters_by_subscription_and_status(api, admin, receiver):
    one = subscribe(admin, receiver.url, ["bill.synced"])
    two = subscribe(admin, receiver.url + "&2", ["bill.synced"])
    receiver.answers = [Answer(500)]
    failing = services.subscription_ping(member=admin, subscription=one.subscription)
    sending.delivery_send(delivery_id=failing.pk)
    ok = services.subscription_ping(member=admin, subscription=two.subscription)
    sending.delivery_send(delivery_id=ok.pk)

    def ids(**params):
        return [r["id"] for r in api.get(f"{BASE}/deliveries", params).json()["results"]]

    assert ids() == [ok.pk, failing.pk]
    assert ids(status="pending") == [failing.pk]
    assert ids(status="delivered", subscription=two.subscription.pk) == [ok.pk]
    assert ids(subscription=one.subscription.pk) == [failing.pk]
    assert api.get(f"{BASE}/deliveries", {"status": "lost"}).status_code == 400
    assert api.get(f"{BASE}/deliveries", {"subscription": "x"}).status_code == 400


def test_the_log_reads_in_a_fixed_number_of_queries(
    api, admin, receiver, django_assert_max_num_queries
):
    sub = subscribe(admin, receiver.url, ["bill.synced"]).subscription
    for _ in range(20):
        services.subscription_ping(member=admin, subscription=sub)
    api.get(f"{BASE}/deliveries")  # the token's first use writes last_used_at
    with django_assert_max_num_queries(8):
        assert len(api.get(f"{BASE}/deliveries").json()["results"]) == 20
    with django_assert_max_num_queries(8):
        assert len(api.get(f"{BASE}/subscriptions").json()["results"]) == 1


def test_redeliver_sends_the_same_event_again(
    api, admin, receiver, django_capture_on_commit_callbacks
):
    made = subscribe(admin, receiver.url, ["bill.synced"])
    receiver.answers = [Answer(500)]
    d = services.subscription_ping(member=admin, subscription=made.subscription)
    sending.delivery_send(delivery_id=d.pk)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api, f"/deliveries/{d.pk}/redeliver")
    assert response.status_code == 202
    d.refresh_from_db()
    assert (d.status, d.attempts) == ("delivered", 1)
    assert [r.headers["FirmSync-Delivery"] for r in receiver.received] == [str(d.event_id)] * 2


def test_an_outsider_gets_404_for_every_id(admin, outsider, receiver):
    sub = subscribe(admin, receiver.url, ["bill.synced"]).subscription
    d = services.subscription_ping(member=admin, subscription=sub)
    api = _api(outsider)
    assert api.get(f"{BASE}/subscriptions/{sub.pk}").status_code == 404
    assert (
        api.patch(f"{BASE}/subscriptions/{sub.pk}", {}, content_type="application/json").status_code
        == 404
    )
    assert api.delete(f"{BASE}/subscriptions/{sub.pk}").status_code == 404
    assert _post(api, f"/subscriptions/{sub.pk}/roll-secret").status_code == 404
    assert _post(api, f"/subscriptions/{sub.pk}/test").status_code == 404
    assert api.get(f"{BASE}/deliveries/{d.pk}").status_code == 404
    assert _post(api, f"/deliveries/{d.pk}/redeliver").status_code == 404
    assert api.get(f"{BASE}/deliveries").json()["results"] == []
    assert api.get(f"{BASE}/subscriptions").json()["results"] == []
    assert Subscription.objects.get().secret == sub.secret and Delivery.objects.count() == 1


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.STAFF, Role.VIEWER])
def test_other_roles_neither_read_nor_manage(firm, admin, receiver, role):
    sub = subscribe(admin, receiver.url, ["bill.synced"]).subscription
    api = _api(MembershipFactory(firm=firm, role=role))
    assert api.get(f"{BASE}/subscriptions").status_code == 403
    assert api.get(f"{BASE}/subscriptions/{sub.pk}").status_code == 403
    assert (
        _post(api, "/subscriptions", {"url": receiver.url, "events": ["ping"]}).status_code == 403
    )
    assert api.get(f"{BASE}/deliveries").status_code == 403


def test_the_event_types_are_listed(api):
    types = {t["type"] for t in api.get(f"{BASE}/event-types").json()}
    # Beside these, one `trigger.<id>` per automation trigger in the catalog.
    triggers = {t for t in types if t.startswith("trigger.")}
    assert types - triggers == {
        "sync.run.finished",
        "bill.synced",
        "bill.failed",
        "drift.flagged",
        "trust.exception",
        "automation.failed",
        "ping",
    }


def test_the_schema_documents_the_webhook_api(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "post" in paths["/api/v1/webhooks/subscriptions"]
    assert "/api/v1/webhooks/deliveries/{delivery_id}/redeliver" in paths
    created = schema["components"]["schemas"]["SubscriptionSecretOutput"]
    assert "secret" in created["properties"]
