"""The connection, client and Ctx a trigger's poll or an action's run is given.

The client is the sync's own (sync.engine.registry.client_for): the same rate budget, retries,
token refresh and error types, so automations and the sync share each provider's limits.
"""

import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from automations.catalog.base import Ctx
from sync.engine.errors import explain
from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers.errors import ProviderAuthError, ProviderError

APP_NAMES = {"clio": "Clio", "quickbooks": "QuickBooks Online", "xero": "Xero"}

# Where a record made by an action is seen in the app's own pages, unless settings say otherwise
# (settings.PROVIDERS[app]["web_base_url"]). Clio's web pages live on the region's host.
WEB_BASES = {
    "quickbooks": "https://app.qbo.intuit.com/app",
    "xero": "https://go.xero.com",
}


class NotConnected(Exception):
    def __init__(self, app: str):
        name = APP_NAMES.get(app, app)
        super().__init__(f"FirmSync is not connected to {name}.")
        self.message = str(self)
        self.fix = f"Connect {name} on the Bill Syncing page, then press Retry."


def connection_for(*, firm_id: int, app: str) -> Connection:
    """The firm's active connection to `app` (scoped by firm: never another firm's)."""
    conn = Connection.objects.filter(
        firm_id=firm_id, provider=app, status=Connection.Status.CONNECTED
    ).first()
    if conn is None:
        raise NotConnected(app)
    return conn


def web_base(app: str, conn: Connection) -> str:
    cfg = settings.PROVIDERS.get(app, {})
    if cfg.get("web_base_url"):
        return cfg["web_base_url"]
    if app == "clio":
        return cfg.get("regions", {}).get(conn.region or "us", "https://app.clio.com")
    return WEB_BASES.get(app, "")


def ctx_build(*, firm_id: int, app: str, dry_run: bool = False, idempotency_key: str = "") -> Ctx:
    conn = connection_for(firm_id=firm_id, app=app)
    return Ctx(
        firm_id=firm_id,
        app=app,
        client=client_for(conn),
        connection=conn,
        dry_run=dry_run,
        idempotency_key=idempotency_key,
        web_base=web_base(app, conn),
    )


def error_words(exc: ProviderError) -> tuple[str, str]:
    """(what the provider said, how to fix it) in the words the sync uses for the same error."""
    name = APP_NAMES.get(exc.provider, exc.provider)
    code = exc.code or str(exc.status or "")
    if isinstance(exc, ProviderAuthError):
        code = "auth"  # whatever the provider calls it (Clio: AuthenticationError)
    explanation = explain(exc.provider, code, exc.message)
    return f"{name} said: {exc.message}", explanation.text


def json_safe(value):
    """`value` as the JSON columns keep it: a Decimal, a date or a UUID becomes a string."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
