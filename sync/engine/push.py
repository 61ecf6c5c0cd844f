"""Push: drain the outbox into the books, batched, in dependency order, each item on its own.

Contacts go first (invoices need their customer), then bills, then payments and credits. Each
round claims a handful of operations with a conditional UPDATE and a lease, so two workers never
send the same one; a worker killed mid-round leaves its claims to expire, and whoever claims them
next looks for them in the books by their natural key before writing (the number of an invoice,
the name of a customer, our reference on a payment), so nothing lands twice. A batch's answer is
read item by item: one refused element fails alone and its siblings are never resent.
"""

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db import connection as db
from django.db.models import F, Q
from django.utils import timezone

from accounts.bulk import bulk_upsert
from sync.engine import numbering, outbox
from sync.engine.links import links_save, links_status_refresh
from sync.engine.registry import BOOKS, client_for, trust_writer_for, writer_for
from sync.models import Connection, ExternalLink, SyncOperation, SyncRun, SyncSettings
from sync.providers.base import BooksWriter as Writer
from sync.providers.base import Item, Outcome
from sync.providers.errors import ProviderError

logger = logging.getLogger("firmsync.sync")

STAGES = ("contact", "bill", "payment", "credit", "trust_entry")
# What each stage's writes point at.
NEEDS = {
    "contact": ("contact",),
    "bill": ("contact", "bill"),
    "payment": ("contact", "bill", "payment"),
    "credit": ("contact", "bill", "credit", "credit_application"),
    "trust_entry": ("trust_entry",),
}
S = SyncOperation.Status
# The mark of an operation the provider refused for its rate limit only (it was not written).
THROTTLED = "throttled"
LINK_UPDATES = (
    "remote_type",
    "remote_id",
    "remote_version",
    "remote_number",
    "remote_status",
    "fingerprint",
    "pushed_at",
)


def push_pending(
    *,
    connection: Connection,
    run: SyncRun | None = None,
    stop: Callable[[], bool] | None = None,
) -> dict[str, int]:
    """Send pending operations until none is ready or `stop()` says to end. Each round serves the
    first stage with work ready (contacts, then bills, ...), and an operation is ready once what
    it points at is no longer waiting to be written: an invoice waits for its own customer, not
    for every contact. Returns how many reached each end state."""
    cfg = SyncSettings.objects.get(firm_id=connection.firm_id)
    client = client_for(connection)
    writer = writer_for(connection, cfg, client)
    writers = {"trust_entry": trust_writer_for(connection, cfg)}
    totals = {"done": 0, "failed": 0, "skipped": 0}
    paid: set[str] = set()  # invoices a payment or credit was written to
    threads = max(1, min(writer.concurrency, settings.SYNC_PUSH_CONCURRENCY))
    with ThreadPoolExecutor(threads) if threads > 1 else _Inline() as pool:
        rounds = 0
        while not (rounds and stop is not None and stop()):  # at least one round per call
            rounds += 1
            for entity in STAGES:
                w = writers.get(entity, writer)
                if _round(w, pool, threads, connection, run, entity, totals, paid):
                    break
            else:
                break  # nothing ready anywhere
    if run is None or run.kind not in FIRST_READS:
        _statuses_refresh(connection, client, paid)
    return totals


# Runs that write a firm's whole history: they leave the invoices' statuses to the hourly
# reconcile's read-back, which reads every invoice anyway, rather than spend calls the writes need
# (a first sync pays thousands of invoices: at Xero's 60 calls a minute, a minute of reads).
FIRST_READS = ("initial", "full")


def _statuses_refresh(connection: Connection, client, invoice_ids: set[str]) -> None:
    """A payment or credit changes its invoice's status in the books (open → partial → paid):
    read those invoices' statuses once, at the end of the push, so the Bills page says what the
    books say. A failed read changes nothing; the next reconcile's read-back refreshes them."""
    read = BOOKS[connection.provider].invoice_statuses
    if not invoice_ids or read is None:
        return
    try:
        statuses = read(client, sorted(invoice_ids))
    except ProviderError as exc:
        logger.info("invoice_status_refresh_skipped connection=%s error=%s", connection.pk, exc)
        return
    links_status_refresh(connection=connection, statuses=statuses)


# The payload keys that point at other records, and the entity each points at.
REFS = {"client_clio_id": "contact", "bill_clio_id": "bill"}


def _contacts_waiting(connection: Connection) -> bool:
    """Trust legs find or make their client's customer themselves; while the contact sync is
    still creating customers they wait, so a client is never found and made at once."""
    return outbox.creating(connection=connection, entities=["contact"]).exists()


def _unready(connection: Connection, entity: str) -> dict[str, set[str]]:
    """Per reference key, the records still waiting to be created: an operation pointing at one
    of them is not ready yet."""
    needs = [e for e in NEEDS[entity] if e != entity and e in REFS.values()]
    if not needs:
        return {}
    waiting: dict[str, set[str]] = {}
    for ref_entity, local_id in outbox.creating(connection=connection, entities=needs):
        waiting.setdefault(ref_entity, set()).add(local_id)
    return {key: waiting[e] for key, e in REFS.items() if e in waiting}


class _Inline:
    """The pool's interface without threads (tests, and a concurrency of one)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items):
        return [fn(i) for i in items]


def _links(connection: Connection, entity: str, ops: list[SyncOperation]) -> dict:
    """The links this round's writes point at: the records themselves and what they reference."""
    wanted: dict[str, set[str]] = {e: set() for e in NEEDS[entity]}
    for op in ops:
        p = op.payload
        wanted.get(entity, set()).add(op.local_id)
        for ref, key in (("contact", "client_clio_id"), ("bill", "bill_clio_id")):
            if ref in wanted and p.get(key) is not None:
                wanted[ref].add(str(p[key]))
        if "credit_application" in wanted:
            wanted["credit_application"].add(op.local_id)
    query = Q()
    for e, ids in wanted.items():
        if ids:
            query |= Q(entity=e, local_id__in=ids)
    if not query:
        return {}
    rows = ExternalLink.objects.filter(query, connection=connection)
    return {(link.entity, link.local_id): link for link in rows}


def _round(writer: Writer, pool, threads, connection, run, entity, totals, paid) -> bool:
    """Claim, build, send and record one round of `entity`. False when none was ready. The
    invoices that payments and credits written in the round went to are added to `paid`."""
    if entity == "trust_entry" and _contacts_waiting(connection):
        return False
    ops = outbox.claim(
        connection=connection,
        entity=entity,
        limit=writer.batch_max * threads,
        unready=_unready(connection, entity),
    )
    if not ops:
        return False
    try:
        try:
            writer.prepare(entity, ops)
        finally:
            # What it found or made before any failure is in the books: remember it now.
            links_save(connection=connection, notes=writer.links_taken())
        links = _links(connection, entity, ops)
        outcomes, items, singles = _build(writer, connection, entity, ops, links)
    except ProviderError:
        # The provider stopped answering before any of these was sent: back to the queue now,
        # not when the lease runs out (the next run would fail their dependants meanwhile).
        _record(connection, run, ops, {}, totals)
        raise
    alone, items = _single_channel(writer, items)
    chunks = _chunks(items, writer.batch_max)
    jobs = [("batch", chunk) for chunk in chunks] + [("one", op) for op in singles]
    jobs += [("single", item) for item in alone]
    error = None
    for answer in pool.map(partial(_send, writer, links), jobs):
        if isinstance(answer, ProviderError):
            error = error or answer
        else:
            outcomes.update(answer)
    _record(connection, run, ops, outcomes, totals)
    if entity in ("payment", "credit"):
        paid.update(_invoices_of(ops, links))
    if error is not None:
        # The provider stopped answering: what was not answered goes back to the queue.
        raise error
    return True


def _invoices_of(ops: list[SyncOperation], links: dict) -> set[str]:
    found = set()
    for op in ops:
        link = links.get(("bill", str(op.payload.get("bill_clio_id"))))
        if op.status == S.DONE and link is not None:
            found.add(link.remote_id)
    return found


def _single_channel(writer: Writer, items: list[Item]) -> tuple[list[Item], list[Item]]:
    """(items to write one at a time, items for batches): a provider whose one-record writes are
    allowed beside its batches (QuickBooks) gets its share of each round on that channel."""
    share = writer.single_share
    if not share or not items:
        return [], items
    count = int(len(items) * share + 0.5)
    return items[len(items) - count :], items[: len(items) - count]


def _chunks(items: list[Item], size: int) -> list[list[Item]]:
    """Same kind of record and same verb per call: Xero creates with PUT (a POST with a number
    already in use would update someone else's invoice) and edits with POST."""
    groups: dict[tuple[str, bool], list[Item]] = {}
    for item in items:
        groups.setdefault((item.remote_type, item.operation == "create"), []).append(item)
    return [group[i : i + size] for group in groups.values() for i in range(0, len(group), size)]


def _build(writer, connection, entity, ops, links):
    outcomes: dict[int, Outcome] = {}
    items: list[Item] = []
    singles: list[SyncOperation] = []
    linked_remote: set[str] = set()
    if entity == "contact" and any(op.action == "create" for op in ops):
        linked_remote = set(
            ExternalLink.objects.filter(connection=connection, entity="contact").values_list(
                "remote_id", flat=True
            )
        )
    # Claimed before (and not only refused for the rate limit): each may be in the books already.
    again = [op for op in ops if op.attempts > 1 and op.error_code != THROTTLED]
    if entity == "bill" and again:
        # A bill held for its number was refused, not lost: looking for it by number would
        # find the other invoice that holds the number and take it for ours.
        held = {str(i) for i in numbering.held_bill_ids(books=connection)}
        again = [op for op in again if op.local_id not in held]
    try:
        recovered = writer.recover_many(again, links) if again else {}
    except ProviderError as exc:
        # Unknown whether they are there: writing now could make them twice. They go back to
        # the queue (no outcome) and are looked for again next round.
        logger.warning("recover_failed ops=%s error=%s", [op.pk for op in again], exc)
        waiting = {op.pk for op in again}
        ops = [op for op in ops if op.pk not in waiting]
        recovered = {}
    for op in ops:
        if recovered.get(op.pk) is not None:
            outcomes[op.pk] = recovered[op.pk]
            continue
        if entity == "contact" and op.action == "create":
            match = writer.match_contact(op, linked_remote)
            if match is not None:
                linked_remote.add(match.remote_id)
                outcomes[op.pk] = match
                continue
        try:
            built = writer.build(op, links)
        except (KeyError, TypeError, ValueError) as exc:
            # A payload this version cannot read: fail the record, not the run.
            built = Outcome(error_code="invalid", error_message=f"Unreadable record ({exc}).")
        if built is None:
            singles.append(op)
        elif isinstance(built, Outcome):
            outcomes[op.pk] = built
        else:
            items.append(built)
    return outcomes, items, singles


def _send(writer: Writer, links: dict, job) -> dict[int, Outcome] | ProviderError:
    kind, what = job
    try:
        if kind == "batch":
            return writer.send(what)
        if kind == "single":
            return writer.send_single(what)
        return {what.pk: writer.send_one(what, links)}
    except ProviderError as exc:
        if kind == "one" and exc.status and 400 <= exc.status < 500 and exc.status != 429:
            return {
                what.pk: Outcome(error_code=exc.code or str(exc.status), error_message=exc.message)
            }
        return exc
    finally:
        if settings.SYNC_PUSH_CONCURRENCY > 1:
            close_old_connections()


@transaction.atomic
def _record(connection, run, ops, outcomes: dict[int, Outcome], totals: dict) -> None:
    now = timezone.now()
    links: list[ExternalLink] = []
    removed: list[tuple[str, str]] = []
    changed: list[SyncOperation] = []
    counts = {"done": 0, "failed": 0, "skipped": 0}
    for op in ops:
        outcome = outcomes.get(op.pk)
        if outcome is None:
            # Not answered (the provider stopped): back to the queue, to be looked for first.
            op.status, op.claimed_until, op.error_code = S.PENDING, None, ""
        elif outcome.throttled:
            # Refused for the rate limit alone, so certainly not written: back to the queue,
            # sent again without looking for it first.
            op.status, op.claimed_until, op.error_code = S.PENDING, None, THROTTLED
        elif outcome.ok:
            op.status, op.done_at, op.remote_id = S.DONE, now, outcome.remote_id
            op.error_code = op.error_message = ""
            counts["done"] += 1
            for entity, result in [(op.entity, outcome), *outcome.extra]:
                if result.removed:
                    removed.append((entity, op.local_id))
                else:
                    links.append(_link(connection, op, entity, result, now))
        elif outcome.skipped:
            op.status, op.error_message = S.SKIPPED, outcome.error_message
            counts["skipped"] += 1
        else:
            op.status, op.failed_at = S.FAILED, now
            op.error_code, op.error_message = outcome.error_code[:50], outcome.error_message
            counts["failed"] += 1
        op.claimed_until = None
        changed.append(op)
    links = _without_clashes(connection, links, changed, counts, now)
    _save_outcomes(changed, now)
    if any(op.entity == "bill" for op in changed):
        _holds_settle(connection, changed)
    for entity, local_id in removed:
        ExternalLink.objects.filter(
            connection=connection, entity=entity, local_id=local_id
        ).delete()
    if links:
        columns = [f.attname for f in ExternalLink._meta.concrete_fields if not f.primary_key]
        bulk_upsert(
            ExternalLink,
            [{c: getattr(link, c) for c in columns} for link in links],
            unique=("connection_id", "entity", "local_id"),
            update=LINK_UPDATES,
        )
    for key, value in counts.items():
        totals[key] += value
    if run is not None:
        SyncRun.objects.filter(pk=run.pk).update(
            done=F("done") + counts["done"],
            failed=F("failed") + counts["failed"],
            skipped=F("skipped") + counts["skipped"],
            progress_at=now,
        )


def _holds_settle(connection: Connection, ops: list[SyncOperation]) -> None:
    """A create refused for its number holds its bill (sync.engine.numbering); one written
    (a retry after the old invoice was renumbered) closes its hold."""
    numbering.refusals_hold(books=connection, ops=ops)
    # Only a retried create can have been refused before: first writes cost no query here.
    written = [
        int(op.local_id)
        for op in ops
        if op.entity == "bill" and op.status == S.DONE and op.attempts > 1
    ]
    numbering.holds_clear(books=connection, bill_ids=written, note="The invoice is in the books.")


def _save_outcomes(ops: list[SyncOperation], now) -> None:
    """One UPDATE per outcome for what the rows share, and per-row values only where they differ
    (the remote id of each written record, the words of each failure): a batch of 50 costs a
    handful of statements, not a CASE expression for each of 7 columns of 50 rows."""
    by_status: dict[str, list[SyncOperation]] = {}
    for op in ops:
        by_status.setdefault(op.status, []).append(op)
    done = by_status.pop(S.DONE, [])
    if done:
        SyncOperation.objects.filter(pk__in=[op.pk for op in done]).update(
            status=S.DONE, done_at=now, error_code="", error_message="", claimed_until=None
        )
        _set_remote_ids(done)
    pending = by_status.pop(S.PENDING, [])
    for code in {op.error_code for op in pending}:
        SyncOperation.objects.filter(
            pk__in=[op.pk for op in pending if op.error_code == code]
        ).update(status=S.PENDING, claimed_until=None, error_code=code)
    rest = [op for group in by_status.values() for op in group]
    if rest:
        SyncOperation.objects.bulk_update(
            rest, ["status", "failed_at", "error_code", "error_message", "claimed_until"]
        )


def _set_remote_ids(ops: list[SyncOperation]) -> None:
    """Each row's remote id in one plain CASE statement (Django's bulk_update builds an expression
    tree per row, which costs more CPU than the write itself)."""
    table = db.ops.quote_name(SyncOperation._meta.db_table)
    cases = " ".join("WHEN %s THEN %s" for _ in ops)
    params = [value for op in ops for value in (op.pk, op.remote_id or "")]
    ids = ", ".join("%s" for _ in ops)
    sql = f"UPDATE {table} SET remote_id = CASE id {cases} END WHERE id IN ({ids})"  # noqa: S608
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, *(op.pk for op in ops)])


def _without_clashes(connection, links, ops, counts, now) -> list[ExternalLink]:
    """A books record is linked to one Clio record only. Should a write resolve to a record that
    already belongs to another (a customer found by a name two Clio contacts share), that
    operation fails and says which; the other link stands."""
    taken = {
        (row.remote_type, row.remote_id): row.local_id
        for row in ExternalLink.objects.filter(
            connection=connection, remote_id__in=[link.remote_id for link in links]
        ).only("remote_type", "remote_id", "local_id", "entity")
    }
    by_local = {(op.entity, op.local_id): op for op in ops}
    kept: list[ExternalLink] = []
    for link in links:
        owner = taken.get((link.remote_type, link.remote_id))
        if owner is None or owner == link.local_id:
            taken[(link.remote_type, link.remote_id)] = link.local_id
            kept.append(link)
            continue
        op = by_local.get((link.entity, link.local_id))
        if op is not None and op.status == S.DONE:
            op.status, op.failed_at, op.error_code = S.FAILED, now, "already_linked"
            op.error_message = (
                f"The books record {link.remote_type} {link.remote_id} is already linked to "
                f"Clio record {owner}. Rename one of the two so they differ, then retry."
            )
            counts["done"] -= 1
            counts["failed"] += 1
    return kept


def _link(connection, op, entity, result: Outcome, now) -> ExternalLink:
    return ExternalLink(
        firm_id=connection.firm_id,
        connection=connection,
        entity=entity,
        local_id=op.local_id,
        remote_type=result.remote_type,
        remote_id=result.remote_id,
        remote_version=result.version[:64],
        remote_number=result.number[:40],
        remote_status=result.status[:30],
        # The payload's print only for the record itself: an extra link has no plan of its own.
        fingerprint=op.fingerprint if entity == op.entity else "",
        pushed_at=now,
    )
