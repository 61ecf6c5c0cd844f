"""QuickBooks and Xero webhook receivers: signatures, both QuickBooks formats, Xero's intent to
receive, and a delivery waking only the cursors of the firm connected to the account named."""

import base64
import hashlib
import hmac
import json

import pytest

from automations import polling
from automations.models import TriggerCursor
from tests.automations.engine.conftest import automation_make, connect

pytestmark = pytest.mark.django_db

VERIFIER, KEY = "verifier-123", "xero-key-456"


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture(autouse=True)
def secrets(settings):
    settings.PROVIDERS = {
        **settings.PROVIDERS,
        "quickbooks": {**settings.PROVIDERS["quickbooks"], "webhook_verifier_token": VERIFIER},
        "xero": {**settings.PROVIDERS["xero"], "webhook_key": KEY},
    }


@pytest.fixture
def two_firms(firm, other_firm, catalog):
    """Both firms use the same triggers; each is connected to its own books."""
    catalog.trigger(app="quickbooks", key="new_customer", wakes_on=("Customer",))
    catalog.trigger(app="quickbooks", key="new_bill", wakes_on=("Bill",))
    catalog.trigger(app="xero", key="new_contact", wakes_on=("CONTACT",))
    conns = {}
    for f in (firm, other_firm):
        for trigger_id in ("quickbooks.new_customer", "quickbooks.new_bill", "xero.new_contact"):
            automation_make(f, [], trigger_id=trigger_id)
            polling.cursor_ensure(firm=f, trigger_id=trigger_id)
        conns[f.pk] = {"quickbooks": connect(f, "quickbooks")}
    return conns


def _woken():
    return set(
        TriggerCursor.objects.filter(wake_at__isnull=False).values_list("firm_id", "trigger")
    )


def _post(client, path, payload, header, secret):
    body = json.dumps(payload).encode()
    return client.post(
        path, body, content_type="application/json", headers={header: sign(secret, body)}
    )


def test_a_signed_quickbooks_notification_wakes_the_realms_firm_only(client, firm, two_firms):
    realm = two_firms[firm.pk]["quickbooks"].external_id
    payload = {
        "eventNotifications": [
            {
                "realmId": realm,
                "dataChangeEvent": {
                    "entities": [{"name": "Customer", "id": "9", "operation": "Create"}]
                },
            }
        ]
    }
    response = _post(client, "/webhooks/quickbooks/", payload, "intuit-signature", VERIFIER)
    assert response.status_code == 200
    assert _woken() == {(firm.pk, "quickbooks.new_customer")}


def test_the_cloudevents_format_wakes_too(client, firm, two_firms):
    realm = two_firms[firm.pk]["quickbooks"].external_id
    payload = [
        {
            "specversion": "1.0",
            "id": "x",
            "type": "qbo.bill.created.v1",
            "intuitentityid": "4",
            "intuitaccountid": realm,
        }
    ]
    response = _post(client, "/webhooks/quickbooks/", payload, "intuit-signature", VERIFIER)
    assert response.status_code == 200
    assert _woken() == {(firm.pk, "quickbooks.new_bill")}


def test_a_badly_signed_quickbooks_notification_is_refused(client, firm, two_firms):
    realm = two_firms[firm.pk]["quickbooks"].external_id
    payload = {"eventNotifications": [{"realmId": realm, "dataChangeEvent": {"entities": []}}]}
    response = _post(client, "/webhooks/quickbooks/", payload, "intuit-signature", "wrong")
    assert response.status_code == 401
    assert _woken() == set()


def test_without_a_verifier_token_nothing_is_accepted(client, settings, firm, two_firms):
    settings.PROVIDERS["quickbooks"]["webhook_verifier_token"] = ""
    response = _post(client, "/webhooks/quickbooks/", {}, "intuit-signature", "")
    assert response.status_code == 401


def test_a_signed_body_that_is_not_json_is_a_400_not_a_500(client):
    body = b"{nope"
    response = client.post(
        "/webhooks/quickbooks/",
        body,
        content_type="application/json",
        headers={"intuit-signature": sign(VERIFIER, body)},
    )
    assert response.status_code == 400


def test_xeros_intent_to_receive_gets_200_signed_and_401_not(client):
    empty = {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": "ABC"}
    good = _post(client, "/webhooks/xero/", empty, "x-xero-signature", KEY)
    bad = _post(client, "/webhooks/xero/", empty, "x-xero-signature", "not-the-key")
    assert (good.status_code, good.content) == (200, b"")
    assert bad.status_code == 401


def test_a_xero_event_wakes_the_tenants_firm_only(client, firm, other_firm, two_firms):
    their_books = two_firms[other_firm.pk]["quickbooks"]
    their_books.status = "disconnected"  # they moved to Xero
    their_books.save()
    tenant = connect(other_firm, "xero").external_id
    event = {"tenantId": tenant, "eventCategory": "CONTACT", "eventType": "CREATE"}
    payload = {"events": [event], "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "Q"}
    response = _post(client, "/webhooks/xero/", payload, "x-xero-signature", KEY)
    assert response.status_code == 200
    assert _woken() == {(other_firm.pk, "xero.new_contact")}


def test_a_get_is_not_allowed(client):
    assert client.get("/webhooks/xero/").status_code == 405
