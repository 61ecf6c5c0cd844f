from django.urls import path

from sandbox.views import provider_placeholder

urlpatterns = [path("", provider_placeholder, {"provider": "Clio"}, name="sandbox_clio_console")]
