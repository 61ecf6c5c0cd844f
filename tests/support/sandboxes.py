"""Point the product at the sandbox providers served by the live test server, over real HTTP."""

import requests


def control(base: str, provider: str, endpoint: str, payload: dict | None = None) -> dict:
    response = requests.post(
        f"{base}/sandbox/{provider}/_control/{endpoint}", json=payload or {}, timeout=120
    )
    assert response.status_code < 300, response.text
    return response.json()


# The secrets the QuickBooks and Xero sandboxes sign their webhook deliveries with (their
# developer portals' verifier token and webhook key).
QBO_WEBHOOK_VERIFIER = "sandbox-qbo-verifier-0123456789"
XERO_WEBHOOK_KEY = "sandbox-xero-webhook-key-0123456789abcdefghijklmnopqrstuv"


def use_sandboxes(settings, base: str, *, webhooks: bool = True) -> None:
    """Rewrite the provider base URLs to the live server and register one app per provider.
    With `webhooks`, the QuickBooks and Xero apps also send their webhooks to this server (the
    automations' receivers), signed with the secrets above; `_control/webhooks/flush` sends them."""
    sandbox = f"{base}/sandbox"
    providers = {
        "clio": {"regions": {r: f"{sandbox}/clio/{r}" for r in ("us", "eu", "ca", "au")}},
        "quickbooks": {
            "authorize_url": f"{sandbox}/quickbooks/appcenter/connect/oauth2",
            "oauth_base_url": f"{sandbox}/quickbooks/oauth",
            "developer_base_url": f"{sandbox}/quickbooks/developer",
            "api_base_url": f"{sandbox}/quickbooks/api",
        },
        "xero": {
            "login_base_url": f"{sandbox}/xero/login",
            "identity_base_url": f"{sandbox}/xero/identity",
            "api_base_url": f"{sandbox}/xero/api",
        },
    }
    for name, urls in providers.items():
        control(base, name, "reset")
        callback = f"{base}/settings/bill-syncing/callback/{name}/"
        app = control(base, name, "apps", {"redirect_uris": [callback], "name": "FirmSync"})
        urls.update(client_id=app["client_id"], client_secret=app["client_secret"])
    providers["quickbooks"]["webhook_verifier_token"] = QBO_WEBHOOK_VERIFIER
    providers["xero"]["webhook_key"] = XERO_WEBHOOK_KEY
    settings.PROVIDERS = providers
    settings.SITE_URL = base  # webhook URLs given to the providers point at the live server
    if webhooks:
        webhooks_configure(base, providers)


def webhooks_configure(base: str, providers: dict) -> None:
    """Point the QuickBooks and Xero sandbox apps' webhooks at this server. Xero checks the
    receiver at once (intent to receive), so the receiver must already know the key."""
    control(
        base,
        "quickbooks",
        "webhooks",
        {
            "client_id": providers["quickbooks"]["client_id"],
            "url": f"{base}/webhooks/quickbooks/",
            "verifier_token": QBO_WEBHOOK_VERIFIER,
            "format": "legacy",
        },
    )
    control(
        base,
        "xero",
        "webhooks",
        {
            "client_id": providers["xero"]["client_id"],
            "url": f"{base}/webhooks/xero/",
            "key": XERO_WEBHOOK_KEY,
        },
    )


def signed_in_session(live_server_url: str, user) -> requests.Session:
    """A requests session carrying a Django session cookie for `user`."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    session.get(f"{live_server_url}/", timeout=30)  # sets the CSRF cookie
    return session
