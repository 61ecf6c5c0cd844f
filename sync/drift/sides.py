"""One flagged bill as the page sets it out: Clio's bill and the books' invoice field by field and
line by line, each cell that differs marked. Pure: reads only the flag's two JSON sides."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import cast

from sync.models import FlaggedBill
from sync.providers.documents import Line

HEADER_FIELDS = [
    ("number", "Number"),
    ("status", "Status"),
    ("date", "Date"),
    ("due", "Due"),
    ("customer", "Customer"),
]
LINE_FIELDS = [
    ("description", "Description"),
    ("quantity", "Quantity"),
    ("rate", "Rate"),
    ("amount", "Amount"),
    ("tax", "Tax"),
]
TOTAL_FIELDS = [
    ("subtotal", "Subtotal"),
    ("tax", "Tax"),
    ("total", "Total"),
    ("paid", "Paid"),
    ("balance", "Balance due"),
]
NUMERIC = {"quantity", "rate", "amount", "tax", "subtotal", "total", "paid", "balance"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # a customer as {id, name}
        return str(value.get("name") or value.get("id") or "")
    return " ".join(str(value).split())


def _number(value: str) -> Decimal | None:
    try:
        return Decimal(value or "0")
    except InvalidOperation:
        return None


def _same(name: str, clio: str, books: str) -> bool:
    if name in NUMERIC:
        a, b = _number(clio), _number(books)
        if a is not None and b is not None:
            return a == b
    return clio.casefold() == books.casefold()


def _exact(line: dict) -> bool:
    """The engine's rule (docs.Line.exact) on a side's JSON line."""
    qty, rate, amount = (_number(_text(line.get(k))) for k in ("quantity", "rate", "amount"))
    if qty is None or rate is None or amount is None:
        return False
    return Line("", qty, rate, amount).exact


@dataclass(frozen=True)
class Cell:
    field: str
    label: str
    clio: str
    books: str
    differs: bool


@dataclass(frozen=True)
class LinePair:
    position: int
    cells: list[Cell]
    only_in: str = ""  # "clio" or "books" when the other side has no line here

    @property
    def differs(self) -> bool:
        return bool(self.only_in) or any(c.differs for c in self.cells)


@dataclass(frozen=True)
class SideBySide:
    has_clio: bool
    has_books: bool
    header: list[Cell]
    lines: list[LinePair]
    totals: list[Cell]

    @property
    def difference_count(self) -> int:
        cells = [c for c in self.header + self.totals if c.differs]
        return len(cells) + sum(1 for pair in self.lines if pair.differs)

    @property
    def show_line_tax(self) -> bool:
        """The tax-code column earns its width only when some line has one."""
        return any(c.clio or c.books for p in self.lines for c in p.cells if c.field == "tax")


def _cells(fields, clio: dict, books: dict, *, compare=lambda name: True) -> list[Cell]:
    cells = []
    for name, label in fields:
        a, b = _text(clio.get(name)), _text(books.get(name))
        cells.append(Cell(name, label, a, b, compare(name) and not _same(name, a, b)))
    return cells


def _line_pair(position: int, a: dict | None, b: dict | None, both: bool) -> LinePair:
    if not both or (a is None) != (b is None):
        only = "" if not both else ("books" if a is None else "clio")
        return LinePair(position, _cells(LINE_FIELDS, a or {}, b or {}, compare=_never), only)
    a, b = cast(dict, a), cast(dict, b)  # both present: the branch above took the others
    exact = _exact(a) and _exact(b)

    def compare(name: str) -> bool:
        # A tax code is each system's own name for the rate; the tax total is compared instead.
        return name != "tax" and (exact or name not in ("quantity", "rate"))

    return LinePair(position, _cells(LINE_FIELDS, a, b, compare=compare))


def _never(name: str) -> bool:
    return False


def side_by_side(*, flag: FlaggedBill) -> SideBySide:
    """Clio's bill and the books' invoice, field by field and line by line (paired by position),
    each cell marked when the two differ. With one side absent nothing is marked: the whole
    bill is the difference."""
    clio, books = flag.clio_side or {}, flag.books_side or {}
    both = bool(clio) and bool(books)
    clio_lines, books_lines = clio.get("lines") or [], books.get("lines") or []
    pairs = [
        _line_pair(
            i + 1,
            clio_lines[i] if i < len(clio_lines) else None,
            books_lines[i] if i < len(books_lines) else None,
            both,
        )
        for i in range(max(len(clio_lines), len(books_lines)))
    ]
    compare = (lambda name: True) if both else _never
    return SideBySide(
        has_clio=bool(clio),
        has_books=bool(books),
        header=_cells(HEADER_FIELDS, clio, books, compare=compare),
        lines=pairs,
        totals=_cells(TOTAL_FIELDS, clio, books, compare=compare),
    )
