"""The writes behind an approved flag: void a stray invoice, or credit-and-replace a locked one.

Each step is one keyed write (the key: the flag, the step, the invoice it acts on), and what it
made is saved on the flag (`planned_repair["done"]`) before the next starts: a retry after a
failure skips what was done, and a resend of a step whose answer was lost replays at the provider.
"""

from django.utils import timezone

from sync.drift.repair import bill_for, clio_paid, replacement_date, replacement_number
from sync.engine import plan
from sync.engine.registry import client_for
from sync.models import Connection, ExternalLink, FlaggedBill, SyncSettings
from sync.providers.http import idempotency_key
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.readback import qbo_invoice, quickbooks_lock, xero_invoice, xero_lock
from sync.providers.quickbooks.writer import QuickBooksWriter, XeroWriter, _money
from sync.providers.xero import mapping as xm


class NotAutomatic(Exception):
    """This flag's repair is done by a person, not by FirmSync."""


def run(*, flag: FlaggedBill, kind: str) -> None:
    books = flag.connection
    if kind == "void_invoice":
        return _void(flag, books)
    if kind == "credit_and_replace":
        return _credit_and_replace(flag, books)
    raise NotAutomatic(
        "FirmSync does not change this itself: fix it in Clio or the books as the plan says, "
        "then mark the flag resolved by hand."
    )


def _key(flag: FlaggedBill, step: str) -> str:
    return idempotency_key("flag", flag.firm_id, flag.pk, flag.remote_id, step)


def _done(flag: FlaggedBill, step: str, value: str) -> None:
    planned = dict(flag.planned_repair or {})
    planned["done"] = {**planned.get("done", {}), step: value}
    flag.planned_repair = planned
    FlaggedBill.objects.filter(pk=flag.pk).update(planned_repair=planned)


def _step(flag: FlaggedBill, step: str) -> str:
    return ((flag.planned_repair or {}).get("done") or {}).get(step, "")


# -- void ----------------------------------------------------------------------------------------


def _void(flag: FlaggedBill, books: Connection) -> None:
    client = client_for(books)
    if books.provider == "quickbooks":
        current = client.get("Invoice", flag.remote_id)
        if current.status != "voided":
            client.void("Invoice", flag.remote_id, current.version, key=_key(flag, "void"))
    else:
        current = client.get("Invoices", flag.remote_id)
        if current.status not in ("VOIDED", "DELETED"):
            status = "DELETED" if current.status in ("DRAFT", "SUBMITTED") else "VOIDED"
            client.invoice_status_set(flag.remote_id, status, key=_key(flag, "void"))
    _done(flag, "void", flag.remote_id)


# -- credit and replace --------------------------------------------------------------------------


def _context(flag: FlaggedBill, books: Connection):
    cfg = SyncSettings.objects.get(firm_id=flag.firm_id)
    bill = bill_for(flag)
    payload = plan.bill_payload(bill)
    customer = ExternalLink.objects.get(
        connection=books, entity="contact", local_id=str(bill.client.clio_id)
    )
    return cfg, bill, payload, customer.remote_id


def _credit_and_replace(flag: FlaggedBill, books: Connection) -> None:
    cfg, bill, payload, customer_id = _context(flag, books)
    if books.provider == "quickbooks":
        new_id, new = _qbo_replace(flag, books, cfg, bill, payload, customer_id)
    else:
        new_id, new = _xero_replace(flag, books, cfg, bill, payload, customer_id)
    _relink(flag, books, bill, payload, new_id, new)


def _relink(flag, books, bill, payload, new_id: str, new) -> None:
    now = timezone.now()
    ExternalLink.objects.update_or_create(
        connection=books,
        entity="bill",
        local_id=str(bill.clio_id),
        defaults={
            "firm_id": books.firm_id,
            "remote_type": "Invoice" if books.provider == "quickbooks" else "Invoices",
            "remote_id": new_id,
            "remote_version": new.version,
            "remote_number": new.doc.number[:40],
            "remote_status": "",
            # What the engine's plan compares: the bill as it is now is in the books.
            "fingerprint": plan.fingerprint(payload),
            "pushed_at": now,
        },
    )
    # After the bill link has moved: a books record is linked to one Clio record at a time.
    ExternalLink.objects.update_or_create(
        connection=books,
        entity="bill_replaced",
        local_id=str(bill.clio_id),
        defaults={
            "firm_id": books.firm_id,
            "remote_type": "Invoice" if books.provider == "quickbooks" else "Invoices",
            "remote_id": flag.remote_id,
            "pushed_at": now,
        },
    )


def _amounts(flag: FlaggedBill, bill, old) -> tuple:
    onto_new = min(old.doc.paid, clio_paid(bill))
    return _money(old.doc.total), _money(old.doc.balance), _money(onto_new)


def _qbo_replace(flag, books, cfg, bill, payload, customer_id):
    client = client_for(books)
    writer = QuickBooksWriter(books, cfg)
    writer._items_prepare()
    lock = quickbooks_lock(client)
    old = qbo_invoice(client.get("Invoice", flag.remote_id).raw)
    total, balance, onto_new = _amounts(flag, bill, old)
    today = timezone.localdate()
    memo_id = _step(flag, "credit_note")
    if not memo_id:
        body = qb.sales_payload(
            customer_id=customer_id,
            lines=[
                qb.LineIn(
                    amount=total,
                    item_id=writer.items["fees"],
                    description=f"Credit for invoice {old.doc.number}, replaced",
                )
            ],
            number=f"CR-{old.doc.number}"[:21],
            txn_date=today,
        )
        memo_id = client.create("CreditMemo", body, key=_key(flag, "credit_note")).id
        _done(flag, "credit_note", memo_id)
    new_id = _step(flag, "replacement")
    if not new_id:
        body = writer._invoice(payload, customer_id)
        body["DocNumber"] = replacement_number(bill.number or old.doc.number)
        body["TxnDate"] = replacement_date(bill.issued_at, lock).isoformat()
        new_id = client.create("Invoice", body, key=_key(flag, "replacement")).id
        _done(flag, "replacement", new_id)
    if not _step(flag, "apply"):
        lines = [(flag.remote_id, "Invoice", balance), (new_id, "Invoice", onto_new)]
        lines.append((memo_id, "CreditMemo", balance + onto_new))
        apply = {
            "CustomerRef": {"value": customer_id},
            "TotalAmt": 0,
            "TxnDate": today.isoformat(),
            "PrivateNote": f"FirmSync: invoice {old.doc.number} credited and replaced",
            "Line": [
                {"Amount": float(amount), "LinkedTxn": [{"TxnId": tid, "TxnType": kind}]}
                for tid, kind, amount in lines
                if amount > 0
            ],
        }
        applied = (
            client.create("Payment", apply, key=_key(flag, "apply")) if apply["Line"] else None
        )
        _done(flag, "apply", applied.id if applied else "-")
    return new_id, qbo_invoice(client.get("Invoice", new_id).raw)


def _xero_replace(flag, books, cfg, bill, payload, customer_id):
    client = client_for(books)
    writer = XeroWriter(books, cfg)
    lock = xero_lock(client)
    old = xero_invoice(client.get("Invoices", flag.remote_id).raw)
    total, balance, onto_new = _amounts(flag, bill, old)
    today = timezone.localdate()
    note_id = _step(flag, "credit_note")
    if not note_id:
        body = xm.credit_note_payload(
            contact_id=customer_id,
            lines=[
                xm.LineIn(
                    amount=total,
                    account_code=writer.account("fee_income"),
                    description=f"Credit for invoice {old.doc.number}, replaced",
                    tax_type=writer.tax_code(False) or "NONE",
                )
            ],
            number=f"CR-{old.doc.number}",
            txn_date=today,
        )
        note_id = client.create("CreditNotes", body, key=_key(flag, "credit_note")).id
        _done(flag, "credit_note", note_id)
    if balance > 0 and not _step(flag, "allocate_old"):
        client.credit_note_allocate(
            note_id,
            invoice_id=flag.remote_id,
            amount=balance,
            txn_date=today,
            key=_key(flag, "allocate_old"),
        )
        _done(flag, "allocate_old", flag.remote_id)
    new_id = _step(flag, "replacement")
    if not new_id:
        body = writer._invoice(payload, customer_id)
        body["InvoiceNumber"] = replacement_number(bill.number or old.doc.number)
        body["Date"] = replacement_date(bill.issued_at, lock).isoformat()
        new_id = client.create("Invoices", body, key=_key(flag, "replacement")).id
        _done(flag, "replacement", new_id)
    if onto_new > 0 and not _step(flag, "allocate_new"):
        client.credit_note_allocate(
            note_id,
            invoice_id=new_id,
            amount=onto_new,
            txn_date=today,
            key=_key(flag, "allocate_new"),
        )
        _done(flag, "allocate_new", new_id)
    return new_id, xero_invoice(client.get("Invoices", new_id).raw)
