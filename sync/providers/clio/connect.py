"""Clio as the registry sees it: how to build a client for a stored connection."""

from sync.providers.base import ConnectedAccount, Provider
from sync.providers.budget import DbBudget, Window
from sync.providers.clio import client as client_module
from sync.providers.clio.client import ClioClient


def budget_build(connection_id: int) -> DbBudget:
    """Clio counts per access token; a connection's tokens are one at a time. The rate is read
    from the client module on every build: the benchmark lifts it there."""
    minute = Window("minute", f"clio:{connection_id}:minute", client_module.RATE_PER_MINUTE, 60.0)
    lifted = client_module.RATE_PER_MINUTE > client_module.MINUTE_LIMIT
    return DbBudget("clio", [minute], learning=not lifted)


def client_build(connection, cfg: dict, **common) -> ClioClient:
    budget = budget_build(connection.pk)
    base_url = cfg["regions"][connection.region or "us"]
    return ClioClient(base_url=base_url, budget=budget, **common)


def identify(api_base: str, access_token: str, region: str, query) -> list[ConnectedAccount]:
    user = ClioClient(base_url=api_base, token=lambda: access_token).who_am_i()
    return [ConnectedAccount(f"{region}:{user.id}", f"{user.name} ({user.email})")]


PROVIDER = Provider(
    name="clio",
    label="Clio",
    account_noun="account",
    client_build=client_build,
    identify=identify,
    limits_note="Clio limits calls by the minute, not by the day.",
)
