"""Reads scoped to the member's firm. 'Missing' and 'another firm's' give the same 404."""

import re

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import (
    ApiToken,
    AuditEvent,
    Firm,
    Invitation,
    Membership,
    Role,
    User,
    token_hash,
)


def role_require(member: Membership, roles: tuple[str, ...] | frozenset[str]) -> None:
    if member.role not in roles:
        raise PermissionDenied("Your role in this firm does not allow this.")


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("firm").order_by("firm__name")


def membership_get_for_user(*, user: User, firm_id: int | None) -> Membership | None:
    qs = memberships_for_user(user=user)
    return (qs.filter(firm_id=firm_id).first() if firm_id else None) or qs.first()


def user_has_totp(user: User) -> bool:
    from allauth.mfa.models import Authenticator  # needs the app registry

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


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
    """The member's tokens whose home is this firm, each with the other firms it reaches that
    the member still belongs to."""
    still_mine = Firm.objects.filter(memberships__user_id=member.user_id).order_by("name")
    return ApiToken.objects.filter(firm_id=member.firm_id, user_id=member.user_id).prefetch_related(
        Prefetch("firms", queryset=still_mine)
    )


def memberships_for_token(*, token: ApiToken) -> QuerySet[Membership]:
    """The memberships an API token acts through: its user's, in its home firm and in each other
    firm it was given, while the user still belongs to the home firm and to that firm. Read on
    every request, so a membership that ends takes its firm out of the token's reach at once."""
    given = ApiToken.firms.through.objects.filter(apitoken_id=token.pk).values("firm_id")
    home = Membership.objects.filter(user_id=token.user_id, firm_id=token.firm_id)
    return (
        Membership.objects.filter(user_id=token.user_id)
        .filter(Q(firm_id=token.firm_id) | Q(firm_id__in=given))
        .filter(Exists(home))
        .select_related("firm", "user")
        .order_by("firm__name")
    )


# A firm's id as the X-Firm header may give it (a bigint's digits), else it is read as a slug.
_FIRM_ID = re.compile(r"[0-9]{1,18}")


def membership_for_token(*, token: ApiToken, firm_ref: str = "") -> Membership | None:
    """The membership a token request acts as: in the firm named by slug or id, or the token's
    home firm when none is named. None when the token does not reach it: a firm that does not
    exist, one the token was not given and one the user has left look the same."""
    scoped = memberships_for_token(token=token)
    if not firm_ref:
        return scoped.filter(firm_id=token.firm_id).first()
    found = None
    if _FIRM_ID.fullmatch(firm_ref):  # an id first: a slug may be all digits too
        found = scoped.filter(firm_id=int(firm_ref)).first()
    return found or scoped.filter(firm__slug=firm_ref).first()


def api_token_get_for_member(*, member: Membership, token_id: int) -> ApiToken:
    found = api_token_list(member=member).filter(pk=token_id).first()
    if found is None:
        raise Http404("No such token.")
    return found


def audit_list(*, member: Membership) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(firm_id=member.firm_id).select_related("actor")


ADMIN_ROLES = frozenset({Role.ADMIN})
