"""The test panel (admins) and the run log (admins, accountants, staff)."""

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from accounts.roles import MANAGE_FIRM
from automations import describe, polling, selectors, services
from automations.models import TriggerEvent
from automations.services import RETRYABLE
from automations.views import LOG_ROWS, SEE, error_text, samples_error

logger = logging.getLogger("firmsync.automations")


def _events(request, a) -> tuple[list[TriggerEvent], str]:
    """Recent events to test with: the app's, read now (and recorded as samples)."""
    try:
        found = polling.samples_fetch(firm=request.membership.firm, trigger_id=a.trigger, limit=5)
        return list(found), ""
    except Exception as exc:  # a provider's refusal is told on the panel; recorded ones remain
        logger.warning("samples_fetch_failed trigger=%s error=%r", a.trigger, exc)
        recorded = selectors.events_recent(member=request.membership, trigger_id=a.trigger)
        return recorded, samples_error(exc)


@member_required(MANAGE_FIRM)
def automation_test(request, automation_id: int):
    member = request.membership
    a = selectors.automation_get_for_member(member=member, automation_id=automation_id)
    run, error, status = None, "", 200
    if request.method == "POST":
        try:
            event_id = int(request.POST.get("event", ""))
        except ValueError:
            event_id = 0
        try:
            event = selectors.event_get_for_member(member=member, event_id=event_id)
        except Http404:
            error, status = "Choose one of the recent events below.", 400
        else:
            try:
                run = services.automation_test(
                    member=member,
                    automation=a,
                    event=event,
                    dry_run=request.POST.get("mode") != "real",
                )
            except ValidationError as exc:
                error, status = error_text(exc), 400
    events, fetch_error = _events(request, a)
    context = {
        "automation": a,
        "words": describe.automation_words(a),
        "events": events,
        "fetch_error": fetch_error,
        "run": run,
        "error": error,
        "retryable": RETRYABLE,
    }
    if request.headers.get("HX-Request") and request.method == "POST":
        return render(request, "automations/_test_result.html", context, status=status)
    return render(request, "automations/test.html", context, status=status)


def _runs(request, automation=None):
    member = request.membership
    runs = selectors.run_list(member=member, automation_id=automation.pk if automation else None)[
        :LOG_ROWS
    ]
    return render(
        request,
        "automations/runs.html",
        {
            "automation": automation,
            "runs": runs,
            "can_retry": member.role in MANAGE_FIRM,
            "retryable": RETRYABLE,
        },
    )


@member_required(SEE)
def automation_runs(request, automation_id: int):
    a = selectors.automation_get_for_member(member=request.membership, automation_id=automation_id)
    return _runs(request, a)


@member_required(SEE)
def runs_all(request):
    return _runs(request)


@member_required(SEE)
def run_detail(request, run_id: int):
    member = request.membership
    run = selectors.run_get_for_member(member=member, run_id=run_id)
    return render(
        request,
        "automations/run.html",
        {
            "run": run,
            "words": describe.automation_words(run.automation),
            "can_retry": member.role in MANAGE_FIRM,
            "retryable": RETRYABLE,
        },
    )


@require_POST
@member_required(MANAGE_FIRM)
def run_retry(request, run_id: int):
    member = request.membership
    run = selectors.run_get_for_member(member=member, run_id=run_id)
    try:
        run = services.run_retry(member=member, run=run)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "The run is being tried again.")
    return redirect("automation_run", run_id=run.pk)
