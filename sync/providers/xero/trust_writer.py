"""Xero as the books of trust legs: bank transactions (RECEIVE, SPEND), bank transfers and
manual journals, the matter as a tracking option (see sync.providers.trust_writing)."""

from datetime import date
from decimal import Decimal

from sync.models import ExternalLink, SyncOperation
from sync.providers.amounts import money
from sync.providers.base import LEG_ENTITIES, Item, Outcome
from sync.providers.http import idempotency_key
from sync.providers.trust_writing import (
    BY,
    MATTER_LINK,
    TrustMixin,
    client_links,
    matter_label,
    matters_of,
    trust_marker,
)
from sync.providers.writing import contact_number, in_chunks, outcome_of
from sync.providers.xero import mapping as xm
from sync.providers.xero.mapping import any_of, any_starting
from sync.providers.xero.writer import XeroWriter

OPTION_MAX = 50  # Xero: a tracking option's name
OPTIONS_PER_CALL = 50

XERO_TYPES = {
    "bank_in": "BankTransactions",
    "bank_out": "BankTransactions",
    "transfer": "BankTransfers",
    "journal": "ManualJournals",
}


class XeroTrustWriter(TrustMixin, XeroWriter):
    matter_modes = (BY.TRACKING,)

    def prepare(self, entity: str, ops: list[SyncOperation]) -> None:
        self.options: dict[str, str] = {}
        self.contacts_by_client: dict[str, str] = {}
        matters = matters_of(ops)
        known = self._matter_links(BY.TRACKING)
        missing = {cid: m for cid, m in matters.items() if cid not in known}
        self.options = {cid: link.remote_number for cid, link in known.items()}
        if missing:
            self._options_ensure(missing)
        self.contacts_by_client = client_links(self.connection, matters)
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
        if op.entity not in LEG_ENTITIES:
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

    def _tracking(self, matter: dict | None) -> list[dict]:
        if matter is None:
            return []
        return [{"Name": self._category(), "Option": self.options[str(matter["clio_id"])]}]

    def _xero_line(self, ln: dict, p: dict, amount: Decimal) -> dict:
        return xm.bank_line(
            amount=amount,
            description=p["memo"],
            account=self.account(ln["account"]),
            tracking=self._tracking(ln["matter"]),
        )

    def _bank(self, p: dict, marker: str, kind: str) -> dict:
        return xm.bank_transaction_payload(
            kind=kind,
            contact_id=self._contact_id(p),
            bank_account_code=self.account(p["bank"]),
            lines=[self._xero_line(ln, p, money(ln["amount"])) for ln in p["lines"]],
            txn_date=date.fromisoformat(p["date"]),
            reference=marker,
        )

    def _xero_bank_in(self, p: dict, marker: str) -> dict:
        return self._bank(p, marker, "RECEIVE")

    def _xero_bank_out(self, p: dict, marker: str) -> dict:
        return self._bank(p, marker, "SPEND")

    def _xero_transfer(self, p: dict, marker: str) -> dict:
        return xm.bank_transfer_payload(
            from_code=self.account(p["from"]),
            to_code=self.account(p["to"]),
            amount=money(p["amount"]),
            txn_date=date.fromisoformat(p["date"]),
            reference=marker,
        )

    def _xero_journal(self, p: dict, marker: str) -> dict:
        lines = [
            xm.JournalLineIn(
                amount=money(ln["amount"]),
                account_code=self.account(ln["account"]),
                description=p["memo"],
                tracking=tuple(self._tracking(ln["matter"])),
            )
            for ln in p["lines"]
        ]
        return xm.manual_journal_payload(
            narration=f"{marker} · {p['memo']}",
            lines=lines,
            txn_date=date.fromisoformat(p["date"]),
            line_amount_types="NoTax",
        )

    # https://developer.xero.com/documentation/api/accounting/requests-and-responses#retrieving-filtered-data
    # (a `where` filter joins conditions with OR; BankTransfers take no filter on the reference)
    def _find_legs(self, ops: list[SyncOperation]) -> dict[int, Outcome | None]:
        found: dict[int, Outcome | None] = {op.pk: None for op in ops}
        by_resource: dict[str, dict[str, list[SyncOperation]]] = {}
        for op in ops:
            markers = by_resource.setdefault(XERO_TYPES[op.payload["shape"]], {})
            markers.setdefault(trust_marker(op), []).append(op)
        for resource, markers in by_resource.items():
            for row in self._legs_in_books(resource, list(markers)):
                # A journal's narration is "<marker> · <memo>"; the others carry the marker alone.
                marker = row.label.split(" · ", 1)[0] if resource == "ManualJournals" else row.label
                if row.status in ("DELETED", "VOIDED"):
                    continue
                for op in markers.get(marker, ()):
                    found[op.pk] = found[op.pk] or outcome_of(resource, row)
        return found

    def _legs_in_books(self, resource: str, markers: list[str]) -> list:
        if resource == "BankTransfers":
            self.book_reads += 1
            return self.client.read_all(resource)
        rows = []
        for chunk in in_chunks(markers):
            self.book_reads += 1
            if resource == "ManualJournals":
                where = any_starting("Narration", [m + " " for m in chunk])
            else:
                where = any_of("Reference", chunk)
            rows += self.client.read_all(resource, where=where)
        return rows
