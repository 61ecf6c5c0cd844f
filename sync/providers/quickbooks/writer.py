"""QuickBooks Online as a books writer: planned operations become batch items, answers outcomes.

https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sync.models import ExternalLink, SyncOperation
from sync.providers.amounts import CENT, money
from sync.providers.base import Item, Outcome, Replacement, Steps
from sync.providers.errors import (
    ProviderConflict,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from sync.providers.http import idempotency_key
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.client import BATCH_MAX, STALE_OBJECT, THROTTLED
from sync.providers.quickbooks.recovery import Recovery
from sync.providers.writing import (
    READ_ALL_CONTACTS_OVER,
    LinkNote,
    credit_number,
    day,
    dependency,
    failed,
    line_text,
    op_key,
    payment_reference,
)

OBJECT_NOT_FOUND = "610"  # QuickBooks: "Object Not Found : Another user has deleted this ..."


class QuickBooksWriter(Recovery):
    provider = "quickbooks"
    invoice_type = "Invoice"
    batch_max = BATCH_MAX
    concurrency = 4  # of the 10 concurrent requests a realm allows; batch calls are 40 a minute
    lanes = 2  # two loops of rounds, 8 requests at most in flight: the batch window never idles
    # Two channels run side by side: 40 batch requests a minute of up to 30 items, and the rest of
    # the 500 requests a minute as one-record writes (a batch request counts once against the 500:
    # "API calls are throttled at 500 requests per minute per realmId, including batch requests",
    # https://developer.intuit.com/hub/blog/2016/08/08/idg-concurrent-api-use-changes-coming-soon ;
    # https://developer.intuit.com/app/developer/qbo/docs/learn/limits-and-throttles). This share
    # of a round's items goes one at a time, so both allowances fill together.
    single_share = (500 - 40) / ((500 - 40) + 40 * BATCH_MAX)

    FEES_ITEM = "Legal services (Clio)"
    EXPENSES_ITEM = "Reimbursed expenses (Clio)"

    def __init__(self, connection, cfg, client):
        super().__init__(connection, cfg, client)
        self.items: dict[str, str] = {}
        self.customers: dict[str, list] | None = None

    def prepare(self, entity: str, ops: list[SyncOperation]) -> None:
        if entity in ("bill", "credit") and not self.items:
            self.items_prepare()
        # Claimed before or not: what recovery does not find is matched against this list.
        creates = [o for o in ops if o.action == "create"]
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

    def items_prepare(self) -> None:
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
            payload: dict = {"Name": name, "Type": "Service"}
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
            self.links_new.append(
                LinkNote(
                    "item",
                    [(local_id, "Item", found.id, "")],
                    replace=f"{kind}:",
                    version=found.version,
                )
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

    def build(self, op: SyncOperation, links: dict) -> Item | Outcome | None:
        """A batch item, an outcome without a write, or None for a one-at-a-time write."""
        p = op.payload
        link: Any = links.get((op.entity, op.local_id))
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
                return dependency("client", p["client_clio_id"])
            body = self.invoice_body(p, customer.remote_id)
            if link is None:
                return Item(op, "create", "Invoice", body)
            return Item(op, "update", "Invoice", self._sparse(link, body))
        if op.entity == "payment":
            invoice = links.get(("bill", str(p["bill_clio_id"])))
            customer = links.get(("contact", str(p.get("client_clio_id"))))
            if invoice is None or customer is None:
                return dependency("bill", p["bill_clio_id"])
            body = qb.payment_payload(
                customer_id=customer.remote_id,
                amount=money(p["amount"]),
                invoice_id=invoice.remote_id,
                txn_date=day(p["date"]),
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

    def invoice_body(self, p: dict, customer_id: str) -> dict:
        lines = [self._line(x) for x in p["lines"]]
        body = qb.sales_payload(
            customer_id=customer_id,
            lines=[],
            number=p["number"] or "",
            txn_date=day(p["issued_at"]),
        )
        body["Line"] = lines
        if p.get("due_at"):
            body["DueDate"] = p["due_at"]
        body["PrivateNote"] = f"Clio bill {p['clio_id']}"
        return body

    def _line(self, x: dict) -> dict:
        total, qty, price = money(x["total"]), Decimal(x["quantity"]), money(x["price"])
        exact = qty and (qty * price).quantize(CENT, ROUND_HALF_UP) == total
        kind = "expenses" if x["type"] == "Expense" else "fees"
        line = qb.sales_line(
            qb.LineIn(
                amount=total,
                item_id=self.items[kind],
                description=line_text(x),
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
            elif result.error_code == THROTTLED:
                # Refused for throttling only: not written, not failed; back to the queue.
                outcomes[item.op.pk] = Outcome(
                    throttled=True, error_code=THROTTLED, error_message=result.error_message
                )
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

    def send_single(self, item: Item) -> dict[int, Outcome]:
        """One batch item written on its own (the one-record channel), answered like a batch
        item: a refusal fails the record, a throttle or an outage goes back to the queue."""
        key = op_key(item.op)
        try:
            if item.operation == "delete":
                body = item.body
                self.client.delete(item.remote_type, body["Id"], body["SyncToken"], key=key)
                outcome = Outcome(
                    ok=True, remote_type=item.remote_type, remote_id=body["Id"], removed=True
                )
            elif item.operation == "void":
                body = item.body
                entity = self.client.void(item.remote_type, body["Id"], body["SyncToken"], key=key)
                outcome = _qb_outcome(item.remote_type, entity)
            else:
                record = self.client.save(item.remote_type, item.body, key=key)
                outcome = _qb_record(item.remote_type, record)
        except ProviderConflict:
            outcome = self._resend_fresh(item)
        except (ProviderUnavailable, ProviderRateLimited):
            raise
        except ProviderError as exc:
            if exc.code == OBJECT_NOT_FOUND and item.operation == "delete":
                outcome = Outcome(
                    ok=True, remote_type=item.remote_type, remote_id=item.body["Id"], removed=True
                )
            else:
                outcome = failed(exc.code or str(exc.status or ""), exc.message)
        return {item.op.pk: outcome}

    def _resend_fresh(self, item: Item) -> Outcome:
        """Someone changed the record since we last wrote it: read its SyncToken and write again."""
        try:
            current = self.client.get(item.remote_type, item.body["Id"])
            body = {**item.body, "SyncToken": current.version}
            key = idempotency_key(item.op.idempotency_key, current.version)
            if item.operation == "update":
                record = self.client.save(item.remote_type, body, key=key)
                entity = qb.entity_from(item.remote_type, record)
            elif item.operation == "void":
                entity = self.client.void(item.remote_type, body["Id"], current.version, key=key)
            else:
                self.client.delete(item.remote_type, body["Id"], current.version, key=key)
                return Outcome(
                    ok=True, remote_type=item.remote_type, remote_id=body["Id"], removed=True
                )
        except ProviderRateLimited:
            raise  # not answered: the run waits for the window, nothing failed
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
                return dependency("bill", p["bill_clio_id"])
            body = qb.sales_payload(
                customer_id=customer.remote_id,
                lines=[
                    qb.LineIn(
                        amount=money(p["amount"]),
                        item_id=self.items["fees"],
                        description=f"Credit on Clio bill {p.get('bill_number') or ''}".strip(),
                    )
                ],
                number=credit_number(p),
                txn_date=day(p["date"]),
            )
            if link is not None:
                memo = self.client.update(
                    "CreditMemo", link.remote_id, link.remote_version, body, key=op_key(op)
                )
                return _qb_outcome("CreditMemo", memo)
            memo = self.client.create("CreditMemo", body, key=op_key(op))
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
        amount = money(p["amount"])
        apply = qb.credit_apply_payload(
            customer_id=customer.remote_id,
            lines=[(invoice.remote_id, "Invoice", amount), (memo.id, "CreditMemo", amount)],
            head={"PaymentRefNum": payment_reference(p["clio_id"])},
        )
        if p.get("date"):
            apply["TxnDate"] = p["date"]
        payment = self.client.create("Payment", apply, key=op_key(op, "apply"))
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
                key=op_key(op, "unapply"),
            )
        current = self.client.get("CreditMemo", link.remote_id)
        self.client.void("CreditMemo", link.remote_id, current.version, key=op_key(op))
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

    # -- what drift's approval asks ----------------------------------------------------------

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#void-an-invoice
    def invoice_void(self, remote_id: str, *, key: str) -> None:
        current = self.client.get("Invoice", remote_id)
        if current.status != "voided":
            self.client.void("Invoice", remote_id, current.version, key=key)

    def invoice_replace(self, plan: Replacement, steps: Steps) -> str:
        """Credit the old invoice in full, write the bill again as a new invoice, and apply the
        credit and what was paid across the two with a zero Payment."""
        if not self.items:
            self.items_prepare()
        memo_id = steps.done("credit_note")
        if not memo_id:
            body = qb.sales_payload(
                customer_id=plan.customer_id,
                lines=[
                    qb.LineIn(
                        amount=plan.total,
                        item_id=self.items["fees"],
                        description=f"Credit for invoice {plan.old_number}, replaced",
                    )
                ],
                number=plan.credit_number or f"CR-{plan.old_number}"[:21],
                txn_date=plan.today,
            )
            memo_id = self.client.create("CreditMemo", body, key=steps.key("credit_note")).id
            steps.record("credit_note", memo_id)
        new_id = steps.done("replacement")
        if not new_id:
            body = self.invoice_body(plan.payload, plan.customer_id)
            body["DocNumber"] = plan.number
            body["TxnDate"] = plan.txn_date.isoformat()
            new_id = self.client.create("Invoice", body, key=steps.key("replacement")).id
            steps.record("replacement", new_id)
        if not steps.done("apply"):
            lines = [(plan.old_id, "Invoice", plan.balance), (new_id, "Invoice", plan.onto_new)]
            lines.append((memo_id, "CreditMemo", plan.balance + plan.onto_new))
            apply = qb.credit_apply_payload(
                customer_id=plan.customer_id,
                lines=[line for line in lines if line[2] > 0],
                head={
                    "TxnDate": plan.today.isoformat(),
                    "PrivateNote": f"FirmSync: invoice {plan.old_number} credited and replaced",
                },
            )
            applied = (
                self.client.create("Payment", apply, key=steps.key("apply"))
                if apply["Line"]
                else None
            )
            steps.record("apply", applied.id if applied else "-")
        return new_id


def _qb_outcome(remote_type: str, entity) -> Outcome:
    return Outcome(
        ok=True,
        remote_type=remote_type,
        remote_id=str(entity.id),
        version=str(getattr(entity, "version", "")),
        number=str(getattr(entity, "number", "") or ""),
        status=str(getattr(entity, "status", "") or ""),
    )


def _qb_record(remote_type: str, record: dict) -> Outcome:
    """A written record as QuickBooks answered it (entities without a typed mapping too)."""
    entity = qb.entity_from(remote_type, record)
    if not isinstance(entity, dict):
        return _qb_outcome(remote_type, entity)
    return Outcome(
        ok=True,
        remote_type=remote_type,
        remote_id=str(record["Id"]),
        version=str(record.get("SyncToken", "")),
        number=str(record.get("DocNumber", "") or ""),
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
