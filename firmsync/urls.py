"""URL wiring. Product pages, the API, sign-in, and the admin and the sandbox when enabled."""

from django.conf import settings
from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from firmsync import errors

handler400 = errors.bad_request
handler404 = errors.not_found
handler500 = errors.server_error
handler403 = errors.forbidden


def healthz(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("api/", include("firmsync.api")),
    path("healthz", healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("", include("practice.urls")),
    path("", include("trust.urls")),
    path("", include("sync.urls")),
    path("", include("hooks.urls")),
    path("", include("automations.urls")),
    path("", include("automations.urls_inbound")),
]

if settings.ADMIN_ENABLED:
    urlpatterns.insert(0, path("admin/", admin.site.urls))
if settings.SANDBOX_ENABLED:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))
