"""Drift pages: the flagged-bills queue, one flag side by side with its actions, the open drifts,
and the receivables comparison with its "Reconcile now" button."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER, REVIEW_BILLS, SEE_FLAGS, WRITE
from sync.drift import flags, repair, services
from sync.drift import selectors as sel
from sync.drift.sides import side_by_side
from sync.models import Drift, FlaggedBill, ReconcileRun

PAGE_SIZE = 25
# While a run moves the panel asks every two seconds; otherwise not at all.
POLL_SECONDS = 2


# -- the queue -----------------------------------------------------------------------------------


@member_required(SEE_FLAGS)
def flagged_bills(request):
    member = request.membership
    filters, errors = sel.flag_filters_parse(request.GET)
    page = Paginator(sel.flags_list(member=member, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = sel.flag_kind_counts(member=member)
    context = {
        "filters": filters,
        "errors": errors,
        "page": page,
        "kinds": [(k, label, counts.get(k, 0)) for k, label in Drift.Kind.choices],
        "ages": [(k, label) for k, (label, _, _) in sel.AGE_BUCKETS.items()],
        "states": sel.FLAG_STATES.items(),
        "sort_links": {
            "age": sel.filter_query(filters, sort="oldest" if filters.sort != "oldest" else ""),
            "amount": sel.filter_query(
                filters, sort="amount_desc" if filters.sort != "amount_desc" else "amount_asc"
            ),
        },
        "page_query": sel.filter_query(filters),
        "can_act": member.role in REVIEW_BILLS,
    }
    return render(request, "sync/flagged_bills.html", context)


# -- one flag ------------------------------------------------------------------------------------


def _flag_page(request, flag, *, status=200, **extra):
    drifts = sel.flag_drifts(flag=flag)
    context = {
        "flag": flag,
        "sides": side_by_side(flag=flag),
        "drifts": drifts,
        # The reason is usually made of the drifts' summaries; each is said once.
        "drift_notes": [d for d in drifts if d.summary not in flag.reason],
        "steps": sel.repair_steps(flag),
        "can_act": request.membership.role in REVIEW_BILLS,
        **extra,
    }
    return render(request, "sync/flag_detail.html", context, status=status)


@member_required(SEE_FLAGS)
def flag_detail(request, flag_id: int):
    flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
    return _flag_page(request, flag)


def _refused(request, flag, exc: ValidationError, **form_values):
    """Back to the flag with the reason the action was refused, keeping what was typed."""
    errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {}
    general = errors.pop("__all__", []) if errors else exc.messages
    return _flag_page(
        request, flag, status=400, errors=errors, general_errors=general, **form_values
    )


@require_POST
@member_required(REVIEW_BILLS)
def flag_approve(request, flag_id: int):
    flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
    if flag.status != FlaggedBill.Status.OPEN:
        messages.info(request, _closed_words(flag))
        return redirect("flag_detail", flag_id=flag.pk)
    done = repair.flag_approve(flag=flag, actor=request.user)
    if done.status == FlaggedBill.Status.REPAIRED:
        messages.success(request, f"Repaired: the books now match Clio for {_name(done)}.")
    elif done.status == FlaggedBill.Status.OPEN:
        messages.error(
            request,
            f"The repair did not run: {done.action_note or 'no reason was given'} The flag stays "
            "open; try again, or fix the invoice by hand and press Resolved by hand.",
        )
    else:
        messages.info(request, _closed_words(done))
    return redirect("flag_detail", flag_id=flag.pk)


def _closed_words(flag) -> str:
    if flag.status == FlaggedBill.Status.REPAIRING:
        return "The repair of this bill is already running."
    return f"This flag is already closed ({flag.get_status_display().lower()}); nothing was run."


@require_POST
@member_required(REVIEW_BILLS)
def flag_dismiss(request, flag_id: int):
    flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
    reason = request.POST.get("reason", "")
    try:
        flags.flag_dismiss(flag=flag, actor=request.user, reason=reason)
    except ValidationError as exc:
        return _refused(request, flag, exc, reason=reason)
    messages.success(request, f"Dismissed the flag on {_name(flag)}. The books were not changed.")
    return redirect("flagged_bills")


@require_POST
@member_required(REVIEW_BILLS)
def flag_resolve(request, flag_id: int):
    flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
    note = request.POST.get("note", "")
    try:
        flags.flag_resolve_by_hand(flag=flag, actor=request.user, note=note)
    except ValidationError as exc:
        return _refused(request, flag, exc, note=note)
    messages.success(request, f"Marked {_name(flag)} as resolved by hand.")
    return redirect("flagged_bills")


@require_POST
@member_required(REVIEW_BILLS)
def flag_outside_clio(request, flag_id: int):
    flag = sel.flag_get_for_member(member=request.membership, flag_id=flag_id)
    note = request.POST.get("note", "")
    try:
        mark = flags.books_only_invoice_mark(flag=flag, actor=request.user, note=note)
    except ValidationError as exc:
        return _refused(request, flag, exc, outside_note=note)
    messages.success(
        request,
        f"Invoice {mark.number or mark.remote_id} is marked as made in the books on purpose: "
        "it is shown outside Clio on Receivables and no longer flagged.",
    )
    return redirect("flagged_bills")


@require_POST
@member_required(REVIEW_BILLS)
def books_only_unmark(request, mark_id: int):
    mark = sel.books_only_get_for_member(member=request.membership, mark_id=mark_id)
    name = mark.number or mark.remote_id
    flags.books_only_invoice_unmark(mark=mark, actor=request.user)
    messages.success(
        request,
        f"Invoice {name} is no longer marked as made in the books; the next reconcile compares "
        "it with Clio again.",
    )
    return redirect("receivables")


def _name(flag) -> str:
    """The flag's label as it reads inside a sentence ("bill 1040", "invoice 1040 in the …")."""
    return flag.label[:1].lower() + flag.label[1:]


# -- drifts --------------------------------------------------------------------------------------


@member_required(ANY_MEMBER)
def drifts(request):
    member = request.membership
    state = request.GET.get("state", "open")
    state = state if state in sel.DRIFT_STATES else "open"
    kind = request.GET.get("kind", "")
    kind = kind if kind in Drift.Kind.values else ""
    page = Paginator(sel.drifts_list(member=member, state=state, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    counts = sel.drift_kind_counts(member=member)
    context = {
        "page": page,
        "state": state,
        "kind": kind,
        "states": sel.DRIFT_STATES.items(),
        "kinds": [(k, label, counts.get(k, 0)) for k, label in Drift.Kind.choices],
        "open_total": sum(counts.values()),
        "can_review": member.role in REVIEW_BILLS,
    }
    return render(request, "sync/drifts.html", context)


# -- receivables ---------------------------------------------------------------------------------


def _live_context(request) -> dict:
    latest = sel.reconcile_latest(member=request.membership)
    running = latest is not None and latest.status == ReconcileRun.Status.RUNNING
    return {
        "latest": latest,
        "running": running,
        "poll_seconds": POLL_SECONDS,
        "can_reconcile": request.membership.role in WRITE,
    }


@member_required(ANY_MEMBER)
def receivables(request):
    member = request.membership
    points = sel.ar_history(member=member)
    show_all = request.GET.get("show") == "all"
    context = {
        **_live_context(request),
        "ar": sel.ar_comparison(member=member),
        "show_all": show_all,
        "chart": sel.ar_chart(points),
        "points": points[::-1],
        "drift_counts": sel.drift_kind_counts(member=member),
        "kind_labels": dict(Drift.Kind.choices),
        "can_review": member.role in REVIEW_BILLS,
    }
    return render(request, "sync/receivables.html", context)


@member_required(ANY_MEMBER)
def receivables_live(request):
    """The run panel htmx polls while a run moves. When the run the page watched has finished,
    the whole page reloads so the table and chart show what it found."""
    context = _live_context(request)
    watched = request.GET.get("run", "")
    latest = context["latest"]
    response = render(request, "sync/_reconcile_live.html", context)
    if watched and latest is not None and str(latest.pk) == watched and not context["running"]:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@member_required(WRITE)
def reconcile_now(request):
    asked_at = timezone.now()
    try:
        run = services.reconcile_start(
            firm=request.membership.firm, actor=request.user, trigger=ReconcileRun.Trigger.PAGE
        )
    except services.ReconcileBlocked as exc:
        messages.error(request, str(exc))
        return redirect("receivables")
    if run.started_at < asked_at:  # the firm's run under way, returned instead of a second one
        messages.info(request, "A reconcile is already under way; its progress is below.")
    else:
        messages.success(
            request, "Reconcile started: FirmSync is reading the books back. Progress shows below."
        )
    return redirect(reverse("receivables"))
