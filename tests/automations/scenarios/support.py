"""Run the engine as the schedule and the worker do, and find what one change made: its event,
its run and the step's record."""

from automations import execute, polling
from automations.models import Run, RunStep, TriggerEvent


def fire(firm_id: int, trigger_ids) -> None:
    """Poll each trigger (the safety net's tick), then drain the runs (the worker)."""
    for trigger_id in trigger_ids:
        polling.trigger_poll(firm_id=firm_id, trigger_id=trigger_id)
    execute.runs_drain(seconds=120)


def landed(firm_id: int, trigger_id: str, record_id: str) -> tuple[TriggerEvent, Run, RunStep]:
    """The change's one event, its one run (succeeded) and that run's one step (done, linked)."""
    events = list(TriggerEvent.objects.filter(firm_id=firm_id, trigger=trigger_id))
    mine = [e for e in events if e.record_id == str(record_id)]
    assert len(mine) == 1, f"{len(mine)} events for {record_id} in {[e.summary for e in events]}"
    event = mine[0]
    runs = list(Run.objects.filter(event=event))
    assert len(runs) == 1, f"{len(runs)} runs for {event.summary!r}"
    run = runs[0]
    assert run.status == Run.Status.SUCCEEDED, f"run {run.status}: {run.error} {run.fix}"
    steps = list(run.run_steps.all())
    assert [s.status for s in steps] == [RunStep.Status.DONE], [(s.status, s.error) for s in steps]
    step = steps[0]
    assert step.record_id and step.record_id in step.record_url, (step.record_id, step.record_url)
    return event, run, step


def run_failures(firm_id: int) -> list[str]:
    """Every run of the firm that did not succeed, with its trigger and why."""
    bad = Run.objects.filter(firm_id=firm_id).exclude(status=Run.Status.SUCCEEDED)
    return [f"{r.automation.trigger}: {r.status} {r.error} {r.fix}" for r in bad]


def check_all(checks: dict) -> None:
    """Run each trigger's check; fail once, naming every trigger whose check failed."""
    problems = []
    for trigger_id, check in checks.items():
        try:
            check()
        except AssertionError as exc:
            problems.append(f"{trigger_id}: {exc}")
    assert not problems, "\n".join(problems)
