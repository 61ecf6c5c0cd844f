"""Each real provider host maps to one prefix here (see ARCHITECTURE.md, the sandbox contract)."""

from django.urls import include, path

from sandbox import views

urlpatterns = [
    path("", views.index, name="sandbox_index"),
    path("clio/", include("sandbox.clio.urls")),
    path("quickbooks/", include("sandbox.quickbooks.urls")),
    path("xero/", include("sandbox.xero.urls")),
]
