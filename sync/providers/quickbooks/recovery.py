"""Finding in QuickBooks what an earlier claim may have written (a worker killed after the books
saved its round, before it recorded the answers), by natural keys, many at once."""

from sync.models import SyncOperation
from sync.providers.base import Outcome
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.client import quote_list
from sync.providers.writing import (
    Writer,
    credit_number,
    in_chunks,
    keyed,
    outcome_of,
    payment_reference,
)


class Recovery(Writer):
    """The QuickBooks writer's look-ups before a write that may have happened already."""

    def recover(self, op: SyncOperation, links: dict) -> Outcome | None:
        return self.recover_many([op], links)[op.pk]

    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    # (IN takes a list of values on a filterable field: DisplayName, DocNumber, CustomerRef)
    def recover_many(self, ops: list[SyncOperation], links: dict) -> dict[int, Outcome | None]:
        """Operations that may have reached the books before, found by their natural keys: one
        query per kind and 25 keys (a credit note, rare, is looked for alone: finding it also
        applies it)."""
        found: dict[int, Outcome | None] = {op.pk: None for op in ops}
        contacts = keyed(ops, "contact", ("create",), lambda p: qb.display_name(p["name"]))
        found.update(self.customers_recover(contacts))
        bills = keyed(ops, "bill", ("create",), lambda p: p.get("number") or None)
        for chunk in in_chunks(bills):
            self.book_reads += 1
            for row in self.client.find_where("Invoice", f"DocNumber IN {quote_list(chunk)}"):
                for op in bills.get(row.number, ()):
                    found[op.pk] = found[op.pk] or outcome_of("Invoice", row)
        payments = keyed(ops, "payment", ("create",), lambda p: payment_reference(p["clio_id"]))
        paying = [op for waiting in payments.values() for op in waiting]
        clients = {("contact", str(op.payload.get("client_clio_id"))) for op in paying}
        customers = {links[key].remote_id for key in clients if key in links}
        for chunk in in_chunks(sorted(customers)):
            self.book_reads += 1
            where = f"WHERE CustomerRef IN {quote_list(chunk)}"
            for row in self.client.query_all("Payment", where):
                for op in payments.get(row.get("PaymentRefNum") or "", ()):
                    found[op.pk] = found[op.pk] or outcome_of("Payment", qb.payment_from(row))
        for op in ops:
            if op.entity == "credit" and op.action == "create":
                found[op.pk] = self._credit_recover(op, links)
        return found

    def customers_recover(self, named: dict[str, list[SyncOperation]]) -> dict[int, Outcome]:
        """Operations that create a customer, by its display name, found among the books'
        customers: a query per 25 names, an active namesake first."""
        found: dict[int, Outcome] = {}
        for chunk in in_chunks(named):
            self.book_reads += 1
            where = f"DisplayName IN {quote_list(chunk)} AND Active IN (true, false)"
            by_name = {qb.name_key(name): named[name] for name in chunk}
            rows = self.client.find_where("Customer", where)
            for row in sorted(rows, key=lambda r: not r.active):
                for op in by_name.get(qb.name_key(row.name), ()):
                    found.setdefault(op.pk, outcome_of("Customer", row))
        return found

    def _credit_recover(self, op: SyncOperation, links: dict) -> Outcome | None:
        p = op.payload
        self.book_reads += 1
        found = self.client.find_by_number("CreditMemo", credit_number(p))
        return None if found is None else self._credit_apply(op, links, found)

    def _credit_apply(self, op: SyncOperation, links: dict, memo) -> Outcome:
        raise NotImplementedError
