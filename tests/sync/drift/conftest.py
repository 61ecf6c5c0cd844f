"""The `synced` firm of the engine tests, and a bookkeeper acting in its books."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from sync.drift.readback import books_read
from sync.engine import pull
from sync.engine.run import sync_execute, sync_start
from sync.models import ExternalLink, SyncRun
from tests.support.sandboxes import control
from tests.sync.engine.conftest import SyncedFirm, synced  # noqa: F401 (fixture)


def sync_now(firm) -> SyncRun:
    run = sync_start(firm=firm, check=False, queue=False)
    return sync_execute(run_id=run.pk)


def pull_only(s: SyncedFirm) -> None:
    """Clio's change reaches the mirror but is not pushed: the books drift from Clio."""
    pull.pull_clio(connection_id=s.clio.connection.pk)


@dataclass
class Bookkeeper:
    s: SyncedFirm

    @property
    def qbo(self) -> bool:
        return self.s.books.provider == "quickbooks"

    def act(self, action: str, **kw) -> dict:
        who = {"account": self.s.books.external_id} if self.qbo else {}
        if not self.qbo:
            who = {"tenant_id": self.s.books.external_id}
        return control(
            self.s.base, self.s.books.provider, "actions", {"action": action, **who, **kw}
        )

    def invoice_id(self, bill_id) -> str:
        return ExternalLink.objects.get(
            connection=self.s.books, entity="bill", local_id=str(bill_id)
        ).remote_id

    def pay(self, invoice_id: str, amount) -> None:
        self.act("pay_invoice", invoice_id=invoice_id, amount=float(amount), date="2026-03-20")

    def edit_first_line(self, invoice_id: str, **changes) -> None:
        if self.qbo:
            inv = self.s.books_client().get("Invoice", invoice_id)
            line = inv.lines[0]
            self.act("edit_invoice_line", invoice_id=invoice_id, line_id=line.id, **changes)
            return
        raw = self.s.books_client().get("Invoices", invoice_id).raw
        items = [dict(x) for x in raw["LineItems"]]
        if "description" in changes:
            items[0]["Description"] = changes["description"]
        if "qty" in changes:
            items[0]["Quantity"] = changes["qty"]
            items[0].pop("LineAmount", None)
        self.act("edit_invoice", invoice_id=invoice_id, changes={"LineItems": items})

    def lock(self, day: str) -> None:
        if self.qbo:
            self.act("set_closing_date", date=day)
        else:
            self.act("set_period_lock_date", date=day)

    def create_invoice(
        self, *, customer_id: str, number: str, amount, day: str = "2026-03-18"
    ) -> dict:
        if self.qbo:
            made = self.act(
                "create_invoice",
                customer_id=customer_id,
                doc_number=number,
                date=day,
                lines=[{"description": "Typed by hand", "qty": 1, "unit_price": float(amount)}],
            )
            return {"id": str(made["result"]["Invoice"]["Id"]) if "result" in made else ""}
        body = {
            "Type": "ACCREC",
            "Contact": {"ContactID": customer_id},
            "InvoiceNumber": number,
            "Date": day,
            "Status": "AUTHORISED",
            "LineItems": [
                {
                    "Description": "Typed by hand",
                    "Quantity": 1,
                    "UnitAmount": float(amount),
                    "AccountCode": "200",
                }
            ],
        }
        return self.act("create_invoice", invoice=body)

    def invoice(self, remote_id: str):
        """The invoice as the reconciler reads it back."""
        return next(i for i in books_read(self.s.books).invoices if i.remote_id == remote_id)


@pytest.fixture
def books(synced) -> Bookkeeper:  # noqa: F811
    return Bookkeeper(synced)


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))
