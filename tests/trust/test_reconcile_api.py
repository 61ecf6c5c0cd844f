"""The reconciliation API end to end: upload, auto-match, prepare, approve, the PDF."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.conftest import client_for
from tests.trust.reconcile_builders import CSV_MARCH, march
from trust.models import BankStatement, Reconciliation, StatementUpload

OFX = (Path(__file__).parent / "march.ofx").read_bytes()
MONTH = {"year": 2026, "month": 3}
CSV_FIELDS = {
    "bank_name": "First Harbor Bank",
    "date_column": "Date",
    "date_format": "%m/%d/%Y",
    "debit_column": "Debit",
    "credit_column": "Credit",
    "description_column": "Description",
    "reference_column": "Check No",
    "closing_balance": "6335.00",
}


@pytest.fixture
def account(firm):
    return march(firm)[0]


def _statements_url(account):
    return reverse("api_trust_statements", args=[account.pk])


def _post_file(client, account, content, name, **fields):
    return client.post(
        _statements_url(account), {"file": SimpleUploadedFile(name, content), **fields}
    )


def test_a_csv_with_its_columns_imports(account, accountant):
    response = _post_file(client_for(accountant), account, CSV_MARCH, "march.csv", **CSV_FIELDS)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["closing_balance"], body["line_count"], body["source"]) == ("6335.00", 4, "csv")


def test_a_bad_csv_answers_in_the_error_shape_naming_the_row(account, accountant):
    bad = CSV_MARCH.replace(b"1750.00", b"I750.00")
    response = _post_file(client_for(accountant), account, bad, "march.csv", **CSV_FIELDS)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    rows = error["details"]["non_field_errors"]
    assert any(r.startswith("Row 3: the amount “I750.00” in column “Credit”") for r in rows)
    assert not BankStatement.objects.exists()
    assert StatementUpload.objects.count() == 0  # a refused file is not kept


def test_a_duplicate_file_is_refused(account, accountant):
    client = client_for(accountant)
    assert _post_file(client, account, OFX, "march.ofx").status_code == 201
    again = _post_file(client, account, OFX, "copy.ofx")
    assert again.status_code == 400
    assert "already imported" in again.json()["error"]["details"]["non_field_errors"][0]


def test_the_whole_month_through_the_api(account, accountant, admin):
    client = client_for(accountant)
    assert _post_file(client, account, OFX, "march.ofx").status_code == 201
    matched = client.post(
        reverse("api_trust_auto_match", kwargs={"account_id": account.pk, **MONTH})
    )
    assert matched.json() == {"matched": 3}
    prepared = client.post(reverse("api_trust_prepare", kwargs={"account_id": account.pk, **MONTH}))
    assert prepared.status_code == 200
    figures = prepared.json()["figures"]
    assert (figures["adjusted_bank_balance"], figures["journal_balance"]) == ("6685.00", "6700.00")
    rec_id = prepared.json()["id"]

    approve = reverse("api_trust_reconciliation_approve", args=[rec_id])
    refused = client.post(approve)
    assert refused.status_code == 400
    assert "You prepared this" in refused.json()["error"]["details"]["non_field_errors"][0]
    approved = client_for(admin).post(approve)
    assert approved.json()["status"] == "approved"
    assert approved.json()["approved_by"] == admin.user.email

    pdf = client.get(reverse("api_trust_reconciliation_pdf", args=[rec_id]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    listed = client.get(reverse("api_trust_reconciliations"), {"account": account.pk}).json()
    assert [r["id"] for r in listed["results"]] == [rec_id]


def test_the_list_answers_in_a_fixed_number_of_queries(
    account, accountant, django_assert_num_queries
):
    client = client_for(accountant)
    _post_file(client, account, OFX, "march.ofx")
    Reconciliation.objects.create(firm=account.firm, account=account, period_end="2026-04-30")
    with django_assert_num_queries(5):
        client.get(reverse("api_trust_reconciliations"))


def test_writes_need_trust_access_and_the_firm(account, viewer, outsider):
    assert _post_file(client_for(viewer), account, OFX, "march.ofx").status_code == 403
    assert _post_file(client_for(outsider), account, OFX, "march.ofx").status_code == 404
    assert not StatementUpload.objects.exists()


def test_the_schema_lists_the_reconciliation_operations(client):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "/api/v1/trust/accounts/{account_id}/statements" in paths
    assert "post" in paths["/api/v1/trust/reconciliations/{reconciliation_id}/approve"]
    assert "/api/v1/trust/reconciliations/{reconciliation_id}/report.pdf" in paths
    body = paths["/api/v1/trust/accounts/{account_id}/statements"]["post"]["requestBody"]
    assert "multipart/form-data" in body["content"]
