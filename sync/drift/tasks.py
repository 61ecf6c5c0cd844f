"""django-q2 tasks of the reconciler: take ids, load, call one service, return."""

from django_q.tasks import async_task

from accounts.models import Firm
from sync.drift import services
from sync.models import Connection, ReconcileRun, Side, SyncRun


def reconcile(run_id: int) -> str:
    return services.reconcile_execute(run_id=run_id).status


def reconcile_firm(firm_id: int) -> str:
    firm = Firm.objects.get(pk=firm_id)
    return services.reconcile_run(firm=firm, trigger=ReconcileRun.Trigger.SCHEDULE).status


def reconcile_all() -> int:
    """The hourly schedule: one task per firm with a live books connection and a finished sync,
    so one slow or failing firm holds up no other."""
    synced = SyncRun.objects.filter(phase=SyncRun.Phase.FINISHED).values("firm_id")
    firms = list(
        Connection.objects.filter(side=Side.BOOKS, status=Connection.Status.CONNECTED)
        .filter(firm_id__in=synced)
        .values_list("firm_id", flat=True)
        .distinct()
    )
    for firm_id in firms:
        async_task("sync.drift.tasks.reconcile_firm", firm_id)
    return len(firms)
