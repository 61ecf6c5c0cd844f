"""Events FirmSync tells the outside world about (a firm's outbound webhooks).

Why a signal: the layers run downward (firmsync -> hooks -> sync -> trust -> practice -> accounts),
so the code where an event happens (the sync engine, the reconciler, trust) may not import the
webhook app above it. It calls `event_publish`, which sends `event_published`; the hooks app
connects its receiver when it loads (hooks.apps). With no receiver connected, publishing does
nothing.

Publish once per batch, never once per record: the receiver costs one query per call.
"""

import logging

from django.dispatch import Signal

logger = logging.getLogger("firmsync.events")

SYNC_RUN_FINISHED = "sync.run.finished"
BILL_SYNCED = "bill.synced"
BILL_FAILED = "bill.failed"
DRIFT_FLAGGED = "drift.flagged"
TRUST_EXCEPTION = "trust.exception"
AUTOMATION_FAILED = "automation.failed"
PING = "ping"

# Every event a firm may subscribe to, with what it means (the page and the API show these).
EVENT_TYPES: dict[str, str] = {
    SYNC_RUN_FINISHED: "A sync run finished or failed: its kind, status and counts.",
    BILL_SYNCED: "A Clio bill's invoice was written to the books.",
    BILL_FAILED: "Writing a Clio bill's invoice to the books failed and waits for a person.",
    DRIFT_FLAGGED: "The reconciler found a new difference between a Clio bill and the books.",
    TRUST_EXCEPTION: "A trust compliance exception was raised (overdraft, locked month, ...).",
    AUTOMATION_FAILED: "An automation's run failed: the automation, the event and the error.",
    PING: "A test event, sent only when someone presses Send test event.",
}


def event_types_register(types: dict[str, str]) -> None:
    """Add event types an app above this one defines (automations: `trigger.<trigger id>` for
    every catalog trigger), called from its AppConfig.ready(). Readers of EVENT_TYPES read it
    when asked, not at import, so types registered after them still count."""
    for name, description in types.items():
        EVENT_TYPES.setdefault(name, description)


# Sent with firm_id (int), type (str) and items (list of JSON-ready dicts, one event each).
event_published = Signal()


def event_publish(*, firm_id: int, type: str, items: list[dict]) -> None:
    """Tell the firm's webhook subscribers about `items`, one event each. Money goes as strings.
    Call it inside the transaction that made the change: the events are recorded with it, and
    sent only once it commits."""
    if not items:
        return
    # Robust: a webhook that cannot be recorded must not undo the sync, trust or drift work that
    # raised it (the receiver records its rows in a savepoint of its own).
    answers = event_published.send_robust(sender=None, firm_id=firm_id, type=type, items=items)
    for receiver, answer in answers:
        if isinstance(answer, Exception):
            logger.error(
                "event_publish_failed firm=%s type=%s receiver=%s error=%r",
                firm_id,
                type,
                getattr(receiver, "__qualname__", receiver),
                answer,
            )
