"""Bills for approval: the queue of bills the firm's rules held before the books, with approve
and reject (one at a time or ticked in bulk), re-open, and the rules' form on Bill Syncing."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from accounts.roles import APPROVE_BILLS, MANAGE_FIRM
from sync import approval_selectors as sel
from sync import approval_services as services
from sync.engine.approval import RULE_LABELS
from sync.forms import ApprovalRulesForm
from sync.models import SyncSettings

PAGE_SIZE = 50


@member_required(APPROVE_BILLS)
def bill_approvals(request):
    member = request.membership
    filters, errors = sel.approval_filters_parse(request.GET)
    found = sel.bill_approvals_list(member=member, filters=filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "sync/bill_approvals.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "states": sel.STATES.items(),
            "rule_labels": RULE_LABELS.items(),
            "narrowed": bool(filters.rule or filters.client or filters.amount_min is not None),
        },
    )


def _ids(values) -> list[int]:
    return [int(v) for v in values if str(v).isdigit() and len(str(v)) < 12]


def _report(request, decisions: list, verb: str) -> None:
    done = [d for d in decisions if not d.error]
    if done:
        names = ", ".join(d.approval.number or str(d.approval.bill_clio_id) for d in done)
        messages.success(
            request, f"{verb} {len(done)} bill{'s' if len(done) != 1 else ''}: {names}."
        )
    for d in decisions:
        if d.error:
            messages.error(request, d.error)


@require_POST
@member_required(APPROVE_BILLS)
def bill_approvals_decide(request):
    """One POST for every ticked bill: approve them, or reject them with one reason."""
    member = request.membership
    approvals = sel.bill_approvals_for_member(member=member, ids=_ids(request.POST.getlist("ids")))
    if not approvals:
        messages.error(request, "Tick at least one bill first.")
        return redirect("bill_approvals")
    decision = request.POST.get("decision", "")
    try:
        decisions = services.bill_approvals_decide(
            approvals=approvals,
            member=member,
            decision=decision,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("bill_approvals")
    _report(request, decisions, "Approved" if decision == "approve" else "Rejected")
    return redirect("bill_approvals")


@require_POST
@member_required(APPROVE_BILLS)
def bill_approval_approve(request, approval_id: int):
    member = request.membership
    approval = sel.bill_approval_get_for_member(member=member, approval_id=approval_id)
    decisions = services.bill_approvals_decide(
        approvals=[approval], member=member, decision="approve", reason=request.POST.get("note", "")
    )
    _report(request, decisions, "Approved")
    return redirect("bill_approvals")


@require_POST
@member_required(APPROVE_BILLS)
def bill_approval_reject(request, approval_id: int):
    member = request.membership
    approval = sel.bill_approval_get_for_member(member=member, approval_id=approval_id)
    try:
        decisions = services.bill_approvals_decide(
            approvals=[approval],
            member=member,
            decision="reject",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("bill_approvals")
    _report(request, decisions, "Rejected")
    return redirect("bill_approvals")


@require_POST
@member_required(APPROVE_BILLS)
def bill_approval_reopen(request, approval_id: int):
    member = request.membership
    approval = sel.bill_approval_get_for_member(member=member, approval_id=approval_id)
    try:
        services.bill_approval_reopen(approval=approval, member=member)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("bill_approvals")
    messages.success(
        request, f"Bill {approval.number or approval.bill_clio_id} waits for approval again."
    )
    return redirect("bill_approvals")


@member_required(MANAGE_FIRM)
def approval_rules(request):
    """The rules' form (GET: shown on Bill Syncing; POST: saved)."""
    member = request.membership
    cfg = SyncSettings.objects.filter(firm_id=member.firm_id).first()
    clients, matters = sel.approval_watch_choices(member=member)
    initial = {name: getattr(cfg, name) for name in services.APPROVAL_FIELDS} if cfg else {}
    form = ApprovalRulesForm(
        request.POST or None, initial=initial, clients=clients, matters=matters
    )
    status = 200
    if cfg is None:
        status = 409 if request.method == "POST" else 200
    elif request.method == "POST":
        if form.is_valid():
            services.sync_settings_approval_update(member=member, data=form.cleaned_data)
            messages.success(request, "Saved the approval rules; the next sync applies them.")
            return redirect("bill_syncing")
        status = 400
    return render(request, "sync/approval_rules.html", {"form": form, "cfg": cfg}, status=status)
