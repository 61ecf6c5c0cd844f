"""Who is working on a run: one step at a time holds its lease and renews it as it goes.

A step claims the run with a conditional UPDATE (the lease is free, expired, or held by a process
on this machine that no longer exists), renews it on every sign of life, and releases it when it
queues its continuation. A worker killed with SIGKILL cannot release anything: the watchdog sees
its holder is gone (same machine) or its lease has run out (another machine) and queues the run
again. Everything the dead step had claimed in the outbox is looked for in the books before it is
written again, so nothing lands twice.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from sync.models import SyncRun
from sync.providers.holders import holder_gone, holder_me
from sync.providers.pacing import HEARTBEAT_SECONDS, scaled

ACTIVE = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING, SyncRun.Status.WAITING)
# A step renews its lease at every sign of life (a page, a round, a wait's heartbeat); a lease
# that runs out with its holder on another machine means the holder is presumed dead. (One on
# this machine is known dead as soon as its process is gone.)
TTL_SECONDS = 4.5 * HEARTBEAT_SECONDS


def ttl() -> timedelta:
    return timedelta(seconds=scaled(TTL_SECONDS))


def free(run: SyncRun, now=None) -> bool:
    now = now or timezone.now()
    if not run.lease_holder or run.lease_until is None or run.lease_until <= now:
        return True
    return holder_gone(run.lease_holder)


def claim(run_id: int) -> SyncRun | None:
    """Take the run's lease for this process, or None when a live step holds it or the run is
    over (or parked until later)."""
    run = SyncRun.objects.filter(pk=run_id, status__in=ACTIVE).first()
    now = timezone.now()
    if run is None or not free(run, now):
        return None
    if run.status == SyncRun.Status.WAITING and run.waiting_until and run.waiting_until > now:
        return None
    me = holder_me()
    # Conditional on the lease we saw: of two claimants, one wins.
    taken = SyncRun.objects.filter(
        pk=run_id,
        status__in=ACTIVE,
        lease_holder=run.lease_holder,
        lease_until=run.lease_until,
    ).update(
        lease_holder=me,
        lease_until=now + ttl(),
        status=SyncRun.Status.RUNNING,
        progress_at=now,
        waiting_for="",
        waiting_until=None,
    )
    if not taken:
        return None
    taken_from = run.lease_holder
    run = SyncRun.objects.select_related("firm").get(pk=run_id)
    SyncRun.objects.filter(pk=run_id).update(steps=run.steps + 1)
    # A lease still held by someone means its step died (a finished step releases it).
    setattr(run, "taken_over", bool(taken_from))  # noqa: B010 - read by sync_step
    return run


def renew(run_id: int, **fields) -> bool:
    """Extend this process's lease (and set `fields`); False when the lease is no longer ours."""
    now = timezone.now()
    return bool(
        SyncRun.objects.filter(pk=run_id, lease_holder=holder_me(), status__in=ACTIVE).update(
            lease_until=now + ttl(), progress_at=now, **fields
        )
    )


def release(run_id: int, **fields) -> None:
    SyncRun.objects.filter(pk=run_id, lease_holder=holder_me()).update(
        lease_holder="", lease_until=None, **fields
    )


def resumable(now=None) -> list[int]:
    """Runs that should be making progress and have no live step: queued or running with a free
    lease, or parked with their wait over. A running run's `waiting_until` only shows a wait its
    step was in (for the next window of a rate limit); a step that died in it is resumed now,
    and its successor waits out whatever is left of that window itself."""
    now = now or timezone.now()
    runs = SyncRun.objects.filter(status__in=ACTIVE).filter(
        ~Q(status=SyncRun.Status.WAITING)
        | Q(waiting_until__isnull=True)
        | Q(waiting_until__lte=now)
    )
    return [run.pk for run in runs.only("pk", "lease_holder", "lease_until") if free(run, now)]
