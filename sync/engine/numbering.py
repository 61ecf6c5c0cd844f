"""Invoice numbers that never collide: the number each Clio bill takes in the books, and the
bills held back because that number belongs to the books' own numbering.

A bill waits (a FlaggedBill whose planned repair is `number_hold`, done by a person) when

- its Clio number is below the firm's starting invoice number (numbers below it are the books'
  own; without a prefix, Clio's numbers and the books' share one range), or
- its number in the books is one another invoice already holds: a number the last full read of
  the books found (`BooksNumber`: the preflight's read before a sync, each reconcile's
  read-back), an invoice FirmSync wrote for another Clio bill (Clio's numbering restarted), an
  invoice marked as made in the books, an invoice the reconciler found no Clio bill for, or one
  the books named when they refused the number (QuickBooks 6140, Xero "Invoice # must be
  unique") since the last read.

The plan re-checks every held bill each time: once Clio's number, the prefix or the starting
number changes, or a read of the books no longer finds the number, the flag clears and the bill
is sent; a create the books refused for its number is sent again by itself (same number) or
retired (planned again under the new one), never left for a person to retry.
"""

import logging
import re
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from practice.models import Bill
from sync.engine.registry import BOOKS, client_for
from sync.models import (
    BooksNumber,
    BooksOnlyInvoice,
    Connection,
    Drift,
    ExternalLink,
    FlaggedBill,
    SyncOperation,
    SyncSettings,
)
from sync.providers.errors import ProviderError

logger = logging.getLogger("firmsync.sync")

HOLD = "number_hold"
GONE = ("void", "deleted")
# QuickBooks DocNumber holds 21 characters; a short prefix of letters, digits and separators
# leaves room for Clio's number and reads the same in both books.
PREFIX_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./-]{0,7}$"
PREFIX_HELP = "Up to 8 letters, digits, dots, slashes or hyphens, starting with a letter or digit."
DOC_NUMBER_MAX = 21


def books_number(*, prefix: str, number: str) -> str:
    """The number a Clio bill takes in the books: Clio's, behind the firm's prefix (cut to what
    QuickBooks holds; without a prefix Clio's number goes as it always has)."""
    if not prefix or not number:
        return number
    return f"{prefix}{number}"[:DOC_NUMBER_MAX]


def credit_number(*, prefix: str, clio_id) -> str:
    """A credit note's number: CR- and the Clio credit memo's id, behind the same prefix."""
    return f"{prefix}CR-{clio_id}"[:DOC_NUMBER_MAX]


def number_value(number: str) -> int | None:
    """The numeric value of a number: '1040' → 1040, 'INV-0042' → 42, 'ABC' → None."""
    match = re.search(r"(\d+)\D*$", number or "")
    return int(match.group(1)) if match else None


def _key(number: str) -> str:
    return (number or "").strip().casefold()


def hold_reason(
    *,
    clio_number: str,
    cfg: SyncSettings,
    taken: dict[str, str],
    books_name: str,
) -> str:
    """Why this bill may not take its number in the books, with what to change; "" if it may.
    `taken`: numbers (casefolded) an invoice FirmSync did not write holds → what holds it."""
    number = books_number(prefix=cfg.invoice_number_prefix, number=clio_number)
    holder = taken.get(_key(number))
    if number and holder:
        return (
            f"{holder} already holds number {number}: the bill "
            f"is not sent, or {books_name} would refuse it (or keep two invoices numbered "
            f"{number}). Change the next bill number in Clio (Settings → Billing) and renumber "
            f"this bill, renumber the old invoice in {books_name}, or set an invoice number "
            f"prefix in FirmSync's bill syncing settings (C- makes it C-{clio_number})."
        )
    value = number_value(clio_number)
    start = cfg.starting_invoice_number
    if start and not cfg.invoice_number_prefix and value is not None and value < start:
        return (
            f"Clio bill {clio_number} is below the starting invoice number {start}: numbers "
            f"below it belong to {books_name}'s own invoices. Set Clio's next bill number to "
            f"{start} or higher (Settings → Billing) and renumber this bill, or set an invoice "
            f"number prefix in FirmSync's bill syncing settings (C- makes it C-{clio_number})."
        )
    return ""


def numbers_taken(*, books: Connection, numbers: Iterable[str]) -> dict[str, str]:
    """Which of `numbers` another invoice in the books holds, as far as FirmSync knows, and what
    holds each. A bill that is not linked has no invoice of its own yet, so any holder is another
    invoice: the later sources below name it more precisely and win."""
    keys = {_key(n)[:50] for n in numbers} - {""}
    if not keys:
        return {}
    name = BOOKS[books.provider].label
    taken: dict[str, str] = {}
    known = BooksNumber.objects.filter(connection=books, key__in=keys).values_list("number")
    for (number,) in known:
        taken[_key(number)] = f"Invoice {number} (in {name} already; FirmSync did not write it)"
    raw = {n.strip() for n in numbers} | keys
    ours = ExternalLink.objects.filter(connection=books, entity="bill", remote_number__in=raw)
    for number in ours.values_list("remote_number", flat=True):
        taken[_key(number)] = (
            f"Invoice {number} (FirmSync wrote it for an earlier Clio bill with the same number: "
            "Clio's numbering was restarted or reused)"
        )
    marked = BooksOnlyInvoice.objects.filter(connection=books).values_list("number", flat=True)
    for number in marked:
        taken[_key(number)] = f"Invoice {number} (made in the books)"
    stray = Drift.objects.filter(
        connection=books, kind=Drift.Kind.UNEXPLAINED, status__in=Drift.OPEN_STATUSES
    ).values_list("number", flat=True)
    for number in stray:
        taken[_key(number)] = f"Invoice {number} (no Clio bill explains it)"
    for flag in holds_open(books=books).filter(planned_repair__refused=True):
        taken[_key(flag.number)] = flag.planned_repair.get("holder") or f"Invoice {flag.number}"
    return {k: v for k, v in taken.items() if k in keys}


def books_numbers_store(*, books: Connection, numbers: Iterable[str]) -> int:
    """Keep `numbers`, every invoice number a full read of the books found, as the numbers the
    books use. A refusal's memory ends here: a number the read no longer finds (the old invoice
    was renumbered or deleted) is free, and the next plan sends the bill. Returns how many rows
    changed."""
    wanted = {_key(n)[:50]: n.strip()[:50] for n in numbers if _key(n)}
    with transaction.atomic():
        have = set(BooksNumber.objects.filter(connection=books).values_list("key", flat=True))
        gone = have - set(wanted)
        if gone:
            BooksNumber.objects.filter(connection=books, key__in=gone).delete()
        new = [
            BooksNumber(firm_id=books.firm_id, connection=books, key=k, number=wanted[k])
            for k in sorted(set(wanted) - have)
        ]
        BooksNumber.objects.bulk_create(new, ignore_conflicts=True)
        for flag in holds_open(books=books).filter(planned_repair__refused=True):
            if _key(flag.number)[:50] not in wanted:
                flag.planned_repair = {**flag.planned_repair, "refused": False}
                flag.save(update_fields=["planned_repair"])
    return len(gone) + len(new)


def holds_open(*, books: Connection):
    return FlaggedBill.objects.filter(
        connection=books, status__in=FlaggedBill.OPEN_STATUSES, planned_repair__kind=HOLD
    )


def _planned(reason: str, refused: bool, holder: str) -> dict:
    return {
        "kind": HOLD,
        "summary": "FirmSync holds the bill until its number is free; nothing is written to the "
        "books meanwhile. Once you change the number (or the setting), the next sync sends it.",
        "steps": [],
        "refused": refused,
        "holder": holder,
    }


def hold_upsert(
    *,
    books: Connection,
    bill,
    number: str,
    reason: str,
    refused: bool = False,
    holder: str = "",
    open_holds: dict[int, FlaggedBill] | None = None,
) -> FlaggedBill:
    """The open hold of `bill`, made or brought up to date (one open flag per bill).
    `open_holds`: the connection's open holds by bill, when the caller has read them."""
    values = {
        "firm_id": books.firm_id,
        "number": number[:50],
        "client_name": bill.client.name if bill.client else "",
        "amount": bill.total,
        "reason": reason,
        "planned_repair": _planned(reason, refused, holder),
        "clio_side": {"number": bill.number, "total": f"{bill.total:.2f}"},
    }
    if open_holds is None:
        flag = holds_open(books=books).filter(bill_clio_id=bill.clio_id, remote_id="").first()
    else:
        flag = open_holds.get(bill.clio_id)
    if flag is not None and flag.number == values["number"] and not refused:
        # Still the number the books refused: it stays known as taken, or the next plan would
        # send the bill to be refused again.
        was = flag.planned_repair or {}
        if was.get("refused"):
            values["planned_repair"] = _planned(reason, True, was.get("holder", ""))
    if flag is not None and flag.number == values["number"]:
        # When the books were last asked about the number (holds_recheck): kept, or every plan
        # would have the next run ask again.
        checked = (flag.planned_repair or {}).get("checked_at")
        if checked:
            values["planned_repair"]["checked_at"] = checked
    if flag is None:
        return FlaggedBill.objects.create(
            connection=books, bill_clio_id=bill.clio_id, remote_id="", **values
        )
    if (flag.reason, flag.number, flag.planned_repair) != (
        reason,
        values["number"],
        values["planned_repair"],
    ):
        for name, value in values.items():
            setattr(flag, name, value)
        flag.save()
    return flag


def holds_clear(*, books: Connection, bill_ids: list[int], note: str) -> int:
    """Close the holds of bills whose number is free now (or that no longer go to the books)."""
    if not bill_ids:
        return 0
    return (
        holds_open(books=books)
        .filter(bill_clio_id__in=bill_ids)
        .update(
            status=FlaggedBill.Status.CLEARED,
            closed_at=timezone.now(),
            action_note=note,
        )
    )


def held_bill_ids(*, books: Connection) -> set[int]:
    return set(
        holds_open(books=books).filter(~Q(bill_clio_id=None)).values_list("bill_clio_id", flat=True)
    )


def bills_number_gate(*, books: Connection, cfg: SyncSettings, bills: list, linked: set[str]):
    """The bills of `bills` that may go to the books. A bill not yet in the books whose number
    the rules above hold gets (or keeps) its open hold and is left out; the holds of the others
    close. Bills already in the books keep their invoice and are never held."""
    open_holds = {f.bill_clio_id: f for f in holds_open(books=books).filter(remote_id="")}
    held = set(open_holds)
    fresh = [b for b in bills if str(b.clio_id) not in linked and b.state not in GONE]
    if not fresh and not held:
        return bills
    if fresh:
        # A create on its way may be in the books already (its worker died before the link was
        # kept): its own number there is not a clash, and the push's recovery finds it by it.
        sending = set(
            SyncOperation.objects.filter(
                connection=books,
                entity="bill",
                action="create",
                status__in=(SyncOperation.Status.PENDING, SyncOperation.Status.IN_FLIGHT),
                local_id__in=[str(b.clio_id) for b in fresh],
            ).values_list("local_id", flat=True)
        )
        fresh = [b for b in fresh if str(b.clio_id) not in sending]
    prefix = cfg.invoice_number_prefix
    wanted = [books_number(prefix=prefix, number=b.number) for b in fresh]
    taken = numbers_taken(books=books, numbers=wanted) if fresh else {}
    name = BOOKS[books.provider].label
    holding: set[int] = set()
    for bill in fresh:
        reason = hold_reason(clio_number=bill.number, cfg=cfg, taken=taken, books_name=name)
        if reason:
            number = books_number(prefix=cfg.invoice_number_prefix, number=bill.number)
            hold_upsert(books=books, bill=bill, number=number, reason=reason, open_holds=open_holds)
            holding.add(bill.clio_id)
    seen = {b.clio_id for b in bills}
    holds_clear(
        books=books,
        bill_ids=sorted((held & seen) - holding),
        note="The number is free now (or the bill no longer goes to the books).",
    )
    return [b for b in bills if b.clio_id not in holding]


def number_refused(*, provider: str, code: str, message: str) -> bool:
    """The books refused an invoice for its number: QuickBooks 6140 (with custom transaction
    numbers and the duplicate warning on), Xero "Invoice # must be unique"."""
    if provider == "quickbooks":
        return code == "6140"
    return bool(re.search(r"must be unique", message or "", re.I))


def refusals_hold(*, books: Connection, ops: list) -> int:
    """Hold the bills whose create the books refused for a number already in use: the number is
    known as taken from now on, so the bill waits on the Flagged bills page instead of being
    sent again on every sync."""
    refused = {
        int(op.local_id): op
        for op in ops
        if op.entity == "bill"
        and op.action == "create"
        and op.status == "failed"
        and number_refused(provider=books.provider, code=op.error_code, message=op.error_message)
    }
    if not refused:
        return 0
    name = BOOKS[books.provider].label
    cfg = SyncSettings.objects.get(firm_id=books.firm_id)
    bills = Bill.objects.filter(firm_id=books.firm_id, clio_id__in=list(refused))
    for bill in bills.select_related("client"):
        number = refused[bill.clio_id].payload.get("number") or ""
        holder = f"Invoice {number} in {name}"
        reason = hold_reason(
            clio_number=bill.number, cfg=cfg, taken={_key(number): holder}, books_name=name
        )
        if not reason:
            continue  # renumbered since it was planned: the next plan decides afresh
        hold_upsert(
            books=books, bill=bill, number=number, reason=reason, refused=True, holder=holder
        )
    return len(refused)


def refused_creates_settle(*, books: Connection, wanted: list[dict]) -> int:
    """The bills' creates planned now (`wanted`: outbox rows) against the creates the books
    refused for their number before. The same write again (its number is free now: the old
    invoice was renumbered) is sent again as it is, no Retry needed; one planned again under
    another number (a prefix, a renumbered Clio bill) retires the refused one, so a Retry can
    never send the old number. Returns how many were sent again."""
    creates = {r["local_id"]: r["idempotency_key"] for r in wanted if r["action"] == "create"}
    if not creates:
        return 0
    failed = SyncOperation.objects.filter(
        connection=books,
        entity="bill",
        action="create",
        status=SyncOperation.Status.FAILED,
        local_id__in=list(creates),
    ).only("idempotency_key", "local_id", "error_code", "error_message")
    again: list[int] = []
    retired: list[int] = []
    for op in failed:
        if number_refused(provider=books.provider, code=op.error_code, message=op.error_message):
            same = op.idempotency_key == creates[op.local_id]
            (again if same else retired).append(op.pk)
    SyncOperation.objects.filter(pk__in=again).update(
        status=SyncOperation.Status.PENDING,
        failed_at=None,
        claimed_until=None,
        error_code="",
        error_message="",
    )
    SyncOperation.objects.filter(pk__in=retired).update(
        status=SyncOperation.Status.SKIPPED,
        error_message="Planned again under another number; this write is not sent.",
    )
    return len(again)


# A sync run asks the books again about a few held numbers that only the books hold (a refusal,
# or the last full read): at most this many per run, each at most once in this long, so runs
# every five minutes cost Xero's daily allowance next to nothing.
RECHECK_PER_RUN = 5
RECHECK_EVERY = timedelta(hours=1)


def holds_recheck(*, books: Connection) -> int:
    """At the start of a sync run: is each held number the books hold still there? One the books
    no longer have (the old invoice was renumbered or deleted) is forgotten, so this run's plan
    sends the bill, no Retry and no wait for the next full read. A look-up that fails leaves
    things as they are. Returns how many numbers were freed."""
    due = timezone.now() - RECHECK_EVERY
    flags = [
        f
        for f in holds_open(books=books).filter(remote_id="").order_by("flagged_at", "pk")
        if (f.planned_repair or {}).get("checked_at", "") < due.isoformat()
    ]
    known = set(
        BooksNumber.objects.filter(
            connection=books, key__in=[_key(f.number)[:50] for f in flags]
        ).values_list("key", flat=True)
    )
    flags = [f for f in flags if f.planned_repair.get("refused") or _key(f.number)[:50] in known]
    if not flags:
        return 0
    freed = 0
    client = client_for(books)
    for flag in flags[:RECHECK_PER_RUN]:
        try:
            # QuickBooks: a query on DocNumber; Xero: GET Invoices?InvoiceNumbers= (client docs)
            found = client.invoice_find(flag.number)
        except ProviderError as exc:
            logger.warning("hold_recheck_failed flag=%s error=%s", flag.pk, exc)
            return freed
        flag.planned_repair = {**flag.planned_repair, "checked_at": timezone.now().isoformat()}
        # A deleted Xero invoice keeps its number in the API but no longer holds it.
        if found is None or getattr(found, "status", "") == "DELETED":
            flag.planned_repair["refused"] = False
            BooksNumber.objects.filter(connection=books, key=_key(flag.number)[:50]).delete()
            freed += 1
        flag.save(update_fields=["planned_repair"])
    return freed
