"""Trust exceptions as `trust.exception` webhook events (accounts.events)."""

from accounts.events import TRUST_EXCEPTION, event_publish
from trust.models import TrustException


def trust_exception_event(x: TrustException) -> dict:
    """Read from the exception row alone: publishing costs no query per exception."""
    return {
        "id": x.pk,
        "kind": x.kind,
        "entry_id": x.entry_id,
        "ledger_id": x.ledger_id,
        "balance_after": None if x.balance_after is None else f"{x.balance_after:.2f}",
        "raised_at": x.raised_at.isoformat(),
    }


def trust_exceptions_publish(exceptions: list[TrustException]) -> None:
    if exceptions:
        event_publish(
            firm_id=exceptions[0].firm_id,
            type=TRUST_EXCEPTION,
            items=[trust_exception_event(x) for x in exceptions],
        )
