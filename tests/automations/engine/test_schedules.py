import pytest
from django_q.models import Schedule

from automations.schedules import PREFIX, SCHEDULES, schedules_ensure

pytestmark = pytest.mark.django_db


def test_the_schedules_are_written_and_strays_removed():
    Schedule.objects.create(name=f"{PREFIX}gone", func="automations.tasks.gone", repeats=-1)
    Schedule.objects.create(name="firmsync:keep", func="sync.tasks.keep", repeats=-1)

    schedules_ensure()
    schedules_ensure()  # twice: still one of each

    mine = Schedule.objects.filter(name__startswith=PREFIX)
    assert sorted(mine.values_list("func", flat=True)) == sorted(s["func"] for s in SCHEDULES)
    assert Schedule.objects.filter(name="firmsync:keep").exists()
