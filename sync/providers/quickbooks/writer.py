"""Planned operations become writes to QuickBooks Online or Xero; their answers become outcomes.

A writer knows one provider: how a provider-neutral payload becomes a batch element, how to find a
record that may already be there (a run cut off after the provider saved it), and what its answers
mean. It makes HTTP calls only; the push records outcomes. `send` may run in several threads.
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sync.engine.registry import client_for
from sync.models import Connection, ExternalLink, SyncOperation, SyncSettings
from sync.providers.errors import ProviderError, ProviderRateLimited, ProviderUnavailable
from sync.providers.http import idempotency_key
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.client import BATCH_MAX as QB_BATCH
from sync.providers.quickbooks.client import STALE_OBJECT
from sync.providers.xero import mapping as xm
from sync.providers.xero.client import BATCH_MAX as XERO_BATCH

logger = logging.getLogger("firmsync.sync")

CENT = Decimal("0.01")
OBJECT_NOT_FOUND = "610"  # QuickBooks: "Object Not Found : Another user has deleted this ..."
# Above this many contact creates in one push, one read of the whole customer list is cheaper
# than a search per contact.
READ_ALL_CONTACTS_OVER = 20
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@dataclass
class Outcome:
    """What became of one operation."""

    ok: bool = False
    remote_type: str = ""
    remote_id: str = ""
    version: str = ""
    number: str = ""
    status: str = ""
    error_code: str = ""
    error_message: str = ""
    skipped: bool = False
    removed: bool = False  # the record is gone from the books: forget the link
    # Further links the write made (a credit's application to its invoice).
    extra: list[tuple[str, "Outcome"]] = field(default_factory=list)


def failed(code: str, message: str) -> Outcome:
    return Outcome(error_code=code, error_message=message)


def payment_reference(clio_id) -> str:
    """Our marker on a payment in the books: a re-run finds its own by it, the watcher skips it."""
    return f"Clio {clio_id}"


def contact_number(clio_id) -> str:
    return f"CLIO-{clio_id}"


def _money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _dependency(what: str, clio_id) -> Outcome:
    return failed(
        "dependency",
        f"Its {what} (Clio id {clio_id}) is not in the books yet; it goes once that is fixed.",
    )


@dataclass
class Item:
    """One element of a batch, for one operation."""

    op: SyncOperation
    operation: str  # create, update, delete, void
    remote_type: str
    body: dict


class Writer:
    provider = ""
    batch_max = 1
    concurrency = 1

    def __init__(self, connection: Connection, cfg: SyncSettings):
        self.connection = connection
        self.cfg = cfg
        self.client = client_for(connection)
        self.book_reads = 0

    def account(self, role: str) -> str:
        return str((self.cfg.accounts.get(role) or {}).get("id", ""))

    def tax_code(self, taxable: bool) -> str:
        return (self.cfg.tax_mapping or {}).get("taxable" if taxable else "exempt", "")

    @staticmethod
    def chunk_key(items: list[Item]) -> str:
        """The same operations on the same attempt make the same request key, so a resend
        replays. A later attempt (a retry after a refusal, which the provider would replay as
        refused) gets a new key; it looks for its record in the books before it writes."""
        return idempotency_key(*sorted(f"{i.op.idempotency_key}:{i.op.attempts}" for i in items))


# -- QuickBooks Online ---------------------------------------------------------------------------


class QuickBooksWriter(Writer):
    provider = "quickbooks"
    batch_max = QB_BATCH
    concurrency = 4  # of the 10 concurrent requests a realm allows; batch calls are 40 a minute

    FEES_ITEM = "Legal services (Clio)"
    EXPENSES_ITEM = "Reimbursed expenses (Clio)"

    def __init__(self, connection, cfg):
        super().__init__(connection, cfg)
        self.items: dict[str, str] = {}
        self.customers: dict[str, list] | None = None

    def prepare(self, entity: str, ops: list[SyncOperation]) -> None:
        if entity in ("bill", "credit") and not self.items:
            self._items_prepare()
        creates = [o for o in ops if o.action == "create" and o.attempts <= 1]
        if entity == "contact" and len(creates) > READ_ALL_CONTACTS_OVER and self.customers is None:
            self.customers = {}
            rows = self.client.query_all("Customer", "WHERE Active IN (true, false)")
            self.book_reads += max(1, len(rows) // 1000 + 1)
            for row in rows:
                customer = qb.customer_from(row)
                self.customers.setdefault(qb.name_key(customer.name), []).append(customer)
                if customer.email:
                    self.customers.setdefault(customer.email.strip().casefold(), []).append(
                        customer
                    )

    def _items_prepare(self) -> None:
        """Invoice lines need an Item: one for fees, one for expenses, each posting to the mapped
        account. Found or made once per connection, then remembered as links."""
        known = {
            link.local_id: link.remote_id
            for link in ExternalLink.objects.filter(connection=self.connection, entity="item")
        }
        for kind, name, role in (
            ("fees", self.FEES_ITEM, "fee_income"),
            ("expenses", self.EXPENSES_ITEM, "reimbursed_expenses"),
        ):
            account = self.account(role) or self.account("fee_income")
            local_id = f"{kind}:{account}"
            if local_id in known:
                self.items[kind] = known[local_id]
                continue
            payload = {"Name": name, "Type": "Service"}
            if account:
                payload["IncomeAccountRef"] = {"value": account}
            key = idempotency_key(self.connection.pk, "item", name, account)
            found, _ = self.client.find_or_create("Item", payload, key=key)
            self.book_reads += 1
            posts_to = (found.raw.get("IncomeAccountRef") or {}).get("value", "")
            if account and posts_to != account:
                # The mapping changed since the item was made: point it at the new account.
                found = self.client.update(
                    "Item",
                    found.id,
                    found.version,
                    {"IncomeAccountRef": {"value": account}},
                    key=idempotency_key(key, "account", found.version),
                )
            self.items[kind] = found.id
            ExternalLink.objects.filter(
                connection=self.connection, entity="item", local_id__startswith=f"{kind}:"
            ).delete()
            ExternalLink.objects.update_or_create(
                connection=self.connection,
                entity="item",
                local_id=local_id,
                defaults={
                    "firm_id": self.connection.firm_id,
                    "remote_type": "Item",
                    "remote_id": found.id,
                    "remote_version": found.version,
                },
            )

    # Matching and recovery read the books; the push keeps them rare (1 % of writes at most).

    def match_contact(self, op, linked_remote: set[str]) -> Outcome | None:
        p = op.payload
        if self.customers is not None:
            candidates = self.customers.get((p["email"] or "").strip().casefold(), []) or (
                self.customers.get(qb.name_key(p["name"]), [])
            )
        else:
            self.book_reads += 1
            found = self.client.find_by_name("Customer", p["name"])
            if found is None and p["email"]:
                self.book_reads += 1
                found = self.client.customer_find_by_email(p["email"])
            candidates = [found] if found else []
        for customer in candidates:
            if customer.id not in linked_remote:
                return Outcome(
                    ok=True, remote_type="Customer", remote_id=customer.id, version=customer.version
                )
        return None

    def recover(self, op: SyncOperation, links: dict) -> Outcome | None:
        """An operation that may have reached the books before: find it by its natural key."""
        p = op.payload
        self.book_reads += 1
        if op.entity == "contact" and op.action == "create":
            found = self.client.find_by_name("Customer", p["name"])
            return _qb_outcome("Customer", found) if found else None
        if op.entity == "bill" and op.action == "create" and p.get("number"):
            found = self.client.find_by_number("Invoice", p["number"])
            return _qb_outcome("Invoice", found) if found else None
        if op.entity == "payment" and op.action == "create":
            customer = links.get(("contact", str(p.get("client_clio_id"))))
            if customer is None:
                return None
            rows = self.client.query_all(
                "Payment", f"WHERE CustomerRef = {qb.quote(customer.remote_id)}"
            )
            ours = [r for r in rows if r.get("PaymentRefNum") == payment_reference(p["clio_id"])]
            return _qb_outcome("Payment", qb.payment_from(ours[0])) if ours else None
        if op.entity == "credit" and op.action == "create":
            found = self.client.find_by_number("CreditMemo", _credit_number(p))
            return None if found is None else self._credit_apply(op, links, found)
        self.book_reads -= 1
        return None

    def build(self, op: SyncOperation, links: dict) -> Item | Outcome | None:
        """A batch item, an outcome without a write, or None for a one-at-a-time write."""
        p = op.payload
        link = links.get((op.entity, op.local_id))
        if op.action in ("void", "delete") and link is None:
            return Outcome(skipped=True, error_message="Nothing in the books to remove.")
        if op.entity == "credit":
            return None
        if op.action in ("void", "delete"):
            remote = {"contact": "Customer", "bill": "Invoice", "payment": "Payment"}[op.entity]
            return Item(
                op, op.action, remote, {"Id": link.remote_id, "SyncToken": link.remote_version}
            )
        if op.entity == "contact":
            body = qb.customer_payload(name=p["name"], email=p["email"])
            if link is None:
                return Item(op, "create", "Customer", body)
            body.setdefault("PrimaryEmailAddr", {"Address": ""})
            return Item(op, "update", "Customer", self._sparse(link, body))
        if op.entity == "bill":
            customer = links.get(("contact", str(p["client_clio_id"])))
            if customer is None:
                return _dependency("client", p["client_clio_id"])
            body = self._invoice(p, customer.remote_id)
            if link is None:
                return Item(op, "create", "Invoice", body)
            return Item(op, "update", "Invoice", self._sparse(link, body))
        if op.entity == "payment":
            invoice = links.get(("bill", str(p["bill_clio_id"])))
            customer = links.get(("contact", str(p.get("client_clio_id"))))
            if invoice is None or customer is None:
                return _dependency("bill", p["bill_clio_id"])
            body = qb.payment_payload(
                customer_id=customer.remote_id,
                amount=_money(p["amount"]),
                invoice_id=invoice.remote_id,
                txn_date=_date(p["date"]),
                reference=payment_reference(p["clio_id"]),
                deposit_account_id=self.account("operating_bank"),
            )
            if link is None:
                return Item(op, "create", "Payment", body)
            return Item(op, "update", "Payment", self._sparse(link, body))
        return failed("unsupported", f"FirmSync does not write {op.entity} records.")

    @staticmethod
    def _sparse(link: ExternalLink, body: dict) -> dict:
        return {**body, "Id": link.remote_id, "SyncToken": link.remote_version, "sparse": True}

    def _invoice(self, p: dict, customer_id: str) -> dict:
        lines = [self._line(x) for x in p["lines"]]
        body = qb.sales_payload(
            customer_id=customer_id,
            lines=[],
            number=p["number"] or "",
            txn_date=_date(p["issued_at"]),
        )
        body["Line"] = lines
        if p.get("due_at"):
            body["DueDate"] = p["due_at"]
        body["PrivateNote"] = f"Clio bill {p['clio_id']}"
        return body

    def _line(self, x: dict) -> dict:
        total, qty, price = _money(x["total"]), Decimal(x["quantity"]), _money(x["price"])
        exact = qty and (qty * price).quantize(CENT, ROUND_HALF_UP) == total
        kind = "expenses" if x["type"] == "Expense" else "fees"
        line = qb.sales_line(
            qb.LineIn(
                amount=total,
                item_id=self.items[kind],
                description=_line_text(x),
                qty=qty if exact else None,
                unit_price=price if exact else None,
            )
        )
        detail = line["SalesItemLineDetail"]
        if x.get("date"):
            detail["ServiceDate"] = x["date"]
        tax = self.tax_code(x.get("taxable", False))
        if tax:
            detail["TaxCodeRef"] = {"value": tax}
        return line

    def send(self, items: list[Item]) -> dict[int, Outcome]:
        batch = [qb.BatchItem(str(i.op.pk), i.remote_type, i.operation, i.body) for i in items]
        results = self.client.batch(batch, key=self.chunk_key(items))
        outcomes: dict[int, Outcome] = {}
        for item in items:
            result = results.get(str(item.op.pk))
            if result is None:
                outcomes[item.op.pk] = failed("missing", "QuickBooks did not answer this item.")
            elif result.ok:
                outcomes[item.op.pk] = _qb_result(item, result)
            elif result.error_code == STALE_OBJECT and item.operation != "create":
                outcomes[item.op.pk] = self._resend_fresh(item)
            elif result.error_code == OBJECT_NOT_FOUND and item.operation == "delete":
                # Gone already: an earlier attempt deleted it and its answer was lost (a dropped
                # connection, a worker that died before recording it). A later attempt has a new
                # requestid, so QuickBooks does not replay that first answer.
                outcomes[item.op.pk] = _qb_result(item, result)
            else:
                outcomes[item.op.pk] = failed(result.error_code, result.error_message)
        return outcomes

    def _resend_fresh(self, item: Item) -> Outcome:
        """Someone changed the record since we last wrote it: read its SyncToken and write again."""
        try:
            current = self.client.get(item.remote_type, item.body["Id"])
            body = {**item.body, "SyncToken": current.version}
            key = idempotency_key(item.op.idempotency_key, current.version)
            if item.operation == "update":
                record = self.client._write(item.remote_type, body, key)
                entity = qb.entity_from(item.remote_type, record)
            elif item.operation == "void":
                entity = self.client.void(item.remote_type, body["Id"], current.version, key=key)
            else:
                self.client.delete(item.remote_type, body["Id"], current.version, key=key)
                return Outcome(
                    ok=True, remote_type=item.remote_type, remote_id=body["Id"], removed=True
                )
        except ProviderError as exc:
            return failed(exc.code or str(exc.status or ""), exc.message)
        return _qb_outcome(item.remote_type, entity)

    def send_one(self, op: SyncOperation, links: dict) -> Outcome:
        """Credits: a CreditMemo, then a zero payment that applies it to the bill's invoice."""
        p = op.payload
        link = links.get(("credit", op.local_id))
        try:
            if op.action == "delete":
                return self._credit_delete(op, link, links)
            invoice = links.get(("bill", str(p["bill_clio_id"])))
            customer = links.get(("contact", str(p.get("client_clio_id"))))
            if invoice is None or customer is None:
                return _dependency("bill", p["bill_clio_id"])
            body = qb.sales_payload(
                customer_id=customer.remote_id,
                lines=[
                    qb.LineIn(
                        amount=_money(p["amount"]),
                        item_id=self.items["fees"],
                        description=f"Credit on Clio bill {p.get('bill_number') or ''}".strip(),
                    )
                ],
                number=_credit_number(p),
                txn_date=_date(p["date"]),
            )
            if link is not None:
                memo = self.client.update(
                    "CreditMemo", link.remote_id, link.remote_version, body, key=_key(op)
                )
                return _qb_outcome("CreditMemo", memo)
            memo = self.client.create("CreditMemo", body, key=_key(op))
            return self._credit_apply(op, links, memo)
        except (ProviderUnavailable, ProviderRateLimited):
            raise  # not answered: the push puts it back in the queue, as it does a batch
        except ProviderError as exc:
            return failed(exc.code or str(exc.status or ""), exc.message)

    def _credit_apply(self, op, links, memo) -> Outcome:
        p = op.payload
        if memo.balance <= 0:
            return _qb_outcome("CreditMemo", memo)  # applied by the earlier attempt
        invoice = links[("bill", str(p["bill_clio_id"]))]
        customer = links[("contact", str(p.get("client_clio_id")))]
        amount = _money(p["amount"])
        apply = {
            "CustomerRef": {"value": customer.remote_id},
            "TotalAmt": 0,
            "PaymentRefNum": payment_reference(p["clio_id"]),
            "Line": [
                {
                    "Amount": float(amount),
                    "LinkedTxn": [{"TxnId": invoice.remote_id, "TxnType": "Invoice"}],
                },
                {
                    "Amount": float(amount),
                    "LinkedTxn": [{"TxnId": memo.id, "TxnType": "CreditMemo"}],
                },
            ],
        }
        if p.get("date"):
            apply["TxnDate"] = p["date"]
        payment = self.client.create("Payment", apply, key=_key(op, "apply"))
        outcome = _qb_outcome("CreditMemo", memo)
        outcome.extra.append(("credit_application", _qb_outcome("Payment", payment)))
        return outcome

    def _credit_delete(self, op, link, links) -> Outcome:
        applied = links.get(("credit_application", op.local_id))
        if applied is not None:
            current = self.client.get("Payment", applied.remote_id)
            self.client.delete(
                "Payment",
                applied.remote_id,
                current.version,
                key=_key(op, "unapply"),
            )
        current = self.client.get("CreditMemo", link.remote_id)
        self.client.void("CreditMemo", link.remote_id, current.version, key=_key(op))
        done = Outcome(ok=True, remote_type="CreditMemo", remote_id=link.remote_id, removed=True)
        if applied is not None:
            done.extra.append(
                (
                    "credit_application",
                    Outcome(
                        ok=True, remote_type="Payment", remote_id=applied.remote_id, removed=True
                    ),
                )
            )
        return done


def _key(op: SyncOperation, *extra) -> str:
    """A single write's key: the operation, its attempt (see `Writer.chunk_key`), and the step."""
    return idempotency_key(op.idempotency_key, op.attempts, *extra)


def _credit_number(p: dict) -> str:
    return f"CR-{p['clio_id']}"[:21]


def _line_text(x: dict) -> str:
    return (x.get("description") or "").strip()[:4000] or (
        "Expense" if x["type"] == "Expense" else "Services"
    )


def _qb_outcome(remote_type: str, entity) -> Outcome:
    return Outcome(
        ok=True,
        remote_type=remote_type,
        remote_id=str(entity.id),
        version=str(getattr(entity, "version", "")),
        number=str(getattr(entity, "number", "") or ""),
        status=str(getattr(entity, "status", "") or ""),
    )


def _qb_result(item: Item, result) -> Outcome:
    if item.operation == "delete":
        return Outcome(
            ok=True, remote_type=item.remote_type, remote_id=item.body["Id"], removed=True
        )
    if result.entity is not None and not isinstance(result.entity, dict):
        return _qb_outcome(item.remote_type, result.entity)
    return Outcome(
        ok=True, remote_type=item.remote_type, remote_id=result.entity_id, version=result.version
    )


# -- Xero ----------------------------------------------------------------------------------------


class XeroWriter(Writer):
    provider = "xero"
    batch_max = XERO_BATCH
    concurrency = 4  # Xero allows 5 calls in progress per tenant

    RESOURCES = {"contact": "Contacts", "bill": "Invoices", "payment": "Payments"}

    def __init__(self, connection, cfg):
        super().__init__(connection, cfg)
        self.contacts: dict[str, list] | None = None

    def prepare(self, entity: str, ops: list[SyncOperation]) -> None:
        creates = [o for o in ops if o.action == "create" and o.attempts <= 1]
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
        p = op.payload
        self.book_reads += 1
        if op.entity == "contact" and op.action == "create":
            found = self.client.contact_find(number=contact_number(p["clio_id"]))
            return _xero_outcome("Contacts", found) if found else None
        if op.entity == "bill" and op.action == "create" and p.get("number"):
            found = self.client.invoice_find(p["number"])
            return _xero_outcome("Invoices", found) if found and found.status != "DELETED" else None
        if op.entity in ("payment", "credit") and op.action in ("create", "update"):
            found = self._payment_find(p)
            if found is not None and op.entity == "payment":
                return _xero_outcome("Payments", found)
        self.book_reads -= 1
        return None

    def _payment_find(self, p: dict):
        reference = xm.where_string(payment_reference(p["clio_id"]))
        rows = self.client.read_all("Payments", where=f"Reference=={reference}")
        live = [r for r in rows if r.status != "DELETED" and r.amount == _money(p["amount"])]
        return live[0] if live else None

    def build(self, op: SyncOperation, links: dict) -> Item | Outcome | None:
        p = op.payload
        link = links.get((op.entity, op.local_id))
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
                return _dependency("client", p["client_clio_id"])
            body = self._invoice(p, contact.remote_id)
            if link is not None:
                body["InvoiceID"] = link.remote_id
            return Item(op, "update" if link else "create", "Invoices", body)
        if op.entity == "payment":
            invoice = links.get(("bill", str(p["bill_clio_id"])))
            if invoice is None:
                return _dependency("bill", p["bill_clio_id"])
            return Item(op, "create", "Payments", self._payment(p, invoice.remote_id))
        return failed("unsupported", f"FirmSync does not write {op.entity} records.")

    def _invoice(self, p: dict, contact_id: str) -> dict:
        approved = p["state"] in ("awaiting_payment", "paid")
        return xm.invoice_payload(
            contact_id=contact_id,
            lines=[self._line(x) for x in p["lines"]],
            number=p["number"] or "",
            txn_date=_date(p["issued_at"]),
            due_date=_date(p["due_at"]),
            status="AUTHORISED" if approved else "DRAFT",
            reference=f"Clio bill {p['clio_id']}",
        )

    def _line(self, x: dict) -> xm.LineIn:
        role = "reimbursed_expenses" if x["type"] == "Expense" else "fee_income"
        qty = Decimal(x["quantity"]) or Decimal("1")
        total = _money(x["total"])
        if (qty * _money(x["price"])).quantize(CENT, ROUND_HALF_UP) != total:
            qty = Decimal("1")
        return xm.LineIn(
            amount=total,
            account_code=self.account(role) or self.account("fee_income"),
            description=_line_text(x),
            quantity=qty,
            tax_type=self.tax_code(x.get("taxable", False)) or "NONE",
        )

    def _payment(self, p: dict, invoice_id: str) -> dict:
        body = xm.payment_payload(
            invoice_id=invoice_id,
            account_code=self.account("operating_bank"),
            amount=_money(p["amount"]),
            txn_date=_date(p["date"]) or date.today(),
            reference=payment_reference(p["clio_id"]),
        )
        account = self.account("operating_bank")
        body["Account"] = {"AccountID": account} if GUID.match(account) else {"Code": account}
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
                outcomes[item.op.pk] = _xero_outcome(resource, result.entity)
                outcomes[item.op.pk].removed = item.operation == "delete"
            else:
                outcomes[item.op.pk] = _xero_outcome(resource, result.entity)
        for item in items[len(results) :]:
            outcomes[item.op.pk] = failed("missing", "Xero did not answer this element.")
        return outcomes

    def send_one(self, op: SyncOperation, links: dict) -> Outcome:
        p = op.payload
        link = links.get((op.entity, op.local_id))
        try:
            if op.entity == "payment":
                # Xero payments cannot be edited: delete the old one, then record the new amount.
                if link is not None:
                    current = self.client.get("Payments", link.remote_id)
                    if current.status != "DELETED":
                        self.client.payment_delete(link.remote_id, key=_key(op))
                if op.action == "delete":
                    return Outcome(
                        ok=True, remote_type="Payments", remote_id=link.remote_id, removed=True
                    )
                invoice = links.get(("bill", str(p["bill_clio_id"])))
                if invoice is None:
                    return _dependency("bill", p["bill_clio_id"])
                created = self.client.create(
                    "Payments",
                    self._payment(p, invoice.remote_id),
                    key=_key(op, "new"),
                )
                return _xero_outcome("Payments", created)
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
            self.client.update("CreditNotes", link.remote_id, {"Status": "VOIDED"}, key=_key(op))
            return Outcome(
                ok=True, remote_type="CreditNotes", remote_id=link.remote_id, removed=True
            )
        invoice = links.get(("bill", str(p["bill_clio_id"])))
        contact = links.get(("contact", str(p.get("client_clio_id"))))
        if invoice is None or contact is None:
            return _dependency("bill", p["bill_clio_id"])
        body = xm.credit_note_payload(
            contact_id=contact.remote_id,
            lines=[
                xm.LineIn(
                    amount=_money(p["amount"]),
                    account_code=self.account("fee_income"),
                    description=f"Credit on Clio bill {p.get('bill_number') or ''}".strip(),
                    tax_type=self.tax_code(False) or "NONE",
                )
            ],
            number=_credit_number(p),
            txn_date=_date(p["date"]),
        )
        note = self._credit_note_find(body["CreditNoteNumber"]) if op.attempts > 1 else None
        if note is None:
            note = self.client.create("CreditNotes", body, key=_key(op))
        if note.balance <= 0:
            return _xero_outcome("CreditNotes", note)  # allocated by the earlier attempt
        self.client.credit_note_allocate(
            note.id,
            invoice_id=invoice.remote_id,
            amount=_money(p["amount"]),
            txn_date=_date(p["date"]) or date.today(),
            key=_key(op, "allocate"),
        )
        return _xero_outcome("CreditNotes", note)


def _xero_outcome(resource: str, entity) -> Outcome:
    return Outcome(
        ok=True,
        remote_type=resource,
        remote_id=str(entity.id),
        version=str(getattr(entity, "version", "") or ""),
        number=str(getattr(entity, "number", "") or ""),
        status=str(getattr(entity, "status", "") or ""),
    )


def writer_for(connection: Connection, cfg: SyncSettings) -> Writer:
    kinds = {"quickbooks": QuickBooksWriter, "xero": XeroWriter}
    return kinds[connection.provider](connection, cfg)
