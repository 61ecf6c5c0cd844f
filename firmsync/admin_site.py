"""The Django admin, behind allauth's sign-in and its two-factor step.

The admin's own login form would skip both (no second factor, no login throttling), so it is
never shown: signing in happens at allauth's page, and the admin opens only for active staff
whose session passed a second factor. settings.ADMIN_ENABLED mounts it at all (off in production
unless turned on: the admin writes rows past the services, their audit and their rules).
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def session_passed_mfa(request) -> bool:
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class FirmSyncAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return super().has_permission(request) and session_passed_mfa(request)

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login  # needs the app registry

        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = ""
        next_url = next_url or f"{request.path.removesuffix('login/')}"
        if not request.user.is_authenticated:
            return redirect_to_login(next_url, settings.LOGIN_URL)
        if self.has_permission(request):
            return redirect(next_url)
        raise PermissionDenied(
            "The admin is for staff signed in with two-factor authentication: set up an "
            "authenticator app, sign out and sign in again."
        )


class FirmSyncAdminConfig(AdminConfig):
    default_site = "firmsync.admin_site.FirmSyncAdminSite"
