"""compare.py with worked examples a bookkeeper could check: no database, no HTTP."""

from datetime import date
from decimal import Decimal as D

from sync.drift.compare import (
    compare_all,
    compare_bill,
    line_differences,
    outside_clio,
    outside_receivables,
    receivables,
)
from sync.providers.documents import BooksInvoice, ClioBill, Doc, Line, Options

XERO = Options(has_drafts=True, books_name="Xero")
QBO = Options(has_drafts=False, books_name="QuickBooks")
FEES = Line("Drafting will", D("1.5"), D("300.00"), D("450.00"))
FILING = Line("Filing fee", D("1"), D("45.50"), D("45.50"))


def doc(status="open", lines=(FEES, FILING), paid="0.00", number="1001", customer="c1", **kw):
    total = sum((ln.amount for ln in lines), D("0.00"))
    values = dict(
        number=number,
        status=status,
        date=date(2026, 3, 15),
        due=date(2026, 4, 14),
        customer=customer,
        customer_name="Ada Lovelace",
        lines=tuple(lines),
        subtotal=total,
        tax=D("0.00"),
        total=total,
        paid=D(paid),
        balance=total - D(paid),
    )
    values.update(kw)
    return Doc(**values)


def bill(**kw) -> ClioBill:
    return ClioBill(
        clio_id=7, doc=doc(customer="42", **kw), remote_id="inv-1", customer_remote_id="c1"
    )


def inv(locked="", **kw) -> BooksInvoice:
    return BooksInvoice(remote_id="inv-1", doc=doc(**kw), version="3", locked=locked)


def test_it_finds_nothing_when_both_sides_agree():
    assert compare_bill(bill(), inv(), XERO) == []


def test_it_ignores_spacing_in_descriptions_and_a_quantity_the_push_wrote_as_one():
    books_fees = Line("  Drafting   will ", D("1"), D("450.00"), D("450.00"))
    assert compare_bill(bill(), inv(lines=(books_fees, FILING)), XERO) == []


def test_a_draft_in_xero_approved_in_clio_is_status_drift_repaired_by_approving_it():
    [found] = compare_bill(bill(), inv(status="draft"), XERO)
    assert found.kind == "status"
    assert found.summary == (
        "Approved in Clio (bill dated 2026-03-15), still Draft in Xero: the client cannot be "
        "sent this invoice and it is not in receivables."
    )
    assert found.differences == [
        {"field": "status", "line": None, "clio": "approved", "books": "Draft"}
    ]
    assert found.repair == {
        "kind": "authorise",
        "summary": "Approve the draft in Xero.",
        "safe": True,
    }


def test_quickbooks_has_no_drafts_so_a_clio_draft_is_not_status_drift():
    assert compare_bill(bill(status="draft"), inv(), QBO) == []


def test_a_quantity_edited_in_the_books_is_line_drift_with_its_totals():
    hours = Line("Drafting will", D("3"), D("300.00"), D("900.00"))
    [found] = compare_bill(bill(), inv(lines=(hours, FILING)), XERO)
    assert found.kind == "lines" and found.repair["kind"] == "update_invoice"
    assert found.differences == [
        {"field": "amount", "line": 1, "clio": "450.00", "books": "900.00"},
        {"field": "quantity", "line": 1, "clio": "1.5", "books": "3"},
        {"field": "subtotal", "line": None, "clio": "495.50", "books": "945.50"},
        {"field": "total", "line": None, "clio": "495.50", "books": "945.50"},
    ]
    assert found.amount == D("450.00")


def test_a_locked_invoice_gets_a_credit_and_replace_plan_not_an_edit():
    hours = Line("Drafting will", D("2"), D("300.00"), D("600.00"))
    why = "payments or credits are allocated to it"
    [found] = compare_bill(bill(lines=(hours, FILING)), inv(locked=why), XERO)
    assert found.repair["kind"] == "credit_and_replace" and found.repair["safe"] is False
    assert why in found.repair["summary"]


def test_a_missing_line_and_a_changed_description_are_each_listed():
    diffs = line_differences((FEES, FILING), (Line("Will", D("1.5"), D("300.00"), D("450.00")),))
    assert diffs == [
        {"field": "description", "line": 1, "clio": "Drafting will", "books": "Will"},
        {"field": "line", "line": 2, "clio": "Filing fee", "books": "(missing)"},
    ]


def test_paid_in_clio_only_is_a_safe_payment_repair_and_paid_in_the_books_only_is_not():
    [clio_only] = compare_bill(bill(paid="100.00"), inv(), XERO)
    assert clio_only.kind == "payment" and clio_only.repair["kind"] == "apply_payment"
    assert clio_only.repair["safe"] and clio_only.amount == D("100.00")
    [books_only] = compare_bill(bill(), inv(paid="495.50", status="paid"), XERO)
    assert books_only.repair == {
        "kind": "record_in_clio",
        "summary": "Record the payment in Clio (FirmSync does not write to Clio); a person "
        "confirms.",
        "safe": False,
    }
    assert "Clio still chases 495.50" in books_only.summary


def test_voided_in_clio_is_voided_in_the_books_unless_payments_hold_it():
    [found] = compare_bill(bill(status="voided"), inv(), XERO)
    assert found.repair["kind"] == "void_invoice" and found.repair["safe"]
    [held] = compare_bill(bill(status="voided"), inv(paid="10.00"), XERO)
    assert held.repair["safe"] is False


def test_an_approved_bill_without_an_invoice_is_missing():
    lonely = ClioBill(clio_id=8, doc=doc(customer="42"), customer_remote_id="c1")
    [found] = compare_bill(lonely, None, QBO)
    assert found.kind == "missing" and found.repair["kind"] == "create_invoice"
    assert found.amount == D("495.50")


def test_an_invoice_no_bill_explains_and_a_number_used_twice_are_found():
    stray = BooksInvoice(remote_id="inv-2", doc=doc(lines=(FILING,)))
    found = compare_all([bill()], [inv(), stray], QBO)
    assert [f.kind for f in found] == ["unexplained", "duplicate_number"]
    assert found[0].key == "invoice:inv-2" and found[0].amount == D("45.50")
    assert found[1].key == "number:1001" and found[1].remote_id == "inv-1,inv-2"


def test_a_replacement_invoice_numbered_with_r_matches_its_bill():
    replaced = ClioBill(
        clio_id=7,
        doc=doc(customer="42"),
        remote_id="inv-1",
        customer_remote_id="c1",
        replaced_remote_id="inv-0",
    )
    assert compare_bill(replaced, inv(number="1001-R", date=date(2026, 4, 1)), XERO) == []


def test_receivables_are_totalled_per_client_on_both_sides():
    clio_ar, books_ar, rows = receivables(
        [bill(paid="100.00")],
        [inv(), BooksInvoice("inv-9", doc(customer="c9", lines=(FILING,)))],
        {"c1": (42, "Ada Lovelace")},
    )
    assert (clio_ar, books_ar) == (D("395.50"), D("541.00"))
    assert rows == [
        {"contact_clio_id": 42, "name": "Ada Lovelace", "clio": "395.50", "books": "495.50"},
        {"contact_clio_id": None, "name": "Ada Lovelace", "clio": "0.00", "books": "45.50"},
    ]


def test_history_and_marked_invoices_are_outside_clio_and_a_linked_one_never_is():
    """Start 2026-01-01. inv-1 is bill 7's invoice (dated 2025-12-20 when the firm moved its start
    date later): Clio's. inv-old is from 2025, no bill: history. inv-mine is marked as made in the
    books on purpose. inv-new is neither: compared, and found unexplained."""
    linked = inv(date=date(2025, 12, 20))
    old = BooksInvoice("inv-old", doc(number="0990", date=date(2025, 11, 3), lines=(FILING,)))
    mine = BooksInvoice("inv-mine", doc(number="R-1", paid="45.50", lines=(FILING, FEES)))
    new = BooksInvoice("inv-new", doc(number="H-1", lines=(FILING,)))
    inside, outside = outside_clio(
        [bill()], [linked, old, mine, new], start=date(2026, 1, 1), marked={"inv-mine"}
    )
    assert [i.remote_id for i in inside] == ["inv-1", "inv-new"]
    assert [(i.remote_id, why) for i, why in outside] == [
        ("inv-old", "history"),
        ("inv-mine", "marked"),
    ]
    found = compare_all([bill()], inside, QBO)
    assert [(f.kind, f.remote_id) for f in found] == [
        ("fields", "inv-1"),
        ("unexplained", "inv-new"),
    ]
    total, rows = outside_receivables(outside)
    assert total == D("45.50") + D("450.00")
    assert [(r["number"], r["balance"], r["why"]) for r in rows] == [
        ("0990", "45.50", "history"),
        ("R-1", "450.00", "marked"),
    ]


def test_a_paid_or_voided_invoice_outside_clio_adds_nothing_to_its_receivables():
    paid = BooksInvoice("a", doc(paid="495.50", status="paid", date=date(2025, 5, 1)))
    void = BooksInvoice("b", doc(status="voided", date=date(2025, 5, 1)))
    assert outside_receivables([(paid, "history"), (void, "history")]) == (D("0.00"), [])


def test_it_compares_the_invoice_number_behind_the_firms_prefix():
    prefixed = Options(has_drafts=False, books_name="QuickBooks", number_prefix="C-")
    assert compare_bill(bill(number="1001"), inv(number="C-1001"), prefixed) == []
    (found,) = compare_bill(bill(number="1001"), inv(number="1001"), prefixed)
    assert found.kind == "fields"
    assert found.differences == [
        {"field": "number", "line": None, "clio": "C-1001", "books": "1001"}
    ]


def test_a_credit_and_replace_plan_names_the_numbers_behind_the_firms_prefix():
    from sync.drift.repair import plan_repair
    from sync.models import Drift

    drift = Drift(kind="lines", repair={"kind": "credit_and_replace", "safe": False})
    locked = inv(number="C-1001", paid="100.00")
    steps = plan_repair(drift, bill(number="1001"), locked, None, prefix="C-")["steps"]
    assert steps[0].startswith("Create credit note C-CR-1001 for 495.50")
    assert steps[2].startswith("Create invoice C-1001-R with Clio's 2 line(s)")
    plain = plan_repair(drift, bill(number="1001"), inv(number="1001"), None)["steps"]
    assert plain[0].startswith("Create credit note CR-1001") and "invoice 1001-R" in plain[2]
