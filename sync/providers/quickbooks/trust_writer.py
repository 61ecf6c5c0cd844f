"""Trust legs (see plan_trust) become QuickBooks Online or Xero records.

Each leg is one element of the provider's batch, so the push sends trust writes exactly as it
sends invoices: 30 to a QuickBooks batch, 50 to a Xero save, each answered on its own. Before a
round is built, `prepare` makes sure every matter it names exists in the books the way the firm
chose to carry matters (a QuickBooks sub-customer or class, a Xero tracking option) and
remembers it as a link, so that happens once per matter, not once per entry.

Every record carries our marker (`trust_marker`), by which a re-claimed leg finds itself in the
books before it writes again.
"""

from decimal import Decimal

from accounts.bulk import bulk_upsert
from sync.books import ACCOUNT_ROLES
from sync.models import Connection, ExternalLink, SyncOperation, SyncSettings
from sync.providers.http import idempotency_key
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.writer import (
    GUID,
    Item,
    Outcome,
    QuickBooksWriter,
    XeroWriter,
    _money,
    _xero_outcome,
    contact_number,
    failed,
)
from sync.providers.xero import mapping as xm
from sync.trust_books.plan import ENTITY
from sync.trust_books.services import MATTER_BY

BY = SyncSettings.TrustMatterBy
MATTER_LINK = "trust_matter"
OPTION_MAX = 50  # Xero: a tracking option's name
OPTIONS_PER_CALL = 50


def trust_marker(op: SyncOperation) -> str:
    return f"FirmSync trust {op.local_id}"


def matter_label(matter: dict) -> str:
    label = matter.get("number") or matter.get("description") or f"Matter {matter['clio_id']}"
    return " ".join(label.split())


def _matters(ops: list[SyncOperation]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for op in ops:
        for line in op.payload.get("lines", []):
            if line.get("matter"):
                found[str(line["matter"]["clio_id"])] = line["matter"]
    return found


def _client_links(connection: Connection, matters: dict[str, dict]) -> dict[str, str]:
    """The books' contact of each matter's client that is already linked, in one query."""
    ids = {str(m["client"]["clio_id"]) for m in matters.values() if m.get("client")}
    rows = ExternalLink.objects.filter(connection=connection, entity="contact", local_id__in=ids)
    return dict(rows.values_list("local_id", "remote_id"))


class _TrustMixin:
    """What both providers share: the links to matters, and the mapped accounts by role."""

    connection: Connection
    cfg: SyncSettings

    def _matter_mode(self) -> str:
        """The firm's choice when these books offer it (a firm may have changed books since),
        else the books' usual way."""
        chosen = self.cfg.trust_matter_by
        if chosen in MATTER_BY[self.provider]:
            return chosen
        return BY.TRACKING if self.provider == "xero" else BY.SUB_CUSTOMER

    def _matter_links(self, mode: str) -> dict[str, ExternalLink]:
        rows = ExternalLink.objects.filter(
            connection=self.connection, entity=MATTER_LINK, local_id__startswith=f"{mode}:"
        )
        return {row.local_id.split(":", 1)[1]: row for row in rows}

    def _remember(self, entity, local_id, remote_type, remote_id, number="") -> None:
        self._remember_many(entity, [(local_id, remote_type, remote_id, number)])

    def _remember_many(self, entity: str, rows: list[tuple[str, str, str, str]]) -> None:
        """`_remember` for many (local id, remote type, remote id, number) at once: one read of
        who holds those remote records already, one write."""
        held = {
            (t, r): (e, lid)
            for t, r, e, lid in ExternalLink.objects.filter(
                connection=self.connection, remote_id__in={row[2] for row in rows}
            ).values_list("remote_type", "remote_id", "entity", "local_id")
        }
        fresh: dict[tuple[str, str], dict] = {}
        for local_id, remote_type, remote_id, number in rows:
            holder = held.get((remote_type, remote_id))
            if (holder and holder != (entity, local_id)) or (remote_type, remote_id) in fresh:
                continue  # a namesake already linked: use, not claim
            fresh[(remote_type, remote_id)] = {
                "firm_id": self.connection.firm_id,
                "connection_id": self.connection.pk,
                "entity": entity,
                "local_id": local_id,
                "remote_type": remote_type,
                "remote_id": remote_id,
                "remote_number": number[:40],
            }
        bulk_upsert(
            ExternalLink,
            list(fresh.values()),
            unique=("connection_id", "entity", "local_id"),
            update=("remote_type", "remote_id", "remote_number"),
        )

    def _unmapped(self, op) -> Outcome | None:
        p = op.payload
        roles = {ln["account"] for ln in p.get("lines", [])} | {
            p.get("bank"),
            p.get("from"),
            p.get("to"),
        }
        missing = sorted(r for r in roles if r and not self.account(r))
        if missing:
            names = ", ".join(ACCOUNT_ROLES[r][0] for r in missing)
            return failed("unmapped", f"Map these accounts in the sync settings first: {names}.")
        return None

    def recover(self, op: SyncOperation, links: dict) -> Outcome | None:
        if op.entity != ENTITY:
            return super().recover(op, links)
        self.book_reads += 1
        return self._find_leg(op)


# -- QuickBooks Online ---------------------------------------------------------------------------

QB_TYPES = {
    "bank_in": "Deposit",
    "bank_out": "Purchase",
    "transfer": "Transfer",
    "journal": "JournalEntry",
}


class QuickBooksTrustWriter(_TrustMixin, QuickBooksWriter):
    def prepare(self, entity: str, ops: list[SyncOperation]) -> None:
        self.matters: dict[str, str] = {}
        mode = self._matter_mode()
        known = self._matter_links(mode)
        missing: dict[str, dict] = {}
        for clio_id, matter in _matters(ops).items():
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
        """The sub-customers of many matters at once: one read of the customer list, then the
        missing ones created 30 to a batch. A matter whose create fails (a namesake, say) falls
        back to the one-at-a-time find-or-create."""
        rows = self.client.query_all("Customer")
        self.book_reads += 1 + len(rows) // 1000
        by_name = {str(r.get("DisplayName", "")).casefold(): str(r["Id"]) for r in rows}
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

    def _client_customers(self, matters: dict[str, dict], by_name: dict[str, str]) -> dict:
        """Each client's customer: linked already, found in the list by name, or created 30 to
        a batch (linked with an empty fingerprint: the contact sync, if it covers the client,
        brings the customer's details up to date on its next plan)."""
        parents = _client_links(self.connection, matters)
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
        if op.entity != ENTITY:
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
        return {
            "FromAccountRef": self._ref(p["from"]),
            "ToAccountRef": self._ref(p["to"]),
            "Amount": float(_money(p["amount"])),
        }

    def _qb_journal(self, p: dict) -> dict:
        lines = []
        for ln in p["lines"]:
            amount = Decimal(ln["amount"])
            detail = {
                "PostingType": "Debit" if amount > 0 else "Credit",
                "AccountRef": self._ref(ln["account"]),
            }
            customer, klass = self._carrier(ln["matter"])
            if customer:
                detail["Entity"] = {"Type": "Customer", "EntityRef": {"value": customer}}
            if klass:
                detail["ClassRef"] = {"value": klass}
            line = {**ln, "amount": str(abs(amount))}
            lines.append(self._amount_line(line, "JournalEntryLineDetail", detail, p))
        return {"Line": lines}

    @staticmethod
    def _amount_line(ln: dict, detail_type: str, detail: dict, p: dict) -> dict:
        return {
            "Amount": float(_money(ln["amount"])),
            "DetailType": detail_type,
            "Description": p["memo"],
            detail_type: detail,
        }

    # https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    # (TxnDate is filterable on every transaction; PrivateNote is not, so the day is read)
    def _find_leg(self, op: SyncOperation) -> Outcome | None:
        remote_type = QB_TYPES[op.payload["shape"]]
        rows = self.client.query_all(remote_type, f"WHERE TxnDate = {qb.quote(op.payload['date'])}")
        marker = trust_marker(op)
        for row in rows:
            if (row.get("PrivateNote") or "").startswith(f"{marker} "):
                return Outcome(
                    ok=True,
                    remote_type=remote_type,
                    remote_id=str(row["Id"]),
                    version=str(row.get("SyncToken", "")),
                )
        return None


# -- Xero ----------------------------------------------------------------------------------------

XERO_TYPES = {
    "bank_in": "BankTransactions",
    "bank_out": "BankTransactions",
    "transfer": "BankTransfers",
    "journal": "ManualJournals",
}


class XeroTrustWriter(_TrustMixin, XeroWriter):
    def prepare(self, entity: str, ops: list[SyncOperation]) -> None:
        self.options: dict[str, str] = {}
        self.contacts_by_client: dict[str, str] = {}
        matters = _matters(ops)
        known = self._matter_links(BY.TRACKING)
        missing = {cid: m for cid, m in matters.items() if cid not in known}
        self.options = {cid: link.remote_number for cid, link in known.items()}
        if missing:
            self._options_ensure(missing)
        self.contacts_by_client = _client_links(self.connection, matters)
        for op in ops:
            if op.payload["shape"] in ("bank_in", "bank_out"):
                self._contact_for(op.payload)

    def _category(self) -> str:
        return (self.cfg.trust_tracking_category or "Matter").strip()

    # https://developer.xero.com/documentation/api/accounting/trackingcategories
    def _options_ensure(self, matters: dict[str, dict]) -> None:
        http = self.client.http
        name = self._category()
        self.book_reads += 1
        rows = http.request("GET", "TrackingCategories").json().get("TrackingCategories", [])
        category = next((c for c in rows if c["Name"].casefold() == name.casefold()), None)
        if category is None:
            key = idempotency_key(self.connection.pk, "tracking", name)
            category = http.request(
                "PUT", "TrackingCategories", json={"Name": name}, idempotency_key=key
            ).json()["TrackingCategories"][0]
        have = {o["Name"].casefold(): o for o in category.get("Options", [])}
        labels = {cid: matter_label(m)[:OPTION_MAX] for cid, m in matters.items()}
        new = sorted({label for label in labels.values() if label.casefold() not in have})
        # One PUT names up to OPTIONS_PER_CALL new options: a call per matter would cost a
        # firm with thousands of matters most of a day of Xero's per-minute limit.
        for start in range(0, len(new), OPTIONS_PER_CALL):
            chunk = new[start : start + OPTIONS_PER_CALL]
            key = idempotency_key(self.connection.pk, "tracking", name, *chunk)
            made = http.request(
                "PUT",
                f"TrackingCategories/{category['TrackingCategoryID']}/Options",
                json={"Options": [{"Name": label} for label in chunk]},
                idempotency_key=key,
            ).json()["Options"]
            have.update({o["Name"].casefold(): o for o in made})
        links = []
        for clio_id, label in labels.items():
            option_id = have[label.casefold()]["TrackingOptionID"]
            links.append((f"tracking:{clio_id}", "TrackingOption", option_id, label))
            self.options[clio_id] = label
        self._remember_many(MATTER_LINK, links)

    def _contact_for(self, p: dict) -> None:
        """Xero asks a contact of every bank transaction: the client, or the payee of a fee."""
        matter = next((ln["matter"] for ln in p["lines"] if ln.get("matter")), None)
        client = (matter or {}).get("client") or {}
        name = client.get("name") or p.get("payee") or "Bank charges"
        key_id = str(client.get("clio_id") or f"payee:{name}")
        if key_id in self.contacts_by_client:
            return
        if client.get("clio_id"):
            link = ExternalLink.objects.filter(
                connection=self.connection, entity="contact", local_id=key_id
            ).first()
            if link is not None:
                self.contacts_by_client[key_id] = link.remote_id
                return
        key = idempotency_key(self.connection.pk, "contact", key_id)
        number = contact_number(client["clio_id"]) if client.get("clio_id") else ""
        found, _ = self.client.contact_find_or_create(
            name=name, email=client.get("email") or "", number=number, key=key
        )
        self.book_reads += 1
        if client.get("clio_id"):
            self._remember("contact", key_id, "Contacts", found.id)
        self.contacts_by_client[key_id] = found.id

    def _contact_id(self, p: dict) -> str:
        matter = next((ln["matter"] for ln in p["lines"] if ln.get("matter")), None)
        client = (matter or {}).get("client") or {}
        name = client.get("name") or p.get("payee") or "Bank charges"
        return self.contacts_by_client[str(client.get("clio_id") or f"payee:{name}")]

    def build(self, op: SyncOperation, links: dict) -> Item | Outcome | None:
        if op.entity != ENTITY:
            return super().build(op, links)
        link = links.get((op.entity, op.local_id))
        if link is not None:
            return Outcome(ok=True, remote_type=link.remote_type, remote_id=link.remote_id)
        unmapped = self._unmapped(op)
        if unmapped is not None:
            return unmapped
        p = op.payload
        body = getattr(self, f"_xero_{p['shape']}")(p, trust_marker(op))
        return Item(op, "create", XERO_TYPES[p["shape"]], body)

    def _acct(self, role: str) -> dict:
        value = self.account(role)
        return {"AccountID": value} if GUID.match(value) else {"Code": value}

    def _tracking(self, matter: dict | None) -> list[dict]:
        if matter is None:
            return []
        return [{"Name": self._category(), "Option": self.options[str(matter["clio_id"])]}]

    def _xero_line(self, ln: dict, p: dict, amount: Decimal) -> dict:
        line = {
            "Description": p["memo"],
            "Quantity": 1,
            "UnitAmount": float(amount),
            "TaxType": "NONE",
            "Tracking": self._tracking(ln["matter"]),
        }
        line.update(self._line_account(ln["account"]))
        return line

    def _line_account(self, role: str) -> dict:
        value = self.account(role)
        return {"AccountID": value} if GUID.match(value) else {"AccountCode": value}

    def _bank(self, p: dict, marker: str, kind: str) -> dict:
        return {
            "Type": kind,
            "Contact": {"ContactID": self._contact_id(p)},
            "BankAccount": self._acct(p["bank"]),
            "Date": p["date"],
            "Reference": marker,
            "LineAmountTypes": "NoTax",
            "LineItems": [self._xero_line(ln, p, _money(ln["amount"])) for ln in p["lines"]],
        }

    def _xero_bank_in(self, p: dict, marker: str) -> dict:
        return self._bank(p, marker, "RECEIVE")

    def _xero_bank_out(self, p: dict, marker: str) -> dict:
        return self._bank(p, marker, "SPEND")

    def _xero_transfer(self, p: dict, marker: str) -> dict:
        return {
            "FromBankAccount": self._acct(p["from"]),
            "ToBankAccount": self._acct(p["to"]),
            "Amount": float(_money(p["amount"])),
            "Date": p["date"],
            "Reference": marker,
        }

    def _xero_journal(self, p: dict, marker: str) -> dict:
        lines = []
        for ln in p["lines"]:
            line = {
                "LineAmount": float(_money(ln["amount"])),
                "Description": p["memo"],
                "TaxType": "NONE",
                "Tracking": self._tracking(ln["matter"]),
            }
            line.update(self._line_account(ln["account"]))
            lines.append(line)
        return {
            "Narration": f"{marker} · {p['memo']}",
            "Date": p["date"],
            "Status": "POSTED",
            "LineAmountTypes": "NoTax",
            "JournalLines": lines,
        }

    # https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-filtered-data
    def _find_leg(self, op: SyncOperation) -> Outcome | None:
        resource = XERO_TYPES[op.payload["shape"]]
        marker = trust_marker(op)
        if resource == "ManualJournals":
            rows = self.client.read_all(
                resource, where=f"Narration.StartsWith({xm.where_string(marker + ' ')})"
            )
        elif resource == "BankTransfers":
            rows = [r for r in self.client.read_all(resource) if r.label == marker]
        else:
            rows = self.client.read_all(resource, where=f"Reference=={xm.where_string(marker)}")
        live = [r for r in rows if r.status not in ("DELETED", "VOIDED")]
        return _xero_outcome(resource, live[0]) if live else None


def trust_writer_for(connection: Connection, cfg: SyncSettings):
    kinds = {"quickbooks": QuickBooksTrustWriter, "xero": XeroTrustWriter}
    return kinds[connection.provider](connection, cfg)
