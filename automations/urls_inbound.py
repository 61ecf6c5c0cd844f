"""Provider webhooks for automations (included from firmsync/urls.py)."""

from django.urls import path

from automations import views_inbound

urlpatterns = [
    path("webhooks/quickbooks/", views_inbound.quickbooks_webhook, name="quickbooks_webhook"),
    path("webhooks/xero/", views_inbound.xero_webhook, name="xero_webhook"),
]
