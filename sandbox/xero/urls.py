"""login.xero.com → login/, identity.xero.com → identity/, api.xero.com → api/ (ARCHITECTURE.md).
Xero's resource paths are case-insensitive (`/api.xro/2.0/invoices` works), so are ours."""

from django.urls import path, re_path

from sandbox.xero import api_views, console, control, doc_views, oauth

API = r"^api/api\.xro/2\.0/"


def ci(word: str) -> str:
    """A case-insensitive path segment that Django can still reverse ((?i) is not reversible)."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


urlpatterns = [
    path("", console.index, name="sandbox_xero_console"),
    path("console/<str:tenant_id>/", console.books, name="sandbox_xero_books"),
    path("console/<str:tenant_id>/act", console.act, name="sandbox_xero_act"),
    path("login/identity/connect/authorize", oauth.authorize, name="sandbox_xero_authorize"),
    path("identity/connect/token", oauth.token, name="sandbox_xero_token"),
    path("identity/connect/revocation", oauth.revocation, name="sandbox_xero_revocation"),
    re_path(r"^api/" + ci("connections") + r"$", oauth.connections),
    re_path(
        r"^api/" + ci("connections") + r"/(?P<connection_id>[0-9a-fA-F-]+)$", oauth.connections
    ),
    re_path(API + ci("organisation") + r"$", api_views.organisation),
    re_path(API + ci("reports") + "/" + ci("trialbalance") + r"$", api_views.trial_balance),
    re_path(
        API + ci("creditnotes") + r"/(?P<key>[^/]+)/" + ci("allocations") + r"$",
        api_views.allocations,
    ),
    re_path(
        API
        + ci("creditnotes")
        + r"/(?P<key>[^/]+)/"
        + ci("allocations")
        + r"/(?P<allocation_id>[^/]+)$",
        api_views.allocations,
    ),
    re_path(
        API + ci("invoices") + r"/(?P<key>[^/]+)/" + ci("email") + r"$", doc_views.invoice_email
    ),
    re_path(
        API + ci("trackingcategories") + r"/(?P<key>[^/]+)/" + ci("options") + r"$",
        api_views.tracking_options,
    ),
    re_path(
        API
        + ci("trackingcategories")
        + r"/(?P<key>[^/]+)/"
        + ci("options")
        + r"/(?P<option_id>[^/]+)$",
        api_views.tracking_options,
    ),
    path("_control/emails", control.emails),
    path("_control/reset", control.reset),
    path("_control/seed", control.seed),
    path("_control/apps", control.apps),
    path("_control/tokens", control.issue_tokens),
    path("_control/faults", control.faults),
    path("_control/counters", control.counters),
    path("_control/actions", control.actions),
    path("_control/limits", control.limits),
    path("_control/clock", control.clock),
    path("_control/webhooks", control.webhook_config),
    path("_control/webhooks/flush", control.webhook_flush),
]
for _name, _view in api_views.COLLECTIONS.items():
    urlpatterns += [
        re_path(API + ci(_name) + "$", _view),
        re_path(API + ci(_name) + r"/(?P<key>[^/]+)$", api_views.ITEMS[_name]),
    ]
for _name, _view in doc_views.PDF_VIEWS.items():
    urlpatterns.append(re_path(API + ci(_name) + r"/(?P<key>[^/]+)/" + ci("pdf") + "$", _view))
