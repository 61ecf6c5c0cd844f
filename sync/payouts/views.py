"""The Clio Payments payouts page: every payout, what carries it, and how to match the rest."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER, WRITE
from sync.models import ClioPayout
from sync.payouts import selectors as sel
from sync.payouts import services

PAGE_SIZE = 50


@member_required(ANY_MEMBER)
def payouts(request):
    member = request.membership
    status = request.GET.get("status", "")
    if status not in ClioPayout.Status.values:
        status = ""
    page = Paginator(sel.payouts_list(member=member, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    fees = sel.fee_postings(member=member, payouts=page.object_list)
    context = {
        "page": page,
        "rows": [(p, fees.get(p.pk)) for p in page],
        "status": status,
        "statuses": ClioPayout.Status.choices,
        "counts": sel.payout_counts(member=member),
        "unmatched_help": sel.UNMATCHED_HELP,
        "can_import": member.role in WRITE,
    }
    return render(request, "sync/payouts.html", context)


@require_POST
@member_required(WRITE)
def payouts_statement_import(request):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "Choose the operating account's statement file (CSV or OFX).")
        return redirect("payouts")
    try:
        added = services.operating_statement_import(
            member=request.membership, filename=upload.name or "", content=upload.read()
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("payouts")
    messages.success(request, f"{added} new bank lines imported; payouts matched again.")
    return redirect("payouts")
