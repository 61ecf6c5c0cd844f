"""Trust where it meets the providers: the mapping a firm chooses for its trust money (checked
against the live chart of accounts), the trust liability's balance as the books report it on a
day, and trust requests, sent through Clio and settled here by the deposits that pay them."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import cast
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts import limits
from accounts.models import Firm, Membership
from accounts.services import audit_record
from practice.models import Contact, Matter
from sync import books
from sync.engine.registry import BOOKS, client_for, trust_liability_read
from sync.models import Side, SyncSettings
from sync.providers.errors import ProviderError
from sync.selectors import connection_live
from sync.trust_books.accounts import trust_account_liability, trust_accounts_sharing
from trust.models import (
    BooksTrustBalance,
    EntryKind,
    TrustAccount,
    TrustEntry,
    TrustRequest,
    TrustRequestPayment,
)
from trust.selectors_reconcile import ledger_balances

BY = SyncSettings.TrustMatterBy
CENT = Decimal("0.01")


def trust_mapping_validate(*, facts: books.BooksFacts, data: dict) -> dict[str, str]:
    """Field → message for a trust mapping the books could not keep right. Only what is sent is
    checked, and the required accounts only when trust syncing is switched on."""
    errors: dict[str, str] = {}
    spec = BOOKS.get(facts.provider)
    name = spec.label if spec else facts.provider
    modes = spec.matter_modes if spec else ()
    accounts = data.get("accounts") or {}
    if data.get("sync_trust") is True:
        for role in ("trust_bank", "trust_liability", "operating_bank"):
            if not accounts.get(role):
                errors[f"account_{role}"] = _missing(facts, role, name)
    trust, operating = accounts.get("trust_bank"), accounts.get("operating_bank")
    if trust and trust == operating:
        # ABA Model Rule 1.15(a): client money is held apart from the lawyer's own.
        errors["account_trust_bank"] = (
            "The trust bank and the operating bank must be different accounts: client money is "
            "kept apart from the firm's."
        )
    by = data.get("trust_matter_by")
    if by and by not in modes:
        hint = spec.matter_modes_hint if spec else ""
        errors["trust_matter_by"] = f"{name} cannot carry matters that way. {hint}"
    category = data.get("trust_tracking_category")
    if BY.TRACKING in modes and category is not None and not category.strip():
        errors["trust_tracking_category"] = (
            "Name the tracking category for matters (for example Matter); FirmSync creates "
            f"it in {name} if it is not there."
        )
    return errors


ROLE_WORDS = {
    # role: (what to choose, the kind of account, which one)
    "trust_bank": ("trust bank account", "bank", "the one that holds client money"),
    "trust_liability": (
        "trust liability account",
        "liability",
        "the one that says what the firm owes its clients",
    ),
    "operating_bank": ("operating bank account", "bank", "the one earned fees are moved into"),
}


def _missing(facts: books.BooksFacts, role: str, name: str) -> str:
    label, what, which = ROLE_WORDS[role]
    candidates = books.accounts_for_role(facts, role)
    if not candidates:
        return (
            f"Choose the {label}: {name} has no {what} account for it yet. Create one (the "
            "checks above can do it for you), then choose it."
        )
    listed = ", ".join(a.name for a in candidates[:5])
    n = len(candidates)
    return (
        f"Choose the {label}: {name} has {_count(n)} {what} account{'s' if n != 1 else ''} "
        f"({listed}); pick {which}."
    )


def _count(n: int) -> str:
    return {1: "one", 2: "two", 3: "three"}.get(n, str(n))


# -- the books' trust liability ------------------------------------------------------------------


def books_trust_balance_read(
    *, firm: Firm, as_of: date, account: TrustAccount | None = None
) -> BooksTrustBalance:
    """Read `account`'s trust liability (the primary account's when none is named) at the end
    of `as_of` from the books' trial balance, and record it for that account's reconciliation
    (the trust app never calls a provider).

    When other trust accounts share the liability account, the books hold their clients' money
    there too: their client ledgers' balances on `as_of` are taken off, so each account's three-way
    reconciliation sets its own ledgers beside the books (a difference anywhere in the shared
    liability still shows, in the reconciliation of each account sharing it)."""
    account = account or TrustAccount.objects.filter(firm=firm, is_primary=True).first()
    if account is None:
        raise ValidationError("The firm has no primary trust account yet.")
    if account.firm_id != firm.pk:
        raise ValidationError("No such trust account.")
    conn = connection_live(firm_id=firm.pk, side=Side.BOOKS)
    if conn is None:
        raise ValidationError("Connect QuickBooks Online or Xero first.")
    cfg = SyncSettings.objects.filter(firm=firm).first()
    mapped = trust_account_liability(cfg=cfg, account=account) if cfg else None
    if not mapped:
        raise ValidationError("Map the trust liability account in the sync settings first.")
    amount = trust_liability_read(conn, mapped["id"], as_of)
    name = mapped.get("name", mapped["id"])
    sharing = trust_accounts_sharing(cfg=cfg, account=account) if cfg else []
    if sharing:
        amount -= sum((_clients_money(other, as_of) for other in sharing), Decimal("0.00"))
        name = f"{name}, less {', '.join(a.name for a in sharing)}"
    return BooksTrustBalance.objects.create(
        firm=firm,
        account=account,
        provider=conn.provider,
        books_account=name[:200],
        as_of=as_of,
        amount=amount,
    )


def _clients_money(account: TrustAccount, as_of: date) -> Decimal:
    """What `account`'s client ledgers hold on `as_of`: the money its trust liability carries
    (the firm's own bank-fee money is no client's, and not in the liability)."""
    rows = ledger_balances(account=account, period_end=as_of)
    return sum((r.balance for r in rows if r.ledger_id is not None), Decimal("0.00"))


# -- trust requests ------------------------------------------------------------------------------


def _request_validate(*, matter: Matter, amount: Decimal, due_date: date) -> None:
    errors: dict[str, str] = {}
    if amount <= 0:
        errors["amount"] = "The amount must be more than zero."
    elif amount > limits.MONEY_MAX:
        errors["amount"] = f"The amount is more than FirmSync accepts (${limits.MONEY_MAX:,})."
    if due_date < timezone.localdate():
        errors["due_date"] = "The due date has passed; choose today or a later day."
    elif due_date > limits.date_max():
        errors["due_date"] = f"Choose a due date before {limits.date_max():%d %b %Y}."
    if matter.client is None or not matter.client.clio_id or not matter.clio_id:
        errors["matter"] = (
            "This matter has no client in Clio yet; Clio asks the client for the money, so sync "
            "the matter from Clio first."
        )
    if errors:
        raise ValidationError(errors)


def trust_request_create(
    *,
    member: Membership,
    matter: Matter,
    kind: str,
    amount: Decimal,
    due_date: date,
    memo: str = "",
    key: uuid.UUID | None = None,
) -> TrustRequest:
    """Ask the client for trust funds through Clio (which sends the request) and track it here.

    Clio's API takes no idempotency key, so `key` (from the form or the API call) stands in: a
    second submission with the same key returns the first request and asks Clio nothing."""
    _request_validate(matter=matter, amount=amount, due_date=due_date)
    clio = connection_live(firm_id=member.firm_id, side=Side.PRACTICE)
    if clio is None:
        raise ValidationError("Connect Clio first: trust requests are sent from Clio.")
    try:
        with transaction.atomic():
            req = TrustRequest.objects.create(
                firm_id=member.firm_id,
                matter=matter,
                kind=kind,
                amount=amount,
                due_date=due_date,
                memo=memo[:255],
                created_by=member.user,
                key=key or uuid.uuid4(),
            )
    except IntegrityError:
        # Only a key the caller gave can clash: a fresh uuid4 does not.
        existing = TrustRequest.objects.filter(firm_id=member.firm_id, key=cast(UUID, key)).first()
        if existing is None:
            raise
        return existing
    try:
        sent = client_for(clio).trust_request_create(
            client_id=cast(Contact, matter.client).clio_id,
            amount=amount,
            issue_date=timezone.localdate(),
            due_date=due_date,
            note=_clio_note(kind, memo),
            matter_id=matter.clio_id,
        )
    except ProviderError as exc:
        req.delete()  # nothing reached Clio: the person may try again with the same form
        raise ValidationError(f"Clio refused the request: {exc.message}") from exc
    TrustRequest.objects.filter(pk=req.pk).update(clio_id=sent["id"])
    req.clio_id = sent["id"]
    audit_record(
        firm=member.firm,
        actor=member.user,
        action="trust_request.created",
        obj=req,
        after={"matter": matter.display_number, "amount": str(amount), "clio_id": sent["id"]},
    )
    return req


def _clio_note(kind: str, memo: str) -> str:
    label = TrustRequest.Kind(kind).label
    return f"{label}: {memo}" if memo else label


@transaction.atomic
def trust_requests_settle(*, firm: Firm) -> int:
    """Apply deposits to the firm's open requests and settle each one that is paid in full.

    A deposit counts toward a request when it is to the request's matter, dated on or after the
    day the request was made, and not reversed. Requests are served oldest first, deposits in
    date order; a deposit pays what a request still owes and its remainder goes on to the next
    request it counts toward (or stays unapplied: the client's money in trust, not owed to any
    request). A cancelled request takes nothing. Each part applied is a TrustRequestPayment, so
    running this again applies nothing twice. A deposit reversed later (a bounced cheque) stops
    counting: what it paid is owed again, and a request it had settled is open again. Returns
    how many requests were settled. Called after each pull of Clio's trust transactions."""
    _requests_reopen(firm=firm)
    # Locked (FOR UPDATE takes no GROUP BY, so what each has been paid is a second query): two
    # settlements at once, or a cancellation, wait for each other instead of paying twice.
    open_requests = list(
        TrustRequest.objects.select_for_update()
        .filter(firm=firm, paid_by__isnull=True, cancelled_at__isnull=True)
        .order_by("created_at", "id")
    )
    if not open_requests:
        return 0
    applied = _paid_so_far(request_ids=[r.pk for r in open_requests])
    deposits = _deposits_unapplied(firm=firm, matter_ids={r.matter_id for r in open_requests})
    now, settled = timezone.now(), 0
    payments: list[TrustRequestPayment] = []
    for req in open_requests:
        owed = req.amount - applied.get(req.pk, Decimal("0.00"))
        parts = _apply(req=req, owed=owed, deposits=deposits)
        payments += [
            TrustRequestPayment(firm=firm, request=req, entry=d.entry, amount=part, applied_at=now)
            for d, part in parts
        ]
        if parts and sum(part for _, part in parts) == owed:
            TrustRequest.objects.filter(pk=req.pk).update(paid_by=parts[-1][0].entry, paid_at=now)
            settled += 1
    TrustRequestPayment.objects.bulk_create(payments)
    return settled


@dataclass
class _Deposit:
    entry: TrustEntry
    matter_id: int
    left: Decimal  # what no request has taken yet


def _apply(
    *, req: TrustRequest, owed: Decimal, deposits: list[_Deposit]
) -> list[tuple[_Deposit, Decimal]]:
    """Take what `req` still owes from the deposits that count toward it, oldest first; each
    deposit's `left` goes down by what it gave."""
    made = timezone.localdate(req.created_at)
    parts = []
    for d in deposits:
        if owed <= 0:
            break
        if d.matter_id != req.matter_id or d.entry.date < made or d.left <= 0:
            continue
        part = min(owed, d.left)
        parts.append((d, part))
        d.left -= part
        owed -= part
    return parts


def _requests_reopen(*, firm: Firm) -> None:
    """Open again each paid request a reversed deposit had paid toward, with an audit event."""
    hit = TrustRequestPayment.objects.filter(
        firm=firm, request__paid_at__isnull=False, entry__reversed_by__isnull=False
    ).values_list("request_id", flat=True)
    reopened = list(TrustRequest.objects.select_for_update().filter(firm=firm, pk__in=list(hit)))
    for req in reopened:
        before = {"status": "paid", "paid_by_entry": req.paid_by_id}
        TrustRequest.objects.filter(pk=req.pk).update(paid_by=None, paid_at=None)
        audit_record(
            firm=firm,
            actor=None,
            action="trust_request.reopened",
            obj=req,
            before=before,
            after={"status": "open", "why": "a deposit that paid toward it was reversed"},
        )


def _paid_so_far(*, request_ids: list[int]) -> dict[int, Decimal]:
    """What counts as paid toward each request: its payments from deposits not reversed."""
    rows = (
        TrustRequestPayment.objects.filter(
            request_id__in=request_ids, entry__reversed_by__isnull=True
        )
        .order_by()
        .values("request_id")
        .annotate(total=Sum("amount"))
        .values_list("request_id", "total")
    )
    # Quantized: SQLite (the demo's database) sums decimals as floats.
    return {pk: total.quantize(CENT) for pk, total in rows}


def _deposits_unapplied(*, firm: Firm, matter_ids: set[int]) -> list[_Deposit]:
    """The matters' deposits that are not reversed and not wholly applied yet, oldest first."""
    rows = (
        TrustEntry.objects.filter(
            firm=firm,
            kind=EntryKind.DEPOSIT,
            ledger__matter_id__in=matter_ids,
            reversed_by__isnull=True,
        )
        .annotate(applied=_applied_to_entry(), matter_id=F("ledger__matter_id"))
        .order_by("date", "id")
    )
    found = [_Deposit(d, d.matter_id, d.amount - d.applied.quantize(CENT)) for d in rows]
    return [d for d in found if d.left > 0]


def _applied_to_entry() -> Coalesce:
    return Coalesce(
        Sum("request_payments__amount"),
        Value(Decimal("0.00")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def trust_request_cancel(*, member: Membership, request_id: int, reason: str) -> TrustRequest:
    """Stop tracking an open request, with the reason, in the audit log. What deposits already
    paid toward it stays recorded; a deposit that arrives later is not applied to it. Clio's API
    cannot withdraw a request it sent, so the client is told by the firm, not by this."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the request is cancelled."})
    if len(reason) > 255:
        raise ValidationError({"reason": "Keep the reason under 255 characters."})
    with transaction.atomic():
        # Locked so that a settlement running now cannot pay a request being cancelled.
        req = (
            TrustRequest.objects.select_for_update()
            .filter(firm_id=member.firm_id, pk=request_id)
            .first()
        )
        if req is None:
            raise Http404("No such trust request.")
        if req.is_paid:
            raise ValidationError("This request is already paid; there is nothing to cancel.")
        if req.is_cancelled:
            raise ValidationError("This request was already cancelled.")
        req.cancelled_at, req.cancelled_by, req.cancel_reason = (
            timezone.now(),
            member.user,
            reason,
        )
        req.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
        audit_record(
            firm=member.firm,
            actor=member.user,
            action="trust_request.cancelled",
            obj=req,
            before={"status": "open"},
            after={"status": "cancelled", "reason": reason, "amount": str(req.amount)},
        )
    return req
