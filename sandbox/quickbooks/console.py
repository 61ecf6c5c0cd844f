"""The console at /sandbox/quickbooks/: browse a company's books and act as its bookkeeper."""

import json

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt

from sandbox.quickbooks import actions
from sandbox.quickbooks.models import App, Company, Record

SHOWN = ["Invoice", "Payment", "CreditMemo", "Deposit", "Customer", "Account", "Item"]


def index(request):
    companies = Company.objects.order_by("name")
    return render(
        request,
        "sandbox_quickbooks/console.html",
        {"companies": companies, "apps": App.objects.order_by("pk")},
    )


def books(request, realm: str):
    company = get_object_or_404(Company, realm_id=realm)
    kind = request.GET.get("type", "Invoice")
    rows = Record.objects.filter(company=company, type=kind, deleted=False).order_by("-remote_id")
    prefs = Record.objects.filter(company=company, type="Preferences").first()
    ctx = {
        "company": company,
        "kind": kind,
        "kinds": SHOWN,
        "rows": [_row(r.data) for r in rows[:200]],
        "prefs": json.dumps(prefs.data if prefs else {}, indent=1),
        "actions": sorted(actions.ACTIONS),
        "message": request.GET.get("message", ""),
    }
    return render(request, "sandbox_quickbooks/books.html", ctx)


@csrf_exempt
def act(request, realm: str):
    """A form post: action name + JSON parameters, run as the bookkeeper."""
    company = get_object_or_404(Company, realm_id=realm)
    try:
        params = json.loads(request.POST.get("params") or "{}")
        actions.run_action(company, request.POST.get("action", ""), params)
        message = "Done."
    except ValueError as exc:
        message = str(exc)
    return redirect(f"/sandbox/quickbooks/books/{realm}/?message={message[:300]}")


def _row(data: dict) -> dict:
    """The columns the table shows, computed here (no lookups of missing keys in templates)."""
    label = data.get("DisplayName") or data.get("Name") or data.get("DocNumber") or ""
    customer = (data.get("CustomerRef") or {}).get("name", "")
    return {
        "id": data["Id"],
        "sync": data["SyncToken"],
        "label": f"{label} {customer}".strip(),
        "date": data.get("TxnDate", ""),
        "total": data.get("TotalAmt", ""),
        "balance": data.get("Balance", ""),
        "updated": data["MetaData"]["LastUpdatedTime"],
    }
