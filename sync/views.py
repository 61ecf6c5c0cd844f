from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import client_ip, member_required
from accounts.roles import ANY_MEMBER, MANAGE_FIRM
from sync import selectors, services
from sync.console.selectors import firm_health_many
from sync.models import Side


@member_required(ANY_MEMBER)
def dashboard(request):
    worker = selectors.worker_status()
    health = firm_health_many(
        memberships=[request.membership], today=timezone.localdate(), worker=worker
    )[0]
    return render(
        request,
        "sync/dashboard.html",
        {
            "worker": worker,
            "connections": {Side.PRACTICE: health.sync.clio, Side.BOOKS: health.sync.books},
            "health": health,
        },
    )


@member_required(MANAGE_FIRM)
def bill_syncing(request):
    connections = selectors.connections_active(member=request.membership)
    return render(
        request,
        "sync/bill_syncing.html",
        {
            "clio": connections[Side.PRACTICE],
            "books": connections[Side.BOOKS],
            "regions": selectors.CLIO_REGIONS,
            "books_providers": selectors.BOOKS_PROVIDERS,
        },
    )


@require_POST
@member_required(MANAGE_FIRM)
def connection_disconnect(request, connection_id: int):
    conn = selectors.connection_get_for_member(
        member=request.membership, connection_id=connection_id
    )
    purge = request.POST.get("purge") == "1"
    try:
        services.connection_disconnect(
            connection=conn,
            actor=request.user,
            purge=purge,
            confirm_name=request.POST.get("confirm_name", ""),
            ip=client_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("bill_syncing")
    done = "was disconnected and its access revoked"
    if purge:
        done += "; every record link was deleted, so the next sync starts afresh"
    messages.success(request, f"{conn.get_provider_display()} {done}.")
    return redirect("bill_syncing")
