"""Writes to the Clio mirror. Upserts are by Clio id and skip rows whose etag has not changed,
so pulling the same page again changes nothing."""

from collections.abc import Iterable

from django.db import transaction

from accounts.bulk import bulk_upsert
from accounts.models import Firm
from practice.models import Allocation, Bill, BillLine, ClioPaymentsPayment, Contact, Matter


def _upsert(model, *, firm: Firm, rows: list[dict], returning: bool = False):
    """Insert the new rows and update the changed ones; a row whose etag equals the stored one
    is left alone, so pulling the same page again changes nothing.

    Returns the number of rows written, or with `returning` their (pk, clio_id) pairs.
    """
    rows = [{"firm_id": firm.pk, **row} for row in rows]
    return bulk_upsert(
        model,
        rows,
        unique=("firm_id", "clio_id"),
        unless_same="etag" if rows and "etag" in rows[0] else None,
        returning=("id", "clio_id") if returning else (),
    )


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
def allocations_upsert(*, firm: Firm, rows: list[dict]) -> int:
    bills = _ids(Bill, firm, (r.get("bill_clio_id") for r in rows))
    for r in rows:
        r["bill_id"] = bills.get(r.pop("bill_clio_id", None))
    return _upsert(Allocation, firm=firm, rows=rows)


@transaction.atomic
def clio_payments_upsert(*, firm: Firm, rows: list[dict]) -> int:
    """Clio Payments payments; `etag` is their updated_at (the resource has no etag)."""
    return _upsert(ClioPaymentsPayment, firm=firm, rows=rows)
