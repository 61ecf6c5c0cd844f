"""Webhook deliveries sent by the sandboxes over real HTTP wake the right firm's trigger polls."""

import pytest

from automations import polling, tasks
from automations.models import TriggerCursor
from sync.engine.registry import client_for
from sync.models import WebhookSubscription
from sync.webhooks import CLIO_MODELS
from tests.automations.engine.conftest import automation_make, books_connect
from tests.factories import FirmFactory, MembershipFactory
from tests.support.sandboxes import control, use_sandboxes
from tests.sync.conftest import clio_account  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def _watch(catalog, firm, app: str, key: str, wakes_on: tuple[str, ...]) -> TriggerCursor:
    """A trigger the firm (and another firm, not connected) uses; the firm's cursor."""
    polls = []
    catalog.trigger(
        app=app, key=key, wakes_on=wakes_on, poll=lambda ctx, since, limit: polls.append(ctx) or []
    )
    outsider = FirmFactory()
    for f in (firm, outsider):
        automation_make(f, [], trigger_id=f"{app}.{key}")
        polling.cursor_ensure(firm=f, trigger_id=f"{app}.{key}")
    return TriggerCursor.objects.get(firm=firm, trigger=f"{app}.{key}")


def _polled() -> set:
    return set(TriggerCursor.objects.filter(polled_at__isnull=False).values_list("firm", "trigger"))


@pytest.fixture
def admin(live_server, settings):
    use_sandboxes(settings, live_server.url)
    return MembershipFactory(role="admin")


def test_a_quickbooks_delivery_wakes_the_realms_firm(live_server, settings, admin, catalog):
    conn = books_connect(live_server.url, settings, admin, "quickbooks")
    cursor = _watch(catalog, admin.firm, "quickbooks", "new_customer", ("Customer",))
    client_for(conn).http.request(
        "POST", "customer", params={"minorversion": "75"}, json={"DisplayName": "Webhook Co"}
    )

    sent = control(live_server.url, "quickbooks", "webhooks/flush", {"force": True})

    assert sent == {"delivered": 1, "failed": 0}
    assert _polled() == {(admin.firm.pk, cursor.trigger)}


def test_a_xero_delivery_wakes_the_tenants_firm(live_server, settings, admin, catalog):
    conn = books_connect(live_server.url, settings, admin, "xero")
    cursor = _watch(catalog, admin.firm, "xero", "new_contact", ("CONTACT",))
    client_for(conn).http.request("POST", "Contacts", json={"Contacts": [{"Name": "Webhook Co"}]})

    sent = control(live_server.url, "xero", "webhooks/flush")

    assert sent["delivered"] >= 1 and sent["failed"] == 0
    assert _polled() == {(admin.firm.pk, cursor.trigger)}


def test_a_clio_delivery_wakes_the_firms_matter_trigger(clio_account, catalog):  # noqa: F811
    a = clio_account
    cursor = _watch(catalog, a.admin.firm, "clio", "new_matter", ("matter",))
    control(a.base, "clio", "webhooks/flush")  # the handshakes
    person = a.act("create_contact", first_name="Ada", last_name="Byron", email="ada@example.com")
    control(a.base, "clio", "webhooks/flush")
    assert _polled() == set()  # a contact: the matter trigger sleeps on

    a.act("create_matter", client_id=person["id"], description="Estate")
    control(a.base, "clio", "webhooks/flush")

    assert _polled() == {(a.admin.firm.pk, cursor.trigger)}


def test_clio_webhooks_are_registered_for_the_models_triggers_wake_on(
    clio_account,  # noqa: F811
    catalog,
):
    a = clio_account
    _watch(catalog, a.admin.firm, "clio", "new_calendar_entry", ("calendar_entry", "note"))

    tasks.clio_webhooks_ensure(a.admin.firm.pk)

    subs = WebhookSubscription.objects.filter(connection=a.connection)
    assert set(subs.values_list("model", flat=True)) == {*CLIO_MODELS, "calendar_entry"}
    assert subs.get(model="calendar_entry").remote_id  # Clio has no webhooks for notes
    control(a.base, "clio", "webhooks/flush")
    assert set(subs.values_list("status", flat=True)) == {"enabled"}
