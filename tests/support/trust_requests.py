"""Trust requests made on a given day and deposits to their matter, for the settling tests."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from trust.models import EntryKind, TrustEntry, TrustRequest

D = Decimal
MADE = date(2026, 3, 10)
SEQ = iter(range(10**6))


def request_made(ledger, amount, made=MADE) -> TrustRequest:
    at = timezone.make_aware(datetime.combine(made, datetime.min.time()))
    return TrustRequest.objects.create(
        firm=ledger.firm,
        matter=ledger.matter,
        amount=D(amount),
        due_date=made + timedelta(days=14),
        created_at=at,
    )


def deposit(ledger, amount, on, kind=EntryKind.DEPOSIT, **extra) -> TrustEntry:
    return TrustEntry.objects.create(
        firm=ledger.firm,
        account=ledger.account,
        ledger=ledger,
        kind=kind,
        direction="in" if kind == EntryKind.DEPOSIT else "out",
        amount=D(amount),
        date=on,
        source="clio",
        source_id=f"bank_transaction:{next(SEQ)}",
        **extra,
    )
