"""A provider client for a stored connection: fresh tokens, the shared budget, call counting."""

import time

from django.conf import settings

from sync.models import Connection
from sync.providers.budget import DbBudget
from sync.providers.clio import client as clio
from sync.providers.quickbooks import client as quickbooks
from sync.providers.xero import client as xero

# A client reuses the access token it read for this long instead of reading (and decrypting) it
# before every call. The stored token is always good for minutes more than this (see
# sync.services.connection_access_token), and a refresh elsewhere leaves the old one valid.
TOKEN_REUSE_SECONDS = 30.0


def _token_getter(connection_id: int):
    held = {"token": "", "until": 0.0}

    def token() -> str:
        from sync.services import connection_access_token

        now = time.monotonic()
        if held["token"] and now < held["until"]:
            return held["token"]
        value = connection_access_token(connection_id=connection_id)
        held.update(token=value, until=now + TOKEN_REUSE_SECONDS)
        return value

    return token


def _on_success(connection_id: int):
    def count() -> None:
        from sync.services import connection_calls_count

        connection_calls_count(connection_id=connection_id)

    return count


def client_for(connection: Connection):
    cfg = settings.PROVIDERS[connection.provider]
    common = {
        "token": _token_getter(connection.pk),
        "on_success": _on_success(connection.pk),
    }
    if connection.provider == "clio":
        budget = DbBudget(f"clio:{connection.pk}", clio.RATE_PER_MINUTE)
        base_url = cfg["regions"][connection.region or "us"]
        return clio.ClioClient(base_url=base_url, budget=budget, **common)
    if connection.provider == "quickbooks":
        budget = DbBudget(f"quickbooks:{connection.external_id}", quickbooks.RATE_PER_MINUTE)
        batch_budget = DbBudget(
            f"quickbooks-batch:{connection.external_id}", quickbooks.BATCH_PER_MINUTE
        )
        return quickbooks.QuickBooksClient(
            api_base=cfg["api_base_url"],
            realm_id=connection.external_id,
            budget=budget,
            batch_budget=batch_budget,
            **common,
        )
    budget = DbBudget(f"xero:{connection.external_id}", xero.RATE_PER_MINUTE)
    return xero.XeroClient(
        api_base=cfg["api_base_url"], tenant_id=connection.external_id, budget=budget, **common
    )
