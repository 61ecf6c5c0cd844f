"""The trust CSV downloads (a client ledger, the client-ledger trial balance) neutralise cells
that a spreadsheet would run as a formula, and keep amounts as numbers."""

import csv
import io
from datetime import date

from django.urls import reverse

from tests.conftest import client_for
from tests.trust.reconcile_builders import entry, ledger, trust_account
from trust.models import EntryKind


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_ledger_csv_escapes_a_formula_payee_and_keeps_numbers(firm, accountant):
    account = trust_account(firm)
    smith = ledger(account, "2026-001", "=cmd|' /C calc'!A0")
    entry(account, smith, EntryKind.DEPOSIT, "100.00", date(2026, 3, 2), payee="@SUM(A1)")
    entry(
        account,
        smith,
        EntryKind.DISBURSEMENT,
        "40.00",
        date(2026, 3, 3),
        payee="-2+3",
        description='=HYPERLINK("http://evil.test")',
    )
    url = reverse("trust_ledger", args=[smith.pk]) + "?format=csv"
    rows = _rows(client_for(accountant).get(url))
    cells = [c for row in rows[1:] for c in row]
    assert "'@SUM(A1)" in cells and "'-2+3" in cells
    assert '\'=HYPERLINK("http://evil.test")' in cells
    assert "'=cmd|' /C calc'!A0" in cells
    assert not any(c.startswith(("=", "@")) for c in cells)
    assert "100.00" in cells and "60.00" in cells


def test_the_trial_balance_csv_keeps_a_negative_balance_a_number(firm, accountant):
    account = trust_account(firm)
    smith = ledger(account, "2026-001", "+Smith")
    entry(account, smith, EntryKind.DISBURSEMENT, "25.00", date(2026, 3, 2))
    url = reverse("trust_reconcile_csv", args=[account.pk, 2026, 3])
    rows = _rows(client_for(accountant).get(url))
    (matter_row,) = [r for r in rows if r[2].startswith("2026-001")]
    assert (matter_row[3], matter_row[4]) == ("'+Smith", "-25.00")
    assert rows[-1][4] == "-25.00"
