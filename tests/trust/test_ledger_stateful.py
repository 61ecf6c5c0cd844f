"""Random sequences of trust movements against a pure-Python model of what each ledger holds.

After every step: each client ledger equals the model to the cent; no ledger is negative unless a
Clio transaction (the record) overdrew it, and then a TrustException says so; the journal total
equals the client ledgers plus the firm's own funds; a Clio transaction seen again adds nothing,
and one that is the same money as an entry made here (awaiting Clio) is linked to it, not added.
"""

import os
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.factories import ClientLedgerFactory, FirmFactory, MatterFactory, TrustAccountFactory
from trust import reconcile, selectors, services, services_clio
from trust.errors import TrustAlreadyReversed, TrustError, TrustOverdraft
from trust.models import EntryKind, TrustEntry, TrustException

DAY = date(2026, 3, 2)
LEDGERS = 3
amounts = st.decimals(min_value=D("0.01"), max_value=D("1500.00"), places=2)
which = st.integers(min_value=0, max_value=LEDGERS - 1)


class TrustMachine(RuleBasedStateMachine):
    # One firm, account and ledgers for the whole run (set by the test); each example runs in a
    # savepoint rolled back at teardown, so each starts with empty ledgers.
    account = None
    ledgers: list = []

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.held = [D("0.00")] * LEDGERS  # the model: what each client ledger holds
        self.firm_funds = D("0.00")
        self.posted: list[TrustEntry] = []  # FirmSync-made entries a reversal may name
        self.reversed: set[int] = set()
        self.clio: dict[int, services_clio.ClioEntry] = {}
        self.overdrawn_by_clio: set[int] = set()
        self.exceptions = 0

    def teardown(self):
        try:
            self._selectors_agree()
            self._three_way_ties()
        finally:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

    def _withdraw(self, i: int, amount: D, post) -> None:
        if amount > self.held[i]:
            with pytest.raises(TrustOverdraft):
                post()
            return
        self.posted.append(post())
        self.held[i] -= amount

    @rule(i=which, amount=amounts)
    def deposit(self, i, amount):
        self.posted.append(
            services.trust_deposit_record(ledger=self.ledgers[i], amount=amount, date=DAY)
        )
        self.held[i] += amount

    @rule(i=which, amount=amounts)
    def disbursement(self, i, amount):
        ledger = self.ledgers[i]
        self._withdraw(
            i,
            amount,
            lambda: services.trust_disbursement_record(ledger=ledger, amount=amount, date=DAY),
        )

    @rule(i=which, amount=amounts)
    def earned_fee(self, i, amount):
        ledger = self.ledgers[i]
        self._withdraw(
            i,
            amount,
            lambda: services.trust_earned_fee_transfer(ledger=ledger, amount=amount, date=DAY),
        )

    @rule(i=which, j=which, amount=amounts)
    def transfer(self, i, j, amount):
        if i == j:
            return
        if amount > self.held[i]:
            with pytest.raises(TrustOverdraft):
                self._transfer(i, j, amount)
            return
        self.posted.extend(self._transfer(i, j, amount))
        self.held[i] -= amount
        self.held[j] += amount

    def _transfer(self, i, j, amount):
        return services.trust_transfer_record(
            from_ledger=self.ledgers[i], to_ledger=self.ledgers[j], amount=amount, date=DAY
        )

    @rule(amount=amounts)
    def bank_fee(self, amount):
        fee, cover = services.trust_bank_fee_record(account=self.account, amount=amount, date=DAY)
        self.posted.extend([fee, cover])
        self.firm_funds += cover.amount - fee.amount

    @rule(n=st.integers(min_value=0, max_value=10_000))
    def reversal(self, n):
        if not self.posted:
            return
        entry = self.posted[n % len(self.posted)]
        if entry.ledger_id is None:
            with pytest.raises(TrustError, match="not reversed"):
                services.trust_entry_reverse(entry=entry, date=DAY)
            return
        legs = [
            e
            for e in self.posted
            if entry.transfer_group and e.transfer_group == entry.transfer_group
        ]
        legs = legs or [entry]
        if any(e.pk in self.reversed for e in legs):
            with pytest.raises(TrustAlreadyReversed):
                services.trust_entry_reverse(entry=entry, date=DAY)
            return
        after = list(self.held)
        for e in legs:
            if e.ledger_id is not None:
                after[self._index(e)] -= e.signed_amount
        if any(after[self._index(e)] < 0 for e in legs if e.ledger_id and e.direction == "in"):
            with pytest.raises(TrustOverdraft):
                services.trust_entry_reverse(entry=entry, date=DAY)
            return
        undo = services.trust_entry_reverse(entry=entry, date=DAY)
        assert (undo.reverses_id, undo.amount) == (entry.pk, entry.amount)
        self.held = after
        self.firm_funds -= sum(e.signed_amount for e in legs if e.ledger_id is None)
        self.reversed.update(e.pk for e in legs)

    @rule(txn=st.integers(min_value=1, max_value=6), i=which, out=st.booleans(), amount=amounts)
    def clio_import(self, txn, i, out, amount):
        """A Clio transaction; the same id again is a replay of the same transaction."""
        row = self.clio.get(txn)
        if row is None:
            kind = EntryKind.DISBURSEMENT if out else EntryKind.DEPOSIT
            row = services_clio.ClioEntry(
                source_id=f"bank_transaction:{txn}",
                kind=kind,
                direction="out" if out else "in",
                amount=amount,
                date=DAY,
                matter_id=self.ledgers[i].matter_id,
            )
        result = services_clio.trust_entries_import(account=self.account, rows=[row])
        if txn in self.clio:
            assert result.created == 0
            return
        self.clio[txn] = row
        entry = result.entries[row.source_id]
        if entry.source != "clio":
            # The same money as an entry made here and awaiting Clio: linked, counted once.
            assert result.created == 0 and entry.awaits_clio
            assert (entry.ledger.matter_id, entry.direction, entry.amount) == (
                row.matter_id,
                row.direction,
                row.amount,
            )
            return
        index = next(k for k, x in enumerate(self.ledgers) if x.matter_id == row.matter_id)
        self.held[index] += row.amount if row.direction == "in" else -row.amount
        overdrawn = row.direction == "out" and self.held[index] < 0
        if overdrawn:
            self.overdrawn_by_clio.add(index)
            self.exceptions += 1
        assert result.created == 1 and len(result.exceptions) == int(overdrawn)

    def _index(self, entry: TrustEntry) -> int:
        return next(k for k, x in enumerate(self.ledgers) if x.pk == entry.ledger_id)

    @invariant()
    def ledgers_match_the_model_and_the_journal_balances(self):
        # Summed here from the raw rows (a cheap query per step); the selectors' own sums are
        # checked against the same model at the end of each example, in teardown.
        held = {x.pk: D("0.00") for x in self.ledgers}
        firm_funds = journal = D("0.00")
        rows = TrustEntry.objects.filter(account=self.account)
        for ledger_id, direction, amount in rows.values_list("ledger_id", "direction", "amount"):
            signed = amount if direction == "in" else -amount
            journal += signed
            if ledger_id is None:
                firm_funds += signed
            else:
                held[ledger_id] += signed
        assert [held[x.pk] for x in self.ledgers] == self.held
        assert firm_funds == self.firm_funds
        assert journal == sum(self.held, D("0.00")) + self.firm_funds
        for k, balance in enumerate(self.held):
            assert balance >= 0 or k in self.overdrawn_by_clio
        count = TrustException.objects.filter(firm_id=self.account.firm_id).count()
        assert count == self.exceptions

    def _three_way_ties(self):
        """A bank that has cleared every other entry: its balance adjusted by the outstanding
        items, the journal and the client ledgers (with the firm's bank-fee money) agree to the
        cent."""
        entries = list(TrustEntry.objects.filter(account=self.account).order_by("id"))
        signed = [(e, e.amount if e.direction == "in" else -e.amount) for e in entries]
        cleared = sum((amount for k, (_, amount) in enumerate(signed) if k % 2 == 0), D("0.00"))
        outstanding = [
            reconcile.Item(date=e.date, amount=amount, key=str(e.pk))
            for k, (e, amount) in enumerate(signed)
            if k % 2 == 1
        ]
        totals = selectors.account_totals(account=self.account)
        result = reconcile.reconcile(
            reconcile.Inputs(
                period_end=date(2026, 12, 31),
                statement_balance=cleared,
                outstanding=outstanding,
                bank_only=[],
                journal_balance=totals.journal,
                client_ledgers=[
                    reconcile.LedgerBalance(label=str(x.pk), balance=b)
                    for x, b in zip(self.ledgers, self.held, strict=True)
                ],
                firm_funds_balance=totals.firm_funds,
            )
        )
        assert result.adjusted_bank_balance == result.journal_balance == result.ledger_total
        # What is left is what Clio did and the reconciliation must show: an overdrawn ledger.
        expected = {"client_overdrawn"} if any(b < 0 for b in self.held) else set()
        if totals.firm_funds < 0:
            expected.add("firm_funds_short")
        assert {d.kind for d in result.differences} == expected, result.differences

    def _selectors_agree(self):
        balances = selectors.ledger_balances(ledger_ids=[x.pk for x in self.ledgers])
        assert [balances[x.pk] for x in self.ledgers] == self.held
        totals = selectors.account_totals(account=self.account)
        assert totals.client_ledgers == sum(self.held, D("0.00"))
        assert totals.firm_funds == self.firm_funds
        assert totals.journal == totals.client_ledgers + totals.firm_funds


@pytest.mark.django_db
def test_trust_ledgers_hold_their_invariants_under_random_operations():
    firm = FirmFactory()
    TrustMachine.account = TrustAccountFactory(firm=firm)
    TrustMachine.ledgers = [
        ClientLedgerFactory(
            firm=firm, account=TrustMachine.account, matter=MatterFactory(firm=firm)
        )
        for _ in range(LEDGERS)
    ]
    run_state_machine_as_test(
        TrustMachine,
        settings=settings(
            max_examples=int(os.environ.get("TRUST_EXAMPLES", "500")),
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
