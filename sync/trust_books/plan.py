"""Plan trust: every posted trust entry becomes the books' own record of it, through the outbox.

One way only (FirmSync → books), for every trust account of the firm: each account's legs name
its own bank and liability (`trust_bank:<account id>`, see sync.providers.trust_writing), which
the firm maps on the settings page. An entry becomes one or more *legs*, each one record in the
books, each its own SyncOperation (entity "trust_entry", local id "<entry id>:<leg>"), so trust
writes share the bills' guarantees: a deterministic key, item-by-item batch answers, re-claim
after a dead worker.
Entries are immutable, so a leg's key has a constant version and a leg is written once, ever.

Legs are provider-neutral, in four shapes the books all have:

    bank_in   money into a bank account, lines against other accounts  (QBO Deposit / Xero RECEIVE)
    bank_out  money out of a bank account                              (QBO Purchase / Xero SPEND)
    transfer  bank to bank                                   (QBO Transfer / Xero BankTransfer)
    journal   lines only, + debit / - credit               (QBO JournalEntry / Xero ManualJournal)

The trust liability moves with every client movement and with nothing else, so the books' trust
liability stays equal to the sum of the client ledgers (the three-way reconciliation's B = C).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sync.engine import outbox
from sync.engine.registry import BOOKS
from sync.models import Connection, ExternalLink, SyncOperation, SyncRun, SyncSettings
from sync.providers.base import TRUST_ENTITY, TRUST_MATTER_ENTITY
from sync.providers.http import idempotency_key
from sync.providers.trust_writing import account_role, matter_mode
from trust.models import EntryKind, TrustEntry

ENTITY = TRUST_ENTITY
VERSION = "1"  # entries are append-only: what was posted is what gets written
TL, TB, OB = "trust_liability", "trust_bank", "operating_bank"


@dataclass
class Leg:
    name: str
    shape: str  # bank_in, bank_out, transfer, journal
    bank: str = ""  # the bank account role (bank_in, bank_out)
    source: str = ""  # transfer: from role
    target: str = ""  # transfer: to role
    lines: list[dict] = field(default_factory=list)  # {account, amount, matter}


def _line(account: str, amount: Decimal, matter: dict | None) -> dict:
    return {"account": account, "amount": f"{amount:.2f}", "matter": matter}


def legs_for(kind: str, amount: Decimal, matter: dict | None, other: dict | None) -> list[Leg]:
    """The books' records for one entry of `kind` (`other` is a transfer's receiving matter).

    - deposit: into the trust bank, held as liability to the matter — never Undeposited Funds.
    - disbursement, refund, bill paid from trust: out of the trust bank, off the matter's
      liability. A bill paid from trust is also a Clio payment on the bill, which the payment
      sync records on the invoice into the operating bank; this leg is the trust side of it.
    - transfer between matters: a journal moving liability from one matter to the other; the
      bank does not move. Written once, from the outgoing leg.
    - earned fee: the money moves trust → operating, and the liability becomes fee income.
    - bank fee: out of the trust bank to bank charges; firm funds: operating → trust bank.
      Neither is client money, so neither touches the liability (ABA Model Rule 1.15(b)).
    """
    if kind == EntryKind.DEPOSIT:
        return [Leg("bank", "bank_in", bank=TB, lines=[_line(TL, amount, matter)])]
    if kind in (EntryKind.DISBURSEMENT, EntryKind.REFUND, EntryKind.BILL_PAYMENT):
        return [Leg("bank", "bank_out", bank=TB, lines=[_line(TL, amount, matter)])]
    if kind == EntryKind.TRANSFER_OUT:
        lines = [_line(TL, amount, matter), _line(TL, -amount, other)]
        return [Leg("journal", "journal", lines=lines)]
    if kind == EntryKind.EARNED_FEE:
        return [
            Leg("move", "transfer", source=TB, target=OB),
            Leg(
                "book",
                "journal",
                lines=[_line(TL, amount, matter), _line("fee_income", -amount, None)],
            ),
        ]
    if kind == EntryKind.BANK_FEE:
        return [Leg("bank", "bank_out", bank=TB, lines=[_line("bank_charges", amount, None)])]
    if kind == EntryKind.FIRM_FUNDS:
        return [Leg("move", "transfer", source=OB, target=TB)]
    return []  # transfer_in: carried by its outgoing leg


_ANY = {"clio_id": 0}
# The legs each kind makes, by name, to tell an entry already planned from the ids alone.
LEG_NAMES = {
    kind: tuple(leg.name for leg in legs_for(kind, Decimal("1"), _ANY, _ANY))
    for kind in EntryKind
    if kind != EntryKind.REVERSAL
}


def reversed_legs(legs: list[Leg]) -> list[Leg]:
    """A reversal is its own record in the books, the mirror of the original's: deleting or
    voiding the original would rewrite a period the bank statement (and perhaps a finished
    reconciliation) already covers, and trust records keep the mistake and its correction."""
    flip = {"bank_in": "bank_out", "bank_out": "bank_in"}
    out = []
    for leg in legs:
        lines = [{**ln, "amount": f"{-Decimal(ln['amount']):.2f}"} for ln in leg.lines]
        if leg.shape in flip:
            lines = leg.lines
        out.append(
            Leg(
                leg.name,
                flip.get(leg.shape, leg.shape),
                bank=leg.bank,
                source=leg.target,
                target=leg.source,
                lines=lines,
            )
        )
    return out


def matter_info(ledger) -> dict | None:
    if ledger is None:
        return None
    m = ledger.matter
    client = m.client
    return {
        "clio_id": m.clio_id,
        "number": m.display_number,
        "description": (m.description or "")[:100],
        "client": {
            "clio_id": client.clio_id if client else None,
            "name": client.name if client else "",
            "email": client.email if client else "",
        },
    }


def entry_payloads(entry: TrustEntry, partner: TrustEntry | None) -> list[dict]:
    """One payload per leg of `entry` (`partner`: the other leg of its transfer, if any)."""
    original = entry.reverses if entry.kind == EntryKind.REVERSAL else entry
    other = matter_info(partner.ledger) if partner is not None else None
    if original.kind == EntryKind.TRANSFER_OUT and other is None:
        return []  # the receiving leg has not arrived yet; the next plan writes the pair
    legs = legs_for(original.kind, entry.amount, matter_info(original.ledger), other)
    if entry.kind == EntryKind.REVERSAL:
        legs = reversed_legs(legs)
    legs = [_in_account(leg, entry.account_id) for leg in legs]
    return [
        {
            # The matters the leg names: it waits for their records (TRUST_MATTER_ENTITY).
            "matter_ids": _matter_ids(leg),
            "entry_id": entry.pk,
            "kind": entry.kind,
            "reverses_kind": original.kind if entry.kind == EntryKind.REVERSAL else "",
            "leg": leg.name,
            "shape": leg.shape,
            "bank": leg.bank,
            "from": leg.source,
            "to": leg.target,
            "lines": leg.lines,
            "amount": f"{entry.amount:.2f}",
            "date": entry.date.isoformat(),
            "memo": _memo(entry),
            "payee": entry.payee,
            "reference": entry.reference,
            "source_id": entry.source_id,
            "trust_account": {"id": entry.account_id, "name": entry.account.name},
        }
        for leg in legs
    ]


def _matter_ids(leg: Leg) -> list[str]:
    return sorted({str(ln["matter"]["clio_id"]) for ln in leg.lines if ln["matter"]})


def _in_account(leg: Leg, account_id: int) -> Leg:
    """The leg with its trust roles made those of the entry's own trust account."""
    return Leg(
        leg.name,
        leg.shape,
        bank=account_role(leg.bank, account_id) if leg.bank else "",
        source=account_role(leg.source, account_id) if leg.source else "",
        target=account_role(leg.target, account_id) if leg.target else "",
        lines=[{**ln, "account": account_role(ln["account"], account_id)} for ln in leg.lines],
    )


def _memo(entry: TrustEntry) -> str:
    text = entry.description or entry.get_kind_display()
    if entry.kind == EntryKind.BILL_PAYMENT and entry.bill_id:
        text = f"{text} (Clio bill {entry.bill.number or entry.bill.clio_id})"
    return text[:200]


def _scope(firm_id: int, cfg: SyncSettings):
    scope = TrustEntry.objects.filter(firm_id=firm_id, date__gte=cfg.start_date)
    if cfg.trust_awaiting_to_books == SyncSettings.AwaitingClio.ONCE_IN_CLIO:
        # The firm's choice: an entry made here is not the record until Clio has the same
        # money; once the pull links Clio's transaction to it, this entry goes to the books
        # (Clio's is never a second entry, so the money is written once).
        scope = scope.exclude(awaits_clio=True, clio_confirmation__isnull=True)
    return scope


def _load(scope, ids: list[int], chunk: int = 500) -> list[TrustEntry]:
    rows: list[TrustEntry] = []
    related = ("account", "ledger__matter__client", "bill", "reverses__ledger__matter__client")
    for start in range(0, len(ids), chunk):
        part = scope.filter(pk__in=ids[start : start + chunk]).select_related(*related)
        rows.extend(part)
    return sorted(rows, key=lambda e: (e.date, e.pk))


def _partners(entries: list[TrustEntry]) -> dict:
    """Transfer group → its receiving leg (and, for reversals, the reversal of that leg)."""
    groups = {e.transfer_group for e in entries if e.transfer_group}
    groups |= {
        e.reverses.transfer_group for e in entries if e.reverses_id and e.reverses.transfer_group
    }
    if not groups:
        return {}
    legs = TrustEntry.objects.filter(
        transfer_group__in=groups, kind=EntryKind.TRANSFER_IN
    ).select_related("ledger__matter__client")
    return {leg.transfer_group: leg for leg in legs}


def plan_trust(*, plan, books: Connection, cfg: SyncSettings, run: SyncRun | None) -> None:
    """Queue a write for every leg not yet in the books nor in the outbox. Entries never change,
    so a leg once queued is never planned again: only new entries cost more than a lookup."""
    scope = _scope(books.firm_id, cfg)
    kinds = list(scope.values_list("pk", "kind", "reverses__kind"))
    if not kinds:
        return  # a firm without trust activity reports nothing for trust
    known = set(
        ExternalLink.objects.filter(connection=books, entity=ENTITY).values_list(
            "local_id", flat=True
        )
    )
    known |= set(
        SyncOperation.objects.filter(connection=books, entity=ENTITY).values_list(
            "local_id", flat=True
        )
    )
    todo, unchanged = [], 0
    for pk, kind, reversed_kind in kinds:
        names = LEG_NAMES.get(reversed_kind if kind == EntryKind.REVERSAL else kind, ())
        done = sum(f"{pk}:{name}" in known for name in names)
        unchanged += done
        if done < len(names):
            todo.append(pk)
    entries = _load(scope, todo)
    partners = _partners(entries)
    ops = []
    for entry in entries:
        original = entry.reverses if entry.kind == EntryKind.REVERSAL else entry
        partner = partners.get(original.transfer_group) if original.transfer_group else None
        for payload in entry_payloads(entry, partner):
            local_id = f"{entry.pk}:{payload['leg']}"
            if local_id not in known:
                ops.append(_operation(books, run, local_id, payload))
    matters = _matter_records(books, cfg, run, ops)
    if matters:
        plan.queued[TRUST_MATTER_ENTITY] = outbox.enqueue(matters)
    plan.queued[ENTITY] = outbox.enqueue(ops)
    plan.unchanged[ENTITY] = unchanged


def _matter_records(books: Connection, cfg: SyncSettings, run, legs: list) -> list:
    """A record for each matter the legs name that the books carry as a record of its own (a
    QuickBooks sub-customer) and that is neither linked nor planned: written in batches, like
    any record, before the legs that wait for it, instead of by the trust writer one round of
    legs at a time."""
    provider = BOOKS[books.provider]
    mode = matter_mode(cfg.trust_matter_by, provider.matter_modes) if provider.matter_modes else ""
    if mode not in provider.matter_records:
        return []
    wanted: dict[str, dict] = {}
    for op in legs:
        for line in op.payload["lines"]:
            matter = line["matter"]
            if matter and matter["client"]["clio_id"] is not None:
                wanted[f"{mode}:{matter['clio_id']}"] = matter
    if not wanted:
        return []
    ids = list(wanted)
    for model in (ExternalLink, SyncOperation):
        known = model.objects.filter(
            connection=books, entity=TRUST_MATTER_ENTITY, local_id__in=ids
        ).values_list("local_id", flat=True)
        for local_id in known:
            wanted.pop(local_id, None)
    return [
        _operation(
            books,
            run,
            local_id,
            {"matter": matter, "client_clio_id": matter["client"]["clio_id"]},
            entity=TRUST_MATTER_ENTITY,
        )
        for local_id, matter in wanted.items()
    ]


def _operation(
    books: Connection, run, local_id: str, payload: dict, entity: str = ENTITY
) -> SyncOperation:
    key = idempotency_key(
        books.firm_id, books.provider, books.external_id, entity, local_id, VERSION
    )
    return SyncOperation(
        idempotency_key=key,
        firm_id=books.firm_id,
        connection=books,
        run=run,
        entity=entity,
        action="create",
        local_id=local_id,
        source_version=VERSION,
        payload=payload,
        fingerprint=outbox.fingerprint(payload),
    )
