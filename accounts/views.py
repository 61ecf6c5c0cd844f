"""HTML views for firm administration. Each one: parse, scoped accessor, one service, respond."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.decorators import client_ip, member_required
from accounts.forms import (
    ApiTokenForm,
    FirmSettingsForm,
    InvitationSignupForm,
    InviteForm,
    RoleForm,
)
from accounts.middleware import SESSION_FIRM_KEY
from accounts.models import User
from accounts.roles import ANY_MEMBER, MANAGE_FIRM


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@member_required(MANAGE_FIRM)
def members(request):
    member = request.membership
    return render(
        request,
        "accounts/members.html",
        {
            "memberships": selectors.membership_list(member=member),
            "invitations": selectors.invitation_list_open(member=member),
            "invite_form": InviteForm(),
            "role_choices": RoleForm.base_fields["role"].choices,
        },
    )


@require_POST
@member_required(MANAGE_FIRM)
def member_invite(request):
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a valid email address and role.")
        return redirect("members")
    try:
        services.invitation_create(
            actor=request.membership,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            base_url=request.build_absolute_uri("/"),
            ip=client_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    return redirect("members")


@require_POST
@member_required(MANAGE_FIRM)
def member_change_role(request, membership_id: int):
    target = selectors.membership_get_for_member(
        member=request.membership, membership_id=membership_id
    )
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(
                actor=request.membership,
                membership=target,
                role=form.cleaned_data["role"],
                ip=client_ip(request),
            )
            messages.success(request, f"{target.user.email} is now {target.get_role_display()}.")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return redirect("members")


@require_POST
@member_required(MANAGE_FIRM)
def member_remove(request, membership_id: int):
    target = selectors.membership_get_for_member(
        member=request.membership, membership_id=membership_id
    )
    try:
        services.membership_remove(
            actor=request.membership, membership=target, ip=client_ip(request)
        )
        messages.success(request, f"{target.user.email} was removed from the firm.")
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("members")


@require_POST
@member_required(MANAGE_FIRM)
def invitation_revoke(request, invitation_id: int):
    invitation = selectors.invitation_get_for_member(
        member=request.membership, invitation_id=invitation_id
    )
    services.invitation_revoke(
        actor=request.membership, invitation=invitation, ip=client_ip(request)
    )
    messages.success(request, f"The invitation for {invitation.email} was withdrawn.")
    return redirect("members")


def invitation_accept(request, token: str):
    """Works for a new person (set a password) and for an existing one (sign in, then accept)."""
    invitation = selectors.invitation_get_by_token(raw_token=token)
    context = {"invitation": invitation}
    if not invitation.is_open:
        return render(request, "accounts/invitation_closed.html", context, status=410)
    if request.user.is_authenticated:
        return _accept_as_signed_in(request, invitation, context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        return render(request, "accounts/invitation_sign_in.html", context)
    form = InvitationSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_create_from_invitation(
            invitation=invitation,
            password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            ip=client_ip(request),
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_FIRM_KEY] = invitation.firm_id
        messages.success(request, f"Welcome to {invitation.firm.name}.")
        return redirect("dashboard")
    return render(request, "accounts/invitation_signup.html", {**context, "form": form})


def _accept_as_signed_in(request, invitation, context):
    if request.user.email.lower() != invitation.email.lower():
        return render(request, "accounts/invitation_wrong_user.html", context, status=403)
    if request.method == "POST":
        membership = services.invitation_accept(
            invitation=invitation, user=request.user, ip=client_ip(request)
        )
        request.session[SESSION_FIRM_KEY] = membership.firm_id
        messages.success(request, f"You joined {invitation.firm.name}.")
        return redirect("dashboard")
    return render(request, "accounts/invitation_confirm.html", context)


@require_POST
@login_required
def firm_switch(request):
    try:
        firm_id = int(request.POST.get("firm", ""))
    except ValueError:
        firm_id = None
    membership = selectors.memberships_for_user(user=request.user).filter(firm_id=firm_id).first()
    if membership is None:
        messages.error(request, "You are not a member of that firm.")
    else:
        request.session[SESSION_FIRM_KEY] = membership.firm_id
        messages.success(request, f"Switched to {membership.firm.name}.")
        # The console switches firm and opens one of its pages in one step; only a path on this
        # site is followed (never another host).
        after = request.POST.get("next", "")
        if after.startswith("/") and url_has_allowed_host_and_scheme(
            after, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(after)
    return redirect("dashboard")


@member_required(MANAGE_FIRM)
def firm_settings(request):
    member = request.membership
    form = FirmSettingsForm(request.POST or None, instance=member.firm)
    if request.method == "POST" and form.is_valid():
        services.firm_update(
            member=member,
            ip=client_ip(request),
            **{k: form.cleaned_data[k] for k in FirmSettingsForm.Meta.fields},
        )
        messages.success(request, "Firm settings saved.")
        return redirect("firm_settings")
    return render(request, "accounts/firm_settings.html", {"form": form})


@member_required(ANY_MEMBER)
def api_tokens(request):
    member = request.membership
    form = ApiTokenForm(request.POST or None, member=member)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_token = services.api_token_create(
                member=member,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                firm_ids=[f.pk for f in form.cleaned_data["firms"]],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    return render(
        request,
        "accounts/api_tokens.html",
        {
            "form": form if form.errors else ApiTokenForm(member=member),
            "tokens": selectors.api_token_list(member=member),
            "new_token": new_token,
        },
    )


@require_POST
@member_required(ANY_MEMBER)
def api_token_revoke(request, token_id: int):
    token = selectors.api_token_get_for_member(member=request.membership, token_id=token_id)
    services.api_token_revoke(member=request.membership, token=token, ip=client_ip(request))
    messages.success(request, f"Token {token.name} was revoked.")
    return redirect("api_tokens")


@member_required(MANAGE_FIRM)
def audit_log(request):
    events = selectors.audit_list(member=request.membership)[:200]
    return render(request, "accounts/audit_log.html", {"events": events})


@login_required
def no_firm(request):
    if request.membership:
        return redirect("dashboard")
    return render(request, "accounts/no_firm.html")
