"""Writes to the Clio mirror. Upserts are by Clio id and skip rows whose etag has not changed,
so pulling the same page again changes nothing."""

from collections.abc import Iterable

from django.db import connection as db
from django.db import transaction

from accounts.models import Firm
from practice.models import Allocation, Bill, BillLine, Contact, Matter


def _upsert(model, *, firm: Firm, rows: list[dict], returning: bool = False):
    """Insert the new rows and update the changed ones in one statement per 500 rows.

    A row whose etag equals the stored one is left alone, so pulling the same page again
    changes nothing. `INSERT … ON CONFLICT DO UPDATE … WHERE` (PostgreSQL, SQLite ≥ 3.24) does
    in the database what building a model instance per row did in Python: the mirror is where
    the engine spends its CPU on a backfill of hundreds of thousands of records.

    Returns the number of rows written, or with `returning` their (pk, clio_id) pairs.
    """
    if not rows:
        return [] if returning else 0
    sql, columns, extra = _upsert_statement(model, list(rows[0]), returning=returning)
    convert = _converters(model, columns) + [None] * len(extra)
    placeholders = f"({', '.join(['%s'] * len(convert))})"
    written = [] if returning else 0
    with db.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_BATCH):
            # The same record twice in one statement is an error on PostgreSQL; the later wins.
            batch = {r["clio_id"]: r for r in rows[start : start + UPSERT_BATCH]}.values()
            params = []
            for row in batch:
                values = (firm.pk, *(row[c] for c in columns), *extra)
                params.extend(f(v) if f else v for f, v in zip(convert, values, strict=True))
            cursor.execute(sql.format(values=", ".join([placeholders] * len(batch))), params)
            if returning:
                written.extend(cursor.fetchall())
            else:
                written += cursor.rowcount
    return written


UPSERT_BATCH = 500


def _upsert_statement(model, columns: list[str], *, returning: bool) -> tuple[str, list[str], list]:
    """The statement for rows with these columns; model defaults fill the columns rows omit."""
    meta = model._meta
    q = db.ops.quote_name
    given = {"firm_id", *columns}
    defaults = [f for f in meta.concrete_fields if f.attname not in given and not f.primary_key]
    names = ["firm_id", *columns, *(f.attname for f in defaults)]
    updates = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in columns if c != "clio_id")
    changed = ""
    if "etag" in columns:
        changed = f" WHERE {q(meta.db_table)}.etag <> EXCLUDED.etag OR EXCLUDED.etag = ''"
    # Only names from the model's metadata are formatted in; every value is a bound parameter.
    sql = (
        f"INSERT INTO {q(meta.db_table)} ({', '.join(q(n) for n in names)}) VALUES {{values}} "  # noqa: S608
        f"ON CONFLICT (firm_id, clio_id) DO UPDATE SET {updates}{changed}"
    )
    if returning:
        sql += " RETURNING id, clio_id"
    return sql, columns, [f.get_db_prep_save(f.get_default(), db) for f in defaults]


def _converters(model, columns: list[str]) -> list:
    """Per column, the conversion the backend needs before binding, or None: only datetimes
    need one (SQLite stores them naive in UTC, as Django writes them)."""
    meta = model._meta
    out = [None]
    for c in columns:
        field = meta.get_field(c)
        is_datetime = field.get_internal_type() == "DateTimeField"
        out.append(db.ops.adapt_datetimefield_value if is_datetime else None)
    return out


def _ids(model, firm: Firm, clio_ids: Iterable[int | None]) -> dict[int, int]:
    wanted = {i for i in clio_ids if i}
    return dict(model.objects.filter(firm=firm, clio_id__in=wanted).values_list("clio_id", "pk"))


@transaction.atomic
def contacts_upsert(*, firm: Firm, rows: list[dict]) -> int:
    return _upsert(Contact, firm=firm, rows=rows)


@transaction.atomic
def matters_upsert(*, firm: Firm, rows: list[dict]) -> int:
    """Rows carry `client_clio_id`; it becomes the mirror's client link."""
    clients = _ids(Contact, firm, (r.get("client_clio_id") for r in rows))
    for r in rows:
        r["client_id"] = clients.get(r.pop("client_clio_id", None))
    return _upsert(Matter, firm=firm, rows=rows)


@transaction.atomic
def bills_upsert(*, firm: Firm, rows: list[dict]) -> int:
    """Rows carry `client_clio_id` and `matter_clio_ids`. Returns how many bills changed."""
    matter_ids = {r["clio_id"]: r.pop("matter_clio_ids", ()) for r in rows}
    clients = _ids(Contact, firm, (r.get("client_clio_id") for r in rows))
    for r in rows:
        r["client_id"] = clients.get(r.pop("client_clio_id", None))
    by_clio = {clio_id: pk for pk, clio_id in _upsert(Bill, firm=firm, rows=rows, returning=True)}
    if by_clio:
        matters = _ids(Matter, firm, (m for ids in matter_ids.values() for m in ids))
        through = Bill.matters.through
        through.objects.filter(bill_id__in=by_clio.values()).delete()
        through.objects.bulk_create(
            through(bill_id=by_clio[b], matter_id=matters[m])
            for b, ids in matter_ids.items()
            if b in by_clio
            for m in ids
            if m in matters
        )
    return len(by_clio)


@transaction.atomic
def bill_lines_upsert(*, firm: Firm, rows: list[dict]) -> int:
    """Rows carry `bill_clio_id`; lines of bills not mirrored (outside the sync window) are
    skipped."""
    bills = _ids(Bill, firm, (r.get("bill_clio_id") for r in rows))
    keep = []
    for r in rows:
        bill_id = bills.get(r.pop("bill_clio_id", None))
        if bill_id:
            keep.append({**r, "bill_id": bill_id})
    return _upsert(BillLine, firm=firm, rows=keep)


@transaction.atomic
def bill_lines_remove(*, firm: Firm, clio_ids: list[int]) -> int:
    deleted, _ = BillLine.objects.filter(firm=firm, clio_id__in=clio_ids).delete()
    return deleted


@transaction.atomic
def allocations_upsert(*, firm: Firm, rows: list[dict]) -> int:
    bills = _ids(Bill, firm, (r.get("bill_clio_id") for r in rows))
    for r in rows:
        r["bill_id"] = bills.get(r.pop("bill_clio_id", None))
    return _upsert(Allocation, firm=firm, rows=rows)
