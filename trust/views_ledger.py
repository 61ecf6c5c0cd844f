"""One matter's client ledger (entries with their running balance, filters, CSV and PDF), and
the forms that post trust entries: each parses, loads through the firm-scoped accessors, calls
one service and redirects. A service's refusal (an overdraft, a bad amount) is shown on the
form with the service's own message, and no money moves."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import member_required
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from trust import reports_ledger, services, services_clio
from trust import selectors_ledger as sel
from trust.errors import TrustError
from trust.forms import (
    LEDGER_FORMS,
    BankFeeForm,
    ExceptionResolveForm,
    LedgerFilterForm,
    ReverseForm,
)
from trust.models import EntryKind, EntrySource
from trust.selectors import client_ledger_get_for_member, trust_account_get_for_member

PER_PAGE = 50
EXPORT_LIMIT = 100_000  # a ledger export is one page of everything the filters keep


def _filters(request) -> tuple[LedgerFilterForm, dict]:
    form = LedgerFilterForm(request.GET or None)
    if not form.is_valid():
        return form, {}
    d = form.cleaned_data
    return form, {
        "date_from": d["date_from"],
        "date_to": d["date_to"],
        "kinds": [d["kind"]] if d["kind"] else None,
    }


def _filters_text(f: dict) -> str:
    parts = []
    if f.get("date_from"):
        parts.append(f"from {f['date_from']:%d %b %Y}")
    if f.get("date_to"):
        parts.append(f"to {f['date_to']:%d %b %Y}")
    if f.get("kinds"):
        parts.append(", ".join(EntryKind(k).label for k in f["kinds"]))
    return " · ".join(parts) or "all"


def _query_without(request, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@member_required(ANY_MEMBER)
def ledger(request, ledger_id: int):
    found = client_ledger_get_for_member(member=request.membership, ledger_id=ledger_id)
    form, filters = _filters(request)
    export = request.GET.get("format")
    if export in ("csv", "pdf"):
        return _export(request, found, filters, export)
    view = sel.ledger_view(
        member=request.membership,
        ledger=found,
        page=request.GET.get("page") or 1,
        per_page=PER_PAGE,
        **filters,
    )
    flagged = {x.entry_id for x in view.exceptions}
    context = {
        "ledger": found,
        "view": view,
        "rows": [(e, view.reversed_by.get(e.pk), e.pk in flagged) for e in view.page],
        "filter_form": form,
        "query": _query_without(request, "page", "format"),
        "can_write": request.membership.role in TRUST_WRITE,
        "entry_kinds": [(kind, label) for kind, (_, label) in LEDGER_FORMS.items()],
        "requests": sel.trust_request_histories(member=request.membership, ledger=found),
    }
    return render(request, "trust/ledger.html", context)


def _export(request, ledger, filters: dict, kind: str) -> HttpResponse:
    view = sel.ledger_view(
        member=request.membership, ledger=ledger, per_page=EXPORT_LIMIT, **filters
    )
    name = f"client-ledger-{ledger.pk}-{timezone.localdate():%Y-%m-%d}"
    if kind == "csv":
        body = reports_ledger.ledger_csv(
            ledger=ledger, entries=view.page, reversed_by=view.reversed_by
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        body = reports_ledger.ledger_pdf(
            ledger=ledger,
            entries=view.page,
            reversed_by=view.reversed_by,
            balance=view.balance,
            firm_name=request.membership.firm.name,
            filters=_filters_text(filters),
        )
        response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


# -- entry forms ----------------------------------------------------------------------------


def _ledger_url(ledger_id: int) -> str:
    return reverse("trust_ledger", kwargs={"ledger_id": ledger_id})


def _post_entry(kind: str, ledger, d: dict, user):
    """Call the service for `kind`; the form's token is the entry's source id."""
    common = {
        "amount": d["amount"],
        "date": d["date"],
        "description": d["description"],
        "reference": d["reference"],
        "created_by": user,
        "source": EntrySource.FIRMSYNC,
        "source_id": f"form:{d['token']}",
    }
    if kind == "transfer":
        return services.trust_transfer_record(
            from_ledger=ledger, to_ledger=d["to_ledger"], **common
        )[0]
    if kind == "earned_fee":
        return services.trust_earned_fee_transfer(ledger=ledger, **common)
    record = {
        "deposit": services.trust_deposit_record,
        "disbursement": services.trust_disbursement_record,
        "refund": services.trust_refund_record,
    }[kind]
    return record(ledger=ledger, payee=d["payee"], **common)


def _entry_form(kind: str, ledger, data=None):
    form_class = LEDGER_FORMS[kind][0]
    extra = {"ledger": ledger} if kind == "transfer" else {}
    return form_class(data, prefix=kind, **extra)


@member_required(TRUST_WRITE)
def entry_new(request, ledger_id: int):
    found = client_ledger_get_for_member(member=request.membership, ledger_id=ledger_id)
    kind = request.POST.get("kind") or request.GET.get("kind") or "deposit"
    if kind not in LEDGER_FORMS:
        kind = "deposit"
    if request.method == "POST":
        form = _entry_form(kind, found, request.POST)
        if form.is_valid():
            try:
                entry = _post_entry(kind, found, form.cleaned_data, request.user)
            except TrustError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(request, f"Recorded: {entry}.")
                return redirect(_ledger_url(found.pk))
    else:
        form = _entry_form(kind, found)
    context = {
        "ledger": found,
        "kind": kind,
        "title": LEDGER_FORMS[kind][1],
        "form": form,
        "entry_kinds": [(k, label) for k, (_, label) in LEDGER_FORMS.items()],
    }
    return render(request, "trust/entry_form.html", context)


@member_required(TRUST_WRITE)
def bank_fee_new(request, account_id: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    form = BankFeeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.trust_bank_fee_record(
                account=account,
                amount=d["amount"],
                date=d["date"],
                description=d["description"],
                reference=d["reference"],
                created_by=request.user,
                source_id=f"form:{d['token']}",
            )
        except TrustError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request, f"Recorded the bank fee of {d['amount']}, covered by firm funds."
            )
            return redirect("trust_overview")
    return render(request, "trust/entry_bank_fee.html", {"account": account, "form": form})


@member_required(TRUST_WRITE)
def entry_reverse(request, entry_id: int):
    entry = sel.trust_entry_get_for_member(member=request.membership, entry_id=entry_id)
    back = _ledger_url(entry.ledger_id) if entry.ledger_id else reverse("trust_overview")
    form = ReverseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        key = f"form:{d['token']}"
        try:
            services.trust_entry_reverse(
                entry=entry,
                date=d["date"],
                description=d["description"],
                created_by=request.user,
                source_id=key,
            )
        except TrustError as exc:
            # A second submit of the same form finds the entry reversed by the first one.
            source = EntrySource.FIRMSYNC
            if sel.trust_reversal_by_key(entry=entry, source=source, key=key) is None:
                form.add_error(None, exc.messages)
        if not form.errors:
            messages.success(request, f"Reversed: {entry}.")
            return redirect(back)
    context = {"entry": entry, "form": form, "back": back}
    return render(request, "trust/entry_reverse.html", context)


@require_POST
@member_required(TRUST_WRITE)
def exception_resolve(request, exception_id: int):
    found = sel.trust_exception_get_for_member(member=request.membership, exception_id=exception_id)
    form = ExceptionResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise TrustError("Say how the exception was put right (the note is kept on record).")
        services_clio.trust_exception_resolve(
            exception=found, member=request.membership, note=form.cleaned_data["note"]
        )
    except TrustError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "The exception is acknowledged; the note is kept on record.")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("trust_overview")
    return redirect(back or "trust_overview")
