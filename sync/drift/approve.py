"""The writes behind an approved flag: void a stray invoice, or credit-and-replace a locked one.

Each step is one keyed write (the key: the flag, the step, the invoice it acts on), and what it
made is saved on the flag (`planned_repair["done"]`) before the next starts: a retry after a
failure skips what was done, and a resend of a step whose answer was lost replays at the provider.
The provider's writer does the writes (`invoice_void`, `invoice_replace`); this module decides
what they are and remembers them.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from django.utils import timezone

from practice.models import Allocation, Bill, Contact
from sync.engine import numbering, outbox, plan
from sync.engine.links import links_save
from sync.engine.registry import BOOKS, client_for, writer_for
from sync.models import Connection, ExternalLink, FlaggedBill, SyncSettings
from sync.providers.amounts import money
from sync.providers.base import Replacement
from sync.providers.http import idempotency_key


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


class _Steps:
    """The flag's memory of its repair (sync.providers.base.Steps)."""

    def __init__(self, flag: FlaggedBill):
        self.flag = flag

    def key(self, step: str) -> str:
        flag = self.flag
        return idempotency_key("flag", flag.firm_id, flag.pk, flag.remote_id, step)

    def done(self, step: str) -> str:
        return ((self.flag.planned_repair or {}).get("done") or {}).get(step, "")

    def record(self, step: str, value: str) -> None:
        planned = dict(self.flag.planned_repair or {})
        planned["done"] = {**planned.get("done", {}), step: value}
        self.flag.planned_repair = planned
        FlaggedBill.objects.filter(pk=self.flag.pk).update(planned_repair=planned)


# -- void ----------------------------------------------------------------------------------------


def _void(flag: FlaggedBill, books: Connection) -> None:
    cfg = SyncSettings.objects.get(firm_id=flag.firm_id)
    steps = _Steps(flag)
    writer_for(books, cfg).invoice_void(flag.remote_id, key=steps.key("void"))
    steps.record("void", flag.remote_id)


# -- credit and replace --------------------------------------------------------------------------


def replacement_date(clio_day: date | None, lock: date | None) -> date:
    day = clio_day or timezone.localdate()
    if lock and day <= lock:
        return lock + timedelta(days=1)
    return day


def replacement_number(number: str) -> str:
    return f"{number}-R"[:21]


def credit_number_for(prefix: str, old_number: str) -> str:
    """Behind a prefix, the credit note for invoice C-1042 is C-CR-1042 (like every credit note
    FirmSync writes for the firm); without one, "" keeps the writers' CR-1042."""
    if not prefix:
        return ""
    return numbering.credit_number(prefix=prefix, clio_id=old_number.removeprefix(prefix))


def bill_for(flag: FlaggedBill) -> Bill:
    return Bill.objects.select_related("client").get(
        firm_id=flag.firm_id, clio_id=cast(int, flag.bill_clio_id)
    )


def clio_paid(bill: Bill) -> Decimal:
    return sum(
        Allocation.objects.filter(bill=bill, voided=False).values_list("amount", flat=True),
        Decimal("0.00"),
    )


def _credit_and_replace(flag: FlaggedBill, books: Connection) -> None:
    cfg = SyncSettings.objects.get(firm_id=flag.firm_id)
    bill = bill_for(flag)
    payload = plan.bill_payload(bill, prefix=cfg.invoice_number_prefix)
    customer = ExternalLink.objects.get(
        connection=books, entity="contact", local_id=str(cast(Contact, bill.client).clio_id)
    )
    provider = BOOKS[books.provider]
    assert provider.lock_date is not None and provider.invoice_read is not None
    client = client_for(books)
    writer = writer_for(books, cfg, client)
    lock = provider.lock_date(client)
    old = provider.invoice_read(client, flag.remote_id)
    onto_new = min(old.doc.paid, clio_paid(bill))
    replacement = Replacement(
        old_id=flag.remote_id,
        old_number=old.doc.number,
        customer_id=customer.remote_id,
        payload=payload,
        number=replacement_number(payload["number"] or old.doc.number),
        credit_number=credit_number_for(cfg.invoice_number_prefix, old.doc.number),
        txn_date=replacement_date(bill.issued_at, lock),
        today=timezone.localdate(),
        total=money(old.doc.total),
        balance=money(old.doc.balance),
        onto_new=money(onto_new),
    )
    try:
        new_id = writer.invoice_replace(replacement, _Steps(flag))
    finally:
        links_save(connection=books, notes=writer.links_taken())
    new = provider.invoice_read(client, new_id)
    _relink(flag, books, bill, payload, new_id, new, writer)


def _relink(flag, books, bill, payload, new_id: str, new, writer) -> None:
    now = timezone.now()
    ExternalLink.objects.update_or_create(
        connection=books,
        entity="bill",
        local_id=str(bill.clio_id),
        defaults={
            "firm_id": books.firm_id,
            "remote_type": writer.invoice_type,
            "remote_id": new_id,
            "remote_version": new.version,
            "remote_number": new.doc.number[:40],
            "remote_status": "",
            # What the engine's plan compares: the bill as it is now is in the books.
            "fingerprint": outbox.fingerprint(payload),
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
            "remote_type": writer.invoice_type,
            "remote_id": flag.remote_id,
            "pushed_at": now,
        },
    )
