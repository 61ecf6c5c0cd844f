"""Spreadsheet-safe CSV cells: formulas are neutralised, numbers stay numbers."""

import io

import pytest

from accounts import csv_export


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.test","x")', '\'=HYPERLINK("http://evil.test","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("-1250.00", "-1250.00"),
        ("+12", "+12"),
        ("1250.00", "1250.00"),
        ("Smith & Co", "Smith & Co"),
        (None, ""),
    ],
)
def test_a_cell_that_starts_a_formula_is_text_and_a_number_is_a_number(value, written):
    assert csv_export.cell(value) == written


def test_the_writer_escapes_every_cell_of_a_row():
    out = io.StringIO()
    csv_export.writer(out).writerow(["=1+1", "-5.00", "ok"])
    assert out.getvalue() == "'=1+1,-5.00,ok\r\n"
