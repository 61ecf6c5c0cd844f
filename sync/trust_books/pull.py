"""Pull trust money from Clio: its Trust bank accounts become TrustAccount rows, and their bank
transactions become journal entries, each recorded exactly once (source_id
`bank_transaction:<id>`).

Clio has no webhooks for bank transactions, so this runs in the five-minute poll, after the
mirror pull, with an `updated_since` cursor per trust account (the pull's skew and overlap: a
transaction seen twice is recorded once). Clio is the record: an entry that overdraws a client
ledger is kept and raises a TrustException in the trust services.

How a Clio transaction becomes an entry (the API marks only money in or out, the matter, and the
bill a payment from trust paid):
- money in → deposit; money out → disbursement, or refund when its description says so;
- money out linked to a bill or an allocation → bill paid from trust;
- the two legs of a matter-to-matter transfer carry no link to their BankTransfer, so a
  withdrawal and the next deposit with the same date, amount and description on another matter
  are paired as transfer_out / transfer_in with one transfer_group (uuid5 of the withdrawal);
- no matter → a bank fee (out) or the firm's own money covering it (in).
A transaction whose matter is not in the mirror yet (even after pulling matters) is skipped, and
the cursor stays before it, so the next poll tries again.

Transactions are read and recorded a page at a time, so a first sync's 30,000 entries go to the
books while Clio is still being read. Clio makes a transfer's two legs together, numbered one after
the other; a page is recorded once the page after it is in, so a withdrawal is paired with a deposit
up to a whole page (200 transactions) later, and entries are recorded in Clio's order. A pull asked
to stop between pages keeps the URL of the page not yet recorded, and the pairs already found that
end on it, in the cursor; the next pull starts there.
"""

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from practice.models import Bill, Matter
from sync.engine.pull import SKEW, ahead, chunks, pull_clio
from sync.engine.registry import client_for
from sync.models import Connection, PullCursor, Side, SyncSettings
from sync.providers.clio import mapping as m
from trust import services_awaiting as awaiting
from trust import services_clio as trust
from trust.models import EntryKind, TrustAccount, TrustEntry

logger = logging.getLogger("firmsync.sync")

TRANSFERS = uuid.UUID("6f1c8d8e-4a55-4a8e-9a43-2f4f6f0f7a10")  # namespace of transfer groups
IN, OUT = TrustEntry.Direction.IN, TrustEntry.Direction.OUT


@dataclass
class TrustPullResult:
    accounts: int = 0
    seen: int = 0
    created: int = 0
    skipped: int = 0
    exceptions: int = 0
    skipped_reasons: list[str] = field(default_factory=list)
    stopped: bool = False  # `stop` ended it between pages
    finished: list[int] = field(default_factory=list)  # accounts read to the end (Clio ids)


def pull_trust(
    *,
    connection_id: int,
    full: bool = False,
    stop: Callable[[], bool] | None = None,
    on_page: Callable[[int], None] | None = None,
    skip: Collection[int] = (),
) -> TrustPullResult:
    """Read each trust account's transactions. `stop` is asked between pages: when it says so,
    the pull ends there (`stopped`) and the next one carries on from that page; accounts read to
    the end are in `finished`, and a pull given them as `skip` does not read them again."""
    conn = Connection.objects.select_related("firm").get(pk=connection_id, side=Side.PRACTICE)
    client = client_for(conn)
    result = TrustPullResult()
    for account in trust_accounts_sync(firm=conn.firm, rows=client.bank_accounts()):
        result.accounts += 1
        if account.clio_id in skip:
            continue
        if not _pull_account(conn, client, account, full, result, stop, on_page):
            result.stopped = True
            return result
        result.finished.append(account.clio_id)
    result.exceptions += len(_not_in_clio(conn.firm_id))
    return result


def _not_in_clio(firm_id: int) -> list:
    """After Clio has been read whole: entries made in FirmSync that Clio still lacks after the
    firm's number of days are compliance exceptions (emailed like the others)."""
    cfg = SyncSettings.objects.filter(firm_id=firm_id).first()
    days = cfg.trust_clio_days if cfg else SyncSettings._meta.get_field("trust_clio_days").default
    raised = awaiting.trust_awaiting_clio_flag(firm_id=firm_id, days=days)
    if raised:
        ids = [x.pk for x in raised]
        transaction.on_commit(lambda: trust.trust_exceptions_email(exception_ids=ids))
    return raised


# -- accounts -------------------------------------------------------------------------------


def trust_accounts_sync(*, firm, rows: list[dict]) -> list[TrustAccount]:
    """Clio's Trust bank accounts as TrustAccount rows; Clio's default trust account is the
    primary one (at most one per firm, a database constraint)."""
    trusts = [r for r in rows if r.get("type") == "Trust"]
    default = next((r["id"] for r in trusts if r.get("default_account")), None)
    with transaction.atomic():
        accounts = [_account_upsert(firm, r) for r in trusts]
        if default is not None:
            TrustAccount.objects.filter(firm=firm, is_primary=True).exclude(clio_id=default).update(
                is_primary=False
            )
            TrustAccount.objects.filter(firm=firm, clio_id=default).update(is_primary=True)
    return accounts


def _account_upsert(firm, row: dict) -> TrustAccount:
    digits = "".join(c for c in str(row.get("account_number") or "") if c.isdigit())
    account, _ = TrustAccount.objects.update_or_create(
        firm=firm,
        clio_id=row["id"],
        defaults={
            "name": row.get("name") or "Trust account",
            "currency": row.get("currency") or "USD",
            "institution": row.get("institution") or "",
            "account_number_last4": digits[-4:],
        },
    )
    return account


# -- transactions ---------------------------------------------------------------------------


def _pull_account(conn, client, account: TrustAccount, full, result, stop, on_page) -> bool:
    cursor, _ = PullCursor.objects.get_or_create(
        connection=conn, resource=f"bank_transactions:{account.clio_id}"
    )
    if cursor.resume_url:
        floor = cursor.resume_started or timezone.now()
        pages = client.bank_transaction_pages(start=cursor.resume_url)
        carried = {int(k): v for k, v in (cursor.resume_state.get("carried") or {}).items()}
    else:
        floor = timezone.now()
        since = None if full or cursor.updated_since is None else cursor.updated_since - SKEW
        pages = client.bank_transaction_pages(bank_account_id=account.clio_id, updated_since=since)
        carried = {}
    page = _Page(conn, account, result)
    pending: list[m.ClioBankTransaction] | None = None
    for txns, url, next_url in ahead(pages):
        if pending is not None:
            carried, floor = page.record(pending, txns, carried, floor)
            if on_page is not None:
                on_page(len(pending))
        pending = txns
        if next_url is None:
            break
        PullCursor.objects.filter(pk=cursor.pk).update(
            resume_url=url,
            resume_started=floor,
            resume_state={"carried": carried},
            records=F("records") + page.uncounted(),
        )
        # Asked once a page is recorded: each pull gets somewhere, however late it starts.
        if stop is not None and page.pages and stop():
            return False
    if pending is not None:
        _, floor = page.record(pending, [], carried, floor)
        if on_page is not None:
            on_page(len(pending))
    PullCursor.objects.filter(pk=cursor.pk).update(
        updated_since=floor,
        last_run_at=timezone.now(),
        records=F("records") + page.uncounted(),
        resume_url="",
        resume_started=None,
        resume_state={},
    )
    return True


@dataclass
class _Page:
    """Records one page of an account's transactions, the page after it in view."""

    conn: Connection
    account: TrustAccount
    result: TrustPullResult
    created: int = 0
    counted: int = 0
    pages: int = 0

    def uncounted(self) -> int:
        """Entries made since the cursor last counted them."""
        n, self.counted = self.created - self.counted, self.created
        return n

    def record(self, txns, after, carried: dict[int, int], floor: datetime):
        """Record `txns`; `carried` pairs its deposits with withdrawals already recorded.
        Returns the pairs that end on `after` (its deposits, their withdrawals in `txns`) and the
        cursor's floor."""
        legs, onward = _legs_of_page(txns, after, carried)
        matters, bills = _matters(self.conn, txns), _bills(self.conn, txns)
        rows, skipped = trust_entries_from_clio(
            firm_id=self.conn.firm_id,
            account=self.account,
            txns=txns,
            matters=matters,
            bills=bills,
            legs=legs,
        )
        for chunk in chunks(rows):
            done = trust.trust_entries_import(account=self.account, rows=chunk)
            self.created += done.created
            self.result.created += done.created
            self.result.exceptions += len(done.exceptions)
        for t in skipped:
            reason = (
                f"bank_transaction:{t.id} skipped: matter {t.matter_id} is not in the mirror yet"
            )
            logger.info("trust_pull_skip %s", reason)
            self.result.skipped_reasons.append(reason)
        self.pages += 1
        self.result.seen += len(txns)
        self.result.skipped += len(skipped)
        return onward, _cursor_after(floor, skipped)


def _legs_of_page(
    txns: list[m.ClioBankTransaction],
    after: list[m.ClioBankTransaction],
    carried: dict[int, int],
) -> tuple[dict[int, int], dict[int, int]]:
    """(the transfer legs among `txns`: {leg id: withdrawal id}, the pairs whose deposit is in
    `after`). Deposits already paired (`carried`) are not offered to another withdrawal, and
    only pairs that start on this page are kept: the next page's own withdrawals are paired when
    it is recorded, with its next page in view."""
    mine = {t.id for t in txns}
    window = [t for t in (*txns, *after) if t.id not in carried]
    legs = dict(carried)
    onward: dict[int, int] = {}
    for leg, withdrawal in _transfer_legs(window).items():
        if withdrawal in mine:
            (legs if leg in mine else onward)[leg] = withdrawal
    return legs, onward


def _cursor_after(started: datetime, skipped: list[m.ClioBankTransaction]) -> datetime:
    """Stay before the oldest skipped transaction, so the next poll reads it again."""
    stamps = [t.updated_at for t in skipped if t.updated_at]
    return min([started, *stamps])


def _matters(conn, txns: list[m.ClioBankTransaction]) -> dict[int, int]:
    """Clio matter id → mirror pk. A matter Clio has but the mirror lacks is pulled once."""
    wanted = {t.matter_id for t in txns if t.matter_id}
    found = _ids(Matter, conn.firm_id, wanted)
    if wanted - found.keys():
        pull_clio(connection_id=conn.pk, only={"contacts", "matters"})
        found = _ids(Matter, conn.firm_id, wanted)
    return found


def _bills(conn, txns: list[m.ClioBankTransaction]) -> dict[int, int]:
    return _ids(Bill, conn.firm_id, {t.bill_id for t in txns if t.bill_id})


def _ids(model, firm_id: int, clio_ids: set[int]) -> dict[int, int]:
    if not clio_ids:
        return {}
    rows = model.objects.filter(firm_id=firm_id, clio_id__in=clio_ids)
    return dict(rows.values_list("clio_id", "pk"))


# -- mapping a Clio transaction to an entry (pure) ------------------------------------------


def trust_entries_from_clio(
    *,
    firm_id: int,
    account: TrustAccount,
    txns: list[m.ClioBankTransaction],
    matters: dict[int, int],
    bills: dict[int, int],
    legs: dict[int, int] | None = None,
) -> tuple[list[trust.ClioEntry], list[m.ClioBankTransaction]]:
    """(entries to import, transactions skipped for a matter the mirror lacks). Zero-amount
    transactions move no money and are left out. `legs`: the transfer legs, when they were paired
    beyond `txns` (otherwise paired among them)."""
    if legs is None:
        legs = _transfer_legs(txns)
    rows, skipped = [], []
    for t in sorted(txns, key=lambda t: t.id):
        amount = _amount(t)
        if not amount:
            continue
        if t.matter_id and t.matter_id not in matters:
            skipped.append(t)
            continue
        kind, direction = _kind(t, legs)
        group = None
        if t.id in legs:
            group = uuid.uuid5(TRANSFERS, f"{firm_id}:{account.clio_id}:{legs[t.id]}")
        rows.append(
            trust.ClioEntry(
                source_id=f"bank_transaction:{t.id}",
                kind=kind,
                direction=direction,
                amount=amount,
                date=t.date or timezone.localdate(),
                matter_id=matters.get(t.matter_id) if t.matter_id else None,
                description=t.description,
                reference=t.confirmation,
                transfer_group=group,
                bill_id=bills.get(t.bill_id) if t.bill_id else None,
            )
        )
    return rows, skipped


def _amount(t: m.ClioBankTransaction):
    return t.funds_in or t.funds_out or abs(t.amount)


def _is_in(t: m.ClioBankTransaction) -> bool:
    return t.funds_in > 0 or (not t.funds_out and t.amount > 0)


def _kind(t: m.ClioBankTransaction, legs: dict[int, int]) -> tuple[str, str]:
    direction = IN if _is_in(t) else OUT
    if t.id in legs:
        return (EntryKind.TRANSFER_IN if direction == IN else EntryKind.TRANSFER_OUT), direction
    if not t.matter_id:
        return (EntryKind.FIRM_FUNDS if direction == IN else EntryKind.BANK_FEE), direction
    if direction == IN:
        return EntryKind.DEPOSIT, IN
    if t.bill_id or t.allocation_id:
        return EntryKind.BILL_PAYMENT, OUT
    if "refund" in t.description.lower():
        return EntryKind.REFUND, OUT
    return EntryKind.DISBURSEMENT, OUT


def _transfer_legs(txns: list[m.ClioBankTransaction]) -> dict[int, int]:
    """Pair each unlinked withdrawal with the next deposit of the same date, amount and
    description on another matter. Returns {leg id: withdrawal id} for both legs."""
    deposits = defaultdict(list)
    for t in sorted(txns, key=lambda t: t.id):
        if _is_in(t) and t.matter_id and not t.bill_id:
            deposits[(t.date, _amount(t), t.description)].append(t)
    legs: dict[int, int] = {}
    for t in sorted(txns, key=lambda t: t.id):
        if _is_in(t) or not t.matter_id or t.bill_id or t.allocation_id:
            continue
        waiting = deposits[(t.date, _amount(t), t.description)]
        match = next((d for d in waiting if d.id > t.id and d.matter_id != t.matter_id), None)
        if match is not None:
            waiting.remove(match)
            legs[t.id] = legs[match.id] = t.id
    return legs
