"""The console at /sandbox/xero/: browse an organisation's books and act as its bookkeeper.

Reads go straight to the document store; every change goes through `_control/actions`' functions,
so the console obeys the same rules (status, lock date, amounts) as the API."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from sandbox.xero.actions import ACTIONS, ActionError
from sandbox.xero.models import App, Organisation, Record

TABS = (
    "Invoice",
    "Contact",
    "Payment",
    "CreditNote",
    "BankTransaction",
    "Quote",
    "PurchaseOrder",
    "Item",
    "Account",
    "ManualJournal",
)


def index(request):
    orgs = Organisation.objects.order_by("name")
    apps = App.objects.order_by("name")
    return render(request, "sandbox_xero/console.html", {"orgs": orgs, "apps": apps})


def books(request, tenant_id):
    org = get_object_or_404(Organisation, tenant_id=tenant_id)
    kind = request.GET.get("tab", "Invoice")
    kind = kind if kind in TABS else "Invoice"
    rows = Record.objects.filter(organisation=org, kind=kind).order_by("-updated_at")[:200]
    ctx = {
        "org": org,
        "tabs": TABS,
        "tab": kind,
        "rows": [_row(r.data) for r in rows],
        "message": request.GET.get("message", ""),
    }
    return render(request, "sandbox_xero/books.html", ctx)


LABELS = ("Name", "InvoiceNumber", "CreditNoteNumber", "QuoteNumber", "PurchaseOrderNumber",
          "Code", "Narration", "Reference")  # fmt: skip


def _row(data: dict) -> dict:
    """Label, status and total for the generic table; the template does no lookups of its own."""
    label = next((str(data[k]) for k in LABELS if data.get(k)), "")
    status = data.get("Status") or data.get("ContactStatus", "")
    return {**data, "label": label, "status": status, "total": data.get("Total", "")}


ALLOWED = {"approve_invoice", "void_invoice", "pay_invoice", "reconcile_payment",
           "delete_payment", "set_period_lock_date", "create_invoice", "email_invoice"}  # fmt: skip


def _typed_invoice(form) -> dict:
    invoice = {
        "Type": "ACCREC",
        "Contact": {"Name": form.get("contact_name", "")},
        "Status": "AUTHORISED" if form.get("approve") else "DRAFT",
        "LineItems": [{"Description": form.get("description", ""), "Quantity": 1,
                       "UnitAmount": form.get("amount", ""),
                       "AccountCode": form.get("account_code", "")}],
    }  # fmt: skip
    if form.get("invoice_number"):
        invoice["InvoiceNumber"] = form["invoice_number"]
    return invoice


def act(request, tenant_id):
    org = get_object_or_404(Organisation, tenant_id=tenant_id)
    name = request.POST.get("action", "")
    body = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken" and v != ""}
    body["tenant_id"] = org.tenant_id
    if name == "create_invoice":
        body = {"tenant_id": org.tenant_id, "invoice": _typed_invoice(request.POST)}
    try:
        if name not in ALLOWED:
            raise ActionError(f"Unknown action {name!r}.")
        ACTIONS[name](body)
        message = f"{name.replace('_', ' ')}: done."
    except (ActionError, ValueError) as exc:
        message = f"{name.replace('_', ' ')}: {exc}"
    url = reverse("sandbox_xero_books", args=[org.tenant_id])
    tab = request.POST.get("tab", "Invoice")
    return HttpResponseRedirect(f"{url}?{urlencode({'tab': tab, 'message': message})}")
