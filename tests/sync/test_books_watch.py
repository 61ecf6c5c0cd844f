"""Payments recorded straight in the books are found over real HTTP, shown, and resolved; FirmSync's
own payments (linked, or marked "Clio <id>") never are."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from sync import tasks
from sync.books_payments import watch as books_watch
from sync.books_payments.selectors import books_only_payments_open
from sync.engine.registry import client_for
from sync.forms import BooksPaymentResolveForm
from sync.models import BooksOnlyPayment, Connection, ExternalLink, PullCursor
from sync.providers import oauth
from sync.services import connection_connect
from tests.conftest import client_for as web_client_for
from tests.support.sandboxes import control, use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Books:
    base: str
    provider: str
    account: str  # realm id or tenant id
    conn: Connection

    def act(self, action: str, **kw) -> dict:
        company = "realmId" if self.provider == "quickbooks" else "tenant_id"
        payload = {"action": action, company: self.account, **kw}
        return control(self.base, self.provider, "actions", payload)

    def scan(self) -> int:
        return books_watch.books_payments_scan(connection_id=self.conn.pk)

    def open_ids(self) -> list[str]:
        rows = BooksOnlyPayment.objects.filter(connection=self.conn, resolved_at__isnull=True)
        return sorted(rows.values_list("remote_id", flat=True))


def _connect(base, settings, admin, provider: str, account: str) -> Connection:
    client_id = settings.PROVIDERS[provider]["client_id"]
    raw = control(base, provider, "tokens", {"client_id": client_id, "account": account})
    return connection_connect(
        firm=admin.firm,
        actor=admin.user,
        provider=provider,
        external_id=raw.get("realmId") or raw.get("tenantId") or account,
        external_name=account,
        tokens=oauth.tokens_from(raw),
    )


@pytest.fixture
def aged(monkeypatch):
    """Every payment is past the push's two-minute window, as it is by the next five-minute pass."""
    monkeypatch.setattr(books_watch, "FRESH", timedelta(0))


@pytest.fixture
def qbo(live_server, settings, admin) -> Books:
    use_sandboxes(settings, live_server.url)
    realm = control(live_server.url, "quickbooks", "seed", {"preset": "reference"})["realmId"]
    conn = _connect(live_server.url, settings, admin, "quickbooks", realm)
    return Books(live_server.url, "quickbooks", realm, conn)


@pytest.fixture
def xero(live_server, settings, admin) -> Books:
    use_sandboxes(settings, live_server.url)
    seeded = control(live_server.url, "xero", "seed", {"preset": "reference", "account": "Vale"})
    tenant = seeded["organisations"][0]["tenantId"]
    conn = _connect(live_server.url, settings, admin, "xero", tenant)
    return Books(live_server.url, "xero", tenant, conn)


def _qbo_paid(books: Books, number: str, amount: str, reference: str = "") -> dict:
    """A bookkeeper invoices a customer and records their payment in the QuickBooks website."""
    name = f"Client {number}"
    books.act("create_customer", display_name=name)
    lines = [{"description": "Advice", "qty": 1, "unit_price": float(amount)}]
    invoice = books.act("create_invoice", customer_name=name, lines=lines, doc_number=number)
    pay = {"invoice_id": invoice["Invoice"]["Id"], "date": "2026-03-05", "reference": reference}
    return books.act("pay_invoice", **pay)["Payment"]


def _xero_paid(books: Books, name: str, amount: str, reference: str = "") -> dict:
    """A bookkeeper invoices a contact, approves it and records a payment in Xero."""
    invoice = {
        "Type": "ACCREC",
        "Contact": {"Name": name},
        "Date": "2026-03-01",
        "LineItems": [{"Description": "Advice", "UnitAmount": float(amount), "AccountCode": "200"}],
    }
    created = books.act("create_invoice", invoice=invoice)["Invoice"]
    books.act("approve_invoice", invoice_id=created["InvoiceID"])
    pay = {"invoice_id": created["InvoiceID"], "date": "2026-03-05", "reference": reference}
    return books.act("pay_invoice", **pay)["Payment"]


# -- QuickBooks -----------------------------------------------------------------------------------


def test_a_quickbooks_payment_recorded_in_the_books_is_found_once(qbo, aged):
    payment = _qbo_paid(qbo, "H-1", "250.00", reference="CHK 1001")
    assert qbo.scan() == 1
    assert qbo.scan() == 0
    row = BooksOnlyPayment.objects.get()
    assert (row.firm, row.connection, row.remote_type) == (qbo.conn.firm, qbo.conn, "Payment")
    assert row.remote_id == payment["Id"]
    assert row.amount == Decimal("250.00")
    assert row.date.isoformat() == "2026-03-05"
    assert (row.customer_name, row.invoice_numbers, row.reference) == (
        "Client H-1",
        "H-1",
        "CHK 1001",
    )
    cursor = PullCursor.objects.get(connection=qbo.conn, resource="books_payments")
    assert cursor.updated_since is not None and cursor.records == 1


def test_quickbooks_payments_that_firmsync_pushed_are_not_flagged(qbo, aged):
    _qbo_paid(qbo, "H-2", "100.00", reference="Clio 99")
    linked = _qbo_paid(qbo, "H-3", "80.00")
    ExternalLink.objects.create(
        firm=qbo.conn.firm,
        connection=qbo.conn,
        entity="payment",
        local_id="1234",
        remote_type="Payment",
        remote_id=linked["Id"],
    )
    theirs = _qbo_paid(qbo, "H-4", "60.00")
    assert qbo.scan() == 1
    assert qbo.open_ids() == [theirs["Id"]]


def test_a_flagged_quickbooks_payment_deleted_in_the_books_resolves_on_the_next_scan(qbo, aged):
    payment = _qbo_paid(qbo, "H-5", "75.00")
    assert qbo.scan() == 1
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment#delete-a-payment
    client_for(qbo.conn).delete("Payment", payment["Id"], payment["SyncToken"], key="del-h5")
    assert qbo.scan() == 0
    row = BooksOnlyPayment.objects.get(remote_id=payment["Id"])
    assert row.resolved_at is not None and row.resolved_by is None
    assert row.resolution == "Deleted in the books"
    event = AuditEvent.objects.get(action="books_payment.resolved")
    assert event.firm == qbo.conn.firm and event.after["resolution"] == "Deleted in the books"
    assert books_only_payments_open(firm=qbo.conn.firm) == []


def test_a_payment_younger_than_two_minutes_waits_for_the_next_pass(qbo, monkeypatch):
    payment = _qbo_paid(qbo, "H-6", "40.00")
    assert qbo.scan() == 0  # may be our own push between its write and its link
    assert not BooksOnlyPayment.objects.exists()
    # The cursor stays at the payment, so the next pass reads it again however late it runs.
    cursor = PullCursor.objects.get(connection=qbo.conn, resource="books_payments")
    assert cursor.updated_since <= datetime.fromisoformat(payment["MetaData"]["CreateTime"])
    monkeypatch.setattr(books_watch, "FRESH", timedelta(0))  # two minutes on
    assert qbo.scan() == 1
    assert qbo.open_ids() == [payment["Id"]]


def test_the_poll_scans_every_live_books_connection(qbo, aged):
    _qbo_paid(qbo, "H-7", "30.00")
    assert tasks.books_payments_poll() == 1  # tasks run inline under test
    assert BooksOnlyPayment.objects.filter(connection=qbo.conn).count() == 1


# -- Xero -----------------------------------------------------------------------------------------


def test_a_xero_payment_recorded_in_the_books_is_found_once(xero, aged):
    payment = _xero_paid(xero, "Walk-in Client", "500.00", reference="chq 12")
    assert xero.scan() == 1
    assert xero.scan() == 0
    row = BooksOnlyPayment.objects.get()
    assert (row.remote_type, row.remote_id) == ("Payments", payment["PaymentID"])
    assert row.amount == Decimal("500.00")
    assert row.date.isoformat() == "2026-03-05"
    assert (row.customer_name, row.reference) == ("Walk-in Client", "chq 12")
    assert row.invoice_numbers.startswith("INV-")


def test_xero_payments_that_firmsync_pushed_are_not_flagged(xero, aged):
    _xero_paid(xero, "Marked Client", "100.00", reference="Clio 99")
    linked = _xero_paid(xero, "Linked Client", "80.00")
    ExternalLink.objects.create(
        firm=xero.conn.firm,
        connection=xero.conn,
        entity="payment",
        local_id="1234",
        remote_type="Payments",
        remote_id=linked["PaymentID"],
    )
    theirs = _xero_paid(xero, "Their Client", "60.00")
    assert xero.scan() == 1
    assert xero.open_ids() == [theirs["PaymentID"]]


def test_a_flagged_xero_payment_deleted_in_the_books_resolves_on_the_next_scan(xero, aged):
    payment = _xero_paid(xero, "Gone Client", "75.00")
    assert xero.scan() == 1
    # https://developer.xero.com/documentation/api/accounting/payments#deleting-payments
    client_for(xero.conn).payment_delete(payment["PaymentID"], key="del-gone")
    assert xero.scan() == 0
    row = BooksOnlyPayment.objects.get(remote_id=payment["PaymentID"])
    assert row.resolved_at is not None and row.resolution == "Deleted in the books"


def test_a_xero_payment_of_a_supplier_bill_is_not_a_client_payment(xero, aged):
    bill = {
        "Type": "ACCPAY",
        "Contact": {"Name": "Court Reporter Co"},
        "Date": "2026-03-01",
        "LineItems": [{"Description": "Transcript", "UnitAmount": 90, "AccountCode": "200"}],
    }
    created = xero.act("create_invoice", invoice=bill)["Invoice"]
    xero.act("approve_invoice", invoice_id=created["InvoiceID"])
    xero.act("pay_invoice", invoice_id=created["InvoiceID"], date="2026-03-05")
    assert xero.scan() == 0


# -- resolving and showing ------------------------------------------------------------------------


@pytest.fixture
def flagged(firm):
    conn = Connection.objects.create(
        firm=firm, provider="quickbooks", side="books", external_id="realm-1"
    )
    return BooksOnlyPayment.objects.create(
        firm=firm,
        connection=conn,
        remote_id="163",
        amount=Decimal("1234.5"),
        date=timezone.localdate(),
        customer_name="Ada Client",
        invoice_numbers="1041, 1042",
        reference="CHK 1001",
    )


def _resolve_url(payment) -> str:
    return reverse("books_payment_resolve", args=[payment.pk])


def test_an_admin_resolves_a_payment_with_a_reason_and_it_is_audited(admin, flagged):
    response = web_client_for(admin).post(
        _resolve_url(flagged), {"reason": "not_client_payment"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("sync_status")
    flagged.refresh_from_db()
    assert flagged.resolved_at is not None and flagged.resolved_by == admin.user
    assert flagged.resolution == "Not a client payment (e.g. a refund or transfer)"
    event = AuditEvent.objects.get(action="books_payment.resolved")
    assert event.actor == admin.user and event.object_id == str(flagged.pk)
    assert "1,234.50 payment from Ada Client is marked dealt with" in response.content.decode()


def test_other_needs_words_and_keeps_them(accountant, flagged):
    client = web_client_for(accountant)
    client.post(_resolve_url(flagged), {"reason": "other"})
    flagged.refresh_from_db()
    assert flagged.resolved_at is None
    client.post(_resolve_url(flagged), {"reason": "other", "other": "Paid twice, refunded"})
    flagged.refresh_from_db()
    assert flagged.resolution == "Other: Paid twice, refunded"


def test_a_payment_is_resolved_once(admin, accountant, flagged):
    web_client_for(admin).post(_resolve_url(flagged), {"reason": "recorded_in_clio"})
    web_client_for(accountant).post(_resolve_url(flagged), {"reason": "other", "other": "x"})
    flagged.refresh_from_db()
    assert flagged.resolution == "Recorded in Clio now" and flagged.resolved_by == admin.user


def test_staff_may_not_resolve(staff, flagged):
    response = web_client_for(staff).post(_resolve_url(flagged), {"reason": "recorded_in_clio"})
    assert response.status_code == 403
    flagged.refresh_from_db()
    assert flagged.resolved_at is None


def test_an_outsider_gets_404(outsider, flagged):
    response = web_client_for(outsider).post(_resolve_url(flagged), {"reason": "recorded_in_clio"})
    assert response.status_code == 404
    flagged.refresh_from_db()
    assert flagged.resolved_at is None


def test_the_card_shows_each_open_payment_with_its_amount_right_aligned(admin, firm, flagged):
    html = render_to_string(
        "sync/_books_only_payments.html",
        {"books_only_payments": books_only_payments_open(firm=firm), "member": admin},
    )
    assert "Payments in the books that Clio doesn't know about" in html
    assert '<td class="num">1,234.50</td>' in html
    assert "Ada Client" in html and "1041, 1042" in html and "CHK 1001" in html
    assert _resolve_url(flagged) in html
    for value, _ in BooksPaymentResolveForm.REASONS:
        assert f'value="{value}"' in html


def test_the_sync_status_page_carries_the_card(admin, flagged):
    html = web_client_for(admin).get(reverse("sync_status")).content.decode()
    assert 'data-testid="books-only-payments"' in html and "1,234.50" in html


def test_the_card_offers_no_resolve_form_to_staff(staff, firm, flagged):
    html = render_to_string(
        "sync/_books_only_payments.html",
        {"books_only_payments": books_only_payments_open(firm=firm), "member": staff},
    )
    assert "1,234.50" in html and _resolve_url(flagged) not in html


def test_the_card_is_not_rendered_without_open_payments(admin, firm, flagged):
    flagged.resolved_at = timezone.now()
    flagged.save()
    html = render_to_string(
        "sync/_books_only_payments.html",
        {"books_only_payments": books_only_payments_open(firm=firm), "member": admin},
    )
    assert html.strip() == ""
