"""The console: one page across every firm the signed-in person belongs to."""

from django.shortcuts import render
from django.utils import timezone

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER
from accounts.selectors import memberships_for_user
from sync.console.selectors import firm_health_many
from sync.selectors import worker_status
from trust.duties.evaluate import SOON_DAYS


@member_required(ANY_MEMBER)
def console(request):
    # Only the person's own memberships are read: no other firm's row can reach the page.
    memberships = list(memberships_for_user(user=request.user))
    firms = firm_health_many(
        memberships=memberships, today=timezone.localdate(), worker=worker_status()
    )
    # my_memberships: the firm switcher's list, already read (the context processor's own
    # query is then never run).
    context = {"firms": firms, "my_memberships": memberships, "soon_days": SOON_DAYS}
    return render(request, "sync/console.html", context)
