"""Push: drain the outbox into the books, batched, in dependency order, each item on its own.

Contacts go first (invoices need their customer), then bills, then payments and credits. Each
round claims a handful of operations with a conditional UPDATE and a lease, so two workers never
send the same one; a worker killed mid-round leaves its claims to expire, and whoever claims them
next looks for them in the books by their natural key before writing (the number of an invoice,
the name of a customer, our reference on a payment), so nothing lands twice. A batch's answer is
read item by item: one refused element fails alone and its siblings are never resent.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import close_old_connections
from django.db import connection as db
from django.db.models import Q

from sync.engine import numbering, outbox
from sync.engine.links import links_save, links_status_refresh
from sync.engine.record import THROTTLED, record
from sync.engine.registry import BOOKS, client_for, trust_writer_for, writer_for
from sync.models import Connection, ExternalLink, SyncOperation, SyncRun, SyncSettings
from sync.providers.base import TRUST_MATTER_ENTITY, TRUST_WRITES, Item, Outcome, TrustWriter
from sync.providers.base import BooksWriter as Writer
from sync.providers.errors import ProviderError

logger = logging.getLogger("firmsync.sync")

STAGES = ("contact", "trust_matter", "bill", "payment", "credit", "trust_entry", "payout_fee")
# What each stage's writes point at.
NEEDS = {
    "contact": ("contact",),
    "trust_matter": ("contact", "trust_matter"),
    "bill": ("contact", "bill"),
    "payment": ("contact", "bill", "payment"),
    "credit": ("contact", "bill", "credit", "credit_application"),
    "trust_entry": ("trust_entry", "trust_matter"),
    "payout_fee": ("payout_fee",),
}
S = SyncOperation.Status


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
    lanes = [Lane(connection, run, writer, STAGES, trust=trust_writer_for(connection, cfg))]
    for _ in range(1, max(1, min(writer.lanes, settings.SYNC_PUSH_LANES))):
        side = writer_for(connection, cfg, client)
        trust = trust_writer_for(connection, cfg)
        lanes.append(Lane(connection, run, side, SIDE_STAGES, trust, guard=lanes[0].guard))
    lanes_run(lanes, stop)
    totals = {key: sum(lane.totals[key] for lane in lanes) for key in lanes[0].totals}
    paid = set().union(*(lane.paid for lane in lanes))  # invoices a payment or credit went to
    if run is None or run.kind not in FIRST_READS:
        _statuses_refresh(connection, client, paid)
    return totals


TOTALS = ("done", "failed", "skipped")
# The stages a second lane serves: their writes point only at records written before them
# (an invoice at its customer, a payment at its invoice, a trust leg at its client and its
# matter's sub-customer), and what trust legs still find or make by name is made in `prepare`,
# one lane at a time under the guard. Trust money is most of what a first sync writes while
# Clio's bill lines are still being read: with one lane, QuickBooks' one-record channel stood
# half idle. Sub-customers are records of their own for the same reason: made in `prepare`,
# 5,000 of them held the guard through 167 waits for the batch window, and the other lane
# (and the one-record channel) waited with it.
SIDE_STAGES = ("trust_matter", "bill", "payment", "credit", "trust_entry")


@dataclass
class Lane:
    """One loop of rounds. A provider with a per-minute allowance of batch calls (QuickBooks'
    40) runs two: with one, the batch window stood idle while a round recorded its answers and
    claimed the next (a third of the time in the benchmark), and that window is the floor."""

    connection: Connection
    run: SyncRun | None
    writer: Writer
    stages: tuple[str, ...]
    trust: TrustWriter | None = None
    # One `prepare` at a time across lanes: what it finds or makes (QuickBooks' items) is
    # made once, and saved as links before another lane looks.
    guard: threading.Lock = field(default_factory=threading.Lock)
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOTALS, 0))
    paid: set[str] = field(default_factory=set)

    def drain(self, stop: Callable[[], bool], linger: Callable[[], bool]) -> None:
        """Rounds until nothing is ready (and `linger()` no longer asks to wait for more) or
        `stop()` says to end."""
        threads = max(1, min(self.writer.concurrency, settings.SYNC_PUSH_CONCURRENCY))
        with ThreadPoolExecutor(threads) if threads > 1 else _Inline() as pool:
            rounds = 0
            while not (rounds and stop()):  # at least one round per call
                rounds += 1
                if not any(self._round(pool, threads, entity) for entity in self.stages):
                    if not linger():
                        return  # nothing ready anywhere
                    time.sleep(LINGER_SECONDS)

    def _round(self, pool, threads: int, entity: str) -> bool:
        legs = entity in TRUST_WRITES and self.trust is not None
        w = self.trust if legs else self.writer
        args = (pool, threads, self.connection, self.run, entity, self.totals, self.paid)
        return _round(w, *args, guard=self.guard)


# How long a side lane with nothing ready waits before it looks again (wall seconds), while
# the first lane is still at work.
LINGER_SECONDS = 0.2


def lanes_run(lanes: list[Lane], stop: Callable[[], bool] | None) -> None:
    """The first lane here, the others in threads of their own; the first error of any lane
    stops them all and is raised once all have ended."""
    halt = threading.Event()

    def stopping() -> bool:
        return halt.is_set() or (stop is not None and stop())

    errors: list[BaseException] = []

    def side(lane: Lane) -> None:
        try:
            lane.drain(stopping, linger=lambda: not halt.is_set())
        except BaseException as exc:  # raised in the calling thread below
            errors.append(exc)
            halt.set()
        finally:
            db.close()  # this thread's connection

    threads = [threading.Thread(target=side, args=(lane,), daemon=True) for lane in lanes[1:]]
    for thread in threads:
        thread.start()
    try:
        lanes[0].drain(stopping, linger=lambda: False)
    finally:
        halt.set()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]


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


# The payload keys that point at other records, and the entity each points at (a trust leg's
# `matter_ids` lists the Clio ids of the matters it names).
REFS = {"client_clio_id": "contact", "bill_clio_id": "bill", "matter_ids": TRUST_MATTER_ENTITY}


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
        if ref_entity == TRUST_MATTER_ENTITY:
            local_id = local_id.rsplit(":", 1)[-1]  # "<way>:<Clio matter id>"
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


def _round(writer, pool, threads, connection, run, entity, totals, paid, *, guard) -> bool:
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
        with guard:
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
        record(connection, run, ops, {}, totals)
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
    record(connection, run, ops, outcomes, totals)
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
