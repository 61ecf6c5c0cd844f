from django_q.models import Schedule

from hooks.schedules import schedules_ensure
from sync.schedules import schedules_ensure as sync_schedules_ensure


def test_the_drain_is_scheduled_every_minute_and_sync_leaves_it_alone(db):
    schedules_ensure()
    sync_schedules_ensure()  # keeps exactly its own `firmsync:` list; ours is named apart
    drain = Schedule.objects.get(name="firmsync-hooks:deliveries-drain")
    assert (drain.func, drain.schedule_type, drain.minutes) == (
        "hooks.tasks.deliveries_drain",
        Schedule.MINUTES,
        1,
    )
