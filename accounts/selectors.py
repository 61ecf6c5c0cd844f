"""Reads scoped to the member's firm. 'Missing' and 'another firm's' give the same 404."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import ApiToken, AuditEvent, Invitation, Membership, Role, User, token_hash


def role_require(member: Membership, roles: tuple[str, ...] | frozenset[str]) -> None:
    if member.role not in roles:
        raise PermissionDenied("Your role in this firm does not allow this.")


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("firm").order_by("firm__name")


def membership_get_for_user(*, user: User, firm_id: int | None) -> Membership | None:
    qs = memberships_for_user(user=user)
    return (qs.filter(firm_id=firm_id).first() if firm_id else None) or qs.first()


def membership_list(*, member: Membership) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(firm_id=member.firm_id)
        .select_related("user")
        .order_by("user__email")
    )


def membership_get_for_member(*, member: Membership, membership_id: int) -> Membership:
    found = membership_list(member=member).filter(pk=membership_id).first()
    if found is None:
        raise Http404("No such member.")
    return found


def invitation_list_open(*, member: Membership) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        firm_id=member.firm_id, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    )


def invitation_get_for_member(*, member: Membership, invitation_id: int) -> Invitation:
    found = Invitation.objects.filter(firm_id=member.firm_id, pk=invitation_id).first()
    if found is None:
        raise Http404("No such invitation.")
    return found


def invitation_get_by_token(*, raw_token: str) -> Invitation:
    found = (
        Invitation.objects.select_related("firm").filter(token_hash=token_hash(raw_token)).first()
    )
    if found is None:
        raise Http404("This invitation link is not valid.")
    return found


def api_token_list(*, member: Membership) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(firm_id=member.firm_id, user_id=member.user_id)


def api_token_get_for_member(*, member: Membership, token_id: int) -> ApiToken:
    found = api_token_list(member=member).filter(pk=token_id).first()
    if found is None:
        raise Http404("No such token.")
    return found


def audit_list(*, member: Membership) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(firm_id=member.firm_id).select_related("actor")


ADMIN_ROLES = frozenset({Role.ADMIN})
