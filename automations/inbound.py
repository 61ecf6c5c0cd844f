"""Provider webhooks that wake trigger polls: QuickBooks Online and Xero (Clio's arrive through
the sync's receiver and its `clio_change_received` signal).

A delivery only says which kinds of record changed for which company or organisation: the poll
reads them (the poll is the truth, so a lost or repeated delivery costs nothing). The accounts a
delivery names are looked up among connected connections; each wakes only its own firm's cursors.
"""

import base64
import hashlib
import hmac
import logging

from django.conf import settings

from automations.polling import triggers_wake
from sync.models import Connection

logger = logging.getLogger("firmsync.automations")


def _signed(secret: str, body: bytes, signature: str) -> bool:
    """base64(HMAC-SHA256(secret, raw body)), as both Intuit and Xero sign."""
    if not secret or not signature:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected, signature.strip())


# https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks (verifier token)
def quickbooks_signed(body: bytes, signature: str) -> bool:
    secret = settings.PROVIDERS.get("quickbooks", {}).get("webhook_verifier_token", "")
    return _signed(secret, body, signature)


# https://developer.xero.com/documentation/guides/webhooks/configuring-your-server
def xero_signed(body: bytes, signature: str) -> bool:
    secret = settings.PROVIDERS.get("xero", {}).get("webhook_key", "")
    return _signed(secret, body, signature)


def quickbooks_changes(payload) -> dict[str, set[str]]:
    """realmId -> entity names, from either format Intuit sends: the legacy
    `{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [{"name"}]}}]}` or the
    CloudEvents array (`intuitaccountid`, `type` "qbo.<entity>.<operation>.v1")."""
    changes: dict[str, set[str]] = {}
    if isinstance(payload, dict):
        for note in payload.get("eventNotifications") or []:
            if not isinstance(note, dict):
                continue
            entities = ((note.get("dataChangeEvent") or {}).get("entities")) or []
            names = {str(e.get("name")) for e in entities if isinstance(e, dict) and e.get("name")}
            changes.setdefault(str(note.get("realmId", "")), set()).update(names)
    elif isinstance(payload, list):
        for event in payload:
            if not isinstance(event, dict):
                continue
            parts = str(event.get("type", "")).split(".")
            if len(parts) >= 3 and parts[0] == "qbo":
                realm = str(event.get("intuitaccountid", ""))
                changes.setdefault(realm, set()).add(parts[1])
    changes.pop("", None)
    return changes


def xero_changes(payload) -> dict[str, set[str]]:
    """tenantId -> event categories (CONTACT, INVOICE, CREDITNOTE) of a Xero delivery."""
    changes: dict[str, set[str]] = {}
    events = payload.get("events") if isinstance(payload, dict) else None
    for event in events or []:
        if isinstance(event, dict) and event.get("tenantId") and event.get("eventCategory"):
            changes.setdefault(str(event["tenantId"]), set()).add(str(event["eventCategory"]))
    return changes


def changes_wake(*, provider: str, changes: dict[str, set[str]]) -> int:
    """Wake the cursors of the firms connected to the accounts named; returns polls queued."""
    if not changes:
        return 0
    connections = Connection.objects.filter(
        provider=provider, external_id__in=list(changes), status=Connection.Status.CONNECTED
    ).values_list("firm_id", "external_id")
    woken = 0
    for firm_id, account in connections:
        woken += triggers_wake(firm_id=firm_id, app=provider, names=sorted(changes[account]))
    return woken
