"""The trust overview: each trust account's totals, its client ledgers, open compliance
exceptions, overdue trust duties, months still to reconcile and the balance over the last
year."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from trust import selectors_ledger as sel
from trust.duties.selectors import duties_overdue
from trust.forms import ExceptionResolveForm

CENT = Decimal("0.01")


def _chart(summaries) -> dict:
    """Month-end balances for the chart script, as strings: money never goes through a float
    here; the script parses them only to draw."""
    if not summaries:
        return {"labels": [], "datasets": []}
    return {
        "labels": [end.isoformat() for end, _ in summaries[0].month_ends],
        "datasets": [
            {"label": s.account.name, "data": [str(v.quantize(CENT)) for _, v in s.month_ends]}
            for s in summaries
        ],
    }


@member_required(ANY_MEMBER)
def overview(request):
    member = request.membership
    summaries = sel.account_summaries(member=member, today=timezone.localdate())
    search = request.GET.get("q", "").strip()
    hide_zero = request.GET.get("hide_zero") == "1"
    ledgers = sel.client_ledgers_for_member(member=member, search=search, hide_zero=hide_zero)
    page = Paginator(ledgers, 50).get_page(request.GET.get("page"))
    chart = _chart(summaries)
    context = {
        "summaries": summaries,
        "page": page,
        "search": search,
        "hide_zero": hide_zero,
        "exceptions": sel.trust_exceptions_open(member=member),
        "duties_overdue": duties_overdue(member=member, as_of=timezone.localdate()),
        "can_write": member.role in TRUST_WRITE,
        "resolve_form": ExceptionResolveForm(),
        "chart": chart,
        "chart_rows": [
            (label, [d["data"][i] for d in chart["datasets"]])
            for i, label in enumerate(chart["labels"])
        ],
    }
    return render(request, "trust/overview.html", context)
