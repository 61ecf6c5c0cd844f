"""Pull: Clio → the practice mirror. A backfill from the sync start date, then `updated_since`
polls (the safety net behind webhooks, and the only feed for allocations).

Each resource keeps a cursor: the time the previous pull started, less a minute for clock skew.
Records seen twice are skipped by etag, so overlap costs nothing but the read. A pull asked to
stop between pages keeps Clio's next-page URL in the cursor, and the next pull starts there.
"""

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice

from django.db import connection as db_connection
from django.db.models import F
from django.utils import timezone

from practice import services as mirror
from sync.engine import lease
from sync.engine.registry import client_for
from sync.models import Connection, PullCursor, Side, SyncRun, SyncSettings, WebhookEvent
from sync.providers.clio import mapping as m

CHUNK = 500
SKEW = timedelta(minutes=1)


@dataclass
class PullResult:
    counts: dict[str, int] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)
    stopped: bool = False  # `stop` ended it between pages


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


# Each Clio resource: its path, fields, mapping to a mirror row, and the mirror write. In the
# order a pull reads them: a line needs its bill in the mirror, a payment its bill.
RESOURCES: dict[str, tuple[str, str, Callable, Callable, Callable]] = {
    "contacts": ("contacts", m.CONTACT_FIELDS, m.contact, _contact_row, mirror.contacts_upsert),
    "matters": ("matters", m.MATTER_FIELDS, m.matter, _matter_row, mirror.matters_upsert),
    "bills": ("bills", m.BILL_FIELDS, m.bill, _bill_row, _bills_write),
    "line_items": ("line_items", m.LINE_FIELDS, m.line, _line_row, mirror.bill_lines_upsert),
    "allocations": (
        "allocations",
        m.ALLOCATION_FIELDS,
        m.allocation,
        _allocation_row,
        mirror.allocations_upsert,
    ),
}


def pull_clio(
    *,
    connection_id: int,
    full: bool = False,
    only: Iterable[str] | None = None,
    stop: Callable[[], bool] | None = None,
    on_page: Callable[[int], None] | None = None,
) -> PullResult:
    """Read Clio's changes into the mirror, resource by resource. `stop` is asked between pages:
    when it says so, the pull ends there and the next one carries on from that page."""
    conn = Connection.objects.select_related("firm").get(pk=connection_id, side=Side.PRACTICE)
    client = client_for(conn)
    cfg = SyncSettings.objects.filter(firm=conn.firm).first()
    result = PullResult()
    wanted = set(only) if only is not None else None
    for resource in RESOURCES:
        if wanted is not None and resource not in wanted:
            continue
        written, finished = _pull_one(conn, client, cfg, resource, full, stop, on_page)
        result.counts[resource] = written
        if not finished:
            result.stopped = True
            break
        result.finished.add(resource)
    return result


def _pull_one(conn, client, cfg, resource, full, stop, on_page) -> tuple[int, bool]:
    path, fields, parse, to_row, write = RESOURCES[resource]
    cursor, _ = PullCursor.objects.get_or_create(connection=conn, resource=resource)
    params: dict = {}
    if cursor.resume_url:
        started = cursor.resume_started or timezone.now()
    else:
        started = timezone.now()
        since = None if full or cursor.updated_since is None else cursor.updated_since - SKEW
        if since is not None:
            params["updated_since"] = since.isoformat()
        elif resource == "bills" and cfg is not None:
            params["issued_after"] = cfg.start_date.isoformat()
    written = 0
    pages = client.pages(path, fields=fields, start=cursor.resume_url or None, **params)
    for rows, next_url in ahead(pages):
        for chunk in chunks(to_row(parse(r)) for r in rows):
            written += write(firm=conn.firm, rows=chunk)
        if on_page is not None:
            on_page(len(rows))
        if next_url is None:
            break
        PullCursor.objects.filter(pk=cursor.pk).update(resume_url=next_url, resume_started=started)
        if stop is not None and stop():
            return written, False
    PullCursor.objects.filter(pk=cursor.pk).update(
        updated_since=started,
        last_run_at=timezone.now(),
        records=F("records") + written,
        resume_url="",
        resume_started=None,
    )
    return written, True


_END = object()


def ahead(pages: Iterator[tuple[list[dict], str | None]]):
    """The pages, each fetched while the one before is written to the mirror: Clio's cursor
    gives the next page's URL with each page, so its request need not wait for our writes,
    and Clio's 50 calls a minute are spent on reading, not on waiting for us. Stopped early,
    the page already asked for is dropped (the cursor's URL asks for it again next time)."""

    if db_connection.in_atomic_block:
        # Inside a transaction (a test's): the fetching thread's own connection would not see
        # it, and could wait on its locks. One page after the other.
        yield from pages
        return
    with ThreadPoolExecutor(1) as pool:
        coming = pool.submit(next, pages, _END)
        try:
            while (page := coming.result()) is not _END:
                coming = pool.submit(next, pages, _END)
                yield page
        finally:
            coming.cancel()
            pool.submit(_close_connection).result()


def _close_connection() -> None:
    """This thread's connection (the budget's queries ran on it), looked up here: the proxy
    resolved in another thread would name that thread's."""
    db_connection.close()


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
    reading = SyncRun.objects.filter(
        firm_id=conn.firm_id, kind__in=("initial", "full"), status__in=lease.ACTIVE
    )
    if not reading.exists():
        wanted = set().union(*(WEBHOOK_STEPS.get(model, set()) for _, model in events))
        pull_clio(connection_id=connection_id, only=wanted)
    # else: a run that reads all of Clio is under way; it (or the next poll) reads these too,
    # and reading beside it would spend its Clio budget twice.
    WebhookEvent.objects.filter(pk__in=[pk for pk, _ in events]).update(processed_at=timezone.now())
    return len(events)
