"""Reconciliation pages: the months of each trust account, and one month's workspace (import the
statement, match lines to entries, prepare, approve, download the report)."""

from dataclasses import asdict
from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import limits
from accounts.decorators import client_ip, member_required
from accounts.roles import ANY_MEMBER, TRUST_WRITE
from trust import reconcile, reports, statement_files, statements
from trust import selectors_reconcile as sel
from trust import services_reconcile as svc
from trust.models import StatementUpload, TrustEntry
from trust.selectors import trust_account_get_for_member


class UploadForm(forms.Form):
    file = forms.FileField(label="Bank statement file (CSV or OFX)")
    on_overlap = forms.ChoiceField(
        label="If a statement is already imported for some of the same days",
        choices=statements.OVERLAP_CHOICES,
        initial="refuse",
        required=False,
    )


class MappingForm(forms.Form):
    bank_name = forms.CharField(
        max_length=200,
        required=False,
        help_text="The column choices are saved for this bank and offered next time.",
    )
    date = forms.ChoiceField(label="Date column")
    date_format = forms.ChoiceField(label="Date format", choices=statement_files.DATE_FORMATS)
    decimal = forms.ChoiceField(
        label="Decimal separator (the cents)",
        choices=statement_files.DECIMAL_SEPARATORS,
        initial="auto",
        required=False,
        help_text="Read from the file unless you choose; a file that mixes 12.50 and 12,50 is "
        "refused.",
    )
    amount = forms.ChoiceField(label="Amount column (signed: deposits positive)", required=False)
    debit = forms.ChoiceField(label="…or Debit column (money out)", required=False)
    credit = forms.ChoiceField(label="and Credit column (money in)", required=False)
    description = forms.ChoiceField(label="Description column", required=False)
    reference = forms.ChoiceField(label="Cheque or reference column", required=False)
    payee = forms.ChoiceField(label="Payee column", required=False)
    closing_balance = forms.DecimalField(
        label="Closing balance on the statement",
        max_digits=14,
        decimal_places=2,
        validators=limits.MONEY_VALIDATORS,
    )
    opening_balance = forms.DecimalField(
        label="Opening balance (optional: checked against the lines)",
        max_digits=14,
        decimal_places=2,
        required=False,
        validators=limits.MONEY_VALIDATORS,
    )
    period_start = forms.DateField(
        label="Statement from (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=limits.DATE_VALIDATORS,
    )
    period_end = forms.DateField(
        label="Statement to (optional: the last line's date otherwise)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=limits.DATE_VALIDATORS,
    )
    on_overlap = forms.ChoiceField(
        label="If a statement is already imported for some of the same days",
        choices=statements.OVERLAP_CHOICES,
        initial="refuse",
        required=False,
    )

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— none —"), *((h, h) for h in headers)]
        for name in ("date", "amount", "debit", "credit", "description", "reference", "payee"):
            self.fields[name].choices = choices

    def columns(self) -> statement_files.CsvColumns:
        d = self.cleaned_data
        return statement_files.CsvColumns(
            date=d["date"],
            date_format=d["date_format"],
            amount=d["amount"],
            debit="" if d["amount"] else d["debit"],
            credit="" if d["amount"] else d["credit"],
            description=d["description"],
            reference=d["reference"],
            payee=d["payee"],
            decimal=d["decimal"] or "auto",
        )


def _period_end(year: int, month: int) -> date:
    if not 1 <= month <= 12 or not limits.DATE_MIN.year <= year <= limits.date_max().year:
        raise Http404("No such month.")
    return reconcile.month_end(date(year, month, 1))


def _month_url(account_id: int, period_end: date) -> str:
    return reverse(
        "trust_reconcile_month",
        kwargs={"account_id": account_id, "year": period_end.year, "month": period_end.month},
    )


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@member_required(ANY_MEMBER)
def reconcile_accounts(request):
    today = timezone.localdate()
    accounts = [
        (a, sel.month_list(account=a, today=today))
        for a in sel.account_list(member=request.membership)
    ]
    # Each month still to approve with its standing (due, overdue), as the dashboard counts them.
    rows = [
        (
            a,
            months,
            [
                (m, reconcile.month_standing(m.period_end, today))
                for m in months
                if not (m.reconciliation and m.reconciliation.is_locked)
            ],
        )
        for a, months in accounts
    ]
    return render(request, "trust/reconcile_accounts.html", {"rows": rows})


@member_required(ANY_MEMBER)
def reconcile_account(request, account_id: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    months = sel.month_list(account=account, today=timezone.localdate())
    context = {
        "account": account,
        "months": months,
        "statements": sel.statements_list(account=account),
        "can_write": request.membership.role in TRUST_WRITE,
    }
    return render(request, "trust/reconcile_account.html", context)


@require_POST
@member_required(TRUST_WRITE)
def statement_remove(request, statement_id: int):
    statement = sel.statement_get_for_member(member=request.membership, statement_id=statement_id)
    try:
        svc.statement_remove(member=request.membership, statement=statement, ip=client_ip(request))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            f"Removed the statement {statement.filename} ({statement.period_start:%d %b %Y} to "
            f"{statement.period_end:%d %b %Y}); its journal entries are unchanged.",
        )
    return redirect("trust_reconcile_account", account_id=statement.account_id)


def _candidates(line, entries: list[TrustEntry]) -> list[TrustEntry]:
    """Entries a person might match to a line by hand: same direction, within two months,
    exact amounts first."""
    near = [
        e
        for e in entries
        if (e.signed_amount > 0) == (line.amount > 0) and abs((e.date - line.date).days) <= 60
    ]
    near.sort(key=lambda e: (e.signed_amount != line.amount, abs((e.date - line.date).days)))
    return near[:25]


def _workspace(request, account, period_end: date) -> dict:
    statements_qs = sel.statements_for_month(account=account, period_end=period_end)
    statement = statements_qs.first()
    rec = sel.reconciliation_for_month(account=account, period_end=period_end)
    live = (
        svc.figures_compute(account=account, period_end=period_end, statement=statement)
        if statement
        else None
    )
    upto = period_end if statement is None else max(period_end, statement.period_end)
    entries = sel.unmatched_entries(account=account, upto=upto)
    lines = list(sel.statement_lines(statements=statements_qs))
    return {
        "account": account,
        "period_end": period_end,
        "statements": list(statements_qs),
        "statement": statement,
        "lines": [(ln, [] if ln.n_matches else _candidates(ln, entries)) for ln in lines],
        "entries": entries,
        "rec": rec,
        "figures": rec.figures if rec and rec.figures else live,
        "stale": bool(rec and rec.figures and live and rec.figures != live),
        "can_write": request.membership.role in TRUST_WRITE,
        "locked": bool(rec and rec.is_locked),
        "upload_form": UploadForm(),
    }


@member_required(ANY_MEMBER)
def reconcile_month(request, account_id: int, year: int, month: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    context = _workspace(request, account, _period_end(year, month))
    return render(request, "trust/reconcile_month.html", context)


@require_POST
@member_required(TRUST_WRITE)
def reconcile_upload(request, account_id: int, year: int, month: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    back = _month_url(account.pk, _period_end(year, month))
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose the bank statement file (CSV or OFX) to upload.")
        return redirect(back)
    file, on_overlap = form.cleaned_data["file"], form.cleaned_data["on_overlap"] or "refuse"
    try:
        # One transaction: a file that cannot be imported is not kept. A CSV is kept for the
        # column step only once it reads as a CSV.
        with transaction.atomic():
            upload = statements.statement_upload_create(
                member=request.membership, account=account, filename=file.name, content=file.read()
            )
            if not statement_files.is_ofx(upload.filename, bytes(upload.content)):
                return redirect("trust_reconcile_mapping", upload_id=upload.pk)
            statement = statements.statement_import_ofx(
                member=request.membership, upload=upload, on_overlap=on_overlap
            )
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(back)
    messages.success(
        request, f"Imported {statement.lines.count()} lines from {statement.filename}."
    )
    return redirect(_month_url(account.pk, reconcile.month_end(statement.period_end)))


def _mapping_initial(upload: StatementUpload, headers: list[str]) -> dict:
    bank = upload.account.institution
    saved = sel.csv_mapping_for_bank(firm_id=upload.firm_id, bank_name=bank)
    cols = statements.columns_from_mapping(saved, headers)
    initial = {
        k: v
        for k, v in asdict(cols).items()
        if not v or v in headers or k in ("date_format", "decimal")
    }
    return {**initial, "bank_name": saved.bank_name if saved else bank}


@member_required(TRUST_WRITE)
def reconcile_mapping(request, upload_id: int):
    upload = sel.upload_get_for_member(member=request.membership, upload_id=upload_id)
    if hasattr(upload, "statement"):
        messages.info(request, "This file is already imported.")
        return redirect(_month_url(upload.account_id, upload.statement.period_end))
    try:
        headers, rows = statement_files.read_csv(bytes(upload.content))
    except ValidationError as exc:
        # A file kept before uploads were checked: it can never be imported, so it goes.
        statements.statement_upload_discard(member=request.membership, upload=upload)
        _errors(request, exc)
        return redirect("trust_reconcile_account", account_id=upload.account_id)
    errors: list[str] = []
    if request.method == "POST":
        form = MappingForm(request.POST, headers=headers)
        if form.is_valid():
            try:
                statement = _import(request, upload, form)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request,
                    f"Imported {statement.lines.count()} lines from {statement.filename}.",
                )
                return redirect(_month_url(upload.account_id, statement.period_end))
    else:
        form = MappingForm(initial=_mapping_initial(upload, headers), headers=headers)
    context = {"upload": upload, "headers": headers, "preview": rows[:5], "rows": len(rows)}
    return render(
        request,
        "trust/reconcile_mapping.html",
        {**context, "form": form, "import_errors": errors},
    )


def _import(request, upload: StatementUpload, form: MappingForm):
    d = form.cleaned_data
    return statements.statement_import_csv(
        member=request.membership,
        upload=upload,
        columns=form.columns(),
        bank_name=d["bank_name"],
        closing_balance=d["closing_balance"],
        opening_balance=d["opening_balance"],
        period_start=d["period_start"],
        period_end=d["period_end"],
        on_overlap=d["on_overlap"] or "refuse",
    )


@require_POST
@member_required(TRUST_WRITE)
def reconcile_auto_match(request, account_id: int, year: int, month: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    period_end = _period_end(year, month)
    try:
        n = svc.statement_auto_match(
            member=request.membership, account=account, period_end=period_end, ip=client_ip(request)
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            f"Matched {n} statement line{'s' if n != 1 else ''}."
            if n
            else "Nothing more could be matched automatically; match the rest by hand.",
        )
    return redirect(_month_url(account.pk, period_end))


@require_POST
@member_required(TRUST_WRITE)
def reconcile_match(request, line_id: int):
    line = sel.line_get_for_member(member=request.membership, line_id=line_id)
    ids = [int(x) for x in request.POST.getlist("entries") if x.isdigit()]
    entries = list(TrustEntry.objects.filter(firm_id=request.membership.firm_id, pk__in=ids))
    try:
        svc.statement_match(
            member=request.membership, line=line, entries=entries, ip=client_ip(request)
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"Matched the {reconcile.fmt(line.amount)} line.")
    return redirect(_month_url(line.statement.account_id, line.statement.period_end))


@require_POST
@member_required(TRUST_WRITE)
def reconcile_unmatch(request, line_id: int):
    line = sel.line_get_for_member(member=request.membership, line_id=line_id)
    try:
        svc.statement_unmatch(member=request.membership, line=line, ip=client_ip(request))
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"Unmatched the {reconcile.fmt(line.amount)} line.")
    return redirect(_month_url(line.statement.account_id, line.statement.period_end))


@require_POST
@member_required(TRUST_WRITE)
def reconcile_prepare(request, account_id: int, year: int, month: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    period_end = _period_end(year, month)
    try:
        rec = svc.reconciliation_prepare(
            member=request.membership, account=account, period_end=period_end, ip=client_ip(request)
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        verdict = "The balances agree." if rec.figures["ties"] else "The differences are listed."
        messages.success(
            request, f"{period_end:%B %Y} is prepared. {verdict} Another person approves it."
        )
    return redirect(_month_url(account.pk, period_end))


@require_POST
@member_required(TRUST_WRITE)
def reconcile_approve(request, account_id: int, year: int, month: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    period_end = _period_end(year, month)
    rec = sel.reconciliation_for_month(account=account, period_end=period_end)
    try:
        if rec is None:
            raise ValidationError("Prepare the reconciliation before it can be approved.")
        svc.reconciliation_approve(
            member=request.membership, reconciliation=rec, ip=client_ip(request)
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, f"{period_end:%B %Y} is approved and locked.")
    return redirect(_month_url(account.pk, period_end))


@member_required(ANY_MEMBER)
def reconcile_pdf(request, account_id: int, year: int, month: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    period_end = _period_end(year, month)
    rec = sel.reconciliation_for_month(account=account, period_end=period_end)
    if rec is None or not rec.figures:
        raise Http404("This month is not prepared yet.")
    pdf = reports.reconciliation_pdf(reconciliation=rec, firm_name=request.membership.firm.name)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"trust-reconciliation-{account.pk}-{period_end:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@member_required(ANY_MEMBER)
def reconcile_csv(request, account_id: int, year: int, month: int):
    account = trust_account_get_for_member(member=request.membership, account_id=account_id)
    period_end = _period_end(year, month)
    rows = sel.ledger_balances(account=account, period_end=period_end)
    body = reports.ledgers_csv(rows=rows, account_name=account.name, period_end=period_end)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"client-ledgers-{account.pk}-{period_end:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
