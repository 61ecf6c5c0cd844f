"""One API call's unit of work: what a call reads once and writes once.

A batch of 30 creates used to cost about twenty queries an element: the Preferences read four
times, every reference and customer read on its own, an id reserved, a change event inserted and
a customer balance rewritten per element. Inside `scope(company)` (every API call, and every
service call made without one: presets, bookkeeper actions) a call

- keeps the records it has read in an identity map (a batch prefetches what its items name),
- inserts the records it creates in one go (a read of the table first writes them),
- reserves ids in one block and gives back the ones it did not use,
- numbers sales forms in memory and writes the Preferences' numbering once,
- inserts its change events once, and shifts each customer's balance once,

all at the end, in the call's transaction, so the answers and the stored rows are what they were.
A batch item that fails (`item()`) puts back what it took (records not inserted yet, ids,
numbers, events, balance shifts), as its savepoint, when it needs one, puts back its rows.
"""

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal

from django.db import connection

from sandbox.quickbooks.models import ChangeEvent, Company, Record

PREFS = ("Preferences", 1)
SAVED_FIELDS = ["data", "key", "party", "updated_at", "meta"]  # what store.record_save writes
_active: ContextVar["Unit | None"] = ContextVar("sandbox_qbo_unit", default=None)


class Unit:
    def __init__(self, company: Company):
        self.company = company
        self.records: dict[tuple[str, int], Record | None] = {}
        self.locked: set[tuple[str, int]] = set()
        self.meta_dirty: set[tuple[str, int]] = set()
        self.saves: set[tuple[str, int]] = set()  # changed records not written yet
        self.deferring = False  # inside a self-contained batch item: changes wait too
        self.events: list[ChangeEvent] = []
        self.pending: list[Record] = []  # created by this call, inserted at its end
        self.next_id, self.last_id = 1, 0  # the reserved block, empty
        self.id_hint = 1
        self.given = False  # the id block came from the gate, reserved outside the transaction
        self.balances: dict[int, Decimal] = {}  # customer id -> shift of Balance not yet written
        self.memo: dict = {}

    # ---- reads --------------------------------------------------------------------------

    def get(self, entity: str, rid: int, lock: bool) -> Record | None:
        key = (entity, rid)
        if key in self.records and (not lock or key in self.locked):
            return self.records[key]
        qs = Record.objects.filter(company=self.company, type=entity, remote_id=rid)
        rec = (qs.select_for_update() if lock else qs).first()
        if rec is not None:
            rec.company = self.company  # spares a query for the company of every record
        if lock:
            self.locked.add(key)
        self.records[key] = rec
        return rec

    def prefetch(self, wanted: Iterable[tuple[str, int]], *, lock: bool = False) -> None:
        """Read these (entity, id) pairs in one query; the missing ones are remembered too."""
        wanted = {w for w in wanted if w not in self.records or (lock and w not in self.locked)}
        if not wanted:
            return
        qs = Record.objects.filter(
            company=self.company,
            type__in={t for t, _ in wanted},
            remote_id__in={i for _, i in wanted},
        )
        # Locked in one order (the rows' own), as every call locks: two calls that name the
        # same records take them one after the other, not each half of them.
        qs = qs.select_for_update().order_by("pk") if lock else qs
        found = {(r.type, r.remote_id): r for r in qs}
        for key in wanted:
            if key in found:
                found[key].company = self.company
                self.records[key] = found[key]
                if lock:
                    self.locked.add(key)
            elif key not in self.records:
                self.records[key] = None

    def remember(self, rec: Record) -> None:
        """A record this call has just written: later reads in the call see it."""
        self.records[(rec.type, rec.remote_id)] = rec

    def pending_clash(self, types, key: str) -> Record | None:
        """A record created by this call and not inserted yet, of these types, with this key."""
        for rec in self.pending:
            if rec.type in types and rec.key == key and not rec.deleted:
                return rec
        return None

    # ---- deferred writes ----------------------------------------------------------------

    def add(self, rec: Record) -> None:
        self.pending.append(rec)
        self.remember(rec)

    def flush_inserts(self) -> None:
        if self.pending:
            Record.objects.bulk_create(self.pending)
            self.pending = []

    def save_later(self, rec: Record) -> None:
        key = (rec.type, rec.remote_id)
        self.records[key] = rec
        self.saves.add(key)

    def flush_saves(self) -> None:
        changed = [self.records[key] for key in self.saves if self.records.get(key)]
        self.saves = set()
        if changed:
            update_rows(changed, SAVED_FIELDS)

    def flush_pending(self) -> None:
        """Write what the next read of the database must see: new and changed records, balance
        shifts (the Preferences' numbering and the events are never read back in a call)."""
        self.flush_inserts()
        self.flush_saves()
        self.flush_balances()

    def take_id(self) -> int:
        from sandbox.quickbooks.store import reserve_ids

        if self.next_id > self.last_id:
            # Within the call's transaction, which then holds the company's row to its end: the
            # gate reserves a block before it, and this is for a call that needs more.
            count = max(self.id_hint, 1)
            self.next_id = reserve_ids(self.company, count)
            self.last_id = self.next_id + count - 1
            self.given = False
        self.next_id += 1
        return self.next_id - 1

    def ids_give(self, block: tuple[int, int] | None) -> None:
        """Ids reserved before the call's transaction (`ids_reserve`): taken first, and not
        given back (QuickBooks' ids have gaps too)."""
        if block is not None:
            self.next_id, self.last_id = block
            self.given = True

    def touch_meta(self, rec: Record) -> None:
        key = (rec.type, rec.remote_id)
        self.records[key] = rec
        self.meta_dirty.add(key)

    def shift_balance(self, customer_id: int, amount: Decimal) -> None:
        self.balances[customer_id] = self.balances.get(customer_id, Decimal(0)) + amount

    def flush_balances(self) -> None:
        """Customer.Balance (read-only) moves in place: no SyncToken or LastUpdatedTime change."""
        from sandbox.quickbooks.compute import dec, money

        shifts = {cid: amount for cid, amount in self.balances.items() if amount}
        self.balances = {}
        if not shifts:
            return
        self.flush_inserts()  # a customer created by this call
        self.flush_saves()
        customers = list(
            Record.objects.select_for_update()
            .filter(company=self.company, type="Customer", remote_id__in=shifts)
            .order_by("pk")
        )
        for customer in customers:
            customer.company = self.company
            balance = money(dec(customer.data.get("Balance", 0)) + shifts[customer.remote_id])
            customer.data = {**customer.data, "Balance": balance, "BalanceWithJobs": balance}
            self.records[("Customer", customer.remote_id)] = customer
            self.locked.add(("Customer", customer.remote_id))
        update_rows(customers, ["data"])

    def flush(self) -> None:
        self.deferring = False
        self.flush_pending()
        dirty = [self.records[key] for key in self.meta_dirty if self.records.get(key)]
        if dirty:
            Record.objects.bulk_update(dirty, ["meta"])
        self.meta_dirty = set()
        if self.events:
            ChangeEvent.objects.bulk_create(self.events)
            self.events = []
        if self.next_id <= self.last_id and not self.given:  # ids reserved, not used, go back
            Company.objects.filter(pk=self.company.pk, last_id=self.last_id).update(
                last_id=self.next_id - 1
            )
            self.next_id, self.last_id = 1, 0

    # ---- one batch item -----------------------------------------------------------------

    @contextmanager
    def item(self, *, defer: bool = False) -> Iterator[None]:
        """Run one batch item; when it fails, put back what it took from this unit. `defer`:
        the item's changes to existing records wait too (it then writes nothing at all)."""
        kept = {key: (rec, *_state(rec)) for key, rec in self._kept().items()}
        # The id block too: one reserved inside a savepoint the item rolls back is gone from
        # the database, and its ids would otherwise be handed out twice.
        saved = (
            len(self.pending),
            len(self.events),
            (self.next_id, self.last_id),
            dict(self.balances),
        )
        marks = (set(self.meta_dirty), set(self.saves), set(self.locked), kept)
        self.deferring = defer
        try:
            yield
        except BaseException:
            self._undo(saved, marks)
            raise
        finally:
            self.deferring = False

    def _kept(self) -> dict:
        """What survives a failed item: the Preferences and the records with changes waiting."""
        keys = {PREFS, *self.meta_dirty, *self.saves}
        return {key: self.records[key] for key in keys if self.records.get(key) is not None}

    def _undo(self, saved: tuple, marks: tuple) -> None:
        pending, events, (self.next_id, self.last_id), self.balances = saved
        self.meta_dirty, self.saves, locked, kept = marks
        del self.pending[pending:]
        del self.events[events:]
        # The savepoint (if the item had one) took back the item's rows and row locks: forget
        # what was read since, but keep the records created before it and those with changes
        # still to be written, as they were.
        self.records, self.memo = {}, {}
        for rec in self.pending:
            self.remember(rec)
        for key, (rec, *state) in kept.items():
            rec.data, rec.meta, rec.key, rec.party, rec.updated_at, rec.deleted = state
            self.records[key] = rec
        self.locked = {key for key in locked if key in self.records}


# Ids the gate reserves before a batch call's transaction: a batch holds at most 30 items.
BATCH_IDS = 30


def ids_reserve(company: Company, count: int) -> tuple[int, int]:
    """(first, last) of `count` new ids, reserved in a statement of their own (committed at once
    outside a transaction): the company's row is held for that statement only."""
    from sandbox.quickbooks.store import reserve_ids

    first = reserve_ids(company, count)
    return first, first + count - 1


def key_lock(company: Company, scope: str, key: str) -> None:
    """Hold one unique key (a DisplayName, a DocNumber) until the call's transaction ends, so two
    calls at once cannot both find it free and both take it. PostgreSQL's advisory lock; SQLite
    lets one writer in at a time already."""
    if connection.vendor != "postgresql" or not key:
        return
    with connection.cursor() as cursor:
        name = f"sandbox-qbo:{company.pk}:{scope}:{key}"
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


def update_rows(records: list[Record], fields: list[str]) -> None:
    """Write these fields of these records in one statement. On PostgreSQL an UPDATE ... FROM
    (VALUES ...): Django's bulk_update builds a CASE per row and field, which costs more than the
    rows' JSON itself."""
    if connection.vendor != "postgresql" or len(records) < 2:
        Record.objects.bulk_update(records, fields)
        return
    q = connection.ops.quote_name
    casts = {"data": "::jsonb", "meta": "::jsonb", "updated_at": "::timestamptz"}
    row = "(%s, " + ", ".join(f"%s{casts.get(f, '')}" for f in fields) + ")"
    names = ", ".join(q(f) for f in fields)
    sets = ", ".join(f"{q(f)} = v.{q(f)}" for f in fields)
    params: list = []
    for rec in records:
        params.append(rec.pk)
        params += [
            json.dumps(getattr(rec, f)) if f in ("data", "meta") else getattr(rec, f)
            for f in fields
        ]
    sql = (
        f"UPDATE {q(Record._meta.db_table)} AS t SET {sets} "  # noqa: S608 - names quoted, values bound
        f"FROM (VALUES {', '.join([row] * len(records))}) AS v(id, {names}) WHERE t.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _state(rec: Record) -> tuple:
    return rec.data, rec.meta, rec.key, rec.party, rec.updated_at, rec.deleted


def pending_clash(company: Company, types, key: str) -> Record | None:
    """A record the open call created and has not inserted yet, of these types, with this key
    (the duplicate checks read the table, which does not hold it yet)."""
    work = current(company)
    return work.pending_clash(types, key) if work is not None else None


def current(company: Company | int) -> Unit | None:
    """The unit open for this company (or company id), if any."""
    unit = _active.get()
    pk = company if isinstance(company, int) else company.pk
    return unit if unit is not None and unit.company.pk == pk else None


@contextmanager
def scope(company: Company) -> Iterator[Unit]:
    """The call's unit (a new one unless the caller opened one); written at the end. Run it
    inside the call's transaction: nothing is written when the block raises."""
    unit = current(company)
    if unit is not None:
        yield unit
        return
    unit = Unit(company)
    token = _active.set(unit)
    try:
        yield unit
        unit.flush()
    finally:
        _active.reset(token)
