"""Intuit's query language: SELECT * | COUNT(*) | fields FROM <Entity> [WHERE a AND b ...]
[ORDERBY f [ASC|DESC]] [STARTPOSITION n] [MAXRESULTS m] (developer.intuit.com "Data queries").

Only AND, `= < > <= >= != IN LIKE`; STARTPOSITION is 1-based, MAXRESULTS at most 1000
(4001 otherwise, query_validation_error.xml); name lists hide inactive rows unless the
WHERE mentions Active.
Id and MetaData times are filtered in SQL; every other condition in Python.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sandbox.quickbooks import clock, faults, schema
from sandbox.quickbooks.entities import BY_LOWER
from sandbox.quickbooks.models import Company, Record

TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.|'')*')|(?P<op><=|>=|!=|<>|=|<|>)|(?P<punct>[(),*])"
    r"|(?P<word>[A-Za-z_][\w.]*)|(?P<num>-?\d+(?:\.\d+)?))"
)
SQL_FIELDS = {"id": "remote_id", "metadata.lastupdatedtime": "updated_at"}
SQL_FIELDS["metadata.createtime"] = "created_at"
OPS = {"=": "", "<": "__lt", ">": "__gt", "<=": "__lte", ">=": "__gte"}


@dataclass
class Query:
    entity: str
    fields: list[str] = field(default_factory=list)  # empty = *
    count: bool = False
    where: list[tuple[str, str, object]] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    start: int = 1
    max: int = 100


def tokenize(text: str) -> list[tuple[str, str]]:
    out, pos, text = [], 0, text.strip().rstrip(";")
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise faults.query_parse(f'Encountered "{text[pos : pos + 10]}" at column {pos + 1}')
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class Parser:
    def __init__(self, text: str):
        self.tokens, self.i = tokenize(text), 0

    def peek(self, upper=True) -> str:
        if self.i >= len(self.tokens):
            return ""
        value = self.tokens[self.i][1]
        return value.upper() if upper else value

    def take(self, expect: str | None = None) -> str:
        value = self.peek(upper=False)
        if not value or (expect and value.upper() != expect):
            raise faults.query_parse(f'Encountered "{value or "<EOF>"}", expected {expect}')
        self.i += 1
        return value

    def parse(self) -> Query:
        self.take("SELECT")
        fields, count = self._fields()
        self.take("FROM")
        q = Query(entity=self.take(), fields=fields, count=count)
        if self.peek() == "WHERE":
            self.take()
            q.where.append(self._cond())
            while self.peek() == "AND":
                self.take()
                q.where.append(self._cond())
        self._tail(q)
        if self.peek():
            raise faults.query_parse(f'Encountered "{self.peek(False)}" after the query')
        return q

    def _fields(self):
        if self.peek() == "*":
            # `SELECT *, Sku FROM Item`: fields named beside * add to every field (Item doc:
            # Sku is returned when selected); * already serves every field the entity has.
            self.take()
            while self.peek() == ",":
                self.take()
                self.take()
            return [], False
        if self.peek() == "COUNT":
            self.take(), self.take("("), self.take("*"), self.take(")")
            return [], True
        names = [self.take()]
        while self.peek() == ",":
            self.take()
            names.append(self.take())
        return names, False

    def _cond(self):
        name = self.take()
        op = self.take().upper()
        if op == "IN":
            self.take("(")
            values = [self._value()]
            while self.peek() == ",":
                self.take()
                values.append(self._value())
            self.take(")")
            return name, "IN", values
        if op not in (*OPS, "LIKE", "!=", "<>"):
            raise faults.query_parse(f'Encountered "{op}", expected an operator')
        return name, op, self._value()

    def _value(self):
        kind, value = self.tokens[self.i] if self.i < len(self.tokens) else ("", "")
        self.i += 1
        if kind == "str":
            return value[1:-1].replace("\\'", "'").replace("''", "'")
        if kind == "num":
            return value
        if kind == "word" and value.lower() in ("true", "false"):
            return value.lower()
        raise faults.query_parse(f'Encountered "{value or "<EOF>"}", expected a value')

    def _tail(self, q: Query) -> None:
        while self.peek() in ("ORDER", "ORDERBY", "STARTPOSITION", "MAXRESULTS"):
            word = self.take().upper()
            if word in ("ORDER", "ORDERBY"):
                if word == "ORDER":
                    self.take("BY")
                q.order = self._order()
            else:
                number = self.take()
                if not number.lstrip("-").isdigit():
                    raise faults.query_parse(f'Encountered "{number}", expected a number')
                setattr(q, "start" if word == "STARTPOSITION" else "max", int(number))

    def _order(self):
        out = []
        while True:
            name, desc = self.take(), False
            if self.peek() in ("ASC", "DESC"):
                desc = self.take().upper() == "DESC"
            out.append((name, desc))
            if self.peek() != ",":
                return out
            self.take()


def parse(text: str) -> Query:
    q = Parser(text).parse()
    if q.entity.lower() not in BY_LOWER:
        raise faults.invalid_query(f"Entity {q.entity} is not supported for query.")
    q.entity = BY_LOWER[q.entity.lower()].name
    _queryable(q)
    if q.start < 1:
        raise faults.invalid_query(f"value {q.start} is too small. Min allowed value is 1")
    if q.max > 1000:
        raise faults.invalid_query(f"value {q.max} is too large. Max allowed value is 1000")
    if q.max < 1:
        raise faults.invalid_query(f"value {q.max} is too small. Min allowed value is 1")
    return q


def _queryable(q: Query) -> None:
    """Every property named must exist on the entity (XSD), else 4001 like Intuit."""
    members, _ = schema.shape().members(q.entity)
    known = {m.lower() for m in members}
    for name in [n for n, _, _ in q.where] + [n for n, _ in q.order] + q.fields:
        if name.split(".")[0].lower() not in known:
            raise faults.invalid_query(f"property '{name}' is not queryable")


def lookup(data: dict, path: str):
    value = data
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        match = next((k for k in value if k.lower() == part.lower()), None)
        value = value.get(match) if match else None
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    if isinstance(value, dict) and "Address" in value:
        return value["Address"]  # `WHERE PrimaryEmailAddr = 'a@b.example'` (EmailAddress)
    return value


def _as_time(value):
    try:
        return clock.parse_time(str(value))
    except ValueError as exc:
        raise faults.invalid_query(f"Invalid date/time value {value}") from exc


def _compare(actual, op: str, wanted) -> bool:
    if actual is None:
        return False
    if op == "IN":
        return any(_compare(actual, "=", w) for w in wanted)
    if op == "LIKE":
        pattern = "^" + ".*".join(re.escape(p) for p in str(wanted).split("%")) + "$"
        return re.match(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
    left, right = _coerce(actual, wanted)
    return {
        "=": left == right,
        "!=": left != right,
        "<>": left != right,
        "<": left < right,
        ">": left > right,
        "<=": left <= right,
        ">=": left >= right,
    }[op]


def _coerce(actual, wanted):
    if isinstance(actual, bool):
        return str(actual).lower(), str(wanted).lower()
    if isinstance(actual, int | float):
        try:
            return Decimal(str(actual)), Decimal(str(wanted))
        except InvalidOperation:
            return str(actual), str(wanted)
    text = str(actual)
    if len(text) > 10 and text[10:11] == "T" and len(str(wanted)) >= 10:
        return _as_time(text), _as_time(wanted)
    return text.lower(), str(wanted).lower()


def _indexed(qs, spec, name: str, op: str, value):
    """Narrow by the indexed `key`/`party` columns; True when the condition is fully applied."""
    lower = name.lower()
    values = value if op == "IN" else [value]
    if op not in ("=", "IN"):
        return qs, False
    if lower in ("customerref", "vendorref"):
        return qs.filter(party__in=[str(v) for v in values]), True
    if lower == "docnumber" and spec.kind == "txn":
        return qs.filter(key__in=[str(v) for v in values]), True
    if lower in ("displayname", "name") and spec.kind == "name":
        # A superset (the key ignores case and end spaces); the Python check stays exact.
        return qs.filter(key__in=[str(v).strip().lower() for v in values]), False
    return qs, False


def _sql(qs, q: Query):
    """Push Id, MetaData times and indexed columns into SQL; return the rest for Python."""
    rest = []
    spec = BY_LOWER[q.entity.lower()]
    for name, op, value in q.where:
        qs, done = _indexed(qs, spec, name, op, value)
        if done:
            continue
        column = SQL_FIELDS.get(name.lower())
        if column is None or op not in (*OPS, "IN"):
            rest.append((name, op, value))
            continue
        cast = _as_time if column != "remote_id" else _as_int
        if op == "IN":
            qs = qs.filter(**{f"{column}__in": [cast(v) for v in value]})
        else:
            qs = qs.filter(**{column + OPS[op]: cast(value)})
    return qs, rest


def _as_int(value) -> int:
    try:
        return int(str(value))
    except ValueError as exc:
        raise faults.invalid_query(f"Invalid Id value {value}") from exc


def run(company: Company, q: Query) -> dict:
    """Execute a parsed query; the QueryResponse body (without the envelope)."""
    qs = Record.objects.filter(company=company, type=q.entity, deleted=False)
    qs, rest = _sql(qs, q)
    spec = BY_LOWER[q.entity.lower()]
    if spec.kind == "name" and not any(n.lower() == "active" for n, _, _ in q.where):
        rest.append(("Active", "=", "true"))
    order = q.order or [("Id", False)]
    sql_order = all(n.lower() in SQL_FIELDS for n, _ in order)
    if not any(n.lower() != "active" for n, _, _ in rest) and sql_order and spec.kind != "name":
        return _respond_sql(qs, q, order)
    rows = [r for r in qs.order_by("remote_id") if _match(r.data, rest)]
    if q.count:
        return {"totalCount": len(rows)}
    for name, desc in reversed(order):
        rows.sort(key=lambda r, n=name: _sort_key(r, n), reverse=desc)
    page = rows[q.start - 1 : q.start - 1 + q.max]
    return _respond(q, [r.data for r in page])


def _respond_sql(qs, q: Query, order) -> dict:
    if q.count:
        return {"totalCount": qs.count()}
    columns = [("-" if desc else "") + SQL_FIELDS[n.lower()] for n, desc in order]
    page = qs.order_by(*columns, "remote_id")[q.start - 1 : q.start - 1 + q.max]
    return _respond(q, [r.data for r in page])


def _match(data: dict, conds) -> bool:
    for name, op, value in conds:
        actual = lookup(data, name)
        if name.lower() == "active" and actual is None:
            actual = True
        if not _compare(actual, op, value):
            return False
    return True


def _sort_key(rec: Record, name: str):
    column = SQL_FIELDS.get(name.lower())
    if column:
        return getattr(rec, column)
    value = lookup(rec.data, name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, Decimal(str(value)), "")
    return (1, Decimal(0), str(value or "").lower())


def _respond(q: Query, items: list[dict]) -> dict:
    if not items:
        return {}
    if q.fields:
        items = [_project(item, q.fields) for item in items]
    return {q.entity: items, "startPosition": q.start, "maxResults": len(items)}


def _project(item: dict, names: list[str]) -> dict:
    out = {"domain": "QBO", "sparse": True}
    for name in names:
        top = name.split(".")[0]
        key = next((k for k in item if k.lower() == top.lower()), None)
        if key:
            out[key] = item[key]
    return out
