"""`Authorization: Bearer fs_…` API tokens: stored hashed, acting as one user in the token's
firm, or in another of the token's firms named by the `X-Firm` header."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, token_hash

LAST_USED_GRANULARITY = timedelta(minutes=1)

# A token request names the firm it acts in, by slug or id; without it, the token's home firm.
FIRM_HEADER = "X-Firm"
FIRM_HEADER_HELP = (
    "With an API token: the firm to act in, by its slug or id. Leave it out to act in the "
    "token's own firm. It must be one of the firms the token was given and you still belong "
    "to (GET /api/v1/me lists them); any other answers 403 `firm_not_in_token`. Your role is "
    "the one you hold in that firm. Ignored when signed in through the site."
)


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
        return {
            "type": "http",
            "scheme": "bearer",
            "description": f"A FirmSync API token (fs_…). {FIRM_HEADER}: {FIRM_HEADER_HELP}",
        }
