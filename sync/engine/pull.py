"""Pull: Clio → the practice mirror. A backfill from the sync start date, then `updated_since`
polls (the safety net behind webhooks, and the only feed for allocations).

Each resource keeps a cursor: the time the previous pull started, less a minute for clock skew.
Records seen twice are skipped by etag, so overlap costs nothing but the read.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice

from django.utils import timezone

from practice import services as mirror
from sync.engine.registry import client_for
from sync.models import Connection, PullCursor, Side, SyncSettings, WebhookEvent
from sync.providers.clio import mapping as m

CHUNK = 500
SKEW = timedelta(minutes=1)


@dataclass
class PullResult:
    counts: dict[str, int] = field(default_factory=dict)


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _contact_row(c: m.ClioContact) -> dict:
    return {
        "clio_id": c.id,
        "etag": c.etag,
        "clio_updated_at": c.updated_at,
        "type": c.type,
        "name": c.name,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "email": c.email,
        "phone": c.phone,
        "pulled_at": timezone.now(),
    }


def _matter_row(x: m.ClioMatter) -> dict:
    return {
        "clio_id": x.id,
        "etag": x.etag,
        "clio_updated_at": x.updated_at,
        "display_number": x.display_number,
        "description": x.description,
        "status": x.status,
        "client_clio_id": x.client_id,
        "pulled_at": timezone.now(),
    }


def _bill_row(b: m.ClioBill) -> dict:
    row = dict(vars(b))  # shallow: asdict's deep copy of every value costs more than the rest
    row.update(
        clio_id=row.pop("id"),
        clio_updated_at=row.pop("updated_at"),
        client_clio_id=row.pop("client_id"),
        matter_clio_ids=row.pop("matter_ids"),
        pulled_at=timezone.now(),
    )
    return row


def _line_row(x: m.ClioLine) -> dict:
    row = dict(vars(x))
    row.update(clio_id=row.pop("id"), bill_clio_id=row.pop("bill_id"))
    return row


def _allocation_row(a: m.ClioAllocation) -> dict:
    return {
        "clio_id": a.id,
        "etag": a.etag,
        "clio_updated_at": a.updated_at,
        "date": a.date,
        "amount": a.amount,
        "parent_type": a.parent_type,
        "parent_clio_id": a.parent_id,
        "voided": a.voided,
        "bill_clio_id": a.bill_id,
        "pulled_at": timezone.now(),
    }


def _bills_write(*, firm, rows) -> int:
    return mirror.bills_upsert(firm=firm, rows=rows)


def pull_clio(
    *, connection_id: int, full: bool = False, only: set[str] | None = None
) -> PullResult:
    conn = Connection.objects.select_related("firm").get(pk=connection_id, side=Side.PRACTICE)
    client = client_for(conn)
    firm = conn.firm
    cfg = SyncSettings.objects.filter(firm=firm).first()
    result = PullResult()
    steps = [
        (
            "contacts",
            lambda since: client.contacts(updated_since=since),
            _contact_row,
            mirror.contacts_upsert,
        ),
        (
            "matters",
            lambda since: client.matters(updated_since=since),
            _matter_row,
            mirror.matters_upsert,
        ),
        (
            "bills",
            lambda since: client.bills(
                updated_since=since, issued_after=cfg.start_date if cfg and since is None else None
            ),
            _bill_row,
            _bills_write,
        ),
        (
            "line_items",
            lambda since: client.line_items_changed(updated_since=since),
            _line_row,
            mirror.bill_lines_upsert,
        ),
        (
            "allocations",
            lambda since: client.allocations(updated_since=since),
            _allocation_row,
            mirror.allocations_upsert,
        ),
    ]
    for resource, read, to_row, write in steps:
        if only is None or resource in only:
            result.counts[resource] = _pull_one(conn, resource, read, to_row, write, full)
    return result


def _pull_one(conn, resource, read, to_row, write, full: bool) -> int:
    cursor, _ = PullCursor.objects.get_or_create(connection=conn, resource=resource)
    started = timezone.now()
    since = None if full or cursor.updated_since is None else cursor.updated_since - SKEW
    written = 0
    for chunk in chunks(to_row(r) for r in read(since)):
        written += write(firm=conn.firm, rows=chunk)
    PullCursor.objects.filter(pk=cursor.pk).update(
        updated_since=started, last_run_at=timezone.now(), records=cursor.records + written
    )
    return written


# Which pull steps a webhook for a Clio model asks for (an activity changes the bill's lines).
WEBHOOK_STEPS = {
    "contact": {"contacts"},
    "matter": {"matters"},
    "bill": {"bills", "line_items", "allocations"},
    "activity": {"line_items"},
}


def inbox_process(*, connection_id: int) -> int:
    """Turn stored webhook deliveries into a pull of what they name, then mark them processed.

    The pull reads by `updated_since`, so one pull covers any number of deliveries, and a
    delivery that arrives while it runs is picked up by the next call (or the five-minute poll).
    """
    conn = Connection.objects.get(pk=connection_id)
    pending = WebhookEvent.objects.filter(
        subscription__connection=conn, processed_at__isnull=True
    ).order_by("received_at")
    events = list(pending.values_list("pk", "model")[:1000])
    if not events:
        return 0
    wanted = set().union(*(WEBHOOK_STEPS.get(model, set()) for _, model in events))
    pull_clio(connection_id=connection_id, only=wanted)
    WebhookEvent.objects.filter(pk__in=[pk for pk, _ in events]).update(processed_at=timezone.now())
    return len(events)
