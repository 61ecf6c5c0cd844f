"""django-q2 tasks: take ids, load, call one service, return."""

from automations import execute, polling
from automations.catalog import registry
from automations.models import Automation
from sync import webhooks
from sync.models import Connection


def trigger_poll(firm_id: int, trigger_id: str, overlap_seconds: float | None = None) -> int:
    """One bounded poll of a firm's trigger (it queues the next when there is more)."""
    return polling.trigger_poll(
        firm_id=firm_id, trigger_id=trigger_id, overlap_seconds=overlap_seconds
    )


def polls_due() -> int:
    """Every minute: queue the polls that are due."""
    return polling.polls_due()


def runs_drain() -> int:
    """Runs that are due, for up to execute.DRAIN_SECONDS."""
    return execute.runs_drain()


def clio_webhooks_ensure(firm_id: int) -> int:
    """Register the Clio webhooks the firm's enabled automations wake on (and the sync's own)."""
    conn = Connection.objects.filter(
        firm_id=firm_id, provider="clio", status=Connection.Status.CONNECTED
    ).first()
    if conn is None:
        return 0
    used = Automation.objects.filter(firm_id=firm_id, enabled=True, trigger__startswith="clio.")
    models: set[str] = set()
    for trigger_id in set(used.values_list("trigger", flat=True)):
        trigger = registry.trigger(trigger_id)
        models.update(trigger.wakes_on if trigger else ())
    return len(webhooks.clio_webhooks_ensure(connection_id=conn.pk, extra_models=sorted(models)))
