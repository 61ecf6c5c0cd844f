"""Plan: compare the Clio mirror with what was last pushed, and queue only the differences.

Each intended write becomes one SyncOperation whose idempotency key comes from (firm, target,
entity, Clio id, the version last pushed, the version to push): planning the same change twice
queues it once, and the key goes
to the books as QuickBooks `requestid` / Xero `Idempotency-Key`, so a resend lands once there too.
Payloads here are provider-neutral; the push maps them to QuickBooks or Xero.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast

from practice.models import Allocation, Bill, BillLine, Contact, Matter
from sync.engine import approval, numbering, outbox
from sync.engine.outbox import fingerprint
from sync.models import Connection, ExternalLink, Side, SyncOperation, SyncRun, SyncSettings
from sync.providers.http import idempotency_key
from sync.trust_books import plan as plan_trust

APPROVED = ("awaiting_payment", "paid")


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


LINE_COLUMNS = ("clio_id", "type", "description", "date", "quantity", "price", "total", "taxable")


def _line_payload(line: tuple) -> dict:
    clio_id, type_, description, day, quantity, price, total, taxable = line
    return {
        "clio_id": clio_id,
        "type": type_,
        "description": description,
        "date": day.isoformat() if day else None,
        "quantity": str(quantity),
        "price": _money(price),
        "total": _money(total),
        "taxable": taxable,
    }


def bill_payload(b: Bill, *, prefix: str = "") -> dict:
    """`b.line_values` (from `_with_lines`) spares a model instance per line; without it the
    lines are read from the bill. `number` is the invoice's number in the books: Clio's, behind
    the firm's prefix (SyncSettings.invoice_number_prefix)."""
    lines = getattr(b, "line_values", None)
    if lines is None:
        lines = b.lines.order_by("clio_id").values_list(*LINE_COLUMNS)
    return {
        "clio_id": b.clio_id,
        "number": numbering.books_number(prefix=prefix, number=b.number or "") or b.number,
        "state": b.state,
        "issued_at": b.issued_at.isoformat() if b.issued_at else None,
        "due_at": b.due_at.isoformat() if b.due_at else None,
        "client_clio_id": b.client.clio_id if b.client else None,
        "sub_total": _money(b.sub_total),
        "total_tax": _money(b.total_tax),
        "total": _money(b.total),
        "lines": [_line_payload(line) for line in lines],
    }


def _with_lines(bills) -> list[Bill]:
    """The bills of a queryset, each with its lines as tuples, read in one more query."""
    # The bills first, then their lines: lines only ever arrive, so every bill read has at
    # least the lines it was chosen with (the other way round, a bill whose lines were read in
    # between by a webhook's pull would go without them).
    out = list(bills)
    by_bill: dict[int, list[tuple]] = {}
    for start in range(0, len(out), 5000):  # bounded IN lists
        rows = (
            BillLine.objects.filter(bill_id__in=[b.pk for b in out[start : start + 5000]])
            .order_by("bill_id", "clio_id")
            .values_list("bill_id", *LINE_COLUMNS)
        )
        for bill_id, *line in rows:
            by_bill.setdefault(bill_id, []).append(tuple(line))
    for b in out:
        b.line_values = by_bill.get(b.pk, [])
    return out


def payment_payload(a, *, prefix: str = "") -> dict:
    """`a` is a row of `allocations_planned`: the allocation with its bill's number and client.
    A credit's payload carries its credit note's number only behind a prefix, so a firm without
    one plans the same payloads as before the prefix existed (nothing is rewritten)."""
    payload = {
        "clio_id": a.clio_id,
        "bill_clio_id": a.bill__clio_id,
        "bill_number": a.bill__number or "",
        "client_clio_id": a.bill__client__clio_id,
        "date": a.date.isoformat() if a.date else None,
        "amount": _money(a.amount),
        "kind": a.parent_type,
        "voided": a.voided,
    }
    if prefix and a.parent_type == "CreditMemo":
        payload["number"] = numbering.credit_number(prefix=prefix, clio_id=a.clio_id)
    return payload


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
    wanted = Q(pk__in=scope.values("client_id")) | Q(pk__in=synced.values("client_id"))
    if cfg.sync_trust:
        # Trust money in the books names its client: the contact sync writes those customers
        # in batches, before the trust legs that need them (which would otherwise look each
        # one up, and make it, one call at a time).
        trust_matters = Matter.objects.filter(firm=firm, trust_ledgers__isnull=False)
        wanted |= Q(pk__in=trust_matters.values("client_id"))
    return Contact.objects.filter(firm=firm).filter(wanted)


def _bills(firm, cfg: SyncSettings):
    states = (*APPROVED, "void", "deleted") if cfg.only_approved_bills else None
    qs = Bill.objects.filter(firm=firm, issued_at__gte=cfg.start_date).select_related("client")
    qs = qs.filter(state__in=states) if states else qs
    return qs


def _complete(bills):
    """Bills whose mirrored lines add up to their subtotal: every line has been read."""
    totals = BillLine.objects.filter(bill=OuterRef("pk")).values("bill").annotate(t=Sum("total"))
    return bills.annotate(lines_total=Subquery(totals.values("t"))).filter(
        lines_total=F("sub_total")
    )


def _unknown(rows, books: Connection, *entities: str):
    """`rows` less those already linked to, or queued for, the books."""
    local_id = Cast(OuterRef("clio_id"), CharField())
    for model in (ExternalLink, SyncOperation):
        rows = rows.exclude(
            Exists(model.objects.filter(connection=books, entity__in=entities, local_id=local_id))
        )
    return rows


def _bill_known(books: Connection) -> Q:
    """An allocation whose bill is in the books or on its way there (planned in this plan or
    before): an early plan queues only payments whose invoice will exist."""
    local_id = Cast(OuterRef("bill__clio_id"), CharField())
    linked = ExternalLink.objects.filter(connection=books, entity="bill", local_id=local_id)
    queued = SyncOperation.objects.filter(
        connection=books,
        entity="bill",
        local_id=local_id,
        status__in=(SyncOperation.Status.PENDING, SyncOperation.Status.IN_FLIGHT),
    )
    return Q(Exists(linked)) | Q(Exists(queued))


def allocations_planned(firm, cfg: SyncSettings):
    # Rows, not model instances: three per allocation (it, its bill, the client) cost more
    # than the rest of planning a payment.
    return Allocation.objects.filter(
        firm=firm, bill__issued_at__gte=cfg.start_date, bill__state__in=APPROVED
    ).values_list(
        "clio_id",
        "etag",
        "date",
        "amount",
        "parent_type",
        "voided",
        "bill__clio_id",
        "bill__number",
        "bill__client__clio_id",
        named=True,
    )


def _action(entity: str, payload: dict, link: ExternalLink | None) -> str | None:
    state = payload.get("state")
    if entity == "bill" and state in ("void", "deleted"):
        return None if link is None else ("void" if state == "void" else "delete")
    if entity in ("payment", "credit") and payload.get("voided"):
        return None if link is None else "delete"
    return "create" if link is None else "update"


@transaction.atomic
def plan_firm(
    *,
    firm,
    run: SyncRun | None = None,
    entities: set[str] | None = None,
    early: bool = False,
) -> Plan:
    """Queue what differs. `entities` narrows it to what a run has just finished reading (its
    contacts, then trust, then bills...), so pushing can start before the whole firm is read.
    `early` is a plan made while Clio is still being read: only bills whose lines are all in
    (their lines add up to the bill's subtotal) and records not yet linked nor queued."""
    books = Connection.objects.get(firm=firm, side=Side.BOOKS, status=Connection.Status.CONNECTED)
    cfg = SyncSettings.objects.get(firm=firm)
    # An early plan takes only records neither linked nor queued (each source below is narrowed
    # to those in SQL), so it needs no link: it costs what is new since the last one, not the
    # whole firm. A run's plans every 20 pages would otherwise each read every link.
    links = {} if early else _links(books, entities)
    plan = Plan()
    contacts = _contacts(firm, cfg)
    if early:
        contacts = _unknown(contacts, books, "contact")
    sources: list[tuple[str, Any, Callable[[Any], dict]]] = [("contact", contacts, contact_payload)]
    prefix = cfg.invoice_number_prefix
    if entities is None or "bill" in entities:
        bills = _bills(firm, cfg)
        if early:
            bills = _unknown(_complete(bills), books, "bill")
        linked = {local_id for entity, local_id in links if entity == "bill"}
        # Held for approval first (sync.engine.approval), then for their number.
        rows = approval.bills_approval_gate(
            firm_id=firm.pk, cfg=cfg, bills=_with_lines(bills), linked=linked
        )
        rows = numbering.bills_number_gate(books=books, cfg=cfg, bills=rows, linked=linked)
        sources.append(("bill", rows, partial(bill_payload, prefix=prefix)))
    if cfg.sync_payments:
        # A bill held for its number, for approval, or rejected has no invoice in the books:
        # its payments and credits wait with it.
        held = numbering.held_bill_ids(books=books) | approval.blocked_bill_ids(firm_id=firm.pk)
        allocations = allocations_planned(firm, cfg).exclude(bill__clio_id__in=held)
        if early:
            allocations = _unknown(allocations, books, "payment", "credit").filter(
                _bill_known(books)
            )
        credits = allocations.filter(parent_type="CreditMemo")
        sources.append(("payment", allocations.exclude(parent_type="CreditMemo"), payment_payload))
        sources.append(("credit", credits, partial(payment_payload, prefix=prefix)))
    for entity, rows, to_payload in sources:
        if entities is None or entity in entities:
            _plan_entity(plan, books, run, entity, rows, to_payload, links, early=early)
    if cfg.sync_trust and (entities is None or "trust_entry" in entities):
        plan_trust.plan_trust(plan=plan, books=books, cfg=cfg, run=run)
    return plan


def _links(books: Connection, entities: set[str] | None) -> dict[tuple[str, str], ExternalLink]:
    planned_links = ExternalLink.objects.filter(connection=books)
    if entities is not None:
        # Not every trust leg's link for a plan of contacts.
        planned_links = planned_links.filter(entity__in=entities)
    return {
        (link.entity, link.local_id): link
        for link in planned_links.only("entity", "local_id", "fingerprint", "remote_id")
    }


def _plan_entity(plan, books, run, entity, rows, to_payload, links, *, early=False) -> None:
    queued = unchanged = 0
    # One create per record. While one is on its way (queued, or claimed by a worker that may have
    # died after the books saved it), a newer version waits for the next plan, which finds the
    # link and queues an edit: a second create beside the first would make a second record.
    # (An early plan's rows are none of those: nothing queued is among them.)
    creating: set[str] = set()
    if not early:
        creating = {l_id for _, l_id in outbox.creating(connection=books, entities=[entity])}
    wanted: dict[str, dict] = {}
    for row in rows:
        payload = to_payload(row)
        print_ = fingerprint(payload)
        link = links.get((entity, str(row.clio_id)))
        action = _action(entity, payload, link)
        if action is None or (link is not None and link.fingerprint == print_):
            unchanged += 1
            continue
        if str(row.clio_id) in creating:
            # Even when a link exists already (the trust writer links a client it found by
            # name): an edit beside the create could reach the books first.
            continue
        # From-state and to-state: A→B and a later B→A are different writes; A→B twice is one.
        was = link.fingerprint if link else "new"
        key = idempotency_key(
            books.firm_id, books.provider, books.external_id, entity, row.clio_id, was, print_
        )
        wanted[key] = {
            "idempotency_key": key,
            "firm_id": books.firm_id,
            "connection_id": books.pk,
            "run_id": run.pk if run else None,
            "entity": entity,
            "action": action,
            "local_id": str(row.clio_id),
            "source_version": row.etag,
            "payload": payload,
            "fingerprint": print_,
        }
    queued += outbox.enqueue(list(wanted.values()))
    if entity == "bill":
        # A create the books refused for its number goes again once its number is free.
        queued += numbering.refused_creates_settle(books=books, wanted=list(wanted.values()))
    plan.queued[entity] = queued
    plan.unchanged[entity] = unchanged
