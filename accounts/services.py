"""Writes for firms, members, invitations, API tokens and the audit trail."""

import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from accounts import selectors
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


def audit_record(
    *,
    firm: Firm | None,
    actor: User | None,
    action: str,
    obj=None,
    before: dict | None = None,
    after: dict | None = None,
    ip: str | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        firm=firm,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_email=getattr(actor, "email", "") or "",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before or {},
        after=after or {},
        ip=ip,
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "firm"
    slug, n = base, 1
    while Firm.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def firm_create(*, name: str, owner: User, slug: str | None = None, ip: str | None = None) -> Firm:
    """A new firm with its first admin (sign-up does this)."""
    firm = Firm.objects.create(name=name.strip(), slug=slug or _unique_slug(name))
    Membership.objects.create(user=owner, firm=firm, role=Role.ADMIN)
    audit_record(
        firm=firm, actor=owner, action="firm.created", obj=firm, after={"name": firm.name}, ip=ip
    )
    return firm


@transaction.atomic
def firm_update(*, member: Membership, ip: str | None = None, **fields) -> Firm:
    firm = Firm.objects.select_for_update().get(pk=member.firm_id)
    before = {k: getattr(firm, k) for k in fields}
    for key, value in fields.items():
        setattr(firm, key, value)
    firm.full_clean()
    firm.save(update_fields=list(fields))
    audit_record(
        firm=firm,
        actor=member.user,
        action="firm.updated",
        obj=firm,
        before=before,
        after=fields,
        ip=ip,
    )
    return firm


def _admins_left(firm_id: int, excluding: Membership) -> int:
    return (
        Membership.objects.filter(firm_id=firm_id, role=Role.ADMIN).exclude(pk=excluding.pk).count()
    )


@transaction.atomic
def membership_change_role(
    *, actor: Membership, membership: Membership, role: str, ip: str | None = None
) -> Membership:
    # Lock the firm's admin rows so two admins demoting each other cannot leave none.
    list(Membership.objects.select_for_update().filter(firm_id=membership.firm_id, role=Role.ADMIN))
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and not _admins_left(membership.firm_id, membership)
    ):
        raise ValidationError("The last admin cannot be demoted. Make someone else an admin first.")
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        firm=membership.firm,
        actor=actor.user,
        action="member.role_changed",
        obj=membership,
        before=before,
        after={"role": role},
        ip=ip,
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership, ip: str | None = None) -> None:
    list(Membership.objects.select_for_update().filter(firm_id=membership.firm_id, role=Role.ADMIN))
    if membership.role == Role.ADMIN and not _admins_left(membership.firm_id, membership):
        raise ValidationError("The last admin cannot be removed. Make someone else an admin first.")
    audit_record(
        firm=membership.firm,
        actor=actor.user,
        action="member.removed",
        obj=membership,
        before={"email": membership.user.email, "role": membership.role},
        ip=ip,
    )
    # Requests re-check the membership anyway; this keeps a later return to the firm from
    # reviving the person's old tokens there.
    ApiToken.objects.filter(
        user_id=membership.user_id, firm_id=membership.firm_id, revoked_at=None
    ).update(revoked_at=timezone.now())
    ApiToken.firms.through.objects.filter(
        apitoken__user_id=membership.user_id, firm_id=membership.firm_id
    ).delete()
    membership.delete()


def _send_invitation_email(invitation: Invitation, raw_token: str, base_url: str) -> None:
    link = f"{base_url.rstrip('/')}/invitations/{raw_token}/"
    context = {"invitation": invitation, "link": link}
    send_mail(
        subject=f"[FirmSync] You are invited to {invitation.firm.name}",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )


@transaction.atomic
def invitation_create(
    *, actor: Membership, email: str, role: str, base_url: str, ip: str | None = None
) -> tuple[Invitation, str]:
    """Create an invitation and email its link. Returns the invitation and the raw token."""
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError(f"Unknown role {role!r}.")
    if Membership.objects.filter(firm_id=actor.firm_id, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of this firm.")
    Invitation.objects.filter(firm_id=actor.firm_id, email=email, accepted_at=None).update(
        revoked_at=timezone.now()
    )
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        firm_id=actor.firm_id,
        email=email,
        role=role,
        token_hash=token_hash(raw),
        invited_by=actor.user,
        expires_at=timezone.now() + timedelta(days=Invitation.INVITATION_DAYS),
    )
    audit_record(
        firm=actor.firm,
        actor=actor.user,
        action="invitation.created",
        obj=invitation,
        after={"email": email, "role": role},
        ip=ip,
    )
    transaction.on_commit(lambda: _send_invitation_email(invitation, raw, base_url))
    return invitation, raw


@transaction.atomic
def invitation_revoke(
    *, actor: Membership, invitation: Invitation, ip: str | None = None
) -> Invitation:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        firm=actor.firm, actor=actor.user, action="invitation.revoked", obj=invitation, ip=ip
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User, ip: str | None = None) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError("This invitation has expired or was already used. Ask for a new one.")
    if user.email.lower() != invitation.email.lower():
        raise PermissionDenied(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}."
        )
    membership, _ = Membership.objects.get_or_create(
        user=user, firm=invitation.firm, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        firm=invitation.firm,
        actor=user,
        action="invitation.accepted",
        obj=invitation,
        after={"role": membership.role},
        ip=ip,
    )
    return membership


@transaction.atomic
def user_create_from_invitation(
    *,
    invitation: Invitation,
    password: str,
    first_name: str = "",
    last_name: str = "",
    ip: str | None = None,
) -> User:
    """A new person joins through an invitation link; the link proves the email address."""
    from allauth.account.models import EmailAddress

    user = User.objects.create_user(
        email=invitation.email, password=password, first_name=first_name, last_name=last_name
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    invitation_accept(invitation=invitation, user=user, ip=ip)
    return user


def _token_firms(*, member: Membership, firm_ids: list[int], scope: str) -> list[Membership]:
    """The user's memberships in the other firms asked for, each checked as the home firm is:
    a member there, read-only for a viewer, and the firm's MFA policy met."""
    asked = set(firm_ids) - {member.firm_id}
    found = list(
        Membership.objects.select_related("firm").filter(user_id=member.user_id, firm_id__in=asked)
    )
    if len(found) != len(asked):
        raise ValidationError("A token can only be given firms you belong to.")
    for m in found:
        if scope == ApiToken.Scope.READ_WRITE and m.role == Role.VIEWER:
            raise ValidationError(
                f"You are a viewer in {m.firm.name}: a token for it can only be read-only."
            )
        if m.mfa_required and not selectors.user_has_totp(member.user):
            raise ValidationError(
                f"{m.firm.name} requires two-factor authentication: set it up before giving "
                "a token that firm."
            )
    return found


@transaction.atomic
def api_token_create(
    *,
    member: Membership,
    name: str,
    scope: str,
    firm_ids: list[int] | None = None,
    ip: str | None = None,
) -> tuple[ApiToken, str]:
    """Returns the token row and the raw token, which is shown once and never stored. The
    token's home is the member's firm; `firm_ids` are other firms of theirs it may act in."""
    if scope == ApiToken.Scope.READ_WRITE and member.role == Role.VIEWER:
        raise ValidationError("Viewers can create read-only tokens only.")
    others = _token_firms(member=member, firm_ids=firm_ids or [], scope=scope)
    raw = "fs_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        firm_id=member.firm_id,
        user=member.user,
        name=name.strip() or "API token",
        prefix=raw[:10],
        token_hash=token_hash(raw),
        scope=scope,
    )
    token.firms.set([m.firm for m in others])
    # Each firm the token reaches keeps its own record of it.
    for firm in [member.firm, *(m.firm for m in others)]:
        audit_record(
            firm=firm,
            actor=member.user,
            action="api_token.created",
            obj=token,
            after={"scope": scope, "firms": sorted([member.firm_id, *(m.firm_id for m in others)])},
            ip=ip,
        )
    return token, raw


@transaction.atomic
def api_token_revoke(*, member: Membership, token: ApiToken, ip: str | None = None) -> ApiToken:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    for firm in [member.firm, *token.firms.all()]:
        audit_record(firm=firm, actor=member.user, action="api_token.revoked", obj=token, ip=ip)
    return token
