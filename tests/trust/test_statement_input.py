"""Statement files a careless user or an attacker might send: decimal commas, binary files, huge
cells and amounts, ambiguous headers, overlapping and discontinuous statements. Each is a clear
400 or form error naming what to fix, never a 500, never money read wrong, and a refused file
is not kept."""

import csv
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import client_for
from tests.trust.reconcile_builders import ofx_file, trust_account
from trust import statement_files, statements
from trust.models import BankCsvMapping, BankStatement, StatementLine, StatementUpload

SEMICOLON = b"Datum;Betrag;Text\n2026-03-02;12,50;Kaution\n2026-03-09;-1.250,00;Gericht\n"
AMOUNT = {"date_column": "Date", "amount_column": "Amount", "closing_balance": "10.00"}


@pytest.fixture
def account(firm):
    return trust_account(firm)


def _api(client, account, content, name="statement.csv", **fields):
    return client.post(
        reverse("api_trust_statements", args=[account.pk]),
        {"file": SimpleUploadedFile(name, content), **fields},
    )


def _details(response) -> str:
    return str(response.json()["error"]["details"])


# -- decimal commas ------------------------------------------------------------------------


def test_a_semicolon_csv_with_decimal_commas_reads_cents_not_hundreds(account, accountant):
    fields = {"date_column": "Datum", "amount_column": "Betrag", "closing_balance": "-1237.50"}
    response = _api(client_for(accountant), account, SEMICOLON, **fields)
    assert response.status_code == 201, response.json()
    assert sorted(StatementLine.objects.values_list("amount", flat=True)) == [
        D("-1250.00"),
        D("12.50"),
    ]


def test_a_decimal_comma_read_with_a_dot_is_refused_not_multiplied(account, accountant):
    fields = {
        "date_column": "Datum",
        "amount_column": "Betrag",
        "decimal_separator": ".",
        "closing_balance": "1250.00",
    }
    response = _api(client_for(accountant), account, SEMICOLON, **fields)
    assert response.status_code == 400
    assert "Row 2: the amount “12,50”" in _details(response)
    assert not StatementLine.objects.exists()


def test_a_file_mixing_dot_and_comma_cents_is_refused_as_ambiguous():
    mixed = b"Date;Amount\n2026-03-02;12,50\n2026-03-03;7.25\n"
    with pytest.raises(ValidationError, match="some a comma"):
        statement_files.parse_csv(mixed, statement_files.CsvColumns(date="Date", amount="Amount"))


def test_thousands_with_a_dot_for_cents_still_read():
    lines = statement_files.parse_csv(
        b'Date,Amount\n2026-03-02,"1,250.00"\n2026-03-03,-7\n',
        statement_files.CsvColumns(date="Date", amount="Amount"),
    )
    assert [ln.amount for ln in lines] == [D("1250.00"), D("-7.00")]


def test_the_decimal_separator_is_saved_with_the_bank_columns(account, accountant):
    fields = {
        "bank_name": "Sparkasse",
        "date_column": "Datum",
        "amount_column": "Betrag",
        "decimal_separator": ",",
        "closing_balance": "-1237.50",
    }
    assert _api(client_for(accountant), account, SEMICOLON, **fields).status_code == 201
    assert BankCsvMapping.objects.get(bank_name="Sparkasse").decimal_separator == ","


# -- files that are not statements ---------------------------------------------------------


def test_a_binary_file_is_a_400_and_not_kept(account, accountant):
    binary = bytes(range(256)) * 40
    response = _api(client_for(accountant), account, binary, "photo.csv", **AMOUNT)
    assert response.status_code == 400
    assert "cannot be read as a CSV statement" in _details(response)
    assert not StatementUpload.objects.exists()


def test_a_binary_file_through_the_page_is_a_message_and_not_kept(account, accountant):
    client = client_for(accountant)
    url = reverse("trust_reconcile_upload", args=[account.pk, 2026, 3])
    response = client.post(
        url, {"file": SimpleUploadedFile("photo.csv", b"\x89PNG\x00\x01" * 100)}, follow=True
    )
    assert response.status_code == 200
    assert "cannot be read as a CSV statement" in response.content.decode()
    assert not StatementUpload.objects.exists()


def test_the_mapping_page_of_an_unreadable_upload_kept_earlier_answers(account, accountant):
    upload = StatementUpload.objects.create(
        firm=account.firm, account=account, filename="x.csv", content=b"a\x00b", sha256="0" * 64
    )
    response = client_for(accountant).get(reverse("trust_reconcile_mapping", args=[upload.pk]))
    assert response.status_code == 302
    assert not StatementUpload.objects.filter(pk=upload.pk).exists()


def test_a_cell_longer_than_the_csv_field_limit_is_a_400(account, accountant):
    long_cell = b"x" * (csv.field_size_limit() + 10)
    content = b'Date,Amount,Text\n2026-03-02,10.00,"' + long_cell + b'"\n'
    response = _api(client_for(accountant), account, content, **AMOUNT)
    assert response.status_code == 400
    assert "cannot be read as a CSV statement" in _details(response)


@pytest.mark.parametrize("amount", ["1e20", "12345678901234567890", "NaN", "10000000000.00"])
def test_an_absurd_csv_amount_is_a_400_naming_the_row(account, accountant, amount):
    content = f"Date,Amount\n2026-03-02,{amount}\n".encode()
    response = _api(client_for(accountant), account, content, **AMOUNT)
    assert response.status_code == 400
    assert "Row 2:" in _details(response)
    assert not StatementUpload.objects.exists()


@pytest.mark.parametrize("trnamt", ["12345678901234567890.00", "1e20", "1.005"])
def test_an_absurd_or_fractional_ofx_amount_is_a_400(account, accountant, trnamt):
    response = _api(client_for(accountant), account, ofx_file(trnamt=trnamt), "march.ofx")
    assert response.status_code == 400, response.content
    assert "Transaction 1" in _details(response)
    assert not StatementUpload.objects.exists()


def test_an_ofx_cent_amount_is_not_rounded():
    with pytest.raises(ValidationError, match="fractions of a cent"):
        statement_files.parse_ofx(ofx_file(trnamt="1.005"))


def test_a_header_naming_a_column_twice_is_refused_as_ambiguous():
    with pytest.raises(ValidationError, match="names the column “Amount” more than once"):
        statement_files.read_csv(b"Date,Amount,Amount\n2026-03-02,1.00,2.00\n")


# -- a second statement for the same days --------------------------------------------------


def _import(member, account, content, name, closing, on_overlap="refuse"):
    upload = statements.statement_upload_create(
        member=member, account=account, filename=name, content=content
    )
    return statements.statement_import_csv(
        member=member,
        upload=upload,
        columns=statement_files.CsvColumns(date="Date", amount="Amount"),
        bank_name="",
        closing_balance=D(closing),
        on_overlap=on_overlap,
    )


def test_a_second_statement_for_the_same_days_is_refused_unless_replacing(account, accountant):
    first = _import(accountant, account, b"Date,Amount\n2026-03-02,10.00\n", "a.csv", "10.00")
    again = b"Date,Amount\n2026-03-02,10.00\n2026-03-20,5.00\n"
    with pytest.raises(ValidationError, match="already imported and overlaps this one"):
        _import(accountant, account, again, "b.csv", "15.00")
    second = _import(accountant, account, again, "b.csv", "15.00", on_overlap="replace")
    assert list(BankStatement.objects.all()) == [second]
    assert not BankStatement.objects.filter(pk=first.pk).exists()


def test_a_statement_must_open_where_the_one_before_closed(account, accountant):
    _import(accountant, account, b"Date,Amount\n2026-03-02,10.00\n", "march.csv", "10.00")
    # April's lines add 5.00 to a stated closing of 100.00: it opens at 95.00, not 10.00.
    april = b"Date,Amount\n2026-04-02,5.00\n"
    with pytest.raises(ValidationError, match=r"opens at 95.00, .* closed at 10.00"):
        _import(accountant, account, april, "april.csv", "100.00")
    assert _import(accountant, account, april, "april.csv", "15.00").opening_balance == D("10.00")


def test_the_page_offers_replace_for_an_overlapping_ofx(account, accountant):
    client = client_for(accountant)
    url = reverse("trust_reconcile_upload", args=[account.pk, 2026, 3])
    first = {"file": SimpleUploadedFile("a.ofx", ofx_file(trnamt="10.00"))}
    assert client.post(url, first).status_code == 302
    other = ofx_file(trnamt="10.00", balamt="10.00").replace(b"<NAME>DEPOSIT", b"<NAME>DEP")
    refused = client.post(url, {"file": SimpleUploadedFile("b.ofx", other)}, follow=True)
    assert "already imported and overlaps" in refused.content.decode()
    assert StatementUpload.objects.count() == 1  # the refused file is not kept
    replaced = {"file": SimpleUploadedFile("b.ofx", other), "on_overlap": "replace"}
    assert client.post(url, replaced).status_code == 302
    assert list(BankStatement.objects.values_list("filename", flat=True)) == ["b.ofx"]
    assert BankStatement.objects.get().period_end == date(2026, 3, 31)
