from django.urls import path

from sandbox.views import provider_placeholder

urlpatterns = [path("", provider_placeholder, {"provider": "Xero"}, name="sandbox_xero_console")]
