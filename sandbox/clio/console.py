"""The console page at /sandbox/clio/: browse an account's data and act as its people by hand.

The forms post to the same action functions as `_control/actions`.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render

from sandbox.clio.actions import ACTIONS
from sandbox.clio.models import Account, Delivery, Record
from sandbox.clio.store import ApiError

# The inputs each action's form shows (the action reads the same keys from JSON).
ACTION_FORMS = {
    "create_contact": ["first_name", "last_name", "name", "type", "email", "phone"],
    "create_matter": ["client_id", "description", "status"],
    "update_matter": ["matter_id", "status", "description"],
    "create_time_entry": ["matter_id", "hours", "price", "date", "note"],
    "create_expense_entry": ["matter_id", "amount", "date", "note"],
    "generate_bill": ["matter_id", "issued_at"],
    "edit_line": ["line_item_id", "description", "price", "quantity"],
    "remove_line": ["line_item_id"],
    "bill_transition": ["bill_id", "to"],
    "edit_bill": ["bill_id", "memo", "subject", "purchase_order"],
    "record_payment": ["bill_id", "amount", "source", "date"],
    "record_clio_payment": ["bill_id", "amount", "date"],
    "void_clio_payment": ["payment_id"],
    "issue_credit_memo": ["bill_id", "amount", "description"],
    "void_payment": ["allocation_id", "date"],
    "trust_deposit": ["matter_id", "amount", "date"],
    "trust_disbursement": ["matter_id", "amount", "description"],
    "trust_transfer": ["from_matter_id", "to_matter_id", "amount"],
    "create_task": ["matter_id", "name", "description", "due_at", "assignee_id"],
    "complete_task": ["task_id", "status"],
    "create_calendar_entry": ["matter_id", "summary", "start_at", "end_at", "location"],
    "create_communication": ["matter_id", "type", "subject", "body"],
    "create_note": ["matter_id", "contact_id", "subject", "detail"],
    "upload_document": ["matter_id", "contact_id", "folder_id", "name", "content"],
    "create_custom_field": ["name", "parent_type", "field_type", "options"],
    "set_custom_field_value": ["custom_field_id", "matter_id", "contact_id", "value"],
}
SHOWN = [
    "contact",
    "matter",
    "bill",
    "bank_account",
    "bank_transaction",
    "allocation",
    "clio_payments_payment",
    "task",
    "calendar_entry",
    "communication",
    "note",
    "document",
    "custom_field",
    "webhook",
]


def index(request):
    accounts = Account.objects.order_by("pk")
    return render(request, "sandbox_clio/console.html", {"accounts": accounts})


def account_page(request, account_id):
    account = get_object_or_404(Account, pk=account_id)
    tables = {
        kind: Record.objects.filter(account=account, type=kind, deleted=False).order_by("-pk")[:50]
        for kind in SHOWN
    }
    context = {
        "account": account,
        "tables": tables,
        "forms": ACTION_FORMS,
        "deliveries": Delivery.objects.filter(webhook__account=account).order_by("-pk")[:20],
    }
    return render(request, "sandbox_clio/account.html", context)


def run_action(request, account_id):
    account = get_object_or_404(Account, pk=account_id)
    name = request.POST.get("action")
    if request.method != "POST" or name not in ACTION_FORMS:
        return redirect("sandbox_clio_console_account", account_id=account.pk)
    payload = {k: v for k, v in request.POST.items() if k in ACTION_FORMS[name] and v != ""}
    try:
        with transaction.atomic():
            record = ACTIONS[name](account, payload)
        messages.success(request, f"{name}: {record.type} {record.id} saved.")
    except ApiError as err:
        messages.error(request, f"{name}: {err.message}")
    except (ValueError, TypeError) as exc:
        messages.error(request, f"{name}: {exc}")
    return redirect("sandbox_clio_console_account", account_id=account.pk)
