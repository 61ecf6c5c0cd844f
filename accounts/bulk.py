"""Bulk writes for the hot paths of a sync: the mirror of a Clio backfill, the outbox a plan
fills, the links a push records — tens of thousands of rows a run.

`bulk_upsert` writes rows with one `INSERT … ON CONFLICT` statement per batch (PostgreSQL, and
SQLite ≥ 3.24), binding plain values as they are. Django's `bulk_create` builds a model instance
per row and prepares every field of it one call at a time, which on a backfill costs more CPU
than everything else the engine does. Only names from a model's metadata are formatted into the
statement; every value is a bound parameter.
"""

from collections.abc import Callable
from functools import partial

from django.db import connection as db
from django.db.models import Model

BATCH = 500

# Field types whose Python values the database drivers bind as they are (SQLite through the
# adapters Django registers for Decimal and date). Every other type goes through its field's own
# `get_db_prep_save`: datetimes (SQLite keeps them naive in UTC), JSON, UUIDs.
PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DecimalField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def bulk_upsert(
    model: type[Model],
    rows: list[dict],
    *,
    unique: tuple[str, ...],
    update: tuple[str, ...] | None = None,
    unless_same: str | None = None,
    returning: tuple[str, ...] = (),
    same: dict | None = None,
):
    """Insert `rows` (dicts of column attnames; every row has the same keys) and, on a clash
    with the `unique` columns, update the `update` columns (default: every given column but
    the unique ones; `()` leaves the stored row alone). With `unless_same`, a row whose value
    in that column equals the stored one (and is not empty) is left alone. `same` holds the
    values every row shares (the firm, who did it), bound once per statement. Columns neither
    give take the model's defaults on insert.

    With `unique=()` it is a plain INSERT: a clash raises IntegrityError for the caller to
    explain, and no row pays for the conflict check.

    Returns how many rows were inserted or updated, or with `returning` those columns of them.
    """
    if not rows:
        return [] if returning else 0
    columns = list(rows[0])
    sql, extra = _statement(model, columns, unique, update, unless_same, returning, same or {})
    convert = [_converter(model, c) for c in columns]
    build: Callable[[str, list, list[list]], tuple[str, list]] = _as_rows
    size = BATCH
    if db.vendor == "postgresql":
        types = [str(model._meta.get_field(c).db_type(db)) for c in columns]  # type: ignore[union-attr]
        size, build = PG_BATCH, partial(_as_arrays, types=types)
    written = [] if returning else 0
    with db.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            if unique:
                # The same key twice in one statement is an error on PostgreSQL; the later wins.
                batch = list({tuple(r[k] for k in unique): r for r in batch}.values())
            values = [
                [f(row[c]) for row in batch] if f else [row[c] for row in batch]
                for f, c in zip(convert, columns, strict=True)
            ]
            cursor.execute(*build(sql, extra, values))
            if returning:
                written.extend(cursor.fetchall())
            else:
                written += cursor.rowcount
    return written


def _as_rows(sql: str, extra: list, values: list[list]) -> tuple[str, list]:
    """A placeholder per value, row after row (SQLite)."""
    placeholders = f"({', '.join(['%s'] * (len(values) + len(extra)))})"
    params: list = []
    for row in zip(*values, strict=True):
        params.extend(row)
        params.extend(extra)
    return sql.format(values=", ".join([placeholders] * len(values[0]))), params


# PostgreSQL takes a batch as one array per column (`unnest`), so the statement has a
# placeholder per column, not per value. With a placeholder per value the driver re-parsed a
# statement of thousands of them on every batch (too long for its cache): a quarter of the
# engine's CPU in a first sync.
PG_BATCH = 2000


def _as_arrays(sql: str, extra: list, values: list[list], types: list[str]) -> tuple[str, list]:
    casts = []
    for n, (column, db_type) in enumerate(zip(values, types, strict=True)):
        if len({type(v) for v in column} - {type(None)}) > 1:
            # The driver dumps a list of one type (an amount as 10 beside 12.50 is two): such a
            # column goes as text, which PostgreSQL reads as its type.
            values[n] = [None if v is None else str(v) for v in column]
            db_type = f"text[]::{db_type}"
        casts.append(f"%s::{db_type}[]")
    defaults = "".join(", %s" for _ in extra)
    source = f"SELECT u.*{defaults} FROM unnest({', '.join(casts)}) AS u"  # noqa: S608 - types from the model, values bound
    return sql.replace("VALUES {values}", source), [*extra, *values]


def _statement(model, columns, unique, update, unless_same, returning, same) -> tuple[str, list]:
    meta, q = model._meta, db.ops.quote_name
    given = {*columns, *same}
    defaults = [f for f in meta.concrete_fields if f.attname not in given and not f.primary_key]
    names = [*columns, *same, *(f.attname for f in defaults)]
    if update is None:
        update = tuple(c for c in columns if c not in unique)
    if update:
        sets = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in update)
        action = f"DO UPDATE SET {sets}"
        if unless_same:
            col = f"{q(meta.db_table)}.{q(unless_same)}"
            action += f" WHERE {col} <> EXCLUDED.{q(unless_same)} OR EXCLUDED.{q(unless_same)} = ''"
    else:
        action = "DO NOTHING"
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(n) for n in names)}) "  # noqa: S608
        "VALUES {values}"
    )
    if unique:
        sql += f" ON CONFLICT ({', '.join(q(c) for c in unique)}) {action}"
    if returning:
        sql += f" RETURNING {', '.join(q(c) for c in returning)}"
    extra = [meta.get_field(c).get_db_prep_save(v, db) for c, v in same.items()]
    extra += [f.get_db_prep_save(f.get_default(), db) for f in defaults]
    return sql, extra


def _converter(model, column: str):
    field = model._meta.get_field(column)
    kind = field.get_internal_type()
    if kind in PLAIN:
        return None
    if kind == "DateTimeField":
        return _datetime_converter()
    return lambda value: field.get_db_prep_save(value, db)


def _datetime_converter():
    """PostgreSQL binds aware datetimes as they are; SQLite stores what Django's own adapter
    writes, naive in the connection's zone (UTC unless DATABASES sets TIME_ZONE), as text; the
    field's generic path does the same through five calls and a settings read per value."""
    if db.vendor != "sqlite":
        return None
    zone = db.timezone

    def convert(value):
        if value is None or value.tzinfo is None:
            return None if value is None else str(value)
        return str(value.astimezone(zone).replace(tzinfo=None))

    return convert
