"""Plan: compare the Clio mirror with what was last pushed, and queue only the differences.

Each intended write becomes one SyncOperation whose idempotency key comes from (firm, target,
entity, Clio id, the version last pushed, the version to push): planning the same change twice
queues it once, and the key goes
to the books as QuickBooks `requestid` / Xero `Idempotency-Key`, so a resend lands once there too.
Payloads here are provider-neutral; the push maps them to QuickBooks or Xero.
"""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q

from practice.models import Allocation, Bill, Contact
from sync.models import Connection, ExternalLink, Side, SyncOperation, SyncRun, SyncSettings
from sync.providers.http import idempotency_key

APPROVED = ("awaiting_payment", "paid")


def fingerprint(payload: dict) -> str:
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def contact_payload(c: Contact) -> dict:
    return {
        "clio_id": c.clio_id,
        "name": c.name.strip(),
        "first_name": c.first_name,
        "last_name": c.last_name,
        "company": c.type == "Company",
        "email": c.email,
        "phone": c.phone,
    }


def bill_payload(b: Bill) -> dict:
    return {
        "clio_id": b.clio_id,
        "number": b.number,
        "state": b.state,
        "issued_at": b.issued_at.isoformat() if b.issued_at else None,
        "due_at": b.due_at.isoformat() if b.due_at else None,
        "client_clio_id": b.client.clio_id if b.client else None,
        "sub_total": _money(b.sub_total),
        "total_tax": _money(b.total_tax),
        "total": _money(b.total),
        "lines": [
            {
                "clio_id": line.clio_id,
                "type": line.type,
                "description": line.description,
                "date": line.date.isoformat() if line.date else None,
                "quantity": str(line.quantity),
                "price": _money(line.price),
                "total": _money(line.total),
                "taxable": line.taxable,
            }
            for line in b.lines.all()
        ],
    }


def payment_payload(a: Allocation) -> dict:
    bill = a.bill
    return {
        "clio_id": a.clio_id,
        "bill_clio_id": bill.clio_id if bill else None,
        "bill_number": bill.number if bill else "",
        "client_clio_id": bill.client.clio_id if bill and bill.client else None,
        "date": a.date.isoformat() if a.date else None,
        "amount": _money(a.amount),
        "kind": a.parent_type,
        "voided": a.voided,
    }


@dataclass
class Plan:
    queued: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)


def _contacts(firm, cfg: SyncSettings):
    """The scope the firm chose, and always the client of every bill that goes to the books."""
    if cfg.contacts_scope == SyncSettings.Contacts.APPROVED_UNPAID:
        scope = Bill.objects.filter(firm=firm, state__in=APPROVED, balance__gt=0)
    else:
        scope = Bill.objects.filter(firm=firm)
    synced = _bills(firm, cfg).exclude(state__in=("void", "deleted"))
    return Contact.objects.filter(firm=firm).filter(
        Q(pk__in=scope.values("client_id")) | Q(pk__in=synced.values("client_id"))
    )


def _bills(firm, cfg: SyncSettings):
    states = (*APPROVED, "void", "deleted") if cfg.only_approved_bills else None
    qs = Bill.objects.filter(firm=firm, issued_at__gte=cfg.start_date).select_related("client")
    qs = qs.filter(state__in=states) if states else qs
    return qs.prefetch_related("lines")


def _allocations(firm, cfg: SyncSettings):
    return Allocation.objects.filter(
        firm=firm, bill__issued_at__gte=cfg.start_date, bill__state__in=APPROVED
    ).select_related("bill__client")


def _action(entity: str, payload: dict, link: ExternalLink | None) -> str | None:
    state = payload.get("state")
    if entity == "bill" and state in ("void", "deleted"):
        return None if link is None else ("void" if state == "void" else "delete")
    if entity in ("payment", "credit") and payload.get("voided"):
        return None if link is None else "delete"
    return "create" if link is None else "update"


@transaction.atomic
def plan_firm(*, firm, run: SyncRun | None = None) -> Plan:
    books = Connection.objects.get(firm=firm, side=Side.BOOKS, status=Connection.Status.CONNECTED)
    cfg = SyncSettings.objects.get(firm=firm)
    links = {
        (link.entity, link.local_id): link
        for link in ExternalLink.objects.filter(connection=books).only(
            "entity", "local_id", "fingerprint", "remote_id"
        )
    }
    plan = Plan()
    sources = [("contact", _contacts(firm, cfg), contact_payload)]
    sources.append(("bill", _bills(firm, cfg), bill_payload))
    if cfg.sync_payments:
        allocations = _allocations(firm, cfg)
        credits = allocations.filter(parent_type="CreditMemo")
        sources.append(("payment", allocations.exclude(parent_type="CreditMemo"), payment_payload))
        sources.append(("credit", credits, payment_payload))
    for entity, rows, to_payload in sources:
        _plan_entity(plan, books, run, entity, rows, to_payload, links)
    return plan


def _plan_entity(plan, books, run, entity, rows, to_payload, links) -> None:
    queued = unchanged = 0
    # One create per record. While one is on its way (queued, or claimed by a worker that may have
    # died after the books saved it), a newer version waits for the next plan, which finds the
    # link and queues an edit: a second create beside the first would make a second record.
    creating = set(
        SyncOperation.objects.filter(
            connection=books,
            entity=entity,
            action="create",
            status__in=(SyncOperation.Status.PENDING, SyncOperation.Status.IN_FLIGHT),
        ).values_list("local_id", flat=True)
    )
    wanted: dict[str, SyncOperation] = {}
    for row in rows:
        payload = to_payload(row)
        print_ = fingerprint(payload)
        link = links.get((entity, str(row.clio_id)))
        action = _action(entity, payload, link)
        if action is None or (link is not None and link.fingerprint == print_):
            unchanged += 1
            continue
        if link is None and str(row.clio_id) in creating:
            continue
        # From-state and to-state: A→B and a later B→A are different writes; A→B twice is one.
        was = link.fingerprint if link else "new"
        key = idempotency_key(
            books.firm_id, books.provider, books.external_id, entity, row.clio_id, was, print_
        )
        wanted[key] = SyncOperation(
            idempotency_key=key,
            firm_id=books.firm_id,
            connection=books,
            run=run,
            entity=entity,
            action=action,
            local_id=str(row.clio_id),
            source_version=row.etag,
            payload=payload,
            fingerprint=print_,
        )
    queued += _queue(list(wanted.values()))
    plan.queued[entity] = queued
    plan.unchanged[entity] = unchanged


def _queue(ops: list[SyncOperation], chunk: int = 500) -> int:
    """Insert the operations not already in the outbox (by idempotency key), a chunk at a time;
    returns how many were new. The key's unique constraint keeps a concurrent plan from adding
    one twice."""
    added = 0
    for start in range(0, len(ops), chunk):
        part = ops[start : start + chunk]
        known = set(
            SyncOperation.objects.filter(
                idempotency_key__in=[op.idempotency_key for op in part]
            ).values_list("idempotency_key", flat=True)
        )
        new = [op for op in part if op.idempotency_key not in known]
        SyncOperation.objects.bulk_create(new, ignore_conflicts=True)
        added += len(new)
    return added


def pending_for(*, connection: Connection):
    return SyncOperation.objects.filter(connection=connection).filter(
        Q(status=SyncOperation.Status.PENDING) | Q(status=SyncOperation.Status.FAILED)
    )
