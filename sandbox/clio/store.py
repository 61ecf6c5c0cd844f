"""Reading and writing Clio records, and rendering them with the `fields` parameter.

Money is stored in `data` as JSON numbers, exactly as Clio serves it; every calculation converts
through `money()` (Decimal of the number's shortest repr, so 0.1 stays 0.1) and back through
`num()`. Two-decimal amounts survive that round trip exactly.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from sandbox.clio.models import Account, Record
from sandbox.clio.spec import BY_TYPE, NESTED_TYPES, POLYMORPHIC_TYPES, schema_fields

CENT = Decimal("0.01")
COLUMNS = {"id", "etag", "created_at", "updated_at"}
# The spec types calendar entry ids as strings (`CalendarEntry_base.id`); every other id is an
# integer.
STRING_IDS = {"calendar_entry"}


class ApiError(Exception):
    """An error answered in Clio's shape: `{"error": {"type": ..., "message": ...}}`."""

    def __init__(self, status: int, type_: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.type, self.message, self.headers = status, type_, message, headers or {}


def money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def num(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def stamp(moment: datetime) -> str:
    """Clio timestamps: ISO-8601 with seconds and offset."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def make_etag(type_: str, version: int, data: dict, moment: datetime) -> str:
    digest = hashlib.md5(  # noqa: S324 - an etag, not a secret
        f"{type_}|{version}|{moment.isoformat()}|{json.dumps(data, sort_keys=True)}".encode()
    ).hexdigest()
    return f'"{digest}"'  # Clio's etags are quoted strings, e.g. "\"9a103be2...\""


# Which reference of each type is copied into the indexed `Record.parent_id` column.
PARENT_KEYS = {
    "line_item": "bill",
    "allocation": "bill",
    "activity": "matter",
    "bank_transaction": "matter",
    # A Clio Payments payment pays one bill here (the console takes one bill at a time).
    "clio_payments_payment": "bills",
    "task_template": "task_template_list",
    "folder": "parent",
    "document": "parent",
}


def parent_of(type_: str, data: dict) -> int | None:
    key = PARENT_KEYS.get(type_)
    value = data.get(key) if key else None
    if isinstance(value, list):
        value = value[0] if value else None
    return value.get("id") if isinstance(value, dict) else None


def ref(record: Record | None) -> dict | None:
    return {"id": record.id} if record else None


def get(account: Account, type_: str, rid, *, lock: bool = False) -> Record:
    """One live record of this account; "missing" and "another account's" are the same 404."""
    qs = Record.objects.filter(account=account, type=type_, deleted=False)
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=int(rid))
    except (Record.DoesNotExist, ValueError, TypeError):
        raise ApiError(404, "NotFound", f"Could not find {type_} with id {rid}.") from None


def create(account: Account, type_: str, data: dict, *, at: datetime | None = None) -> Record:
    moment = at or timezone.now()
    record = Record.objects.create(
        account=account,
        type=type_,
        data=data,
        parent_id=parent_of(type_, data),
        etag=make_etag(type_, 1, data, moment),
        created_at=moment,
        updated_at=moment,
    )
    _changed(record, "created", None)
    return record


def update(record: Record, changes: dict, *, at: datetime | None = None) -> Record:
    """Merge changes into the record; a no-op change keeps the etag, as Clio does."""
    old = dict(record.data)
    new = {**old, **changes}
    if new == old:
        return record
    before = Record(
        pk=record.pk,
        account_id=record.account_id,
        type=record.type,
        data=old,
        etag=record.etag,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )
    moment = at or timezone.now()
    record.data, record.version, record.updated_at = new, record.version + 1, moment
    record.etag = make_etag(record.type, record.version, new, moment)
    record.parent_id = parent_of(record.type, new)
    record.save(update_fields=["data", "parent_id", "version", "etag", "updated_at"])
    _changed(record, "updated", before)
    return record


def destroy(record: Record) -> None:
    record.deleted = True
    record.updated_at = timezone.now()
    record.save(update_fields=["deleted", "updated_at"])
    _changed(record, "deleted", None)


def _changed(record: Record, event: str, before: Record | None) -> None:
    resource = BY_TYPE.get(record.type)
    if resource and resource.webhook_model:
        from sandbox.clio.webhooks import record_changed  # webhooks render through this module

        record_changed(record, resource, event, before)


# -- fields ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sel:
    name: str
    sub: tuple | None = None  # nested selection, None = the nested resource's defaults


DEFAULT = (Sel("id"), Sel("etag"))


def parse_fields(raw: str | None, schema: str, *, depth: int = 0) -> tuple:
    """Parse `id,etag,client{id,name}`; unknown field or second-level nesting → 400."""
    known = schema_fields(schema)
    if not raw:  # ClioPaymentsPayment has no etag in the spec: its default is `id` alone
        return tuple(s for s in DEFAULT if s.name in known)
    out = []
    for part in _split(raw):
        name, _, rest = part.partition("{")
        name = name.strip()
        field = known.get(name)
        if field is None:
            raise ApiError(400, "InvalidFields", f"Invalid fields: {name} is not a valid field.")
        if not rest:
            out.append(Sel(name))
            continue
        if not rest.endswith("}") or field.nested is None or depth:
            raise ApiError(400, "InvalidFields", f"Invalid fields: {part} cannot be nested.")
        out.append(Sel(name, parse_fields(rest[:-1], field.nested, depth=1)))
    return tuple(out)


def _split(raw: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in raw:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if depth:
        raise ApiError(400, "InvalidFields", "Invalid fields: unbalanced braces.")
    return [p for p in [*parts, cur.strip()] if p]


# Fields the spec serves that are another stored field seen differently: a matter's
# `client_id` (Matter_base) is its client's id.
DERIVED = {("matter", "client_id"): lambda data: (data.get("client") or {}).get("id")}


class Renderer:
    """Renders records for one request, loading referenced records once each."""

    def __init__(self, account: Account | int):
        self.account_id, self.cache = getattr(account, "pk", account), {}

    def prefetch(self, records, schema: str, sels: tuple) -> None:
        fields = schema_fields(schema)
        wanted: dict[str, set] = {}
        for sel in sels:
            field = fields[sel.name]
            target = NESTED_TYPES.get(field.nested or "")
            if not target:
                continue
            for rec in records:
                value = rec.data.get(sel.name)
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, dict) and "id" in item:
                        wanted.setdefault(target, set()).add(item["id"])
        for type_, ids in wanted.items():
            ids -= {i for (t, i) in self.cache if t == type_}
            for rec in Record.objects.filter(account_id=self.account_id, type=type_, pk__in=ids):
                self.cache[(type_, rec.id)] = rec

    def load(self, type_: str, rid) -> Record | None:
        key = (type_, rid)
        if key not in self.cache:
            self.cache[key] = Record.objects.filter(
                account_id=self.account_id, type=type_, pk=rid
            ).first()
        return self.cache[key]

    def render(self, record: Record, schema: str, sels: tuple = DEFAULT) -> dict:
        fields = schema_fields(schema)
        out = {}
        for sel in sels:
            if sel.name in COLUMNS:
                out[sel.name] = self._column(record, sel.name)
                continue
            value = record.data.get(sel.name)
            if value is None and (record.type, sel.name) in DERIVED:
                value = DERIVED[(record.type, sel.name)](record.data)
            nested = fields[sel.name].nested if sel.name in fields else None
            out[sel.name] = self._nested(value, nested, sel.sub) if nested else value
        return out

    def _column(self, record: Record, name: str):
        value = getattr(record, name)
        if name == "id" and record.type in STRING_IDS:
            return str(value)
        return stamp(value) if isinstance(value, datetime) else value

    def _nested(self, value, schema: str, sub: tuple | None):
        if isinstance(value, list):
            return [self._nested(item, schema, sub) for item in value]
        if not isinstance(value, dict):
            return value
        target = POLYMORPHIC_TYPES.get(value.get("type")) or NESTED_TYPES.get(schema)
        record = self.load(target, value.get("id")) if target and "id" in value else None
        if record is None:  # an inline object (discount, address, ...): stored as served
            return {s.name: value.get(s.name) for s in sub} if sub else value
        known = schema_fields(schema)
        picked = sub or tuple(s for s in DEFAULT if s.name in known)
        if schema == "PolymorphicObject_base":  # an allocation's parent: Payment or CreditMemo
            return {"type": value.get("type")} | {
                s.name: self._poly(record, value, s.name) for s in picked
            }
        return self.render(record, schema, picked)

    def _poly(self, record: Record, value: dict, name: str):
        if name in COLUMNS:
            return self._column(record, name)
        return value.get(name, record.data.get(name))
