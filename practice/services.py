"""Writes to the Clio mirror. Upserts are by Clio id and skip rows whose etag has not changed,
so pulling the same page again changes nothing."""

from collections.abc import Iterable

from django.db import transaction

from accounts.models import Firm
from practice.models import Allocation, Bill, BillLine, Contact, Matter


def _upsert(model, *, firm: Firm, rows: list[dict], key: str = "clio_id") -> tuple[list, list]:
    """Create the new rows and update the changed ones (by etag when there is one).
    Returns (created, changed) model instances."""
    if not rows:
        return [], []
    existing = {
        getattr(o, key): o
        for o in model.objects.filter(firm=firm, **{f"{key}__in": [r[key] for r in rows]})
    }
    created, changed = [], []
    for row in rows:
        current = existing.get(row[key])
        if current is None:
            created.append(model(firm=firm, **row))
        elif "etag" not in row or row["etag"] != current.etag or not row["etag"]:
            for field, value in row.items():
                setattr(current, field, value)
            changed.append(current)
    model.objects.bulk_create(created, batch_size=500)
    if changed:
        fields = [f for f in rows[0] if f != key]
        model.objects.bulk_update(changed, fields, batch_size=500)
    return created, changed


def _ids(model, firm: Firm, clio_ids: Iterable[int | None]) -> dict[int, int]:
    wanted = {i for i in clio_ids if i}
    return dict(model.objects.filter(firm=firm, clio_id__in=wanted).values_list("clio_id", "pk"))


@transaction.atomic
def contacts_upsert(*, firm: Firm, rows: list[dict]) -> int:
    created, changed = _upsert(Contact, firm=firm, rows=rows)
    return len(created) + len(changed)


@transaction.atomic
def matters_upsert(*, firm: Firm, rows: list[dict]) -> int:
    """Rows carry `client_clio_id`; it becomes the mirror's client link."""
    clients = _ids(Contact, firm, (r.get("client_clio_id") for r in rows))
    for r in rows:
        r["client_id"] = clients.get(r.pop("client_clio_id", None))
    created, changed = _upsert(Matter, firm=firm, rows=rows)
    return len(created) + len(changed)


@transaction.atomic
def bills_upsert(*, firm: Firm, rows: list[dict]) -> list[Bill]:
    """Rows carry `client_clio_id` and `matter_clio_ids`. Returns the bills that changed."""
    matter_ids = {r["clio_id"]: r.pop("matter_clio_ids", ()) for r in rows}
    clients = _ids(Contact, firm, (r.get("client_clio_id") for r in rows))
    for r in rows:
        r["client_id"] = clients.get(r.pop("client_clio_id", None))
    created, changed = _upsert(Bill, firm=firm, rows=rows)
    touched = created + changed
    if touched:
        by_clio = dict(
            Bill.objects.filter(firm=firm, clio_id__in=[b.clio_id for b in touched]).values_list(
                "clio_id", "pk"
            )
        )
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
    return touched


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
    created, changed = _upsert(BillLine, firm=firm, rows=keep)
    return len(created) + len(changed)


@transaction.atomic
def bill_lines_remove(*, firm: Firm, clio_ids: list[int]) -> int:
    deleted, _ = BillLine.objects.filter(firm=firm, clio_id__in=clio_ids).delete()
    return deleted


@transaction.atomic
def allocations_upsert(*, firm: Firm, rows: list[dict]) -> int:
    bills = _ids(Bill, firm, (r.get("bill_clio_id") for r in rows))
    for r in rows:
        r["bill_id"] = bills.get(r.pop("bill_clio_id", None))
    created, changed = _upsert(Allocation, firm=firm, rows=rows)
    return len(created) + len(changed)
