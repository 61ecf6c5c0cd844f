"""DRF permissions: the request's firm membership and its role."""

from rest_framework import exceptions, permissions

from accounts.models import ApiToken, Membership
from accounts.roles import ANY_MEMBER


def api_membership(request) -> Membership | None:
    """The membership an API request acts as: the token's firm, or the session's current firm."""
    if isinstance(request.auth, ApiToken):
        token = request.auth
        return (
            Membership.objects.select_related("firm", "user")
            .filter(user_id=token.user_id, firm_id=token.firm_id)
            .first()
        )
    return request._request.membership or None


class IsFirmMember(permissions.BasePermission):
    """Signed in, a member of the firm, with a role the view allows.

    Views set `read_roles` (safe methods) and `write_roles` (others); both default to any member.
    Read-only tokens may not use unsafe methods.
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
