"""QuickBooks Online as the books of trust legs: Deposit, Purchase (a cheque), Transfer and
JournalEntry, the matter as a sub-customer or a class (see sync.providers.trust_writing)."""

from decimal import Decimal

from sync.models import ExternalLink, SyncOperation
from sync.providers.amounts import money
from sync.providers.base import LEG_ENTITIES, TRUST_MATTER_ENTITY, Item, Outcome
from sync.providers.http import idempotency_key
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.client import quote_list
from sync.providers.quickbooks.writer import QuickBooksWriter
from sync.providers.trust_writing import (
    BY,
    MATTER_LINK,
    TrustMixin,
    client_links,
    matter_label,
    matters_of,
    trust_marker,
)
from sync.providers.writing import in_chunks

QB_TYPES = {
    "bank_in": "Deposit",
    "bank_out": "Purchase",
    "transfer": "Transfer",
    "journal": "JournalEntry",
}


class QuickBooksTrustWriter(TrustMixin, QuickBooksWriter):
    matter_modes = (BY.SUB_CUSTOMER, BY.CLASS)
    names: dict[str, str] | None = None  # the customer list by name (`_customer_names`)

    def prepare(self, entity: str, ops: list[SyncOperation]) -> None:
        if entity == TRUST_MATTER_ENTITY:
            # Sub-customers as records of their own: only their parents are needed first.
            matters = {op.local_id: op.payload["matter"] for op in ops}
            self.parents = self._client_customers(matters, self._customer_names())
            return
        self.matters: dict[str, str] = {}
        mode = self._matter_mode()
        known = self._matter_links(mode)
        missing: dict[str, dict] = {}
        for clio_id, matter in matters_of(ops).items():
            link = known.get(clio_id)
            if link is not None:
                self.matters[clio_id] = link.remote_id
            elif mode == BY.CLASS:
                self.matters[clio_id] = self._class(matter)
            else:
                missing[clio_id] = matter
        if missing:
            self._sub_customers(missing)

    def _sub_customers(self, matters: dict[str, dict]) -> None:
        """The sub-customers of many matters at once: the customer list (read once by this
        writer), then the missing ones created 30 to a batch. A matter whose create fails (a
        namesake, say) falls back to the one-at-a-time find-or-create."""
        by_name = self._customer_names()
        self.parents = self._client_customers(matters, by_name)
        names = {cid: self._sub_customer_name(m) for cid, m in matters.items()}
        items = [
            qb.BatchItem(
                key=cid,
                entity="Customer",
                operation="create",
                payload=self._sub_customer_payload(matters[cid], name),
            )
            for cid, name in names.items()
            if name.casefold() not in by_name
        ]
        if items:
            key = idempotency_key(
                self.connection.pk, "sub_customers", *sorted(i.key for i in items)
            )
            for cid, result in self.client.batch(items, key=key).items():
                if result.ok:
                    by_name[names[cid].casefold()] = result.entity_id
        links = []
        for cid, name in names.items():
            remote_id = by_name.get(name.casefold())
            if remote_id is None:
                self.matters[cid] = self._sub_customer(matters[cid])
                continue
            links.append((f"sub_customer:{cid}", "Customer", remote_id, name))
            self.matters[cid] = remote_id
        self._remember_many(MATTER_LINK, links)

    def _sub_customer_item(self, op: SyncOperation, links: dict) -> Item | Outcome:
        """A matter's sub-customer (planned by sync.trust_books.plan): linked already, found in
        the customer list by its name, or created in a batch like any record."""
        link = links.get((op.entity, op.local_id))
        if link is not None:
            return Outcome(ok=True, remote_type=link.remote_type, remote_id=link.remote_id)
        matter = op.payload["matter"]
        name = self._sub_customer_name(matter)
        found = self._customer_names().get(name.casefold())
        if found is not None:
            return Outcome(ok=True, remote_type="Customer", remote_id=found)
        return Item(op, "create", "Customer", self._sub_customer_payload(matter, name))

    def _find_matters(self, ops: list[SyncOperation]) -> dict[int, Outcome | None]:
        by_name: dict[str, list[SyncOperation]] = {}
        for op in ops:
            by_name.setdefault(self._sub_customer_name(op.payload["matter"]), []).append(op)
        return {op.pk: None for op in ops} | self.customers_recover(by_name)

    def _customer_names(self) -> dict[str, str]:
        """The books' customers by display name, read once for the writer's life (a lane's
        rounds in one push) and kept up to date with what it makes: a first sync's trust legs
        name a thousand matters, and reading the list again for every round of them spent a
        third of QuickBooks' calls in the trust phase. A name someone else took since is
        refused by QuickBooks (6240), and that matter falls back to find-or-create."""
        if self.names is None:
            rows = self.client.query_all("Customer")
            self.book_reads += 1 + len(rows) // 1000
            self.names = {str(r.get("DisplayName", "")).casefold(): str(r["Id"]) for r in rows}
        return self.names

    def _client_customers(self, matters: dict[str, dict], by_name: dict[str, str]) -> dict:
        """Each client's customer: linked already, found in the list by name, or created 30 to
        a batch (linked with an empty fingerprint: the contact sync, if it covers the client,
        brings the customer's details up to date on its next plan)."""
        parents = client_links(self.connection, matters)
        clients = {
            str(m["client"]["clio_id"]): m["client"] for m in matters.values() if m.get("client")
        }
        wanted = {cid: c for cid, c in clients.items() if cid not in parents}
        links = []
        for cid, c in list(wanted.items()):
            found = by_name.get(qb.display_name(c["name"]).casefold())
            if found:
                parents[cid] = found
                links.append((cid, "Customer", found, ""))
                del wanted[cid]
        items = [
            qb.BatchItem(
                key=cid,
                entity="Customer",
                operation="create",
                payload=qb.customer_payload(name=c["name"], email=c.get("email") or ""),
            )
            for cid, c in wanted.items()
        ]
        if items:
            key = idempotency_key(self.connection.pk, "customers", *sorted(wanted))
            for cid, result in self.client.batch(items, key=key).items():
                if result.ok:
                    parents[cid] = result.entity_id
                    by_name[qb.display_name(wanted[cid]["name"]).casefold()] = result.entity_id
                    links.append((cid, "Customer", result.entity_id, ""))
        self._remember_many("contact", links)
        return parents

    def _sub_customer_name(self, matter: dict) -> str:
        return qb.display_name(f"{matter_label(matter)} {matter['client']['name']}")

    def _sub_customer_payload(self, matter: dict, name: str) -> dict:
        return {
            "DisplayName": name,
            "Job": True,
            "BillWithParent": True,
            "ParentRef": {"value": self._parent(matter["client"])},
        }

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/class
    def _class(self, matter: dict) -> str:
        name = qb.display_name(matter_label(matter))[:100]
        rows = self.client.query_all("Class", f"WHERE Name = {qb.quote(name)}")
        self.book_reads += 1
        if rows:
            remote_id = str(rows[0]["Id"])
        else:
            key = idempotency_key(self.connection.pk, "class", matter["clio_id"])
            remote_id = str(self.client.create("Class", {"Name": name}, key=key)["Id"])
        self._remember(MATTER_LINK, f"class:{matter['clio_id']}", "Class", remote_id, name)
        return remote_id

    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
    # (a sub-customer is a Customer with Job true and ParentRef, shown as "Client:Matter")
    def _sub_customer(self, matter: dict) -> str:
        name = self._sub_customer_name(matter)
        payload = self._sub_customer_payload(matter, name)
        key = idempotency_key(self.connection.pk, "sub_customer", matter["clio_id"])
        found, _ = self.client.find_or_create("Customer", payload, key=key)
        self.book_reads += 1
        remote_id = str(found.id)
        self._remember(
            MATTER_LINK, f"sub_customer:{matter['clio_id']}", "Customer", remote_id, name
        )
        return remote_id

    def _parent(self, client: dict) -> str:
        known = getattr(self, "parents", {}).get(str(client["clio_id"]))
        return known or self._client_customer(client)

    def _client_customer(self, client: dict) -> str:
        link = ExternalLink.objects.filter(
            connection=self.connection, entity="contact", local_id=str(client["clio_id"])
        ).first()
        if link is not None:
            return link.remote_id
        key = idempotency_key(self.connection.pk, "contact", client["clio_id"])
        found, _ = self.client.customer_find_or_create(
            name=client["name"], email=client["email"] or "", key=key
        )
        self.book_reads += 1
        # Linked with an empty fingerprint: the contact sync, if it covers this client, brings
        # the customer's details up to date on its next plan.
        self._remember("contact", str(client["clio_id"]), "Customer", str(found.id))
        return str(found.id)

    def build(self, op: SyncOperation, links: dict) -> Item | Outcome | None:
        if op.entity == TRUST_MATTER_ENTITY:
            return self._sub_customer_item(op, links)
        if op.entity not in LEG_ENTITIES:
            return super().build(op, links)
        link = links.get((op.entity, op.local_id))
        if link is not None:
            return Outcome(ok=True, remote_type=link.remote_type, remote_id=link.remote_id)
        unmapped = self._unmapped(op)
        if unmapped is not None:
            return unmapped
        p = op.payload
        body = getattr(self, f"_qb_{p['shape']}")(p)
        body.update(TxnDate=p["date"], PrivateNote=f"{trust_marker(op)} · {p['memo']}"[:4000])
        return Item(op, "create", QB_TYPES[p["shape"]], body)

    def _ref(self, role: str) -> dict:
        return {"value": self.account(role)}

    def _carrier(self, matter: dict | None) -> tuple[str, str]:
        """(customer id, class id) naming the matter on a line; neither for firm money."""
        if matter is None:
            return "", ""
        remote = self.matters[str(matter["clio_id"])]
        return ("", remote) if self._matter_mode() == BY.CLASS else (remote, "")

    def _qb_bank_in(self, p: dict) -> dict:
        lines = []
        for ln in p["lines"]:
            detail = {"AccountRef": self._ref(ln["account"])}
            customer, klass = self._carrier(ln["matter"])
            if customer:
                detail["Entity"] = {"value": customer, "type": "CUSTOMER"}
            if klass:
                detail["ClassRef"] = {"value": klass}
            lines.append(self._amount_line(ln, "DepositLineDetail", detail, p))
        return {"DepositToAccountRef": self._ref(p["bank"]), "Line": lines}

    def _qb_bank_out(self, p: dict) -> dict:
        lines = []
        for ln in p["lines"]:
            detail = {"AccountRef": self._ref(ln["account"])}
            customer, klass = self._carrier(ln["matter"])
            if customer:
                detail["CustomerRef"] = {"value": customer}
            if klass:
                detail["ClassRef"] = {"value": klass}
            lines.append(self._amount_line(ln, "AccountBasedExpenseLineDetail", detail, p))
        # A cheque, as trust disbursements are recorded (Purchase page: PaymentType Check).
        return {"AccountRef": self._ref(p["bank"]), "PaymentType": "Check", "Line": lines}

    def _qb_transfer(self, p: dict) -> dict:
        return qb.transfer_payload(
            from_id=self.account(p["from"]), to_id=self.account(p["to"]), amount=money(p["amount"])
        )

    def _qb_journal(self, p: dict) -> dict:
        lines = []
        for ln in p["lines"]:
            amount = Decimal(ln["amount"])
            customer, klass = self._carrier(ln["matter"])
            lines.append(
                qb.JournalLineIn(
                    amount=money(str(abs(amount))),
                    account_id=self.account(ln["account"]),
                    posting="Debit" if amount > 0 else "Credit",
                    description=p["memo"],
                    customer_id=customer,
                    class_id=klass,
                )
            )
        return qb.journal_entry_payload(lines=lines)

    @staticmethod
    def _amount_line(ln: dict, detail_type: str, detail: dict, p: dict) -> dict:
        return qb.amount_line(
            amount=money(ln["amount"]),
            detail_type=detail_type,
            detail=detail,
            description=p["memo"],
        )

    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    # (TxnDate is filterable on every transaction; PrivateNote is not, so the days are read)
    def _find_legs(self, ops: list[SyncOperation]) -> dict[int, Outcome | None]:
        found: dict[int, Outcome | None] = {op.pk: None for op in ops}
        by_type: dict[str, dict[str, list[SyncOperation]]] = {}
        days: dict[str, set[str]] = {}
        for op in ops:
            remote_type = QB_TYPES[op.payload["shape"]]
            by_type.setdefault(remote_type, {}).setdefault(trust_marker(op), []).append(op)
            days.setdefault(remote_type, set()).add(op.payload["date"])
        for remote_type, markers in by_type.items():
            for chunk in in_chunks(sorted(days[remote_type])):
                self.book_reads += 1
                rows = self.client.query_all(remote_type, f"WHERE TxnDate IN {quote_list(chunk)}")
                for row in rows:
                    marker = (row.get("PrivateNote") or "").split(" · ", 1)[0]
                    for op in markers.get(marker, ()):
                        found[op.pk] = found[op.pk] or Outcome(
                            ok=True,
                            remote_type=remote_type,
                            remote_id=str(row["Id"]),
                            version=str(row.get("SyncToken", "")),
                        )
        return found
