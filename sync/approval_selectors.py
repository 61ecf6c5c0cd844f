"""Reads for the Bills for approval queue (page and API): one accessor scoped to the member's
firm, the filtered list, and the nav's count."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Membership
from practice.models import Contact, Matter
from sync.engine.approval import RULE_LABELS
from sync.models import BillApproval

STATES = {
    "held": "Waiting for approval",
    "rejected": "Rejected",
    "approved": "Approved",
    "all": "Every decision",
}
SORTS = {
    "oldest": ("held_at", "id"),
    "newest": ("-held_at", "-id"),
    "amount_desc": ("-amount", "id"),
    "amount_asc": ("amount", "id"),
}


@dataclass
class ApprovalFilters:
    state: str = "held"
    rule: str = ""
    client: str = ""
    amount_min: Decimal | None = None
    sort: str = "oldest"


def bill_approval_get_for_member(*, member: Membership, approval_id: int) -> BillApproval:
    """The firm's approval row, or the same 404 for "missing" and "another firm's"."""
    found = BillApproval.objects.filter(firm_id=member.firm_id, pk=approval_id).first()
    if found is None:
        raise Http404("No such bill awaiting approval.")
    return found


def bill_approvals_for_member(*, member: Membership, ids: list[int]) -> list[BillApproval]:
    """The firm's rows among `ids` (others' ids are silently not found, like missing ones)."""
    return list(BillApproval.objects.filter(firm_id=member.firm_id, pk__in=ids).order_by("pk"))


def approval_filters_parse(params) -> tuple[ApprovalFilters, dict[str, str]]:
    errors: dict[str, str] = {}
    f = ApprovalFilters()
    f.state = params.get("state", "held") if params.get("state") in STATES else "held"
    f.rule = params.get("rule", "") if params.get("rule") in RULE_LABELS else ""
    f.client = (params.get("client") or "").strip()[:100]
    f.sort = params.get("sort") if params.get("sort") in SORTS else "oldest"
    raw = (params.get("amount_min") or "").strip()
    if raw:
        try:
            f.amount_min = Decimal(raw.replace(",", ""))
            if not f.amount_min.is_finite() or abs(f.amount_min) >= Decimal("1e12"):
                raise InvalidOperation
        except InvalidOperation:
            f.amount_min = None
            errors["amount_min"] = "Enter an amount such as 1000 or 2500.00."
    return f, errors


def bill_approvals_list(*, member: Membership, filters: ApprovalFilters) -> QuerySet:
    qs = BillApproval.objects.filter(firm_id=member.firm_id).select_related("decided_by")
    if filters.state != "all":
        qs = qs.filter(status=filters.state)
    else:
        qs = qs.exclude(status=BillApproval.Status.RELEASED)
    if filters.rule:
        qs = qs.filter(rules__contains=[{"rule": filters.rule}])
    if filters.client:
        qs = qs.filter(client_name__icontains=filters.client)
    if filters.amount_min is not None:
        qs = qs.filter(amount__gte=filters.amount_min)
    return qs.order_by(*SORTS[filters.sort])


def bill_approvals_waiting_count(*, firm_id: int) -> int:
    return BillApproval.objects.filter(firm_id=firm_id, status=BillApproval.Status.HELD).count()


WATCH_CHOICES_MAX = 2000


def approval_watch_choices(*, member: Membership) -> tuple[list, list]:
    """(clients, matters) the watch lists choose from, as (Clio id, label): the mirror's clients
    (contacts a matter or a bill names) and matters, by name."""
    firm_id = member.firm_id
    clients = (
        Contact.objects.filter(firm_id=firm_id)
        .filter(Q(matters__isnull=False) | Q(bills__isnull=False))
        .distinct()
        .order_by("name", "clio_id")
        .values_list("clio_id", "name")[:WATCH_CHOICES_MAX]
    )
    matters = (
        Matter.objects.filter(firm_id=firm_id)
        .order_by("display_number", "clio_id")
        .values_list("clio_id", "display_number", "description")[:WATCH_CHOICES_MAX]
    )
    return (
        [(clio_id, name or f"Contact {clio_id}") for clio_id, name in clients],
        [
            (clio_id, f"{number} {text}".strip()[:120] or f"Matter {clio_id}")
            for clio_id, number, text in matters
        ],
    )
