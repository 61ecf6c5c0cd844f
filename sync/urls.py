from django.urls import path

from sync import views, views_connect, views_setup, views_webhooks

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings/bill-syncing/", views.bill_syncing, name="bill_syncing"),
    path(
        "settings/bill-syncing/connect/<str:provider>/",
        views_connect.connect_start,
        name="connect_start",
    ),
    path(
        "settings/bill-syncing/callback/<str:provider>/",
        views_connect.connect_callback,
        name="connect_callback",
    ),
    path(
        "settings/bill-syncing/xero/choose/",
        views_connect.connect_xero_choose,
        name="connect_xero_choose",
    ),
    path(
        "settings/bill-syncing/connections/<int:connection_id>/disconnect/",
        views.connection_disconnect,
        name="connection_disconnect",
    ),
    path("settings/bill-syncing/setup/", views_setup.setup_panel, name="sync_setup"),
    path(
        "settings/bill-syncing/preflight/<str:key>/fix/",
        views_setup.preflight_fix,
        name="preflight_fix",
    ),
    path("flagged-bills/", views.flagged_bills, name="flagged_bills"),
    path("webhooks/clio/<str:token>/", views_webhooks.clio_webhook, name="clio_webhook"),
]
