"""DRF permissions: the request's firm membership and its role."""

from rest_framework import exceptions, permissions

from accounts.api_auth import FIRM_HEADER
from accounts.models import ApiToken, Membership
from accounts.roles import ANY_MEMBER
from accounts.selectors import membership_for_token

FIRM_NOT_IN_TOKEN = (
    "This API token does not reach the firm named in X-Firm. Name one of the token's firms by "
    "its slug or id (GET /api/v1/me lists them), leave X-Firm out to act in the token's own "
    "firm, or create a token that includes that firm under Settings → API tokens."
)
HOME_FIRM_LEFT = (
    "You are no longer a member of this API token's firm, so the token reaches no firm. "
    "Create a new token under Settings → API tokens in a firm you belong to."
)


def api_membership(request) -> Membership | None:
    """The membership an API request acts as: with a token, the token's firm or the one its
    X-Firm header names (if the token reaches it); signed in, the session's current firm."""
    if isinstance(request.auth, ApiToken):
        firm_ref = request.headers.get(FIRM_HEADER, "").strip()
        member = membership_for_token(token=request.auth, firm_ref=firm_ref)
        if member is None:
            raise exceptions.PermissionDenied(
                FIRM_NOT_IN_TOKEN if firm_ref else HOME_FIRM_LEFT, code="firm_not_in_token"
            )
        return member
    return request._request.membership or None


class IsFirmMember(permissions.BasePermission):
    """Signed in, a member of the firm, with a role the view allows.

    Views set `read_roles` (safe methods) and `write_roles` (others); both default to any member.
    Read-only tokens may not use unsafe methods. The role is the one held in the firm acted in.
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        member = api_membership(request)
        if member is None:
            raise exceptions.PermissionDenied("You are not a member of any firm.")
        request.membership = member
        safe = request.method in permissions.SAFE_METHODS
        if not safe and isinstance(request.auth, ApiToken) and not request.auth.can_write:
            raise exceptions.PermissionDenied("This API token is read-only.")
        roles = getattr(view, "read_roles" if safe else "write_roles", ANY_MEMBER)
        if member.role not in roles:
            raise exceptions.PermissionDenied("Your role in this firm does not allow this.")
        return True
