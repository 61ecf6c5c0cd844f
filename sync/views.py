from django.shortcuts import render

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER, MANAGE_FIRM, REVIEW_BILLS
from sync.selectors import worker_status


@member_required(ANY_MEMBER)
def dashboard(request):
    return render(request, "sync/dashboard.html", {"worker": worker_status()})


@member_required(MANAGE_FIRM)
def bill_syncing(request):
    return render(request, "sync/bill_syncing.html")


@member_required(REVIEW_BILLS)
def flagged_bills(request):
    return render(request, "sync/flagged_bills.html")
