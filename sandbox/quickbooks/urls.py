"""Real Intuit hosts mapped under /sandbox/quickbooks/ (ARCHITECTURE.md, the sandbox contract):
appcenter.intuit.com -> appcenter/, oauth.platform.intuit.com -> oauth/,
developer.api.intuit.com -> developer/, quickbooks.api.intuit.com -> api/."""

from django.urls import path, re_path

from sandbox.quickbooks import api, api_bulk, console, control, documents, oauth

COMPANY = "api/v3/company/<str:realm>/"

urlpatterns = [
    path("", console.index, name="sandbox_quickbooks_console"),
    path("books/<str:realm>/", console.books, name="sandbox_quickbooks_books"),
    path("books/<str:realm>/act/", console.act, name="sandbox_quickbooks_act"),
    # OAuth
    path("appcenter/connect/oauth2", oauth.authorize),
    path("oauth/oauth2/v1/tokens/bearer", oauth.token_endpoint),
    path("oauth/op/v1/jwks", oauth.jwks),
    path("oauth/v1/openid_connect/userinfo", oauth.userinfo),
    path("developer/v2/oauth2/tokens/revoke", oauth.revoke),
    re_path(r"^developer/\.well-known/openid_(?:sandbox_)?configuration/?$", oauth.discovery),
    # Accounting API
    path(COMPANY + "query", api.query_view),
    path(COMPANY + "batch", api_bulk.batch_view),
    path(COMPANY + "cdc", api_bulk.cdc_view),
    path(COMPANY + "<str:segment>/<str:rid>/send", documents.send_view),
    path(COMPANY + "<str:segment>/<str:rid>/pdf", documents.pdf_view),
    path(COMPANY + "reports/<str:report>", api.report_view),
    path(COMPANY + "<str:segment>/<str:rid>", api.entity_detail),
    path(COMPANY + "<str:segment>", api.entity_collection),
    # Control
    path("_control/reset", control.reset),
    path("_control/seed", control.seed),
    path("_control/apps", control.apps),
    path("_control/tokens", control.tokens),
    path("_control/faults", control.faults),
    path("_control/counters", control.counters),
    path("_control/limits", control.limits),
    path("_control/actions", control.action),
    path("_control/webhooks", control.webhook_config),
    path("_control/webhooks/flush", control.webhook_flush),
    path("_control/records", control.records),
]
