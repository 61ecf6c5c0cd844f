"""The document store: entities kept as the wire JSON Intuit serves, plus ids and change events."""

from django.db import connection

from sandbox.quickbooks import clock, unit
from sandbox.quickbooks.models import ChangeEvent, Company, Record, Setting

NAME_LISTS = {"Customer": "customer", "Vendor": "vendor", "Employee": "employee"}


def setting_get(key: str, default=None):
    row = Setting.objects.filter(key=key).first()
    return default if row is None else row.value


def setting_set(key: str, value) -> None:
    Setting.objects.update_or_create(key=key, defaults={"value": value})


def next_ids(company: Company, count: int = 1) -> int:
    """Reserve `count` ids; returns the first. Intuit ids are per-company numeric strings."""
    work = unit.current(company)
    if count == 1 and work is not None:
        return work.take_id()
    return reserve_ids(company, count)


def reserve_ids(company: Company, count: int) -> int:
    """One UPDATE ... RETURNING (PostgreSQL and SQLite both have it); returns the first id."""
    q = connection.ops.quote_name
    table, last = q(Company._meta.db_table), q("last_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + %s WHERE {q('id')} = %s RETURNING {last}",  # noqa: S608 - names quoted, values bound
            [count, company.pk],
        )
        (last_id,) = cursor.fetchone()
    return last_id - count + 1


def key_for(entity: str, data: dict) -> str:
    """The indexed key: DocNumber for transactions, the lower-cased name for name lists."""
    if entity in NAME_LISTS:
        return _norm(data.get("DisplayName", ""))
    if entity in ("Account", "Item", "Class", "TaxCode", "TaxRate"):
        return _norm(data.get("FullyQualifiedName") or data.get("Name", ""))
    return str(data.get("DocNumber") or "")[:500]


def party_for(data: dict) -> str:
    ref_value = (data.get("CustomerRef") or data.get("VendorRef") or {}).get("value")
    return str(ref_value or "")[:20]


def _norm(name: str) -> str:
    # Intuit compares names ignoring case and the spaces at either end.
    return str(name).strip().lower()[:500]


def record_get(company: Company, entity: str, remote_id, *, lock=False) -> Record | None:
    try:
        rid = int(str(remote_id))
    except ValueError:
        return None
    if not 0 < rid < 2**63:  # no such record; the database column would overflow
        return None
    work = unit.current(company)
    if work is not None:
        return work.get(entity, rid, lock)
    qs = Record.objects.filter(company=company, type=entity, remote_id=rid)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def stamp(data: dict, rid: int, sync_token: int, created, updated) -> dict:
    data["Id"] = str(rid)
    data["SyncToken"] = str(sync_token)
    data["MetaData"] = {
        "CreateTime": clock.meta_time(created),
        "LastUpdatedTime": clock.meta_time(updated),
    }
    return data


def record_create(company: Company, entity: str, data: dict, *, meta=None, rid=None) -> Record:
    at = clock.now()
    rid = rid or next_ids(company)
    body = {"domain": "QBO", "sparse": False, **data}
    stamp(body, rid, 0, at, at)
    rec = Record(
        company=company,
        type=entity,
        remote_id=rid,
        key=key_for(entity, body),
        party=party_for(body),
        data=body,
        meta=meta or {},
        created_at=at,
        updated_at=at,
    )
    work = unit.current(company)
    if work is not None:
        work.add(rec)  # inserted with the call's other new records
    else:
        rec.save(force_insert=True)
    event_add(company, entity, rid, "Create", at)
    return rec


def record_save(rec: Record, data: dict, operation: str = "Update", deleted_id: str = "") -> Record:
    """Store a new version: SyncToken + 1, LastUpdatedTime now."""
    at = clock.now()
    token = int(rec.data.get("SyncToken", "0")) + 1
    rest = {k: v for k, v in data.items() if k not in ("domain", "sparse")}
    body = {"domain": "QBO", "sparse": bool(data.get("sparse", False)), **rest}
    rec.data = stamp(body, rec.remote_id, token, rec.created_at, at)
    rec.key, rec.party, rec.updated_at = key_for(rec.type, rec.data), party_for(rec.data), at
    work = unit.current(rec.company_id)
    if rec.pk is None:
        pass  # a record of this call, inserted at its end as it is then
    elif work is not None and work.deferring:
        work.save_later(rec)
    else:
        rec.save(update_fields=unit.SAVED_FIELDS)
    _remember(rec)
    event_add(rec.company_id, rec.type, rec.remote_id, operation, at, deleted_id)
    return rec


def _remember(rec: Record) -> None:
    work = unit.current(rec.company_id)
    if work is not None:
        work.remember(rec)


def record_touch_meta(rec: Record) -> None:
    """Keep `rec.meta` (bookkeeping Intuit never serves); written with the call's unit."""
    work = unit.current(rec.company_id)
    if work is not None:
        work.touch_meta(rec)
    elif rec.pk is not None:
        rec.save(update_fields=["meta"])


def record_delete(rec: Record) -> dict:
    at = clock.now()
    rec.deleted, rec.updated_at = True, at
    if rec.pk is not None:
        rec.save(update_fields=["deleted", "updated_at"])
    event_add(rec.company_id, rec.type, rec.remote_id, "Delete", at)
    # invoice_delete_success_response.xml: status Deleted, domain QBO, Id only.
    return {"domain": "QBO", "status": "Deleted", "Id": str(rec.remote_id)}


def deleted_stub(rec: Record) -> dict:
    """How CDC reports a deleted object (change_data_capture_response.xml)."""
    return {
        "domain": "QBO",
        "status": "Deleted",
        "Id": str(rec.remote_id),
        "MetaData": {"LastUpdatedTime": clock.meta_time(rec.updated_at)},
    }


def event_add(
    company: Company | int, entity: str, rid, operation: str, at, deleted_id: str = ""
) -> None:
    company_id = company if isinstance(company, int) else company.pk
    event = ChangeEvent(
        company_id=company_id, entity=entity, entity_id=str(rid), operation=operation, at=at
    )
    event.deleted_id = deleted_id
    work = unit.current(company_id)
    if work is not None:
        work.events.append(event)
    else:
        event.save()


def ref(rec: Record) -> dict:
    """A ReferenceType pointing at `rec`, with the name Intuit shows beside the id."""
    data = rec.data
    name = data.get("DisplayName") or data.get("FullyQualifiedName") or data.get("Name")
    out = {"value": str(rec.remote_id)}
    if name:
        out["name"] = name
    return out


def find_by_subtype(company: Company, subtype: str) -> Record | None:
    work = unit.current(company)
    if work is not None and ("subtype", subtype) in work.memo:
        return work.memo[("subtype", subtype)]
    found = None
    if work is not None:
        work.flush_inserts()  # an account created by this call
    for rec in Record.objects.filter(company=company, type="Account", deleted=False):
        if rec.data.get("AccountSubType") == subtype:
            found = rec
            break
    if work is not None:
        work.memo[("subtype", subtype)] = found
    return found
