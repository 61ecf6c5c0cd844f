"""Seeded fault schedules against the sandbox books: what goes wrong, and what the books must hold.

A schedule is a seed. From it come, for each phase, the sandbox's faults (5xx, 429 storms,
connections dropped after the provider saved the write) and whether and where the worker dies;
whether a Clio webhook is delivered five times; and whether Clio changes halfway (a rename, an
edited line, a voided payment), before or after the first phase's leftovers are sent.
`books_census` reads the books back through the product's own clients; `census_problems` compares
them with the Clio side, record by record.
"""

import random
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, replace
from decimal import Decimal
from unittest import mock

import requests

from practice.models import Allocation, Bill, Contact
from sync.engine import push
from sync.engine.registry import client_for
from sync.models import Connection
from sync.providers.http import HttpClient
from sync.providers.quickbooks import mapping as qb
from sync.providers.quickbooks.writer import QuickBooksWriter
from sync.providers.writing import contact_number, payment_reference
from sync.providers.xero import mapping as xm

# How many books calls and outcome records one run makes for the small firm, about: where a kill
# can land. A number past the end means the worker survived.
HTTP_CALLS = 24
RECORDS = 8


class Killed(BaseException):
    """The worker process died here. A BaseException, so no `except Exception` in the engine
    can catch it and carry on as a live worker would."""


@dataclass(frozen=True)
class Phase:
    """Faults on the books for a few runs, and maybe a worker that dies during them."""

    faults: dict
    rounds: int  # runs made while the faults are on
    kill: tuple[str, int] | None  # ("before" | "after" | "record", n): die at the nth call

    @classmethod
    def derive(cls, rng: random.Random, fault_seed: int) -> "Phase":
        def some(high: float, share: float = 0.75) -> float:
            return round(rng.uniform(0, high), 3) if rng.random() < share else 0.0

        faults = {
            "seed": fault_seed,
            "error_rate": some(0.3),
            "timeout_after_commit_rate": some(0.3),
            "storm_calls": rng.randint(0, 5) if rng.random() < 0.5 else 0,
            "storm_retry_after": 1,
        }
        kill = None
        if rng.random() < 0.6:
            where = rng.choice(("before", "after", "after", "record"))
            kill = (where, rng.randint(1, RECORDS if where == "record" else HTTP_CALLS))
        # A dead worker's run is followed by another under the same faults: recovery is faulty too.
        return cls(faults, 2 if kill else 1, kill)

    def describe(self) -> str:
        f = self.faults
        kill = f" kill={self.kill[0]}@{self.kill[1]}" if self.kill else ""
        return (
            f"errors={f['error_rate']} drops={f['timeout_after_commit_rate']} "
            f"storm={f['storm_calls']} runs={self.rounds}{kill}"
        )


@dataclass(frozen=True)
class Schedule:
    seed: int
    first: Phase  # the first sync of a fresh set of books
    webhook: bool  # then a Clio webhook delivered five times, the faults still on
    # Then Clio changes (a client renamed, a line edited, a payment voided) synced under these.
    drift: Phase | None
    overlap: bool  # the changes land before the first phase's leftovers are sent
    touch: bool  # the bookkeeper edits the changing invoice in the books first (stale SyncToken)
    resume: str  # the kind of a dead worker's successor run: "incremental" or "retry"

    @classmethod
    def derive(cls, seed: int) -> "Schedule":
        rng = random.Random(seed)
        first = Phase.derive(rng, seed)
        webhook = rng.random() < 0.15
        drift = Phase.derive(rng, seed + 1_000_000) if rng.random() < 0.3 else None
        overlap, touch = rng.random() < 0.5, rng.random() < 0.5
        if drift and overlap:
            # The changes land right after the first run, dead or cut off: its unrecorded writes
            # meet the newer versions in the next run.
            first = replace(first, rounds=1)
        return cls(
            seed, first, webhook, drift, overlap, touch, rng.choice(("incremental", "retry"))
        )

    def describe(self) -> str:
        text = f"[{self.first.describe()}]"
        text += " webhook x5" if self.webhook else ""
        if self.drift:
            how = "at once" if self.overlap else "after settling"
            touched = ", invoice touched in the books" if self.touch else ""
            text += f" drift {how}{touched} [{self.drift.describe()}]"
        return f"{text} then {self.resume} runs"


@dataclass
class Tally:
    """What the schedules did to the engine, for the summary line."""

    schedules: int = 0
    drops: int = 0
    kills: int = 0
    webhooks: int = 0
    drifts: int = 0
    stale_tokens: int = 0  # QuickBooks SyncTokens found stale, re-read and written again
    retried: int = 0  # failed records retried to let a failing schedule settle


@contextmanager
def worker_dies(provider: str, kill: tuple[str, int] | None, tally: Tally):
    """Count the books calls (and the connections dropped under them, and the stale SyncTokens
    re-read); raise Killed at the schedule's point: before a call goes out, after the provider
    answered it (the write is saved, nobody reads the answer), or as an outcome is about to be
    recorded."""
    where, n = kill or ("", 0)
    seen = Counter()
    send, record, resend = HttpClient._send, push.record, QuickBooksWriter._resend_fresh

    def counted_resend(self, item):
        tally.stale_tokens += 1
        return resend(self, item)

    def dying_send(self, *args):
        if self.provider != provider:
            return send(self, *args)
        seen["http"] += 1
        if where == "before" and seen["http"] == n:
            tally.kills += 1
            raise Killed(f"before books call {n}")
        response, error = send(self, *args)
        if isinstance(error, requests.ConnectionError):
            tally.drops += 1
        if where == "after" and seen["http"] == n:
            tally.kills += 1
            raise Killed(f"after books call {n}")
        return response, error

    def dying_record(*args, **kwargs):
        seen["record"] += 1
        if where == "record" and seen["record"] == n:
            tally.kills += 1
            raise Killed(f"at outcome record {n}")
        return record(*args, **kwargs)

    with (
        mock.patch.object(HttpClient, "_send", dying_send),
        mock.patch.object(push, "record", dying_record),
        mock.patch.object(QuickBooksWriter, "_resend_fresh", counted_resend),
    ):
        yield


# -- what the books must hold ---------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """The Clio side, from the mirror: what exactly-once means for this firm."""

    contacts: dict[int, str]  # clio id → name
    bills: dict[str, tuple[Decimal, Decimal]]  # number → (total, balance)
    payments: dict[int, Decimal]  # live payment allocation → amount
    voided: frozenset[int]
    credits: dict[int, Decimal]

    @classmethod
    def of(cls, firm) -> "Expected":
        allocations = Allocation.objects.filter(firm=firm)
        return cls(
            contacts=dict(Contact.objects.filter(firm=firm).values_list("clio_id", "name")),
            bills={
                b.number: (b.total, b.balance)
                for b in Bill.objects.filter(firm=firm, state__in=("awaiting_payment", "paid"))
            },
            payments={
                a.clio_id: a.amount
                for a in allocations.exclude(parent_type="CreditMemo").filter(voided=False)
            },
            voided=frozenset(allocations.filter(voided=True).values_list("clio_id", flat=True)),
            credits={
                a.clio_id: a.amount
                for a in allocations.filter(parent_type="CreditMemo", voided=False)
            },
        )


@dataclass
class Census:
    """The books as their API shows them, reduced to what can be duplicated or lost."""

    contacts: Counter  # name (QuickBooks) or Clio number and name (Xero) → how many
    invoices: dict[str, list[tuple[Decimal, Decimal, str]]]  # number → [(total, balance, status)]
    payments: dict[str, list[Decimal]]  # our reference → amounts of the live payments
    dead_payments: Counter  # our reference → deleted payments (Xero keeps them, marked DELETED)
    credits: dict[str, list[tuple[Decimal, Decimal]]]  # number → [(total, remaining)]


def books_census(connection: Connection) -> Census:
    client = client_for(connection)
    if connection.provider == "quickbooks":
        return _quickbooks_census(client)
    return _xero_census(client)


def _quickbooks_census(client) -> Census:
    customers = client.query_all("Customer", "WHERE Active IN (true, false)")
    invoices: dict = {}
    for row in client.query_all("Invoice"):
        invoice = qb.entity_from("Invoice", row)
        invoices.setdefault(invoice.number, []).append(
            (invoice.total, invoice.balance, invoice.status)
        )
    payments: dict = {}
    for row in client.query_all("Payment"):
        payments.setdefault(row.get("PaymentRefNum", ""), []).append(_money(row.get("TotalAmt")))
    credits: dict = {}
    for row in client.query_all("CreditMemo"):
        credits.setdefault(row.get("DocNumber", ""), []).append(
            (_money(row.get("TotalAmt")), _money(row.get("RemainingCredit")))
        )
    return Census(
        contacts=Counter(qb.name_key(c["DisplayName"]) for c in customers),
        invoices=invoices,
        payments=payments,
        dead_payments=Counter(),
        credits=credits,
    )


def _xero_census(client) -> Census:
    invoices: dict = {}
    for invoice in client.read_all("Invoices"):
        invoices.setdefault(invoice.number, []).append(
            (invoice.total, invoice.balance, invoice.status)
        )
    payments: dict = {}
    dead = Counter()
    for payment in client.read_all("Payments"):
        if payment.status == "DELETED":
            dead[payment.reference] += 1
        else:
            payments.setdefault(payment.reference, []).append(payment.amount)
    credits: dict = {}
    for note in client.read_all("CreditNotes"):
        if note.status not in ("DELETED", "VOIDED"):
            credits.setdefault(note.number, []).append((note.total, note.balance))
    return Census(
        contacts=Counter(f"{c.number} {xm.name_key(c.name)}" for c in client.read_all("Contacts")),
        invoices=invoices,
        payments=payments,
        dead_payments=dead,
        credits=credits,
    )


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def census_problems(provider: str, census: Census, expected: Expected) -> list[str]:
    """Every duplicate, loss or wrong amount, in words."""
    if provider == "quickbooks":
        wanted = Counter(qb.name_key(name) for name in expected.contacts.values())
    else:
        wanted = Counter(
            f"{contact_number(i)} {xm.name_key(name)}" for i, name in expected.contacts.items()
        )
    problems = []
    if census.contacts != wanted:
        problems.append(f"customers {dict(census.contacts)} != {dict(wanted)}")
    return problems + _invoice_problems(census, expected) + _payment_problems(census, expected)


def _invoice_problems(census: Census, expected: Expected) -> list[str]:
    problems = []
    if set(census.invoices) != set(expected.bills):
        problems.append(f"invoice numbers {sorted(census.invoices)} != {sorted(expected.bills)}")
    for number, (total, balance) in expected.bills.items():
        found = census.invoices.get(number, [])
        if [(t, b) for t, b, _ in found] != [(total, balance)]:
            problems.append(f"invoice {number}: {found} != one of total {total} due {balance}")
    return problems


def _payment_problems(census: Census, expected: Expected) -> list[str]:
    problems = []
    credit_refs = {payment_reference(clio_id) for clio_id in expected.credits}
    payments = {ref: amounts for ref, amounts in census.payments.items() if ref not in credit_refs}
    wanted = {payment_reference(i): [a] for i, a in expected.payments.items()}
    if payments != wanted:
        problems.append(f"payments {payments} != {wanted}")
    # A voided payment was written once and deleted once; anything else deleted was written twice.
    voided = {payment_reference(i) for i in expected.voided}
    extra = {ref: n for ref, n in census.dead_payments.items() if ref not in voided or n > 1}
    if extra:
        problems.append(f"payments written and deleted again: {extra}")
    for clio_id, amount in expected.credits.items():
        number, ref = f"CR-{clio_id}", payment_reference(clio_id)
        if census.credits.get(number) != [(amount, Decimal("0.00"))]:
            problems.append(f"credit {number}: {census.credits.get(number)} != one of {amount}")
        applied = census.payments.get(ref)
        if ref in census.payments and applied != [Decimal("0.00")]:
            problems.append(f"credit {number} applied by payments {applied}")
    if len(census.credits) != len(expected.credits):
        problems.append(f"credit notes {sorted(census.credits)}")
    return problems
