"""The reconciliation pages: upload and column step, matching, prepare and approve, downloads."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import client_for
from tests.trust.reconcile_builders import CSV_MARCH, march
from trust.models import (
    BankCsvMapping,
    BankStatement,
    Reconciliation,
    StatementLine,
    StatementUpload,
    TrustEntry,
)

MONTH = {"year": 2026, "month": 3}
OFX = (Path(__file__).parent / "march.ofx").read_bytes()
GOOD = {
    "bank_name": "First Harbor Bank",
    "date": "Date",
    "date_format": "%m/%d/%Y",
    "debit": "Debit",
    "credit": "Credit",
    "description": "Description",
    "reference": "Check No",
    "closing_balance": "6335.00",
}


@pytest.fixture
def account(firm):
    return march(firm)[0]


def _url(name, account, **extra):
    return reverse(name, kwargs={"account_id": account.pk, **MONTH, **extra})


def _upload(client, account, content=CSV_MARCH, name="march.csv"):
    return client.post(
        _url("trust_reconcile_upload", account), {"file": SimpleUploadedFile(name, content)}
    )


def test_a_csv_goes_through_the_column_step_with_guesses_and_row_errors(account, accountant):
    client = client_for(accountant)
    response = _upload(client, account)
    upload = StatementUpload.objects.get()
    assert response["Location"] == reverse("trust_reconcile_mapping", args=[upload.pk])

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "DEPOSIT SMITH" in html  # the preview
    form = page.context["form"]
    assert (form["date"].value(), form["debit"].value(), form["reference"].value()) == (
        "Date",
        "Debit",
        "Check No",
    )

    bad = client.post(response["Location"], {**GOOD, "date_format": "%Y-%m-%d"})
    assert bad.status_code == 200
    assert "Row 2: the date “03/03/2026” does not match the date format YYYY-MM-DD" in (
        bad.content.decode()
    )
    assert not BankStatement.objects.exists()
    assert StatementUpload.objects.filter(pk=upload.pk).exists()

    done = client.post(response["Location"], GOOD)
    assert done["Location"] == _url("trust_reconcile_month", account)
    assert StatementLine.objects.count() == 4
    assert BankCsvMapping.objects.get().reference_column == "Check No"


def test_the_saved_columns_are_offered_for_the_next_file(account, accountant):
    client = client_for(accountant)
    _upload(client, account)
    client.post(reverse("trust_reconcile_mapping", args=[StatementUpload.objects.get().pk]), GOOD)
    april = b"Date,Description,Check No,Debit,Credit\n04/02/2026,DEPOSIT,,,10.00\n"
    response = _upload(client, account, april, "april.csv")
    form = client.get(response["Location"]).context["form"]
    assert form["date_format"].value() == "%m/%d/%Y"
    assert form["bank_name"].value() == "First Harbor Bank"


def test_the_same_file_again_is_refused_with_a_message(account, accountant):
    client = client_for(accountant)
    client.post(reverse("trust_reconcile_mapping", args=[_mapping_id(client, account)]), GOOD)
    response = _upload(client, account)
    page = client.get(response["Location"])
    assert "This file was already imported on" in page.content.decode()


def _mapping_id(client, account):
    _upload(client, account)
    return StatementUpload.objects.latest("id").pk


def test_an_ofx_file_imports_without_the_column_step(account, accountant):
    response = _upload(client_for(accountant), account, OFX, "march.ofx")
    assert response["Location"] == _url("trust_reconcile_month", account)
    assert BankStatement.objects.get().closing_balance == D("6335.00")


def test_match_unmatch_prepare_and_approve_through_the_pages(
    account, accountant, admin, django_assert_max_num_queries
):
    client = client_for(accountant)
    _upload(client, account, OFX, "march.ofx")
    client.post(_url("trust_reconcile_auto_match", account))
    fee = StatementLine.objects.get(amount=D("-15.00"))
    assert not fee.matches.exists()
    line = StatementLine.objects.get(amount=D("5000.00"))
    client.post(reverse("trust_reconcile_unmatch", args=[line.pk]))
    assert not line.matches.exists()
    entry = TrustEntry.objects.get(amount=D("5000.00"))
    client.post(reverse("trust_reconcile_match", args=[line.pk]), {"entries": [entry.pk]})
    assert line.matches.get().entry == entry

    with django_assert_max_num_queries(40):
        page = client.get(_url("trust_reconcile_month", account))
    html = page.content.decode()
    assert "6,685.00" in html and "6,700.00" in html and "not in the trust journal" in html

    client.post(_url("trust_reconcile_prepare", account))
    refused = client.post(_url("trust_reconcile_approve", account), follow=True)
    assert "You prepared this reconciliation" in refused.content.decode()
    client_for(admin).post(_url("trust_reconcile_approve", account))
    rec = Reconciliation.objects.get()
    assert (rec.status, rec.approved_by) == ("approved", admin.user)
    locked = client.post(_url("trust_reconcile_prepare", account), follow=True)
    assert "is locked" in locked.content.decode()

    pdf = client.get(_url("trust_reconcile_pdf", account))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    for figure in (b"6,335.00", b"6,685.00", b"6,700.00", b"2026-001 Smith matter"):
        assert figure in pdf.content


def test_the_ledger_csv_lists_each_matter_and_the_total(account, viewer):
    body = client_for(viewer).get(_url("trust_reconcile_csv", account)).content.decode()
    assert body.splitlines() == [
        "trust_account,period_end,matter,client,balance",
        "IOLTA Trust Account,2026-03-31,2026-001 Smith matter,Smith,5200.00",
        "IOLTA Trust Account,2026-03-31,2026-002 Jones matter,Jones,1500.00",
        "IOLTA Trust Account,2026-03-31,Total,,6700.00",
    ]


def test_the_months_list_shows_what_is_not_reconciled(account, viewer):
    page = client_for(viewer).get(reverse("trust_reconciliations"))
    html = page.content.decode()
    assert "9 months not yet approved" in html and "November 2026" in html
    assert date(2026, 3, 31) in [m.period_end for m in page.context["rows"][0][1]]


def test_a_viewer_sees_the_month_but_no_buttons(account, viewer):
    html = client_for(viewer).get(_url("trust_reconcile_month", account)).content.decode()
    assert "No bank statement for March 2026 yet" in html
    assert "Upload statement" not in html and "Prepare</button>" not in html
