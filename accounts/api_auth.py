"""`Authorization: Bearer fs_…` API tokens: stored hashed, scoped to one user in one firm."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, token_hash

LAST_USED_GRANULARITY = timedelta(minutes=1)


def bearer_token_valid(request) -> bool:
    """Whether the request carries a live API token (`Authorization: Bearer fs_…`)."""
    header = authentication.get_authorization_header(request).decode(errors="replace").split()
    if len(header) != 2 or header[0] != ApiTokenAuthentication.keyword:
        return False
    return ApiToken.objects.filter(
        token_hash=token_hash(header[1]), revoked_at=None, user__is_active=True
    ).exists()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the header as 'Authorization: Bearer <token>'."
            )
        token = (
            ApiToken.objects.select_related("user", "firm")
            .filter(token_hash=token_hash(header[1]), revoked_at=None)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("The API token is unknown or was revoked.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
            # A conditional UPDATE: many parallel requests write the timestamp once.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "ApiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A FirmSync API token (fs_…)."}
