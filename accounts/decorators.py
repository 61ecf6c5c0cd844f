from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from accounts.roles import ANY_MEMBER
from accounts.selectors import role_require


def member_required(roles=ANY_MEMBER):
    """Signed in, a member of a firm, and in one of `roles` (else 403)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.membership:
                return redirect("no_firm")
            role_require(request.membership, roles)
            return view(request, *args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")
