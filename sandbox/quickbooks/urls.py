from django.urls import path

from sandbox.views import provider_placeholder

urlpatterns = [
    path("", provider_placeholder, {"provider": "QuickBooks"}, name="sandbox_quickbooks_console")
]
