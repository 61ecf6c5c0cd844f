"""Trust where it meets the providers: the mapping a firm chooses for its trust money (checked
against the live chart of accounts), the trust liability's balance as the books report it on a
day, and trust requests, made in Clio and settled here by the deposit that pays them."""

import uuid
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts import limits
from accounts.models import Firm, Membership
from accounts.services import audit_record
from practice.models import Matter
from sync import books
from sync.models import Side, SyncSettings
from sync.providers.errors import ProviderError
from sync.providers.registry import client_for
from sync.selectors import connection_live
from trust.models import BooksTrustBalance, EntryKind, TrustAccount, TrustEntry, TrustRequest

BY = SyncSettings.TrustMatterBy
MATTER_BY = {"quickbooks": {BY.SUB_CUSTOMER, BY.CLASS}, "xero": {BY.TRACKING}}
PROVIDER_NAMES = {"quickbooks": "QuickBooks", "xero": "Xero"}


def trust_mapping_validate(*, facts: books.BooksFacts, data: dict) -> dict[str, str]:
    """Field → message for a trust mapping the books could not keep right. Only what is sent is
    checked, and the required accounts only when trust syncing is switched on."""
    errors: dict[str, str] = {}
    name = PROVIDER_NAMES.get(facts.provider, facts.provider)
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
    if by and by not in MATTER_BY.get(facts.provider, set()):
        errors["trust_matter_by"] = f"{name} cannot carry matters that way. " + (
            "Xero has no sub-customers or classes; choose a tracking category."
            if facts.provider == "xero"
            else "Choose sub-customers or classes."
        )
    category = data.get("trust_tracking_category")
    if facts.provider == "xero" and category is not None and not category.strip():
        errors["trust_tracking_category"] = (
            "Name the tracking category for matters (for example Matter); FirmSync creates "
            "it in Xero if it is not there."
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
    """Read the mapped trust liability's balance at the end of `as_of` from the books' trial
    balance, and record it for the reconciliation (the trust app never calls a provider)."""
    account = account or TrustAccount.objects.filter(firm=firm, is_primary=True).first()
    if account is None:
        raise ValidationError("The firm has no primary trust account yet.")
    conn = connection_live(firm_id=firm.pk, side=Side.BOOKS)
    if conn is None:
        raise ValidationError("Connect QuickBooks Online or Xero first.")
    cfg = SyncSettings.objects.filter(firm=firm).first()
    mapped = (cfg.accounts if cfg else {}).get("trust_liability")
    if not mapped:
        raise ValidationError("Map the trust liability account in the sync settings first.")
    client = client_for(conn)
    if conn.provider == "quickbooks":
        amount = _quickbooks_liability(client, mapped["id"], as_of)
    else:
        amount = _xero_liability(client, mapped["id"], as_of)
    return BooksTrustBalance.objects.create(
        firm=firm,
        account=account,
        provider=conn.provider,
        books_account=mapped.get("name", mapped["id"])[:200],
        as_of=as_of,
        amount=amount,
    )


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/report-entities/trialbalance
def _quickbooks_liability(client, account_id: str, as_of: date) -> Decimal:
    report = client._get(
        "reports/TrialBalance", end_date=as_of.isoformat(), accounting_method="Accrual"
    )
    return quickbooks_credit_balance(report, account_id)


# https://developer.xero.com/documentation/api/accounting/reports#trial-balance
def _xero_liability(client, account: str, as_of: date) -> Decimal:
    """The mapping keeps a Xero account's code (or its id when it has none); the report names
    accounts by id."""
    chart = client.accounts()
    account_id = next(
        (a["AccountID"] for a in chart if account in (a.get("Code"), a["AccountID"])), account
    )
    body = client.http.request(
        "GET", "Reports/TrialBalance", params={"date": as_of.isoformat()}
    ).json()
    return xero_credit_balance(body["Reports"][0], account_id)


def _money(value: str) -> Decimal:
    return Decimal(value.replace(",", "")) if value not in ("", None) else Decimal("0.00")


def _qb_rows(rows: dict):
    for row in (rows or {}).get("Row", []):
        yield row
        yield from _qb_rows(row.get("Rows"))


def quickbooks_credit_balance(report: dict, account_id: str) -> Decimal:
    """An account's credit balance (credit minus debit) in a QuickBooks TrialBalance report."""
    for row in _qb_rows(report.get("Rows")):
        cells = row.get("ColData") or []
        if cells and str(cells[0].get("id", "")) == str(account_id):
            return _money(cells[2].get("value")) - _money(cells[1].get("value"))
    return Decimal("0.00")


def _xero_rows(rows: list):
    for row in rows or []:
        yield row
        yield from _xero_rows(row.get("Rows"))


def xero_credit_balance(report: dict, account_id: str) -> Decimal:
    """An account's credit balance as at the report date: YTD Credit minus YTD Debit (for a
    balance sheet account Xero's YTD columns are its balance)."""
    for row in _xero_rows(report.get("Rows")):
        cells = row.get("Cells") or []
        if row.get("RowType") != "Row" or not cells:
            continue
        ids = {a.get("Value") for a in cells[0].get("Attributes") or [] if a.get("Id") == "account"}
        if account_id in ids:
            return _money(cells[4].get("Value")) - _money(cells[3].get("Value"))
    return Decimal("0.00")


# -- trust requests ------------------------------------------------------------------------------


def trust_matter_get_for_member(*, member: Membership, matter_id: int) -> Matter:
    """The member's firm's matter; another firm's and a missing one are the same 404."""
    matter = (
        Matter.objects.filter(firm_id=member.firm_id, pk=matter_id).select_related("client").first()
    )
    if matter is None:
        raise Http404("No such matter.")
    return matter


def trust_requests_for_member(*, member: Membership):
    return TrustRequest.objects.filter(firm_id=member.firm_id).select_related(
        "matter__client", "paid_by", "created_by"
    )


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
        existing = TrustRequest.objects.filter(firm_id=member.firm_id, key=key).first()
        if existing is None:
            raise
        return existing
    try:
        sent = client_for(clio).trust_request_create(
            client_id=matter.client.clio_id,
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
    """Mark each unpaid request paid by the first deposit to its matter, on or after the day it
    was made, of at least its amount, not reversed and not already paying another request.
    Oldest request first, so an earlier request is not left waiting for a later one's deposit.
    Returns how many were settled. Called after each pull of Clio's trust transactions."""
    unpaid = list(
        TrustRequest.objects.select_for_update()
        .filter(firm=firm, paid_by__isnull=True)
        .order_by("created_at", "id")
    )
    if not unpaid:
        return 0
    deposits = list(
        TrustEntry.objects.filter(
            firm=firm,
            kind=EntryKind.DEPOSIT,
            ledger__matter_id__in={r.matter_id for r in unpaid},
            reversed_by__isnull=True,
            paid_request__isnull=True,
        )
        .select_related("ledger")
        .order_by("date", "id")
    )
    now, settled, used = timezone.now(), 0, set()
    for req in unpaid:
        made = timezone.localdate(req.created_at)
        entry = next(
            (
                d
                for d in deposits
                if d.pk not in used
                and d.ledger.matter_id == req.matter_id
                and d.date >= made
                and d.amount >= req.amount
            ),
            None,
        )
        if entry is None:
            continue
        used.add(entry.pk)
        TrustRequest.objects.filter(pk=req.pk).update(paid_by=entry, paid_at=now)
        settled += 1
    return settled
