"""Sandbox Clio routes: `/sandbox/clio/<region>/...` mirrors `<region host>/...` (us = app.clio.com,
eu/ca/au = `<region>.app.clio.com`); `_control/` is the sandbox's own API; `""` is the console."""

from django.urls import path, re_path

from sandbox.clio import api_views, console, control, oauth, storage

REGION = r"^(?P<region>us|eu|ca|au)/"
JSON = r"(?:\.json)?$"

urlpatterns = [
    path("", console.index, name="sandbox_clio_console"),
    path("<int:account_id>/", console.account_page, name="sandbox_clio_console_account"),
    path("<int:account_id>/action/", console.run_action, name="sandbox_clio_console_action"),
    path("_control/reset", control.reset),
    path("_control/seed", control.seed),
    path("_control/accounts", control.accounts),
    path("_control/apps", control.apps),
    path("_control/tokens", control.tokens),
    path("_control/tokens/expire", control.tokens_expire),
    path("_control/faults", control.faults),
    path("_control/counters", control.counters),
    path("_control/settings", control.settings),
    path("_control/actions", control.actions),
    path("_control/webhooks/flush", control.webhooks_flush),
    path("_control/webhooks/deliveries", control.webhooks_deliveries),
    path("_uploads/<str:key>/<path:filename>", storage.bucket),
    re_path(REGION + r"oauth/authorize$", oauth.authorize),
    re_path(REGION + r"oauth/token$", oauth.token),
    re_path(REGION + r"oauth/deauthorize$", oauth.deauthorize),
    re_path(REGION + r"api/v4/users/who_am_i" + JSON, api_views.who_am_i),
    re_path(REGION + r"api/v4/webhooks/(?P<rid>\d+)/activate" + JSON, api_views.webhook_activate),
    re_path(REGION + r"api/v4/documents/(?P<rid>\d+)/download" + JSON, api_views.document_download),
    re_path(REGION + r"api/v4/documents/(?P<rid>\d+)/versions" + JSON, api_views.document_versions),
    re_path(
        REGION + r"api/v4/task_template_lists/(?P<rid>\d+)/copy" + JSON,
        api_views.task_template_list_copy,
    ),
    re_path(REGION + r"api/v4/(?P<resource>clio_payments/payments)" + JSON, api_views.collection),
    re_path(
        REGION + r"api/v4/(?P<resource>clio_payments/payments)/(?P<rid>[^/.]+)" + JSON,
        api_views.member,
    ),
    re_path(REGION + r"api/v4/(?P<resource>[a-z_]+)" + JSON, api_views.collection),
    re_path(REGION + r"api/v4/(?P<resource>[a-z_]+)/(?P<rid>[^/.]+)" + JSON, api_views.member),
]
