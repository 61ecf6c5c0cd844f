"""The firm the fault schedules sync: one small Clio account built once, a fresh set of books per
schedule, and the Clio changes a schedule may make halfway (its "drift").

The drift is undone before the next schedule, so the firm stays the same size however many
schedules run and every schedule starts from the same Clio state: a client's first name and a
line's hours go back, and the extra payment a drift voids is replaced by a new one.
"""

from datetime import date

import requests
from django.utils import timezone

from practice.models import Allocation, Bill, BillLine
from sync import books, services
from sync.engine import pull
from sync.models import Connection, ExternalLink, SyncSettings
from sync.providers import oauth
from tests.support.sandboxes import control


class World:
    """One Clio firm (built once) and, per schedule, a fresh set of books connected to it."""

    def __init__(self, clio, settings, provider: str):
        self.clio, self.settings, self.provider = clio, settings, provider
        self.firm, self.books, self.made = clio.admin.firm, None, 0
        self.accounts: dict | None = None
        if provider == "quickbooks":
            control(clio.base, "quickbooks", "limits", {"lifted": True})
        else:
            control(clio.base, "xero", "limits", {"enabled": False})
        self._build()
        # The handshakes enable our webhooks now, so only the schedules' changes are announced.
        control(clio.base, "clio", "webhooks/flush")

    def act(self, action: str, **kw):
        return self.clio.act(action, **kw)

    def _pull(self) -> None:
        pull.pull_clio(connection_id=self.clio.connection.pk, full=True)

    def _build(self) -> None:
        """Three clients; five approved bills, one edited after approval; three live payments (one
        paying its bill in full) and one voided; a credit memo."""
        bills, self.clients = [], []
        for i, name in enumerate(("Ada Lovelace", "Grace Hopper", "Alan Turing")):
            first, last = name.split(" ")
            # One client with an email, two without (each email costs a search of the books).
            email = {"email": f"{first.lower()}@example.com"} if i == 0 else {}
            contact = self.act("create_contact", first_name=first, last_name=last, **email)
            self.clients.append(contact["id"])
            for k in range(1 if i == 1 else 2):
                bills.append(self._approved_bill(contact["id"], hours=1.5 + i, matter=f"M{k}"))
        SyncSettings.objects.update_or_create(
            firm=self.firm, defaults={"start_date": date(2026, 1, 1)}
        )
        self._pull()
        edited, self.drift_bill = bills[1], bills[4]
        self.act(
            "edit_line", line_item_id=self._time_line(edited), description="Revised", quantity=2
        )
        self._pull()
        pay = {"source": "operating", "date": "2026-03-20"}
        self.act("record_payment", bill_id=bills[0], amount=100, **pay)
        self.act("record_payment", bill_id=bills[1], amount=30, **pay)
        self.act("record_payment", bill_id=bills[2], amount=50, **pay)
        full = Bill.objects.get(firm=self.firm, clio_id=bills[3]).total
        self.act("record_payment", bill_id=bills[3], amount=float(full), **pay)
        self.act("issue_credit_memo", bill_id=bills[1], amount=25, description="Courtesy")
        self._pull()
        voided = Allocation.objects.get(bill__clio_id=bills[1], amount=30)
        self.act("void_payment", allocation_id=voided.clio_id)
        self._pull()
        self.paid_bill = bills[2]
        self.settled = set(
            Allocation.objects.filter(firm=self.firm).values_list("clio_id", flat=True)
        )
        self.hours, self.renamed = 3.5, False

    def _approved_bill(self, client_id: int, *, hours: float, matter: str) -> int:
        matter = self.act("create_matter", client_id=client_id, description=matter)
        entry = {"matter_id": matter["id"], "date": "2026-03-10"}
        self.act("create_time_entry", hours=hours, price=300, note="Drafting", **entry)
        self.act("create_expense_entry", amount=45.5, note="Filing fee", **entry)
        bill = self.act("generate_bill", matter_id=matter["id"], issued_at="2026-03-15")
        self.act("bill_transition", bill_id=bill["id"], to="approve")
        return bill["id"]

    def _time_line(self, bill_id: int) -> int:
        lines = BillLine.objects.filter(bill__clio_id=bill_id).order_by("clio_id")
        return lines.values_list("clio_id", flat=True).first()  # the time entry came first

    # -- per schedule -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Every schedule starts from the same Clio state, so a seed replays alone as it ran in
        the sequence: the client's first name and the line's hours as built, and one extra live
        payment (recorded before the books are connected, so the first sync writes it)."""
        if self.renamed:
            self.act("update_contact", contact_id=self.clients[2], first_name="Alan")
        if self.hours != 3.5:
            self.act("edit_line", line_item_id=self._time_line(self.drift_bill), quantity=3.5)
        if not self._extra_payments().exists():
            self.act("record_payment", bill_id=self.paid_bill, amount=7, date="2026-04-01")
        self.renamed, self.hours = False, 3.5

    def _extra_payments(self):
        return Allocation.objects.filter(firm=self.firm, voided=False).exclude(
            clio_id__in=self.settled
        )

    def drift(self, touch: bool) -> None:
        """Clio changes halfway through a schedule (maybe after the bookkeeper edited the invoice
        in the books): the extra payment voided, the line's hours and the client's name changed."""
        if touch:
            self._bookkeeper_touches_invoice()
        for allocation in self._extra_payments():
            self.act("void_payment", allocation_id=allocation.clio_id)
        self.act("edit_line", line_item_id=self._time_line(self.drift_bill), quantity=2.5)
        self.act("update_contact", contact_id=self.clients[2], first_name="Alan M.")
        self.renamed, self.hours = True, 2.5

    def _bookkeeper_touches_invoice(self) -> None:
        link = ExternalLink.objects.filter(
            connection=self.books, entity="bill", local_id=str(self.drift_bill)
        ).first()
        if link is None:
            return
        if self.provider == "quickbooks":
            edit = {"action": "edit_invoice_line", "invoice_id": link.remote_id, "line_id": "1"}
            edit.update(description="Drafting (checked)", realmId=self.books.external_id)
        else:
            edit = {"action": "edit_invoice", "invoice_id": link.remote_id}
            edit.update(changes={"Reference": "Checked"}, tenant_id=self.books.external_id)
        control(self.clio.base, self.provider, "actions", edit)

    def fresh_books(self) -> Connection:
        """A new company or organisation, connected as the firm's books; the old connection is
        disconnected and keeps its outbox and links, so everything is planned again."""
        if self.books is not None:
            # What disconnecting does to our rows, without the revoke call each time.
            Connection.objects.filter(pk=self.books.pk).update(
                status=Connection.Status.DISCONNECTED, disconnected_at=timezone.now()
            )
        self.made += 1
        name = f"Fault {self.made} LLP"
        external_id = self._new_books(name)
        client_id = self.settings.PROVIDERS[self.provider]["client_id"]
        raw = control(
            self.clio.base,
            self.provider,
            "tokens",
            {"client_id": client_id, "account": external_id},
        )
        self.books = services.connection_connect(
            firm=self.firm,
            actor=self.clio.admin.user,
            provider=self.provider,
            external_id=external_id,
            external_name=name,
            tokens=oauth.tokens_from(raw),
        )
        if self.accounts is None:
            self._map_accounts()
        return self.books

    def _new_books(self, name: str) -> str:
        base = self.clio.base
        if self.provider == "xero":
            org = control(base, "xero", "seed", {"preset": "reference", "account": name})
            return org["organisations"][0]["tenantId"]
        realm = control(base, "quickbooks", "seed", {"preset": "reference", "account": name})
        # What the preflight asks for: the invoice numbers we send are kept, and never twice.
        prefs = {"SalesFormsPrefs": {"CustomTxnNumbers": True}}
        control(
            base,
            "quickbooks",
            "actions",
            {"action": "set_preferences", "realmId": realm["realmId"], "preferences": prefs},
        )
        return realm["realmId"]

    def _map_accounts(self) -> None:
        """Every reference company has the same chart under the same ids: map it once."""
        facts = books.books_facts(self.books)
        self.accounts = {}
        for role in books.ACCOUNT_ROLES:
            found = books.accounts_for_role(facts, role)
            if found:
                self.accounts[role] = {"id": found[0].id, "name": found[0].name}
        SyncSettings.objects.filter(firm=self.firm).update(accounts=self.accounts)

    def faults(self, config: dict) -> None:
        control(self.clio.base, self.provider, "faults", config)

    def counters(self) -> dict:
        url = f"{self.clio.base}/sandbox/{self.provider}/_control/counters"
        return requests.get(url, timeout=30).json()
