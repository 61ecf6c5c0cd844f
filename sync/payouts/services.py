"""Clio Payments payouts: read the payments from Clio, group them into payouts, import the
operating account's bank statement, and match each payout to the bank credit that carries it.

Payouts are rebuilt from the mirror each time (they are sums of it). A matched payout keeps its
bank line while its gross is unchanged; a payment voided or added afterwards changes the gross,
and the payout is matched again from scratch.
"""

import hashlib
import logging
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Firm, Membership
from accounts.roles import WRITE
from accounts.selectors import role_require
from accounts.services import audit_record
from practice import services as mirror
from practice.models import ClioPaymentsPayment
from sync.engine.pull import chunks
from sync.engine.registry import bank_deposits_read, client_for
from sync.models import ClioPayout, Connection, OperatingBankLine, Side, SyncSettings
from sync.payouts.fees import payout_fees_queue
from sync.payouts.matching import WINDOW_DAYS, Credit, Payout, payouts_match
from sync.providers.clio import mapping as m
from sync.providers.errors import ProviderError
from sync.selectors import connection_live
from trust.statement_files import (
    MAX_UPLOAD_BYTES,
    ParsedLine,
    is_ofx,
    parse_csv,
    parse_ofx,
    read_csv,
)
from trust.statements import columns_from_mapping

logger = logging.getLogger("firmsync.sync")

# Clio Payments pays out money that has been taken; a payment still pending, failed or voided
# is not in any payout.
PAID_OUT = ("completed", "completed_requiring_allocation")
BOOKS_LOOKBACK = timedelta(days=120)


def _row(p: m.ClioPaymentsPayment) -> dict:
    return {
        "clio_id": p.id,
        "etag": p.updated_at.isoformat() if p.updated_at else "",
        "clio_updated_at": p.updated_at,
        "amount": p.amount,
        "state": p.state,
        "deposit_date": p.deposit_date,
        "confirmation_number": p.confirmation_number[:100],
        "contact_clio_id": p.contact_id,
        "bill_clio_ids": p.bill_ids,
        "pulled_at": timezone.now(),
    }


def clio_payments_pull(*, connection_id: int) -> int:
    """Read every Clio Payments payment into the mirror, then rebuild and match the payouts.
    Returns how many mirror rows changed."""
    conn = Connection.objects.select_related("firm").get(pk=connection_id, side=Side.PRACTICE)
    client = client_for(conn)
    written = 0
    for chunk in chunks(_row(p) for p in client.clio_payments()):
        written += mirror.clio_payments_upsert(firm=conn.firm, rows=chunk)
    payouts_refresh(firm=conn.firm)
    return written


def payouts_refresh(*, firm: Firm) -> list[ClioPayout]:
    """Payouts from the mirror's payments, then every unmatched one matched if a free credit
    carries it: an imported bank line, or a deposit already in the books. Returns the payouts
    newly matched."""
    _payouts_rebuild(firm)
    open_ = list(ClioPayout.objects.filter(firm=firm, status=ClioPayout.Status.UNMATCHED))
    matched = _match(firm, open_) if open_ else []
    payout_fees_queue(firm=firm)
    return matched


def _match(firm: Firm, open_: list[ClioPayout]) -> list[ClioPayout]:
    credits = _bank_credits(firm) + _books_credits(firm, open_)  # read outside a transaction
    found = payouts_match([Payout(p.deposit_date, p.gross) for p in open_], credits)
    days = {c.key: c.date for c in credits}
    return _matches_save(firm, open_, found, days)


@transaction.atomic
def _payouts_rebuild(firm: Firm) -> None:
    sums = (
        ClioPaymentsPayment.objects.filter(
            firm=firm, state__in=PAID_OUT, deposit_date__isnull=False
        )
        .values("deposit_date")
        .annotate(gross=Sum("amount"), n=Count("id"))
    )
    wanted = {row["deposit_date"]: row for row in sums}
    existing = {p.deposit_date: p for p in ClioPayout.objects.select_for_update().filter(firm=firm)}
    for day, payout in existing.items():
        row = wanted.get(day)
        if row is None:
            payout.delete()  # every payment of the day was voided: nothing was paid out
        elif row["gross"] != payout.gross or row["n"] != payout.payments:
            _unmatch(payout, gross=row["gross"], payments=row["n"])
    for day, row in wanted.items():
        if day not in existing:
            ClioPayout.objects.create(
                firm=firm, deposit_date=day, gross=row["gross"], payments=row["n"]
            )


def _unmatch(payout: ClioPayout, *, gross: Decimal, payments: int) -> None:
    payout.gross, payout.payments = gross, payments
    payout.status = ClioPayout.Status.UNMATCHED
    payout.net = payout.fee = payout.bank_line = payout.matched_at = payout.arrived_on = None
    payout.books_deposit_type = payout.books_deposit_id = ""
    payout.save()


def _bank_credits(firm: Firm) -> list[Credit]:
    # "bank:" sorts before "books:": a bank line wins a tie with the same money in the books.
    lines = OperatingBankLine.objects.filter(firm=firm, amount__gt=0, payout__isnull=True)
    return [Credit(key=f"bank:{ln.pk}", date=ln.date, amount=ln.amount) for ln in lines]


def _books_credits(firm: Firm, open_: list[ClioPayout]) -> list[Credit]:
    """Deposits into the mapped operating bank in the books, over the open payouts' days."""
    books = connection_live(firm_id=firm.pk, side=Side.BOOKS)
    cfg = SyncSettings.objects.filter(firm=firm).first()
    bank = ((cfg.accounts or {}).get("operating_bank") or {}).get("id") if cfg else None
    if books is None or not bank:
        return []
    # Every poll asks again for the open payouts; an old one left unmatched for good must not
    # make each read reach back further: the books are asked about BOOKS_LOOKBACK before the
    # newest open payout at most.
    newest = max(p.deposit_date for p in open_)
    start = max(min(p.deposit_date for p in open_), newest - BOOKS_LOOKBACK)
    end = newest + timedelta(days=WINDOW_DAYS)
    try:
        deposits = bank_deposits_read(books, str(bank), start, end)
    except ProviderError as exc:  # the bank lines still match; the next refresh reads again
        logger.warning("Books deposits unreadable for firm %s: %s", firm.pk, exc)
        return []
    taken = set(
        ClioPayout.objects.filter(firm=firm)
        .exclude(books_deposit_id="")
        .values_list("books_deposit_type", "books_deposit_id")
    )
    return [
        Credit(key=f"books:{d.remote_type}:{d.remote_id}", date=d.date, amount=d.amount)
        for d in deposits
        if (d.remote_type, d.remote_id) not in taken
    ]


@transaction.atomic
def _matches_save(firm: Firm, open_: list[ClioPayout], found: dict, days: dict) -> list[ClioPayout]:
    matched = []
    for payout in open_:
        hit = found.get(payout.deposit_date)
        if hit is None:
            continue
        payout.status, payout.net, payout.fee = ClioPayout.Status.MATCHED, hit.net, hit.fee
        payout.arrived_on = days[hit.credit_key]
        source, _, ref = hit.credit_key.partition(":")
        if source == "bank":
            payout.bank_line_id = int(ref)
        else:
            payout.books_deposit_type, _, payout.books_deposit_id = ref.partition(":")
        payout.matched_at = timezone.now()
        payout.save()
        matched.append(payout)
    return matched


def _read_statement(filename: str, content: bytes) -> list[ParsedLine]:
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationError("The file is larger than 5 MB: export a shorter period.")
    if is_ofx(filename, content):
        return parse_ofx(content).lines
    headers, _ = read_csv(content)
    return parse_csv(content, columns_from_mapping(None, headers))


def operating_statement_import(*, member: Membership, filename: str, content: bytes) -> int:
    """The operating account's statement (CSV with date/amount/description headers, or OFX),
    read as trust statements are. Lines imported before (same bank id) are skipped; the payouts
    are matched again (after the lines are committed: matching may read the books). Returns how
    many lines were new."""
    role_require(member, WRITE)
    lines = _read_statement(filename, content)
    added = _lines_store(member, filename, content, lines)
    payouts_refresh(firm=member.firm)
    return added


@transaction.atomic
def _lines_store(member: Membership, filename: str, content: bytes, lines: list[ParsedLine]) -> int:
    sha = hashlib.sha256(content).hexdigest()
    rows = [
        OperatingBankLine(
            firm_id=member.firm_id,
            date=ln.date,
            amount=ln.amount,
            description=ln.description[:500],
            reference=ln.reference[:200],
            bank_id=ln.bank_id[:200],
            file_sha256=sha,
            imported_by=member.user,
        )
        for ln in lines
    ]
    before = OperatingBankLine.objects.filter(firm_id=member.firm_id).count()
    OperatingBankLine.objects.bulk_create(rows, ignore_conflicts=True)
    added = OperatingBankLine.objects.filter(firm_id=member.firm_id).count() - before
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="payouts.statement_import",
        after={"file": filename[:200], "lines": len(rows), "new": added},
    )
    return added
