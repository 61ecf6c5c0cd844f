"""Deliveries over real HTTP to a receiver on this machine: signing, retries, redelivery."""

import logging
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.management import call_command
from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from accounts.events import BILL_SYNCED, PING, SYNC_RUN_FINISHED, event_publish
from hooks import sending, services
from hooks.models import Delivery, Subscription
from sync.crypto import _fernet
from tests.hooks.conftest import Answer, independent_signature_ok, subscribe

BILL = {"clio_id": "7", "number": "1042", "books_id": "130", "total": "495.50"}


def _due(d: Delivery) -> None:
    Delivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def _ping(admin, subscribed) -> Delivery:
    return services.subscription_ping(member=admin, subscription=subscribed.subscription)


def test_a_test_event_reaches_the_receiver_signed_so_an_independent_check_passes(
    admin, subscribed, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        d = _ping(admin, subscribed)
    [got] = receiver.received
    assert independent_signature_ok(subscribed.secret, got)
    assert not independent_signature_ok("whsec_someone_else", got)
    assert got.path == "/hooks/firmsync?token=abc"
    assert got.headers["FirmSync-Event"] == PING
    assert got.headers["FirmSync-Delivery"] == str(d.event_id)
    assert got.headers["Content-Type"] == "application/json"
    body = got.json
    assert list(body) == ["id", "type", "created_at", "firm", "data"]
    assert body["id"] == str(d.event_id) and body["type"] == PING
    assert body["firm"] == {"id": admin.firm_id, "slug": "hv", "name": "Harbor & Vale LLP"}
    assert body["data"]["sent_by"] == admin.user.email
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == ("delivered", 1, 200)
    assert d.delivered_at is not None and d.response_excerpt == "ok"


def test_a_tampered_body_fails_the_signature(admin, subscribed, receiver):
    d = _ping(admin, subscribed)
    sending.delivery_send(delivery_id=d.pk)
    [got] = receiver.received
    got.body = got.body.replace(b"A test event", b"A forged event")
    assert not independent_signature_ok(subscribed.secret, got)


def test_a_500_is_retried_on_the_backoff_schedule_then_fails_for_good(admin, subscribed, receiver):
    receiver.default = Answer(500, body=b"boom")
    d = _ping(admin, subscribed)
    waits = []
    for _ in range(len(sending.BACKOFF)):
        d = sending.delivery_send(delivery_id=d.pk)
        assert d.status == "pending" and d.last_status_code == 500
        waits.append(d.next_attempt_at - d.last_attempt_at)
        assert sending.delivery_send(delivery_id=d.pk) is None  # not due yet: nothing sent
        _due(d)
    assert waits == list(sending.BACKOFF)
    assert [w.total_seconds() for w in waits] == [60, 300, 1800, 7200, 28800]
    d = sending.delivery_send(delivery_id=d.pk)
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", 6, None)
    assert "answered 500" in d.last_error and d.response_excerpt == "boom"
    assert len(receiver.received) == 6
    assert len({r.headers["FirmSync-Delivery"] for r in receiver.received}) == 1
    assert Subscription.objects.get().failures_in_row == 1


def test_a_timeout_is_retried_a_minute_later(admin, subscribed, receiver, settings):
    settings.HOOKS_TIMEOUT = (2, 0.3)
    receiver.default = Answer(200, delay=1.0)
    d = sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    assert d.status == "pending" and d.attempts == 1 and d.last_status_code is None
    assert "did not answer within 0.3 seconds" in d.last_error
    assert d.next_attempt_at - d.last_attempt_at == timedelta(minutes=1)


def test_an_endpoint_that_is_not_listening_is_retried(admin, receiver):
    url = receiver.url
    receiver.close()
    sub = subscribe(admin, url, [BILL_SYNCED])
    d = sending.delivery_send(delivery_id=_ping(admin, sub).pk)
    assert d.status == "pending" and "Could not reach the endpoint" in d.last_error


@pytest.mark.parametrize(
    ("status", "retry_after", "wait"),
    [
        (429, "900", timedelta(seconds=900)),
        (503, "7200", timedelta(hours=2)),
        (429, "5", timedelta(minutes=1)),  # never sooner than the backoff
        (429, "9999999", timedelta(hours=24)),  # nor later than a day
    ],
)
def test_retry_after_is_honoured(admin, subscribed, receiver, status, retry_after, wait):
    receiver.answers = [Answer(status, {"Retry-After": retry_after})]
    d = sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    assert d.status == "pending" and d.last_status_code == status
    assert d.next_attempt_at - d.last_attempt_at == wait


def test_retry_after_as_an_http_date_is_honoured(admin, subscribed, receiver):
    later = timezone.now() + timedelta(hours=1)
    receiver.answers = [Answer(503, {"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")})]
    d = sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    assert abs(d.next_attempt_at - later) < timedelta(seconds=5)


def test_a_redirect_is_not_followed_and_is_retried(admin, subscribed, receiver):
    receiver.answers = [Answer(302, {"Location": "http://127.0.0.1:9/elsewhere"})]
    d = sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    assert d.status == "pending" and "redirect to http://127.0.0.1:9/elsewhere" in d.last_error
    assert len(receiver.received) == 1


def test_the_response_excerpt_is_bounded(admin, subscribed, receiver):
    receiver.answers = [Answer(200, body=b"x" * 100_000)]
    d = sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    assert d.status == "delivered" and len(d.response_excerpt) == sending.EXCERPT_CHARS


def test_redeliver_sends_the_same_event_again(
    admin, subscribed, receiver, django_capture_on_commit_callbacks
):
    receiver.answers = [Answer(400)] * 6
    d = _ping(admin, subscribed)
    for _ in range(6):
        _due(d)
        d = sending.delivery_send(delivery_id=d.pk)
    assert d.status == "failed"
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_redeliver(member=admin, delivery=d)
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_status_code) == ("delivered", 1, 200)
    assert len(receiver.received) == 7
    assert {r.headers["FirmSync-Delivery"] for r in receiver.received} == {str(d.event_id)}
    assert independent_signature_ok(subscribed.secret, receiver.received[-1])


def test_the_drain_sends_what_is_due_and_leaves_the_rest(admin, subscribed, receiver):
    due, later = _ping(admin, subscribed), _ping(admin, subscribed)
    Delivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert sending.deliveries_drain() == 1
    assert [r.headers["FirmSync-Delivery"] for r in receiver.received] == [str(due.event_id)]
    assert Delivery.objects.get(pk=later.pk).status == "pending"
    assert sending.deliveries_drain() == 0


def test_a_claimed_delivery_is_not_sent_twice(admin, subscribed, receiver):
    d = _ping(admin, subscribed)
    Delivery.objects.filter(pk=d.pk).update(claimed_until=timezone.now() + timedelta(seconds=30))
    assert sending.delivery_send(delivery_id=d.pk) is None
    assert sending.deliveries_drain() == 0 and receiver.received == []


def test_failing_for_good_five_times_in_a_row_turns_the_subscription_off_and_emails_admins(
    admin, staff, subscribed, receiver, django_capture_on_commit_callbacks
):
    receiver.default = Answer(410)
    Subscription.objects.filter(pk=subscribed.subscription.pk).update(failures_in_row=4)
    d = _ping(admin, subscribed)
    Delivery.objects.filter(pk=d.pk).update(attempts=len(sending.BACKOFF))
    with django_capture_on_commit_callbacks(execute=True):
        d = sending.delivery_send(delivery_id=d.pk)
    assert d.status == "failed"
    sub = Subscription.objects.get()
    assert not sub.active and sub.failures_in_row == 5
    assert "5 events in a row" in sub.disabled_reason and "answered 410" in sub.disabled_reason
    [email] = mail.outbox
    assert email.to == [admin.user.email]
    assert sub.url in email.body and f"/settings/webhooks/{sub.pk}/" in email.body
    # Off: what is still waiting is not sent, and nothing new is recorded.
    event_publish(firm_id=admin.firm_id, type=BILL_SYNCED, items=[BILL])
    assert Delivery.objects.count() == 1


def test_a_delivered_event_ends_a_run_of_failures(admin, subscribed, receiver):
    Subscription.objects.filter(pk=subscribed.subscription.pk).update(failures_in_row=3)
    sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    assert Subscription.objects.get().failures_in_row == 0


def test_no_subscription_costs_one_query_and_records_nothing(firm, django_assert_num_queries):
    with django_assert_num_queries(1):
        event_publish(firm_id=firm.pk, type=BILL_SYNCED, items=[BILL, BILL])
    assert not Delivery.objects.exists()


def test_nothing_to_publish_costs_no_query(firm, django_assert_num_queries):
    with django_assert_num_queries(0):
        event_publish(firm_id=firm.pk, type=BILL_SYNCED, items=[])


def test_a_batch_records_one_delivery_per_event_and_subscription_in_one_insert(
    admin, receiver, django_assert_num_queries
):
    one = subscribe(admin, receiver.url, [BILL_SYNCED])
    two = subscribe(admin, receiver.url + "&two", [BILL_SYNCED, SYNC_RUN_FINISHED])
    subscribe(admin, receiver.url + "&three", [SYNC_RUN_FINISHED])  # not this type
    # The look-up, and the INSERT inside its savepoint (SAVEPOINT, INSERT, RELEASE).
    with django_assert_num_queries(4):
        event_publish(firm_id=admin.firm_id, type=BILL_SYNCED, items=[BILL, {**BILL, "clio_id": 8}])
    rows = list(Delivery.objects.order_by("id").values_list("subscription_id", "event_id"))
    assert sorted(s for s, _ in rows) == sorted([one.subscription.pk, two.subscription.pk] * 2)
    # One event, one id, whichever subscription it goes to.
    assert len({e for _, e in rows}) == 2


def test_another_firms_subscription_hears_nothing(admin, outsider, receiver):
    subscribe(outsider, receiver.url, [BILL_SYNCED])
    event_publish(firm_id=admin.firm_id, type=BILL_SYNCED, items=[BILL])
    assert not Delivery.objects.exists()


def test_the_secret_is_encrypted_at_rest_and_never_logged(
    admin, subscribed, receiver, caplog, settings
):
    with db.cursor() as cur:
        cur.execute("SELECT secret FROM hooks_subscription")
        [(stored,)] = cur.fetchall()
    assert stored.startswith("gAAAAA") and subscribed.secret not in stored
    assert subscribed.subscription.secret == subscribed.secret
    with caplog.at_level(logging.DEBUG):
        sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    assert caplog.records and subscribed.secret not in caplog.text


def test_rolling_the_secret_signs_with_the_new_one(admin, subscribed, receiver):
    _, new = services.subscription_secret_roll(member=admin, subscription=subscribed.subscription)
    assert new != subscribed.secret and new.startswith("whsec_")
    sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    assert independent_signature_ok(new, receiver.received[0])
    assert not independent_signature_ok(subscribed.secret, receiver.received[0])


def test_key_rotation_re_encrypts_webhook_secrets_too(subscribed, settings):
    new_key = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [new_key, *settings.FIELD_ENCRYPTION_KEYS]
    _fernet.cache_clear()
    call_command("rotate_encryption_keys", stdout=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    _fernet.cache_clear()
    try:
        assert Subscription.objects.get().secret == subscribed.secret
    finally:
        _fernet.cache_clear()


def test_the_readme_snippet_verifies_a_real_delivery(admin, subscribed, receiver):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("## Webhooks for your own systems", 1)[1]
    snippet = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(snippet, scope)  # the documented code, as a receiver would paste it
    sending.delivery_send(delivery_id=_ping(admin, subscribed).pk)
    [got] = receiver.received
    header = got.headers["FirmSync-Signature"]
    assert scope["verify"](subscribed.secret, got.body, header)
    assert not scope["verify"](subscribed.secret, got.body + b" ", header)
    assert not scope["verify"]("whsec_wrong", got.body, header)


def test_an_event_that_cannot_be_recorded_leaves_the_publishers_work_intact(
    admin, receiver, caplog
):
    too_long = "x" * 61  # longer than Delivery.type: the database refuses the row
    made = subscribe(admin, receiver.url, [BILL_SYNCED])
    Subscription.objects.filter(pk=made.subscription.pk).update(events=[too_long])
    with transaction.atomic():
        event_publish(firm_id=admin.firm_id, type=too_long, items=[BILL])
        assert Subscription.objects.count() == 1  # the transaction still works
    assert not Delivery.objects.exists()
    assert "event_publish_failed" in caplog.text
