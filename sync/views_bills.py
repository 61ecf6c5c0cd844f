"""The bills list, and each bill's page: the Clio bill, the invoice it became in the books, and
its sync history.

It lives in the sync app because it shows sync state, and the practice app may not import sync.
"""

from django.core.paginator import Paginator
from django.shortcuts import render

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from practice.selectors import bill_get_for_member
from sync import selectors, selectors_status
from sync.models import Side


@member_required(ANY_MEMBER)
def bill_detail(request, bill_id: int):
    member = request.membership
    bill = bill_get_for_member(member=member, bill_id=bill_id)
    books = selectors.connections_active(member=member)[Side.BOOKS]
    return render(
        request,
        "sync/bill_detail.html",
        {
            "bill": bill,
            "state_label": selectors_status.bill_state_label(bill.state),
            "matters": list(bill.matters.all()),
            "lines": list(bill.lines.all()),
            "books": books,
            "invoice": selectors_status.bill_invoice(bill=bill, books=books),
            "history": selectors_status.bill_history(bill=bill),
            "can_sync": member.role in TRUST_WRITE,
        },
    )


@member_required(ANY_MEMBER)
def bills(request):
    member = request.membership
    search = request.GET.get("q", "").strip()
    state = request.GET.get("state", "")
    books = selectors.connections_active(member=member)[Side.BOOKS]
    found = selectors_status.bills_list(member=member, books=books, search=search, state=state)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    for bill in page:
        bill.state_label = selectors_status.bill_state_label(bill.state)
    return render(
        request,
        "sync/bills.html",
        {
            "page": page,
            "search": search,
            "state": state if state in selectors_status.BILL_STATES else "",
            "states": selectors_status.BILL_STATES,
            "books": books,
        },
    )
