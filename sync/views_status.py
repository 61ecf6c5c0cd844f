"""The Sync status page: runs, counts, failures to fix, and the buttons to sync and retry."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from sync import selectors, selectors_status
from sync.books_payments import selectors as books_payments_selectors
from sync.engine import run as engine


def _context(request, **extra) -> dict:
    member = request.membership
    return {
        "status": selectors_status.sync_status(member=member, page=request.GET.get("page")),
        "can_sync": member.role in TRUST_WRITE,
        **extra,
    }


def _page(request, **extra):
    chart = selectors_status.chart_daily(firm_id=request.membership.firm_id)
    context = _context(
        request,
        chart=chart,
        chart_rows=list(zip(chart["labels"], chart["synced"], chart["errors"], strict=True)),
        books_only_payments=books_payments_selectors.books_only_payments_open(
            firm=request.membership.firm
        ),
        **extra,
    )
    return render(request, "sync/status.html", context)


@member_required(ANY_MEMBER)
def status_page(request):
    return _page(request)


@member_required(ANY_MEMBER)
def status_live(request):
    """The part of the page that htmx polls: fast while a run moves, slow otherwise."""
    return render(request, "sync/_status_live.html", _context(request))


@require_POST
@member_required(TRUST_WRITE)
def start(request):
    asked_at = timezone.now()
    try:
        run = engine.sync_start(
            firm=request.membership.firm, actor=request.user, full=request.POST.get("full") == "1"
        )
    except engine.SyncBlocked as exc:
        # Not a redirect: the blocking items, each with its fix, are the answer to this press.
        return _page(request, blocking=exc.checks)
    if run.started_at < asked_at:  # the firm's active run, returned instead of a second one
        messages.info(request, "A sync is already under way; its progress is below.")
    else:
        what = "Reading everything from Clio again" if run.kind == "full" else "Sync started"
        messages.success(request, f"{what}. Progress shows below as it goes.")
    return redirect("sync_status")


def _back(request):
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return redirect(target if safe and target else "sync_status")


@require_POST
@member_required(TRUST_WRITE)
def retry_one(request, operation_id: int):
    op = selectors.operation_get_for_member(member=request.membership, operation_id=operation_id)
    count = engine.operations_retry(firm=request.membership.firm, actor=request.user, ids=[op.pk])
    if count:
        messages.success(request, "The record will be sent again in a moment.")
    else:
        messages.info(request, "That record is no longer failed; nothing to retry.")
    return _back(request)


@require_POST
@member_required(TRUST_WRITE)
def retry_all(request):
    count = engine.operations_retry(firm=request.membership.firm, actor=request.user)
    if count:
        messages.success(request, f"{count} record{'s' if count != 1 else ''} will be sent again.")
    else:
        messages.info(request, "Nothing has failed; nothing to retry.")
    return redirect("sync_status")
