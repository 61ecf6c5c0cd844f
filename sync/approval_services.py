"""What a person decides about bills held for approval (sync.engine.approval): approve, reject
with a reason, or re-open a rejected one. Every decision is audited. Approving a bill that is
still a draft in Clio approves it in Clio first, with the version FirmSync last read (If-Match),
so a bill changed in Clio since is not approved unseen."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from accounts.services import audit_record
from practice.models import Bill
from sync.engine import run as engine
from sync.engine.registry import client_for
from sync.models import BillApproval, Connection, Side, SyncRun, SyncSettings
from sync.providers.errors import ProviderConflict, ProviderError

STALE_IN_CLIO = (
    "Bill {number} changed in Clio after FirmSync last read it, so Clio refused the approval "
    "(nothing was approved). FirmSync is reading Clio again: reload this page in a minute, "
    "check the bill and approve it again."
)


@dataclass
class Decision:
    """One bill's outcome in a (bulk) decision: the row, and what went wrong if anything."""

    approval: BillApproval
    error: str = ""


def _locked(approval: BillApproval, *statuses: str) -> BillApproval:
    # Row lock: two people deciding at once act one after the other; the second finds it decided.
    locked = BillApproval.objects.select_for_update().get(pk=approval.pk)
    if locked.status not in statuses:
        raise ValidationError(
            f"Bill {locked.number or locked.bill_clio_id} is already "
            f"{locked.get_status_display().lower()}; nothing was changed."
        )
    return locked


def _decide(*, approval, member, status, reason, action, was, **extra) -> BillApproval:
    with transaction.atomic():
        locked = _locked(approval, was)
        before = {"status": locked.status, "reason": locked.reason}
        locked.status = status
        locked.reason = reason
        locked.decided_by = member.user
        locked.decided_at = timezone.now()
        for name, value in extra.items():
            setattr(locked, name, value)
        locked.save()
        audit_record(
            firm=member.firm,
            actor=member.user,
            action=action,
            obj=locked,
            before=before,
            after={
                "status": status,
                "reason": reason,
                "bill_clio_id": locked.bill_clio_id,
                "number": locked.number,
                "amount": f"{locked.amount:.2f}",
                **extra,
            },
        )
    return locked


def _clio_approve(*, firm_id: int, bill: Bill) -> None:
    """Move a draft bill to approved in Clio, refused by Clio (412) if it changed since FirmSync
    read it; the mirror takes Clio's answer at once, so the next plan sees an approved bill."""
    clio = Connection.objects.filter(
        firm_id=firm_id, side=Side.PRACTICE, status=Connection.Status.CONNECTED
    ).first()
    if clio is None:
        raise ValidationError("Clio is not connected: reconnect it to approve a draft bill.")
    # https://docs.developers.clio.com/api-reference/#tag/Bills/operation/Bill#update
    done = client_for(clio).bill_approve(bill_id=bill.clio_id, etag=bill.etag)
    Bill.objects.filter(pk=bill.pk).update(state=done.state, etag=done.etag)


def bill_approval_approve(
    *, approval: BillApproval, member: Membership, note: str = ""
) -> BillApproval:
    """Approve one held bill: in Clio too while it is a draft there. The next plan sends it."""
    if not approval.is_held:
        _locked(approval, BillApproval.Status.HELD)  # raises the clear message
    bill = Bill.objects.filter(firm_id=member.firm_id, clio_id=approval.bill_clio_id).first()
    in_clio = bill is not None and bill.state == "draft"
    if in_clio:
        try:
            _clio_approve(firm_id=member.firm_id, bill=bill)
        except ProviderConflict as exc:
            _sync_queue(member)
            raise ValidationError(
                STALE_IN_CLIO.format(number=approval.number or bill.clio_id)
            ) from exc
        except ProviderError as exc:
            raise ValidationError(f"Clio did not approve the bill: {exc.message}") from exc
    return _decide(
        approval=approval,
        member=member,
        status=BillApproval.Status.APPROVED,
        reason=(note or "").strip(),
        action="bill_approval.approved",
        was=BillApproval.Status.HELD,
        approved_in_clio=in_clio,
    )


def bill_approval_reject(
    *, approval: BillApproval, member: Membership, reason: str
) -> BillApproval:
    """Keep a held bill out of the books, with the reason, until someone re-opens it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the bill is rejected."})
    return _decide(
        approval=approval,
        member=member,
        status=BillApproval.Status.REJECTED,
        reason=reason,
        action="bill_approval.rejected",
        was=BillApproval.Status.HELD,
    )


def bill_approval_reopen(*, approval: BillApproval, member: Membership) -> BillApproval:
    """Put a rejected bill back in the queue, waiting for a decision again."""
    return _decide(
        approval=approval,
        member=member,
        status=BillApproval.Status.HELD,
        reason="",
        action="bill_approval.reopened",
        was=BillApproval.Status.REJECTED,
    )


def bill_approvals_decide(
    *, approvals: list[BillApproval], member: Membership, decision: str, reason: str = ""
) -> list[Decision]:
    """Approve or reject many bills in one go. Each is decided on its own: one refused by Clio
    (or decided by someone else meanwhile) is reported and the others go ahead. A sync is queued
    when any was approved."""
    if decision == "reject" and not (reason or "").strip():
        raise ValidationError({"reason": "Say why the bills are rejected."})
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": "Choose approve or reject."})
    out: list[Decision] = []
    for approval in approvals:
        try:
            if decision == "approve":
                done = bill_approval_approve(approval=approval, member=member, note=reason)
            else:
                done = bill_approval_reject(approval=approval, member=member, reason=reason)
            out.append(Decision(done))
        except ValidationError as exc:
            out.append(Decision(approval, error=" ".join(exc.messages)))
    if decision == "approve" and any(not d.error for d in out):
        _sync_queue(member)
    return out


def _sync_queue(member: Membership) -> None:
    """An incremental run sends what was approved (and re-reads Clio). Before the firm's first
    sync has finished, that first sync sends it."""
    if not SyncRun.objects.filter(firm_id=member.firm_id, phase=SyncRun.Phase.FINISHED).exists():
        return
    engine.sync_start(firm=member.firm, actor=None, kind="incremental", check=False)


APPROVAL_FIELDS = (
    "approval_amount_over",
    "approval_discount_percent",
    "approval_watch_clients",
    "approval_watch_matters",
    "approval_first_bill",
)


def sync_settings_approval_update(*, member: Membership, data: dict) -> SyncSettings:
    """Save the firm's approval rules; the next plan applies them (and releases bills the rules
    no longer hold)."""
    with transaction.atomic():
        cfg = SyncSettings.objects.select_for_update().get(firm_id=member.firm_id)
        before = {name: _plain(getattr(cfg, name)) for name in APPROVAL_FIELDS}
        for name in APPROVAL_FIELDS:
            setattr(cfg, name, data[name])
        cfg.updated_by = member.user
        cfg.save()
        audit_record(
            firm=member.firm,
            actor=member.user,
            action="sync_settings.approval_rules",
            obj=cfg,
            before=before,
            after={name: _plain(getattr(cfg, name)) for name in APPROVAL_FIELDS},
        )
    return cfg


def _plain(value):
    return f"{value:.2f}" if isinstance(value, Decimal) else value
