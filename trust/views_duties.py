"""The trust duties page: each trust account's rule pack, what is overdue, due soon and coming
up, with every rule's citation and note for counsel; and the forms that record what was done
(a client notified of a deposit, a periodic filing, a disputed amount held in trust, the
account's jurisdiction). Each form parses, loads through a firm-scoped accessor, calls one
service and redirects back to the page."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import client_ip, member_required
from accounts.roles import ANY_MEMBER, MANAGE_FIRM, TRUST_WRITE
from trust.duties import selectors as sel
from trust.duties import services
from trust.errors import TrustError
from trust.forms import DepositNoticeForm, DutyFilingForm, JurisdictionForm, LedgerHoldForm
from trust.selectors import client_ledger_get_for_member, trust_account_get_for_member
from trust.selectors_ledger import trust_entry_get_for_member


@member_required(ANY_MEMBER)
def duties(request):
    member = request.membership
    context = {
        "calendar": sel.duty_calendar_for_member(member=member, as_of=timezone.localdate()),
        "can_write": member.role in TRUST_WRITE,
        "can_manage": member.role in MANAGE_FIRM,
        "jurisdiction_form": JurisdictionForm(),
        "today": timezone.localdate(),
    }
    return render(request, "trust/duties.html", context)


def _done(request, form, call, success: str):
    """Run the service with the form's data; its refusal, or the form's, goes to messages."""
    try:
        if not form.is_valid():
            raise TrustError([e for errors in form.errors.values() for e in errors])
        call(form.cleaned_data)
    except TrustError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("trust_duties")


@require_POST
@member_required(TRUST_WRITE)
def notice_record(request, entry_id: int):
    entry = trust_entry_get_for_member(member=request.membership, entry_id=entry_id)
    return _done(
        request,
        DepositNoticeForm(request.POST),
        lambda d: services.deposit_notice_record(
            member=request.membership,
            entry=entry,
            noticed_on=d["noticed_on"],
            note=d["note"],
            ip=client_ip(request),
        ),
        f"The client notice of the deposit on {entry.date:%d %b %Y} is recorded.",
    )


@require_POST
@member_required(TRUST_WRITE)
def filing_record(request, account_id: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    return _done(
        request,
        DutyFilingForm(request.POST),
        lambda d: services.duty_filing_record(
            member=request.membership,
            account=account,
            rule_id=d["rule_id"],
            period_end=d["period_end"],
            done_on=d["done_on"],
            note=d["note"],
            ip=client_ip(request),
        ),
        "Recorded as done.",
    )


@require_POST
@member_required(TRUST_WRITE)
def ledger_hold(request, ledger_id: int):
    ledger = client_ledger_get_for_member(member=request.membership, ledger_id=ledger_id)
    return _done(
        request,
        LedgerHoldForm(request.POST),
        lambda d: services.ledger_hold_record(
            member=request.membership,
            ledger=ledger,
            hold=d["action"] == "hold",
            note=d["note"],
            ip=client_ip(request),
        ),
        f"{ledger.matter}: recorded.",
    )


@require_POST
@member_required(MANAGE_FIRM)
def jurisdiction_set(request, account_id: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    return _done(
        request,
        JurisdictionForm(request.POST),
        lambda d: services.trust_account_jurisdiction_set(
            member=request.membership,
            account=account,
            jurisdiction=d["jurisdiction"],
            duties_from=d["duties_from"],
            ip=client_ip(request),
        ),
        f"{account.name} now follows its new rule pack.",
    )
