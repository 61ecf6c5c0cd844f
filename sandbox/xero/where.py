"""The `where` filter of Xero's GET endpoints, for the forms clients use:

    Status=="AUTHORISED" AND Type=="ACCREC"
    Contact.ContactID==guid("...")       Date>=DateTime(2024,1,1)       Name.Contains("Lake")
    (A OR B) AND NOT C                  AmountDue>0                    IsReconciled==true

[developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-filtered-data]
Strings compare case-insensitively, as Xero's filter does. Anything else is a parse error.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from sandbox.xero.store import parse_msdate

_TOKEN = re.compile(
    r"\s*(?:(?P<str>\"(?:[^\"\\]|\\.)*\")|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>==|!=|>=|<=|>|<|&&|\|\|)"
    r"|(?P<punct>[().,])|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)


class WhereError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise WhereError(text[pos:])
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str):
        self.toks, self.i = _tokens(text), 0

    def peek(self, offset=0):
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1].lower() != value.lower()):
            raise WhereError(f"expected {value}")
        self.i += 1
        return tok

    def parse(self):
        node = self.expr()
        if self.peek()[0] is not None:
            raise WhereError("trailing input")
        return node

    def expr(self):
        node = self.conj()
        while self.peek()[1] and self.peek()[1].upper() in ("OR", "||"):
            self.take()
            node = ("or", node, self.conj())
        return node

    def conj(self):
        node = self.unary()
        while self.peek()[1] and self.peek()[1].upper() in ("AND", "&&"):
            self.take()
            node = ("and", node, self.unary())
        return node

    def unary(self):
        if self.peek()[1] and self.peek()[1].upper() == "NOT":
            self.take()
            return ("not", self.unary())
        if self.peek()[1] == "(":
            self.take("(")
            node = self.expr()
            self.take(")")
            return node
        return self.comparison()

    def path(self):
        parts = [self.take()[1]]
        while self.peek()[1] == "." and self.peek(1)[0] == "word":
            if self.peek(2)[1] == "(":
                break
            self.take(".")
            parts.append(self.take()[1])
        return parts

    def comparison(self):
        if self.peek()[0] != "word":
            raise WhereError("expected a field")
        path = self.path()
        if self.peek()[1] == ".":
            self.take(".")
            method = self.take()[1].lower()
            self.take("(")
            arg = self.value()
            self.take(")")
            return ("call", path, method, arg)
        kind, op = self.take()
        if kind != "op":
            # a bare boolean field, e.g. `IsReconciled`
            self.i -= 1
            return ("cmp", path, "==", True)
        return ("cmp", path, op, self.value())

    def value(self):
        kind, text = self.take()
        if kind == "str":
            return bytes(text[1:-1], "utf-8").decode("unicode_escape")
        if kind == "num":
            return Decimal(text)
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        if low == "null":
            return None
        if low == "guid":
            self.take("(")
            val = self.value()
            self.take(")")
            return str(val).lower()
        if low == "datetime":
            return self.datetime()
        raise WhereError(text)

    def datetime(self):
        if self.peek()[1] == ".":  # DateTime.Parse("2024-01-01")
            self.take(".")
            self.take("Parse")
            self.take("(")
            raw = self.value()
            self.take(")")
            return dt.datetime.fromisoformat(str(raw)[:19]).replace(tzinfo=dt.UTC)
        self.take("(")
        nums = [int(self.value())]
        while self.peek()[1] == ",":
            self.take(",")
            nums.append(int(self.value()))
        self.take(")")
        return dt.datetime(*nums, tzinfo=dt.UTC)


def compile_where(text: str):
    """Parse once; returns a predicate over a record's JSON. Raises WhereError."""
    try:
        tree = _Parser(text).parse()
    except (WhereError, ValueError, TypeError, InvalidOperation) as exc:
        raise WhereError(str(exc)) from exc
    return lambda data: _eval(tree, data)


def _lookup(data, path):
    for part in path:
        if not isinstance(data, dict):
            return None
        key = next((k for k in data if k.lower() == part.lower()), None)
        data = data.get(key) if key else None
    return data


def _coerce(actual, expected):
    if isinstance(expected, dt.datetime):
        return parse_msdate(actual) if isinstance(actual, str) else None
    if isinstance(expected, Decimal):
        try:
            return Decimal(str(actual)) if actual is not None else None
        except InvalidOperation:
            return None
    if isinstance(expected, str) and isinstance(actual, str):
        return actual.lower()
    return actual


def _compare(actual, op, expected):
    if isinstance(expected, str):
        expected = expected.lower()
    actual = _coerce(actual, expected)
    if op == "==":
        return actual == expected
    if op == "!=":
        return actual != expected
    if actual is None or expected is None:
        return False
    try:
        return (
            {">": actual > expected, "<": actual < expected}.get(op)
            if op in "<>"
            else (actual >= expected if op == ">=" else actual <= expected)
        )
    except TypeError:
        return False


def _eval(node, data) -> bool:
    tag = node[0]
    if tag == "and":
        return _eval(node[1], data) and _eval(node[2], data)
    if tag == "or":
        return _eval(node[1], data) or _eval(node[2], data)
    if tag == "not":
        return not _eval(node[1], data)
    if tag == "call":
        actual = str(_lookup(data, node[1]) or "").lower()
        arg = str(node[3]).lower()
        return {"contains": arg in actual, "startswith": actual.startswith(arg)}.get(
            node[2], actual.endswith(arg)
        )
    return bool(_compare(_lookup(data, node[1]), node[2], node[3]))
