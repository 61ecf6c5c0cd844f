"""CSV for people who open it in a spreadsheet: a cell that starts like a formula is written so
that Excel, LibreOffice and Google Sheets show it as text (OWASP, CSV injection:
https://owasp.org/www-community/attacks/CSV_Injection). A plain number, negative ones included,
is written as it is, so amounts stay numbers."""

import csv
import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def cell(value) -> str:
    """The value as text, prefixed with an apostrophe when it would start a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not NUMBER.match(text):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer with every cell passed through `cell`."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs) -> SafeWriter:
    return SafeWriter(out, **kwargs)
