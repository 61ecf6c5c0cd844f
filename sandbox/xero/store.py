"""Clock, ids, Xero's date formats, money rounding and the document store."""

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from sandbox.xero.models import Knobs, Organisation, Record

PROVIDER = "xero"
CENT = Decimal("0.01")
BOOK_KINDS = ("Account", "TaxRate", "Item", "TrackingCategory")  # what lines.Books reads
_memo: ContextVar[dict | None] = ContextVar("sandbox_xero_memo", default=None)


@contextmanager
def call_memo() -> Iterator[None]:
    """What one API call reads once: the clock offset, the org's books, the apps to notify, the
    contacts its documents name. Writes through `record_save` keep it current."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def memo(key, load: Callable):
    cache = _memo.get()
    if cache is None:
        return load()
    if key not in cache:
        cache[key] = load()
    return cache[key]


def memo_put(key, value) -> None:
    cache = _memo.get()
    if cache is not None:
        cache[key] = value


def memo_get(key):
    cache = _memo.get()
    return None if cache is None else cache.get(key)


def knobs() -> Knobs:
    obj = Knobs.objects.first()
    return obj or Knobs.objects.create()


def now() -> dt.datetime:
    """The sandbox clock: real time plus the offset set by `_control/clock` (tests move it)."""
    offset = memo(
        "clock", lambda: Knobs.objects.values_list("clock_offset_seconds", flat=True).first() or 0
    )
    return timezone.now() + dt.timedelta(seconds=offset)


def new_id() -> str:
    return str(uuid.uuid4())


def new_secret(n: int = 32) -> str:
    return secrets.token_urlsafe(n)


# Xero serves MS-JSON dates: "/Date(1573755038314+0000)/" [XERO-SPEC x-is-msdate fields].
def msdate(value: dt.datetime | dt.date) -> str:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    return f"/Date({int(value.timestamp() * 1000)}+0000)/"


def date_string(value: dt.date) -> str:
    """The `DateString` twin of a `Date` field: "2024-01-31T00:00:00"."""
    return f"{value.isoformat()}T00:00:00"


_MS = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def parse_date(value) -> dt.date | None:
    """A date sent as YYYY-MM-DD, an ISO datetime or /Date(ms)/; None when unreadable."""
    if not isinstance(value, str) or not value:
        return None
    match = _MS.fullmatch(value.strip())
    if match:
        return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.UTC).date()
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def parse_msdate(value: str) -> dt.datetime | None:
    match = _MS.fullmatch(value or "")
    if not match:
        return None
    return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.UTC)


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def to_number(value: Decimal):
    """Serialise money as Xero does: a JSON number with two decimals' precision."""
    return float(value)


def _one(qs) -> Record | None:
    """The first match by the lookup's own index: `.first()` would order by the primary key,
    which PostgreSQL then walks through a large table instead."""
    return next(iter(qs.order_by()[:1]), None)


def record_get(org: Organisation, kind: str, remote_id: str) -> Record | None:
    keys = {str(remote_id), str(remote_id).lower()}
    return _one(Record.objects.filter(organisation=org, kind=kind, remote_id__in=keys))


def record_by_number(org: Organisation, kind: str, number: str) -> Record | None:
    return _one(Record.objects.filter(organisation=org, kind=kind, number=number))


def record_save(
    org: Organisation, kind: str, id_field: str, data: dict, *, new: bool = False, **cols
) -> Record:
    """Insert or update one document; stamps UpdatedDateUTC from the sandbox clock. `new`: the
    document has an id just made, so there is nothing to update."""
    stamp = now()
    data["UpdatedDateUTC"] = msdate(stamp)
    remote_id = data[id_field]
    defaults = {
        "data": data,
        "updated_at": stamp,
        "label": str(data.get("Name") or "")[:255],
        **cols,
    }
    if kind in BOOK_KINDS:
        memo_put(("books", org.pk), None)
    # UPDATE first, INSERT when nothing matched: no read of the (large) stored JSON.
    mine = Record.objects.filter(organisation=org, kind=kind, remote_id=remote_id)
    if not new and mine.update(**defaults):
        rec = Record(organisation=org, kind=kind, remote_id=remote_id, **defaults)
    else:
        rec = Record.objects.create(organisation=org, kind=kind, remote_id=remote_id, **defaults)
    if kind == "Contact":
        memo_put(("contact", remote_id), rec)
    return rec
