from accounts.roles import APPROVE_BILLS, SEE_FLAGS
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
        "trust_exceptions_open": _trust_exceptions_open(member) if member else 0,
        "flags_open": _flags_open(member) if member else 0,
        "approvals_waiting": _approvals_waiting(member) if member else 0,
    }


def _trust_exceptions_open(member) -> int:
    # The nav's badge: one COUNT. Read through the firm's reverse relation because accounts sits
    # below trust in the import layers (pyproject.toml, importlinter) and may not import it.
    return member.firm.trust_exceptions.filter(resolved_at__isnull=True).count()


def _flags_open(member) -> int:
    # One COUNT through the reverse relation, for the same layering reason as above (the statuses
    # are sync.models.FlaggedBill.OPEN_STATUSES). Only the roles that see the link pay for it.
    if member.role not in SEE_FLAGS:
        return 0
    return member.firm.flagged_bills.filter(status__in=("open", "repairing")).count()


def _approvals_waiting(member) -> int:
    # Bills held for approval (sync.models.BillApproval, status "held"): one COUNT through the
    # reverse relation, for the layering reason above; only the roles that decide pay for it.
    if member.role not in APPROVE_BILLS:
        return 0
    return member.firm.bill_approvals.filter(status="held").count()
