from accounts.selectors import memberships_for_user


def tenancy(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    member = getattr(request, "membership", None)
    return {
        "member": member if member else None,
        "firm": member.firm if member else None,
        "my_memberships": memberships_for_user(user=user),
    }
