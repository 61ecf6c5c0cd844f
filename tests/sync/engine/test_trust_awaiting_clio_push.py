"""An entry made in FirmSync awaits the same money in Clio; the firm chooses whether it reaches
the books at once or only once Clio has it, and Clio's transaction is linked to it, never a
second entry nor a second record in the books (sandbox Clio and the books over HTTP)."""

from datetime import date
from decimal import Decimal as D

import pytest

from sync.models import SyncOperation, SyncSettings
from sync.trust_books.plan import ENTITY
from tests.sync.engine.test_push_scenarios import sync_now
from tests.sync.engine.test_trust_push import (
    Journal,
    _map_trust_accounts,
    _matters,
    trust_liability_in_books,
)
from trust import selectors, services
from trust.models import ClioConfirmation, TrustEntry

DAY = date(2026, 3, 5)
AWAITING = SyncSettings.AwaitingClio


def _deposit_here(synced, matters, awaiting: str):
    cfg = _map_trust_accounts(synced, trust_awaiting_to_books=awaiting)
    journal = Journal(synced.firm, matters)
    assert journal.account.clio_id  # the account Clio keeps, pulled by the first sync
    entry = services.trust_deposit_record(
        ledger=journal.ledgers[0], amount=D("250.00"), date=DAY, description="Retainer"
    )
    return cfg, journal, entry


def _legs(entry) -> list[str]:
    ops = SyncOperation.objects.filter(entity=ENTITY, local_id__startswith=f"{entry.pk}:")
    return list(ops.values_list("status", flat=True))


@pytest.mark.parametrize("awaiting", [AWAITING.ONCE_IN_CLIO, AWAITING.AT_ONCE])
def test_the_same_deposit_typed_into_clio_is_linked_and_reaches_the_books_once(synced, awaiting):
    matters = _matters(synced)
    cfg, journal, entry = _deposit_here(synced, matters, awaiting)
    assert entry.awaits_clio

    sync_now(synced.firm)
    if awaiting == AWAITING.ONCE_IN_CLIO:
        assert _legs(entry) == []  # not the record yet: nothing in the books
        assert trust_liability_in_books(synced, cfg) == D("0.00")
    else:
        assert _legs(entry) == ["done"]

    synced.act("trust_deposit", matter_id=matters[0].clio_id, amount=250, date="2026-03-06")
    sync_now(synced.firm)

    confirmation = ClioConfirmation.objects.get(entry=entry)
    assert confirmation.clio_source_id.startswith("bank_transaction:")
    assert TrustEntry.objects.filter(ledger=journal.ledgers[0]).count() == 1
    assert selectors.ledger_balance(ledger=journal.ledgers[0]) == D("250.00")
    assert _legs(entry) == ["done"]
    assert SyncOperation.objects.filter(firm=synced.firm, entity=ENTITY).count() == 1
    assert trust_liability_in_books(synced, cfg) == D("250.00")


def test_the_pull_raises_not_in_clio_after_the_firms_days_and_emails_what_to_enter(
    synced, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta
    from types import SimpleNamespace

    from django.core import mail
    from django.utils import timezone

    from sync.trust_books.pull import pull_trust
    from trust import services_awaiting
    from trust.models import TrustException

    matters = _matters(synced)
    _map_trust_accounts(synced, trust_clio_days=2)
    journal = Journal(synced.firm, matters)
    entry = services.trust_deposit_record(
        ledger=journal.ledgers[0], amount=D("75.00"), date=DAY, reference="CHQ-7"
    )
    clio = synced.clio.connection.pk
    pull_trust(connection_id=clio)
    assert not TrustException.objects.filter(entry=entry).exists()  # within the firm's 2 days

    later = timezone.now() + timedelta(days=3)
    monkeypatch.setattr(services_awaiting, "timezone", SimpleNamespace(now=lambda: later))
    with django_capture_on_commit_callbacks(execute=True):
        result = pull_trust(connection_id=clio)

    raised = TrustException.objects.get(entry=entry)
    assert raised.kind == TrustException.Kind.NOT_IN_CLIO and result.exceptions == 1
    sent = mail.outbox[-1]
    assert sent.subject == f"[FirmSync] Trust entry not in Clio yet: {entry}"
    assert raised.instruction in sent.body and "reference CHQ-7" in raised.instruction
