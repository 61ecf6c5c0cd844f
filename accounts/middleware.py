"""Puts the member's current firm on the request and enforces the firm's MFA policy."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject

from accounts.api_auth import bearer_token_valid
from accounts.selectors import membership_get_for_user, user_has_totp

SESSION_FIRM_KEY = "current_firm_id"

# Paths a person must still reach while MFA setup is pending.
MFA_EXEMPT_PREFIXES = (
    "/accounts/",
    "/static/",
    "/sandbox/",
    "/invitations/",
    "/healthz",
    "/webhooks/",
)


def _membership(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    membership = membership_get_for_user(user=user, firm_id=request.session.get(SESSION_FIRM_KEY))
    if membership is not None and request.session.get(SESSION_FIRM_KEY) != membership.firm_id:
        request.session[SESSION_FIRM_KEY] = membership.firm_id
    return membership


class CurrentFirmMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: _membership(request))
        return self.get_response(request)


class MfaPolicyMiddleware:
    """Admins and accountants of a firm that requires MFA set it up before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up_mfa(request):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": {
                            "status": 403,
                            "code": "mfa_required",
                            "message": "Set up two-factor authentication before using the API.",
                            "details": {},
                        }
                    },
                    status=403,
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _must_set_up_mfa(request) -> bool:
        if request.path.startswith(MFA_EXEMPT_PREFIXES) or not request.user.is_authenticated:
            return False
        # Only the API reads tokens, and a request with a live one is that token's, not the
        # session's (token authentication comes first). Any other header, and any header on a
        # page, leaves the session's policy in force.
        if request.path.startswith("/api/") and bearer_token_valid(request):
            return False
        member = request.membership
        return bool(member) and member.mfa_required and not user_has_totp(request.user)
