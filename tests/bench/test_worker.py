"""The worker run's arithmetic and bookkeeping: the time scale, when the worker is killed, and what
counts as a record written twice."""

from pathlib import Path

import pytest
from django.utils import timezone

from bench import books_store
from bench.burst import burst_size
from bench.worker import FULL_CLIO, Driven, Driver, full_floor_minutes, time_scale_for
from sandbox.quickbooks.models import Company
from sandbox.quickbooks.models import Record as QboRecord
from sandbox.xero.models import Organisation
from sandbox.xero.models import Record as XeroRecord


def test_the_full_reference_firm_reads_280000_clio_records():
    assert FULL_CLIO == {
        "contacts": 5_000,
        "matters": 5_000,
        "bills": 20_000,
        "line_items": 200_000,
        "allocations": 20_000,
        "bank_transactions": 30_000,
    }


def test_each_provider_gets_the_scale_that_fits_its_full_floor_into_13_minutes():
    # QuickBooks: 74,000 records at 1,660 a minute (44.6 min) outlast Clio's 1,400 pages (28).
    assert full_floor_minutes("quickbooks") == pytest.approx(44.578, abs=0.001)
    assert time_scale_for("quickbooks") == 4
    # Xero: 69,000 records at 3,000 a minute (23 min); Clio's 28 minutes bind.
    assert full_floor_minutes("xero") == pytest.approx(28.0)
    assert time_scale_for("xero") == 3


def test_the_burst_is_500_bills_scaled_and_never_fewer_than_20():
    assert burst_size(1.0) == 500
    assert burst_size(0.1) == 50
    assert burst_size(0.02) == 20


def _row(done: int, planned: int = 1_000) -> dict:
    return {"done": done, "planned": planned, "phase": "pushing"}


def test_the_worker_is_killed_at_each_share_and_only_after_fresh_progress():
    driver = Driver(env={}, log_dir=Path("."), name="qcluster")
    driven = Driven(worker=None)
    assert not driver._due(driven, _row(299))
    assert driver._due(driven, _row(300))
    driven.kills.append(0.3)
    driven.done_at_kill = 300
    assert not driver._due(driven, _row(649))
    assert driver._due(driven, _row(650))
    # A run that reported nothing new since the first kill is not killed again.
    driven.done_at_kill = 700
    assert not driver._due(driven, _row(700))
    driven.kills.append(0.7)
    assert not driver._due(driven, _row(990))


def test_nothing_is_due_before_the_run_is_planned():
    driver = Driver(env={}, log_dir=Path("."), name="qcluster", kill_at=(0.0,))
    assert not driver._due(Driven(worker=None), _row(0, planned=0))


def test_extra_copies_count_every_repeat_and_ignore_blank_keys():
    assert books_store.extra_copies(["a", "b", "a", "a", "", "", "c"]) == 2
    assert books_store.extra_copies([]) == 0


def _qbo(company, type_, remote_id, key="", **data):
    now = timezone.now()
    return QboRecord.objects.create(
        company=company, type=type_, remote_id=remote_id, key=key, data=data,
        created_at=now, updated_at=now,
    )  # fmt: skip


@pytest.mark.django_db
def test_quickbooks_duplicates_are_repeated_numbers_references_and_trust_markers():
    company = Company.objects.create(realm_id="4620816365", name="Books")
    _qbo(company, "Customer", 1, key="client0001 reference01")
    _qbo(company, "Invoice", 2, key="1001")
    _qbo(company, "Invoice", 3, key="1001")  # the same bill twice
    _qbo(company, "Invoice", 4, key="1002")
    _qbo(company, "Payment", 5, PaymentRefNum="Clio 77")
    _qbo(company, "Payment", 6, PaymentRefNum="Clio 77")  # the same allocation twice
    _qbo(company, "Payment", 7)  # someone else's, with no reference of ours
    _qbo(company, "Payment", 8)
    _qbo(company, "Deposit", 9, PrivateNote="FirmSync trust 12 · Retainer")
    _qbo(company, "Deposit", 10, PrivateNote="FirmSync trust 13 · Retainer")
    assert books_store.duplicates("quickbooks", "4620816365") == 2
    assert books_store.invoices("quickbooks", "4620816365") == 3
    counts = books_store.record_counts("quickbooks", "4620816365")
    assert (counts["Invoice"], counts["Payment"], counts["Deposit"]) == (3, 4, 2)


@pytest.mark.django_db
def test_xero_duplicates_are_repeated_names_numbers_and_references():
    org = Organisation.objects.create(tenant_id="t-1", name="Books", created_at=timezone.now())

    def record(kind, remote_id, **cols):
        data = cols.pop("data", {})
        XeroRecord.objects.create(
            organisation=org, kind=kind, remote_id=remote_id, data=data,
            updated_at=timezone.now(), **cols,
        )  # fmt: skip

    record("Contact", "c1", label="Client0001 Reference01")
    record("Contact", "c2", label="client0001 reference01")  # Xero allows it; we must not
    record("Invoice", "i1", doc_type="ACCREC", number="INV-1", status="AUTHORISED")
    record("Invoice", "i2", doc_type="ACCREC", number="INV-1", status="DELETED")  # gone
    record("Payment", "p1", data={"Reference": "Clio 5"})
    record("BankTransaction", "b1", data={"Reference": "FirmSync trust 9"})
    record("BankTransaction", "b2", data={"Reference": "FirmSync trust 9"})
    assert books_store.duplicates("xero", "t-1") == 2
    assert books_store.invoices("xero", "t-1") == 1
