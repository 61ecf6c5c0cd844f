"""Repairs of drift: safe ones through the outbox, locked ones planned and waiting for a person.

Safe repairs are ordinary outbox rows (SyncOperation) that the push drains with its writers: an
invoice written again from the Clio bill (lines, fields, a draft approved), voided, created, or a
missing payment recorded. Their idempotency key names the drift and the books' version of the
invoice it was planned from, so a second run that sees the same drift queues nothing new, and a
resend lands once in the books (QuickBooks `requestid`, Xero `Idempotency-Key`).

What the books lock (payments or credits allocated, a closed period) is never forced: the repair
is planned on a FlaggedBill and runs when a person approves it (`flag_approve`), once.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_record
from practice.models import Bill
from sync.drift import approve
from sync.drift.approve import replacement_date, replacement_number
from sync.engine import numbering, outbox, plan, push
from sync.models import Connection, Drift, ExternalLink, FlaggedBill, SyncOperation, SyncSettings
from sync.providers import documents as docs
from sync.providers.errors import ProviderError
from sync.providers.http import idempotency_key

S = SyncOperation.Status
# A repair claimed this long ago without finishing lost its worker.
REPAIR_STALE_AFTER = timedelta(minutes=10)
BILL_REPAIRS = {"update_invoice": "update", "authorise": "update", "void_invoice": "void"}


def _key(books: Connection, *parts) -> str:
    return idempotency_key(books.firm_id, books.provider, books.external_id, "drift", *parts)


def _op(books, entity, action, local_id, source_version, key, payload) -> dict:
    return {
        "idempotency_key": key,
        "firm_id": books.firm_id,
        "connection_id": books.pk,
        "run_id": None,
        "entity": entity,
        "action": action,
        "local_id": str(local_id),
        "source_version": source_version or "",
        "payload": payload,
        "fingerprint": outbox.fingerprint(payload),
        "status": S.PENDING,
        "attempts": 0,
        "created_at": timezone.now(),
    }


# -- safe repairs --------------------------------------------------------------------------------


def safe_repairs(
    *,
    books: Connection,
    cfg: SyncSettings,
    drifts: list[Drift],
    bills: dict[int, Bill],
    invoices: dict[str, docs.BooksInvoice],
) -> int:
    """Queue and send the safe repairs of `drifts`; returns how many drifts they repaired."""
    chosen: dict[tuple[str, str], list[Drift]] = {}
    ops: dict[tuple[str, str], dict] = {}
    for drift in drifts:
        kind = (drift.repair or {}).get("kind", "")
        if not (drift.repair or {}).get("safe") or drift.status != Drift.Status.OPEN:
            continue
        bill = bills.get(drift.bill_clio_id) if drift.bill_clio_id is not None else None
        if bill is None:
            continue
        inv = invoices.get(drift.remote_id)
        version = inv.version if inv else "none"
        for entity, op in _ops_for(books, cfg, drift, kind, bill, inv, version):
            # One write per record: an update covers every line and field drift of its bill.
            ops.setdefault((entity, op["local_id"]), op)
            chosen.setdefault((entity, op["local_id"]), []).append(drift)
    if not ops:
        return 0
    with transaction.atomic():
        outbox.enqueue(list(ops.values()))
        Drift.objects.filter(pk__in=[d.pk for ds in chosen.values() for d in ds]).update(
            status=Drift.Status.REPAIRING
        )
    try:
        push.push_pending(connection=books)
    finally:
        repaired = _settle(books, ops, chosen)
    return repaired


def _ops_for(books, cfg, drift, kind, bill, inv, version):
    payload = plan.bill_payload(bill, prefix=cfg.invoice_number_prefix)
    link = ExternalLink.objects.filter(
        connection=books, entity="bill", local_id=str(bill.clio_id)
    ).first()
    if kind in BILL_REPAIRS and link is not None:
        if inv is not None and inv.version and link.remote_version != inv.version:
            # QuickBooks writes need the SyncToken just read; a stale one costs a 5010 round trip.
            ExternalLink.objects.filter(pk=link.pk).update(remote_version=inv.version)
        action = BILL_REPAIRS[kind]
        key = _key(books, drift.pk, "bill", bill.clio_id, version, action)
        yield "bill", _op(books, "bill", action, bill.clio_id, bill.etag, key, payload)
    elif kind == "create_invoice":
        if link is not None:
            link.delete()  # its invoice is gone from the books: a new one replaces it
        yield from _client_first(books, drift, bill)
        key = _key(books, drift.pk, "bill", bill.clio_id, version, "create")
        yield "bill", _op(books, "bill", "create", bill.clio_id, bill.etag, key, payload)
    elif kind == "apply_payment" and inv is not None:
        yield from _missing_payments(books, cfg, drift, bill, inv, version)


def _client_first(books, drift, bill):
    """A bill the sync never wrote may have a client the books do not know yet: it goes first
    (the push writes contacts before bills)."""
    client = bill.client
    if (
        client is None
        or ExternalLink.objects.filter(
            connection=books, entity="contact", local_id=str(client.clio_id)
        ).exists()
    ):
        return
    payload = plan.contact_payload(client)
    key = _key(books, drift.pk, "contact", client.clio_id, client.etag, "create")
    yield "contact", _op(books, "contact", "create", client.clio_id, client.etag, key, payload)


def _missing_payments(books, cfg, drift, bill, inv, version):
    """The bill's allocations whose payment or credit the invoice does not carry."""
    on_invoice = set(inv.payment_ids)
    rows = plan.allocations_planned(bill.firm, cfg).filter(bill__clio_id=bill.clio_id, voided=False)
    for row in rows:
        entity = "credit" if row.parent_type == "CreditMemo" else "payment"
        link = ExternalLink.objects.filter(
            connection=books, entity=entity, local_id=str(row.clio_id)
        ).first()
        if link is not None and link.remote_id in on_invoice:
            continue
        if link is not None:
            link.delete()  # deleted in the books: record it again
        payload = plan.payment_payload(row, prefix=cfg.invoice_number_prefix)
        key = _key(books, drift.pk, entity, row.clio_id, version, "create")
        yield entity, _op(books, entity, "create", row.clio_id, row.etag, key, payload)


def _settle(books, ops, chosen) -> int:
    keys = [op["idempotency_key"] for op in ops.values()]
    sent = {
        key: (state, error)
        for key, state, error in SyncOperation.objects.filter(idempotency_key__in=keys).values_list(
            "idempotency_key", "status", "error_message"
        )
    }
    now = timezone.now()
    repaired: set[int] = set()
    for ident, op in ops.items():
        drifts = chosen[ident]
        state, error = sent.get(op["idempotency_key"], (None, ""))
        ids = [d.pk for d in drifts]
        if state == S.DONE:
            Drift.objects.filter(pk__in=ids).update(status=Drift.Status.REPAIRED, closed_at=now)
            repaired.update(ids)
        elif state == S.FAILED:
            for d in drifts:
                d.status = Drift.Status.OPEN
                d.repair = {**d.repair, "error": error}
                d.save(update_fields=["status", "repair"])
    return len(repaired)


# -- flags ---------------------------------------------------------------------------------------


def flags_upsert(
    *,
    books: Connection,
    drifts: list[Drift],
    clio: dict[int, docs.ClioBill],
    invoices: dict[str, docs.BooksInvoice],
    lock: date | None,
    prefix: str = "",
) -> int:
    """One open FlaggedBill per bill (or per invoice no bill explains) for the drifts a person
    must decide; returns how many drifts are waiting. `prefix`: the firm's invoice number
    prefix, which the planned repair's numbers carry."""
    waiting = [
        d
        for d in drifts
        if d.status in (Drift.Status.OPEN, Drift.Status.FLAGGED)
        and not (d.repair or {}).get("safe")
    ]
    groups: dict[tuple, list[Drift]] = {}
    for d in waiting:
        groups.setdefault(_flag_target(d, invoices, clio), []).append(d)
    for (bill_id, remote_id), group in groups.items():
        bill = clio.get(bill_id) if bill_id is not None else None
        inv = invoices.get(remote_id)
        flag = _flag_for(books, bill_id, remote_id, group, bill, inv, lock, prefix)
        Drift.objects.filter(pk__in=[d.pk for d in group]).update(
            status=Drift.Status.FLAGGED, flag=flag
        )
    return len(waiting)


def _flag_target(d: Drift, invoices, clio) -> tuple:
    if d.kind != "duplicate_number":
        return (d.bill_clio_id, d.remote_id)
    # A number used twice: the flag of the copy no Clio bill explains, else the first one.
    explained = {b.remote_id for b in clio.values()}
    ids = d.remote_id.split(",")
    stray = next((i for i in ids if i not in explained), ids[0])
    owner = next((b.clio_id for b in clio.values() if b.remote_id == stray), None)
    return (owner, stray)


def _flag_for(books, bill_id, remote_id, group, bill, inv, lock, prefix) -> FlaggedBill:
    lead = sorted(group, key=_severity)[0]
    planned = plan_repair(lead, bill, inv, lock, prefix=prefix)
    values = {
        "number": (inv.doc.number if inv else "") or (bill.doc.number if bill else ""),
        "client_name": lead.client_name,
        "amount": lead.amount,
        "reason": " ".join(
            dict.fromkeys([*(d.summary for d in group), (lead.repair or {}).get("summary", "")])
        ).strip(),
        "planned_repair": planned,
        "clio_side": bill.doc.as_dict() if bill else {},
        "books_side": inv.doc.as_dict() if inv else {},
    }
    flag = FlaggedBill.objects.filter(
        connection=books,
        bill_clio_id=bill_id,
        remote_id=remote_id,
        status__in=FlaggedBill.OPEN_STATUSES,
    ).first()
    if flag is None:
        return FlaggedBill.objects.create(
            firm_id=books.firm_id,
            connection=books,
            bill_clio_id=bill_id,
            remote_id=remote_id,
            **values,
        )
    if flag.status == FlaggedBill.Status.OPEN:
        done = (flag.planned_repair or {}).get("done")
        if done:
            values["planned_repair"] = {**planned, "done": done}
        for name, value in values.items():
            setattr(flag, name, value)
        flag.save()
    return flag


ORDER = ["lines", "totals", "status", "unexplained", "duplicate_number", "payment", "fields"]


def _severity(d: Drift) -> int:
    return ORDER.index(d.kind) if d.kind in ORDER else len(ORDER)


def plan_repair(drift: Drift, bill, inv, lock: date | None, *, prefix: str = "") -> dict:
    """{kind, summary, steps}: what Approve will do, in words a bookkeeper checks."""
    kind = (drift.repair or {}).get("kind", "")
    if kind == "credit_and_replace" and bill is not None and inv is not None:
        return _credit_and_replace_plan(bill, inv, lock, prefix)
    if kind == "void_unexplained" and inv is not None:
        b = inv.doc
        return {
            "kind": "void_invoice",
            "summary": f"Void invoice {b.number or inv.remote_id} in the books.",
            "steps": [
                f"Void invoice {b.number or inv.remote_id} ({b.total:.2f}, "
                f"{b.customer_name or 'no customer'}) in the books: no Clio bill explains it.",
                "If it carries payments the books refuse; remove them there first.",
            ],
        }
    return {
        "kind": "by_hand",
        "summary": (drift.repair or {}).get("summary", "A person repairs this by hand."),
        "steps": [
            (drift.repair or {}).get("summary", ""),
            "FirmSync changes nothing here: fix it in Clio or the books, then mark it resolved.",
        ],
    }


def _credit_and_replace_plan(bill: docs.ClioBill, inv: docs.BooksInvoice, lock, prefix) -> dict:
    c, b = bill.doc, inv.doc
    onto_new = min(b.paid, c.paid)
    day = replacement_date(c.date, lock)
    # The numbers approve.py writes: Clio's behind the firm's prefix.
    credit = approve.credit_number_for(prefix, b.number) or f"CR-{b.number}"
    number = replacement_number(numbering.books_number(prefix=prefix, number=c.number) or b.number)
    steps = [
        f"Create credit note {credit} for {b.total:.2f} to {b.customer_name or 'the client'}.",
        f"Allocate {b.balance:.2f} of it to invoice {b.number}, which closes it "
        f"(the {b.paid:.2f} already paid stays on it).",
        f"Create invoice {number} with Clio's "
        f"{len(c.lines)} line(s), {c.total:.2f} in all, dated {day.isoformat()}"
        + (" (the first open day after the lock date)" if day != c.date else "")
        + ".",
    ]
    if onto_new > 0:
        steps.append(
            f"Allocate {onto_new:.2f} of the credit note to the new invoice: what the client "
            "has already paid."
        )
    left = b.total - b.balance - onto_new
    if left > 0:
        steps.append(f"{left:.2f} of credit stays on the client's account in the books.")
    steps.append(f"Link Clio bill {c.number} to the new invoice.")
    return {
        "kind": "credit_and_replace",
        "summary": f"Credit invoice {b.number} in full and replace it with an invoice that "
        "matches Clio.",
        "steps": steps,
    }


# -- approving a flag ----------------------------------------------------------------------------


def flag_approve(*, flag: FlaggedBill, actor: User) -> FlaggedBill:
    """Run the repair planned on a flagged bill, exactly once: the flag is claimed with a
    conditional UPDATE, each write carries a key made from the flag and its step, and the ids
    each step made are kept on the flag so a retry continues where the last attempt stopped."""
    now = timezone.now()
    # An approval whose worker died mid-way is claimed again after a while; its finished steps
    # are kept on the flag and are not repeated.
    stale = Q(status=FlaggedBill.Status.REPAIRING, acted_at__lt=now - REPAIR_STALE_AFTER)
    claimed = (
        FlaggedBill.objects.filter(pk=flag.pk)
        .filter(Q(status=FlaggedBill.Status.OPEN) | stale)
        .update(status=FlaggedBill.Status.REPAIRING, acted_by=actor, acted_at=now)
    )
    flag.refresh_from_db()
    if not claimed:
        return flag
    kind = (flag.planned_repair or {}).get("kind", "")
    try:
        approve.run(flag=flag, kind=kind)
    except Exception as exc:
        expected = isinstance(exc, approve.NotAutomatic | ProviderError | ValueError | KeyError)
        message = getattr(exc, "message", "") or str(exc)
        if not expected:
            message = f"The repair stopped on an error; approving again continues it: {message}"
        flag.status, flag.action_note = FlaggedBill.Status.OPEN, message
        flag.save(update_fields=["status", "action_note", "planned_repair"])
        audit_record(
            firm=flag.firm,
            actor=actor,
            action="drift.flag_approve_failed",
            obj=flag,
            after={"error": message},
        )
        if not expected:
            raise
        return flag
    now = timezone.now()
    flag.status, flag.closed_at = FlaggedBill.Status.REPAIRED, now
    flag.action_note = "Repaired as planned."
    flag.save()
    Drift.objects.filter(flag=flag, status=Drift.Status.FLAGGED).update(
        status=Drift.Status.REPAIRED, closed_at=now
    )
    audit_record(
        firm=flag.firm,
        actor=actor,
        action="drift.flag_approve",
        obj=flag,
        after={"planned_repair": flag.planned_repair},
    )
    return flag
