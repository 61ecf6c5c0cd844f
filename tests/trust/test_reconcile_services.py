"""Statement import, matching, prepare and approve, through the services on a real database."""

import threading
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import AuditEvent
from tests.trust.reconcile_builders import CSV_COLUMNS, CSV_MARCH, entry, march
from trust import selectors_reconcile as sel
from trust import services_reconcile as svc
from trust import statement_files, statements
from trust.models import (
    BankCsvMapping,
    BankStatement,
    BooksTrustBalance,
    EntryKind,
    Reconciliation,
    StatementLine,
    StatementMatch,
    StatementUpload,
    TrustEntry,
)

END = date(2026, 3, 31)
OFX = (Path(__file__).parent / "march.ofx").read_bytes()


@pytest.fixture
def books(firm):
    return march(firm)


def _import_csv(member, account, content=CSV_MARCH, columns=None, **kw):
    upload = statements.statement_upload_create(
        member=member, account=account, filename="march.csv", content=content
    )
    return statements.statement_import_csv(
        member=member,
        upload=upload,
        columns=statement_files.CsvColumns(**(columns or CSV_COLUMNS)),
        bank_name=kw.pop("bank_name", "First Harbor Bank"),
        closing_balance=kw.pop("closing_balance", D("6335.00")),
        **kw,
    )


def test_a_csv_statement_imports_with_signed_lines_and_a_derived_opening(books, accountant):
    account, _, _ = books
    statement = _import_csv(accountant, account)
    assert statement.source == "csv"
    assert (statement.period_start, statement.period_end) == (date(2026, 3, 3), END)
    assert statement.opening_balance == D("0.00")
    assert list(statement.lines.values_list("amount", flat=True)) == [
        D("5000.00"),
        D("1750.00"),
        D("-400.00"),
        D("-15.00"),
    ]
    assert statement.lines.get(amount=D("-400.00")).reference == "1042"
    mapping = BankCsvMapping.objects.get(firm=account.firm, bank_name="First Harbor Bank")
    assert (mapping.debit_column, mapping.date_format) == ("Debit", "%m/%d/%Y")
    assert Reconciliation.objects.get(account=account, period_end=END).status == "draft"


def test_the_same_file_twice_is_refused_with_a_clear_message(books, accountant):
    account, _, _ = books
    _import_csv(accountant, account)
    with pytest.raises(ValidationError, match=r"already imported on .* as the statement for"):
        statements.statement_upload_create(
            member=accountant, account=account, filename="again.csv", content=CSV_MARCH
        )


def test_a_csv_with_bad_rows_imports_nothing_names_each_row_and_keeps_the_file(books, accountant):
    account, _, _ = books
    bad = CSV_MARCH.replace(b"03/10/2026", b"03/41/2026").replace(b"400.00", b"four hundred")
    upload = statements.statement_upload_create(
        member=accountant, account=account, filename="march.csv", content=bad
    )
    with pytest.raises(ValidationError) as caught:
        statements.statement_import_csv(
            member=accountant,
            upload=upload,
            columns=statement_files.CsvColumns(**CSV_COLUMNS),
            bank_name="First Harbor Bank",
            closing_balance=D("6335.00"),
        )
    messages = caught.value.messages
    assert messages[0].startswith("Nothing was imported")
    assert any(m.startswith("Row 3: the date “03/41/2026” does not match") for m in messages)
    assert any(m.startswith("Row 4: the amount “four hundred” in column “Debit”") for m in messages)
    assert not BankStatement.objects.exists() and not StatementLine.objects.exists()
    assert StatementUpload.objects.get(pk=upload.pk).sha256 == upload.sha256


def test_a_missing_column_names_the_columns_the_file_has(books, accountant):
    account, _, _ = books
    with pytest.raises(ValidationError, match="The column “Amount” is not in this file; its col"):
        _import_csv(accountant, account, columns={"date": "Date", "amount": "Amount"})


def test_balances_that_do_not_add_up_are_refused(books, accountant):
    account, _, _ = books
    with pytest.raises(ValidationError, match=r"makes 6,335.00, not the closing balance 6,300.00"):
        _import_csv(accountant, account, closing_balance=D("6300.00"), opening_balance=D("0"))


def test_an_ofx_statement_keeps_fitids_and_the_ledger_balance(books, accountant):
    account, _, _ = books
    upload = statements.statement_upload_create(
        member=accountant, account=account, filename="march.ofx", content=OFX
    )
    statement = statements.statement_import_ofx(member=accountant, upload=upload)
    assert statement.source == "ofx"
    assert statement.closing_balance == D("6335.00")
    assert (statement.period_start, statement.period_end) == (date(2026, 3, 1), END)
    assert set(statement.lines.values_list("bank_id", flat=True)) == {
        "ofx:F1",
        "ofx:F2",
        "ofx:F3",
        "ofx:F4",
    }
    assert statement.lines.get(bank_id="ofx:F3").reference == "1042"


def test_auto_match_pairs_singles_cheques_and_the_deposit_batch(books, accountant):
    account, _, _ = books
    statement = _import_csv(accountant, account)
    assert svc.statement_auto_match(member=accountant, account=account, period_end=END) == 3
    batch = statement.lines.get(amount=D("1750.00"))
    assert sorted(batch.matches.values_list("entry__amount", flat=True)) == [
        D("750.00"),
        D("1000.00"),
    ]
    assert statement.lines.get(amount=D("-400.00")).matches.get().entry.reference == "1042"
    assert not statement.lines.get(amount=D("-15.00")).matches.exists()
    assert AuditEvent.objects.filter(action="trust.statement_auto_matched").count() == 1


def test_manual_match_must_sum_to_the_line_and_unmatch_is_audited(books, accountant):
    account, _, _ = books
    statement = _import_csv(accountant, account)
    line = statement.lines.get(amount=D("5000.00"))
    wrong = TrustEntry.objects.get(amount=D("600.00"))
    with pytest.raises(ValidationError, match=r"add up to 600.00 but the bank line is 5,000.00"):
        svc.statement_match(member=accountant, line=line, entries=[wrong])
    right = TrustEntry.objects.get(amount=D("5000.00"))
    svc.statement_match(member=accountant, line=line, entries=[right])
    assert line.matches.get().matched_by == accountant.user
    svc.statement_unmatch(member=accountant, line=line)
    assert not line.matches.exists()
    event = AuditEvent.objects.get(action="trust.statement_line_unmatched")
    assert (event.actor, event.before) == (accountant.user, {"entries": [right.pk]})


def test_the_database_refuses_an_entry_matched_twice(books, accountant):
    account, _, _ = books
    statement = _import_csv(accountant, account)
    entry_ = TrustEntry.objects.get(amount=D("5000.00"))
    lines = list(statement.lines.all()[:2])
    StatementMatch.objects.create(firm=account.firm, line=lines[0], entry=entry_, method="manual")
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementMatch.objects.create(
            firm=account.firm, line=lines[1], entry=entry_, method="manual"
        )


def test_an_auto_match_that_meets_an_entry_matched_meanwhile_keeps_nothing(books, accountant):
    """The candidates were read before someone's match of one of them committed: the insert
    clashes on the entry and the whole auto-match is undone, with a message to run it again."""
    account, _, _ = books
    statement = _import_csv(accountant, account)
    read_before = sel.unmatched_candidates(account=account, upto=END)
    smith = TrustEntry.objects.get(amount=D("5000.00"))
    fee = statement.lines.get(amount=D("-15.00"))
    StatementMatch.objects.create(firm=account.firm, line=fee, entry=smith, method="manual")
    with (
        mock.patch.object(
            sel, "unmatched_candidates", autospec=True, return_value=read_before
        ) as read,
        pytest.raises(ValidationError, match="matched by hand meanwhile"),
    ):
        svc.statement_auto_match(member=accountant, account=account, period_end=END)
    assert read.call_args.kwargs["account"] == account
    assert list(StatementMatch.objects.values_list("entry_id", flat=True)) == [smith.pk]
    assert not AuditEvent.objects.filter(action="trust.statement_auto_matched").exists()


def _prepared(books, preparer):
    account, _, _ = books
    _import_csv(preparer, account)
    svc.statement_auto_match(member=preparer, account=account, period_end=END)
    return svc.reconciliation_prepare(member=preparer, account=account, period_end=END)


def test_prepare_snapshots_the_three_way_figures_and_explains_the_fee(books, accountant):
    rec = _prepared(books, accountant)
    f = rec.figures
    assert rec.status == "prepared" and rec.prepared_by == accountant.user
    assert f["statement_balance"] == "6335.00"
    assert f["deposits_in_transit_total"] == "600.00"
    assert f["outstanding_withdrawals_total"] == "250.00"
    assert f["adjusted_bank_balance"] == "6685.00"
    assert f["journal_balance"] == "6700.00"
    assert f["client_ledger_total"] == "6700.00"
    assert [(c["matter"], c["balance"]) for c in f["client_ledgers"]] == [
        ("2026-001 Smith matter", "5200.00"),
        ("2026-002 Jones matter", "1500.00"),
    ]
    assert f["books_balance"] is None and "not read" in f["notes"][0]
    assert [(d["kind"], d["amount"]) for d in f["differences"]] == [("bank_only", "-15.00")]
    assert f["ties"] is False


def test_a_journalled_covered_fee_and_the_books_balance_make_it_tie(books, accountant):
    """The 15.00 wire fee is journalled (bank fee, matched to the WIRE FEE line) and the firm
    deposits 15.00 of its own money on 31 Mar (not yet credited: in transit).

    Adjusted bank 6,335.00 + 600.00 + 15.00 - 250.00 = 6,700.00
    Journal 6,700.00 = clients 6,700.00 + firm 0.00; books 6,700.00
    """
    account, _, _ = books
    entry(account, None, EntryKind.BANK_FEE, "15.00", END)
    entry(account, None, EntryKind.FIRM_FUNDS, "15.00", END)
    _import_csv(accountant, account)
    BooksTrustBalance.objects.create(
        firm=account.firm,
        account=account,
        provider="quickbooks",
        books_account="Trust liability",
        as_of=END,
        amount=D("6700.00"),
    )
    svc.statement_auto_match(member=accountant, account=account, period_end=END)
    f = svc.reconciliation_prepare(member=accountant, account=account, period_end=END).figures
    assert f["adjusted_bank_balance"] == "6700.00"
    assert f["journal_balance"] == f["ledger_total"] == f["books_balance"] == "6700.00"
    assert f["firm_funds_balance"] == "0.00"
    assert f["differences"] == [] and f["ties"] is True
    # The account is Clio's, and every entry of the month came from Clio: nothing awaits it.
    assert f["notes"] == [
        "Clio keeps this account and is its record; entries made here are linked to Clio's."
    ]


def test_approval_by_the_preparer_is_refused_and_by_another_locks_the_month(
    books, accountant, admin
):
    rec = _prepared(books, accountant)
    with pytest.raises(ValidationError, match="You prepared this reconciliation"):
        svc.reconciliation_approve(member=accountant, reconciliation=rec)
    rec = svc.reconciliation_approve(member=admin, reconciliation=rec)
    assert (rec.status, rec.approved_by) == ("approved", admin.user)
    account = rec.account
    with pytest.raises(ValidationError, match=r"March 2026 was approved by .* and is locked"):
        svc.reconciliation_prepare(member=admin, account=account, period_end=END)
    with pytest.raises(ValidationError, match="is locked, so matching is not allowed"):
        svc.statement_auto_match(member=admin, account=account, period_end=END)
    matched = StatementLine.objects.filter(matches__isnull=False).first()
    with pytest.raises(ValidationError, match="is locked, so unmatching is not allowed"):
        svc.statement_unmatch(member=admin, line=matched)
    with pytest.raises(ValidationError, match="is locked, so importing a statement"):
        _import_csv(admin, account, content=CSV_MARCH + b"03/30/2026,X,,1.00,\n")


def test_the_database_refuses_an_approver_who_prepared(books, accountant):
    rec = _prepared(books, accountant)
    rec.status, rec.approved_by = "approved", accountant.user
    with pytest.raises(IntegrityError), transaction.atomic():
        rec.save()


def test_approval_is_refused_when_the_figures_changed_since_preparing(books, accountant, admin):
    rec = _prepared(books, accountant)
    account, smith, _ = books
    entry(account, smith, EntryKind.DEPOSIT, "10.00", date(2026, 3, 30))
    with pytest.raises(ValidationError, match="figures changed since"):
        svc.reconciliation_approve(member=admin, reconciliation=rec)


def test_preparing_without_a_statement_asks_for_one(books, accountant):
    account, _, _ = books
    with pytest.raises(ValidationError, match="Import the bank statement that ends in March 2026"):
        svc.reconciliation_prepare(member=accountant, account=account, period_end=END)


def test_months_list_shows_unreconciled_months(books, accountant):
    account, _, _ = books
    _prepared(books, accountant)
    months = sel.month_list(account=account, today=date(2026, 6, 15))
    assert [m.period_end for m in months] == [
        date(2026, 5, 31),
        date(2026, 4, 30),
        date(2026, 3, 31),
    ]
    assert [m.reconciliation.status if m.reconciliation else None for m in months] == [
        None,
        None,
        "prepared",
    ]


@pytest.mark.django_db(transaction=True)
def test_two_auto_matches_at_once_match_each_line_once(firm, accountant, admin):
    """Two people press Auto-match together: the line lock queues the second, which then finds
    nothing left to match. Real concurrent transactions; PostgreSQL only (SQLite has no row
    locks)."""
    from django.db import close_old_connections, connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    account, _, _ = march(firm)
    _import_csv(accountant, account)
    barrier, results = threading.Barrier(2), []

    def press(member):
        try:
            barrier.wait()
            results.append(svc.statement_auto_match(member=member, account=account, period_end=END))
        except ValidationError as exc:
            results.append(exc.messages[0])
        finally:
            close_old_connections()

    threads = [threading.Thread(target=press, args=(m,)) for m in (accountant, admin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results, key=str) == [0, 3]
    assert StatementMatch.objects.count() == 4  # the batch line holds two entries
