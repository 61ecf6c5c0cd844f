"""Xero as a books writer: planned operations become elements of a save, answers outcomes.

https://developer.xero.com/documentation/api/accounting/requests-and-responses
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sync.models import SyncOperation
from sync.providers.amounts import CENT, money
from sync.providers.base import Item, Outcome, Replacement, Steps
from sync.providers.errors import ProviderError, ProviderRateLimited, ProviderUnavailable
from sync.providers.writing import (
    READ_ALL_CONTACTS_OVER,
    Writer,
    contact_number,
    credit_number,
    day,
    dependency,
    failed,
    in_chunks,
    keyed,
    line_text,
    op_key,
    outcome_of,
    payment_reference,
)
from sync.providers.xero import mapping as xm
from sync.providers.xero.client import BATCH_MAX
from sync.providers.xero.mapping import any_of


class XeroWriter(Writer):
    provider = "xero"
    invoice_type = "Invoices"
    batch_max = BATCH_MAX
    concurrency = 4  # Xero allows 5 calls in progress per tenant

    RESOURCES = {"contact": "Contacts", "bill": "Invoices", "payment": "Payments"}

    def __init__(self, connection, cfg, client):
        super().__init__(connection, cfg, client)
        self.contacts: dict[str, list] | None = None

    def prepare(self, entity: str, ops: list[SyncOperation]) -> None:
        # Claimed before or not: what recovery does not find is matched against this list.
        creates = [o for o in ops if o.action == "create"]
        if entity == "contact" and len(creates) > READ_ALL_CONTACTS_OVER and self.contacts is None:
            self.contacts = {}
            rows = self.client.read_all("Contacts")
            self.book_reads += max(1, len(rows) // 1000 + 1)
            for contact in rows:
                for key in (
                    xm.name_key(contact.name),
                    contact.email.strip().casefold(),
                    contact.number,
                ):
                    if key:
                        self.contacts.setdefault(key, []).append(contact)

    def match_contact(self, op, linked_remote: set[str]) -> Outcome | None:
        p = op.payload
        if self.contacts is not None:
            candidates = (
                self.contacts.get(contact_number(p["clio_id"]), [])
                or self.contacts.get((p["email"] or "").strip().casefold(), [])
                or self.contacts.get(xm.name_key(p["name"]), [])
            )
        else:
            self.book_reads += 1
            found = self.client.contact_find(
                name=p["name"], email=p["email"] or "", number=contact_number(p["clio_id"])
            )
            candidates = [found] if found else []
        for contact in candidates:
            if contact.id not in linked_remote and contact.status != "ARCHIVED":
                return Outcome(
                    ok=True, remote_type="Contacts", remote_id=contact.id, version=contact.version
                )
        return None

    def recover(self, op: SyncOperation, links: dict) -> Outcome | None:
        return self.recover_many([op], links)[op.pk]

    # https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-filtered-data
    # (a `where` filter joins conditions with OR)
    def recover_many(self, ops: list[SyncOperation], links: dict) -> dict[int, Outcome | None]:
        """Created contacts by ContactNumber, invoices by number and payments by our reference:
        one read per kind and 25 keys."""
        found: dict[int, Outcome | None] = {op.pk: None for op in ops}
        contacts = keyed(ops, "contact", ("create",), lambda p: contact_number(p["clio_id"]))
        self._find_keyed(found, "Contacts", "ContactNumber", contacts, lambda r: r.number)
        bills = keyed(ops, "bill", ("create",), lambda p: p.get("number") or None)
        self._find_keyed(found, "Invoices", "InvoiceNumber", bills, lambda r: r.number, _live)
        payments = keyed(
            ops, "payment", ("create", "update"), lambda p: payment_reference(p["clio_id"])
        )
        self._find_keyed(
            found,
            "Payments",
            "Reference",
            payments,
            lambda r: r.reference,
            lambda row, op: _live(row, op) and row.amount == money(op.payload["amount"]),
        )
        return found

    def _find_keyed(self, found, resource, field_name, wanted, key_of, accept=None) -> None:
        """Fill `found` with the first record of `resource` whose `field_name` matches each
        operation's key (and that `accept` takes), a read per 25 keys."""
        for chunk in in_chunks(wanted):
            self.book_reads += 1
            for row in self.client.read_all(resource, where=any_of(field_name, chunk)):
                for op in wanted.get(key_of(row), ()):
                    if found[op.pk] is None and (accept is None or accept(row, op)):
                        found[op.pk] = outcome_of(resource, row)

    def build(self, op: SyncOperation, links: dict) -> Item | Outcome | None:
        p = op.payload
        link: Any = links.get((op.entity, op.local_id))
        if op.action in ("void", "delete") and link is None:
            return Outcome(skipped=True, error_message="Nothing in the books to remove.")
        if op.entity == "credit" or (op.entity == "payment" and op.action != "create"):
            return None  # one at a time: Xero payments cannot be edited, only deleted
        if op.entity == "contact":
            body = xm.contact_payload(
                name=p["name"], email=p["email"] or "", number=contact_number(p["clio_id"])
            )
            if link is not None:
                body["ContactID"] = link.remote_id
            return Item(op, "update" if link else "create", "Contacts", body)
        if op.entity == "bill":
            if op.action in ("void", "delete"):
                draft = link.remote_status in ("DRAFT", "SUBMITTED")
                status = "DELETED" if draft else "VOIDED"
                return Item(
                    op, op.action, "Invoices", {"InvoiceID": link.remote_id, "Status": status}
                )
            contact = links.get(("contact", str(p["client_clio_id"])))
            if contact is None:
                return dependency("client", p["client_clio_id"])
            body = self.invoice_body(p, contact.remote_id)
            if link is not None:
                body["InvoiceID"] = link.remote_id
            return Item(op, "update" if link else "create", "Invoices", body)
        if op.entity == "payment":
            invoice = links.get(("bill", str(p["bill_clio_id"])))
            if invoice is None:
                return dependency("bill", p["bill_clio_id"])
            return Item(op, "create", "Payments", self._payment(p, invoice.remote_id))
        return failed("unsupported", f"FirmSync does not write {op.entity} records.")

    def invoice_body(self, p: dict, contact_id: str) -> dict:
        approved = p["state"] in ("awaiting_payment", "paid")
        return xm.invoice_payload(
            contact_id=contact_id,
            lines=[self._line(x) for x in p["lines"]],
            number=p["number"] or "",
            txn_date=day(p["issued_at"]),
            due_date=day(p["due_at"]),
            status="AUTHORISED" if approved else "DRAFT",
            reference=f"Clio bill {p['clio_id']}",
        )

    def _line(self, x: dict) -> xm.LineIn:
        role = "reimbursed_expenses" if x["type"] == "Expense" else "fee_income"
        qty = Decimal(x["quantity"]) or Decimal("1")
        total = money(x["total"])
        if (qty * money(x["price"])).quantize(CENT, ROUND_HALF_UP) != total:
            qty = Decimal("1")
        return xm.LineIn(
            amount=total,
            account_code=self.account(role) or self.account("fee_income"),
            description=line_text(x),
            quantity=qty,
            tax_type=self.tax_code(x.get("taxable", False)) or "NONE",
        )

    def _payment(self, p: dict, invoice_id: str) -> dict:
        body = xm.payment_payload(
            invoice_id=invoice_id,
            account_code=self.account("operating_bank"),
            amount=money(p["amount"]),
            txn_date=day(p["date"]) or date.today(),
            reference=payment_reference(p["clio_id"]),
        )
        body["Account"] = xm.account_ref(self.account("operating_bank"))
        return body

    def send(self, items: list[Item]) -> dict[int, Outcome]:
        resource = items[0].remote_type
        # PUT creates only: a POST naming an existing number or name would change that record.
        create_only = items[0].operation == "create"
        results = self.client.save_many(
            resource, [i.body for i in items], key=self.chunk_key(items), create_only=create_only
        )
        outcomes: dict[int, Outcome] = {}
        for item, result in zip(items, results, strict=False):
            if not result.ok:
                outcomes[item.op.pk] = failed("ValidationError", result.error_message)
            elif item.operation in ("void", "delete"):
                outcomes[item.op.pk] = outcome_of(resource, result.entity)
                outcomes[item.op.pk].removed = item.operation == "delete"
            else:
                outcomes[item.op.pk] = outcome_of(resource, result.entity)
        for item in items[len(results) :]:
            outcomes[item.op.pk] = failed("missing", "Xero did not answer this element.")
        return outcomes

    def send_one(self, op: SyncOperation, links: dict) -> Outcome:
        p = op.payload
        link: Any = links.get((op.entity, op.local_id))
        try:
            if op.entity == "payment":
                # Xero payments cannot be edited: delete the old one, then record the new amount.
                if link is not None:
                    current = self.client.get("Payments", link.remote_id)
                    if current.status != "DELETED":
                        self.client.payment_delete(link.remote_id, key=op_key(op))
                if op.action == "delete":
                    return Outcome(
                        ok=True, remote_type="Payments", remote_id=link.remote_id, removed=True
                    )
                invoice = links.get(("bill", str(p["bill_clio_id"])))
                if invoice is None:
                    return dependency("bill", p["bill_clio_id"])
                created = self.client.create(
                    "Payments",
                    self._payment(p, invoice.remote_id),
                    key=op_key(op, "new"),
                )
                return outcome_of("Payments", created)
            return self._credit(op, link, links)
        except (ProviderUnavailable, ProviderRateLimited):
            raise  # not answered: the push puts it back in the queue, as it does a batch
        except ProviderError as exc:
            return failed(exc.code or str(exc.status or ""), exc.message)

    def _credit_note_find(self, number: str):
        self.book_reads += 1
        rows = self.client.read_all(
            "CreditNotes", where=f"CreditNoteNumber=={xm.where_string(number)}"
        )
        live = [r for r in rows if r.status not in ("DELETED", "VOIDED")]
        return live[0] if live else None

    def _credit(self, op, link, links) -> Outcome:
        p = op.payload
        if op.action == "delete":
            self.client.update("CreditNotes", link.remote_id, {"Status": "VOIDED"}, key=op_key(op))
            return Outcome(
                ok=True, remote_type="CreditNotes", remote_id=link.remote_id, removed=True
            )
        invoice = links.get(("bill", str(p["bill_clio_id"])))
        contact = links.get(("contact", str(p.get("client_clio_id"))))
        if invoice is None or contact is None:
            return dependency("bill", p["bill_clio_id"])
        body = xm.credit_note_payload(
            contact_id=contact.remote_id,
            lines=[
                xm.LineIn(
                    amount=money(p["amount"]),
                    account_code=self.account("fee_income"),
                    description=f"Credit on Clio bill {p.get('bill_number') or ''}".strip(),
                    tax_type=self.tax_code(False) or "NONE",
                )
            ],
            number=credit_number(p),
            txn_date=day(p["date"]),
        )
        note = self._credit_note_find(body["CreditNoteNumber"]) if op.attempts > 1 else None
        if note is None:
            note = self.client.create("CreditNotes", body, key=op_key(op))
        if note.balance <= 0:
            return outcome_of("CreditNotes", note)  # allocated by the earlier attempt
        self.client.credit_note_allocate(
            note.id,
            invoice_id=invoice.remote_id,
            amount=money(p["amount"]),
            txn_date=day(p["date"]) or date.today(),
            key=op_key(op, "allocate"),
        )
        return outcome_of("CreditNotes", note)

    # -- what drift's approval asks ----------------------------------------------------------

    # https://developer.xero.com/documentation/api/accounting/invoices#post-invoices
    # (a draft is deleted, an approved invoice voided)
    def invoice_void(self, remote_id: str, *, key: str) -> None:
        current = self.client.get("Invoices", remote_id)
        if current.status not in ("VOIDED", "DELETED"):
            status = "DELETED" if current.status in ("DRAFT", "SUBMITTED") else "VOIDED"
            self.client.invoice_status_set(remote_id, status, key=key)

    def invoice_replace(self, plan: Replacement, steps: Steps) -> str:
        """Credit the old invoice in full with a credit note, allocated to what it still owes,
        write the bill again as a new invoice, and allocate what was paid onto it."""
        note_id = steps.done("credit_note")
        if not note_id:
            body = xm.credit_note_payload(
                contact_id=plan.customer_id,
                lines=[
                    xm.LineIn(
                        amount=plan.total,
                        account_code=self.account("fee_income"),
                        description=f"Credit for invoice {plan.old_number}, replaced",
                        tax_type=self.tax_code(False) or "NONE",
                    )
                ],
                number=plan.credit_number or f"CR-{plan.old_number}",
                txn_date=plan.today,
            )
            note_id = self.client.create("CreditNotes", body, key=steps.key("credit_note")).id
            steps.record("credit_note", note_id)
        if plan.balance > 0 and not steps.done("allocate_old"):
            self.client.credit_note_allocate(
                note_id,
                invoice_id=plan.old_id,
                amount=plan.balance,
                txn_date=plan.today,
                key=steps.key("allocate_old"),
            )
            steps.record("allocate_old", plan.old_id)
        new_id = steps.done("replacement")
        if not new_id:
            body = self.invoice_body(plan.payload, plan.customer_id)
            body["InvoiceNumber"] = plan.number
            body["Date"] = plan.txn_date.isoformat()
            new_id = self.client.create("Invoices", body, key=steps.key("replacement")).id
            steps.record("replacement", new_id)
        if plan.onto_new > 0 and not steps.done("allocate_new"):
            self.client.credit_note_allocate(
                note_id,
                invoice_id=new_id,
                amount=plan.onto_new,
                txn_date=plan.today,
                key=steps.key("allocate_new"),
            )
            steps.record("allocate_new", new_id)
        return new_id


def _live(row, op) -> bool:
    return row.status != "DELETED"
