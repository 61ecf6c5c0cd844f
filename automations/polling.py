"""Reading what happened in an app: the engine's half, in signature only on this branch."""

from accounts.models import Firm
from automations.models import TriggerCursor, TriggerEvent


def cursor_ensure(*, firm: Firm, trigger_id: str) -> TriggerCursor:
    """The firm's cursor for the trigger, made at now when it has none."""
    raise NotImplementedError


def samples_fetch(*, firm: Firm, trigger_id: str, limit: int = 5) -> list[TriggerEvent]:
    """Recent events of the trigger, recorded as samples, newest first."""
    raise NotImplementedError
