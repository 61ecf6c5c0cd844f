"""Running an automation for one event: the engine's half, in signature only on this branch."""

from automations.models import Automation, Run, TriggerEvent


def run_test(*, automation: Automation, event: TriggerEvent, dry_run: bool, user) -> Run:
    """Run the automation for the event now; a dry run records each step as planned."""
    raise NotImplementedError


def run_retry(*, run: Run, user) -> Run:
    """Run a failed run's unfinished steps again."""
    raise NotImplementedError
