"""Reads scoped to the member's firm. 'Missing' and 'another firm's' give the same 404."""

from datetime import timedelta

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.models import Membership
from automations.models import Automation, Run, RunStep, TriggerEvent

RECENT_DAYS = 7


def automation_list(*, member: Membership) -> QuerySet[Automation]:
    """The firm's automations with their last run and the last week's runs and failures (real
    runs: tests are not counted)."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    real = Q(runs__test=False)
    last = Run.objects.filter(automation=OuterRef("pk"), test=False).order_by("-created_at", "-id")
    return Automation.objects.filter(firm_id=member.firm_id).annotate(
        runs_week=Count("runs", filter=real & Q(runs__created_at__gte=since)),
        failures_week=Count(
            "runs",
            filter=real & Q(runs__created_at__gte=since, runs__status=Run.Status.FAILED),
        ),
        last_run_at=Max("runs__created_at", filter=real),
        last_run_status=Subquery(last.values("status")[:1]),
    )


def automation_get_for_member(*, member: Membership, automation_id: int) -> Automation:
    found = Automation.objects.filter(firm_id=member.firm_id, pk=automation_id).first()
    if found is None:
        raise Http404("No such automation.")
    return found


def run_list(*, member: Membership, automation_id: int | None = None) -> QuerySet[Run]:
    qs = (
        Run.objects.filter(firm_id=member.firm_id)
        .select_related("automation", "event")
        .prefetch_related(Prefetch("run_steps", queryset=RunStep.objects.order_by("index")))
    )
    if automation_id is not None:
        qs = qs.filter(automation_id=automation_id)
    return qs


def run_get_for_member(*, member: Membership, run_id: int) -> Run:
    found = run_list(member=member).filter(pk=run_id).first()
    if found is None:
        raise Http404("No such run.")
    return found


def events_recent(*, member: Membership, trigger_id: str, limit: int = 5) -> list[TriggerEvent]:
    """The firm's latest recorded events of a trigger (samples included): no call to the app."""
    return list(TriggerEvent.objects.filter(firm_id=member.firm_id, trigger=trigger_id)[:limit])


def event_get_for_member(*, member: Membership, event_id: int) -> TriggerEvent:
    found = TriggerEvent.objects.filter(firm_id=member.firm_id, pk=event_id).first()
    if found is None:
        raise Http404("No such event.")
    return found
