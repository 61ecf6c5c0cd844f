from django.urls import path

from sync import (
    views,
    views_approvals,
    views_bills,
    views_connect,
    views_setup,
    views_status,
    views_webhooks,
)
from sync.books_payments import views as views_books
from sync.console import views as views_console
from sync.drift import views as views_drift
from sync.payouts import views as views_payouts
from sync.trust_books import views as views_trust

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("console/", views_console.console, name="console"),
    path("settings/bill-syncing/", views.bill_syncing, name="bill_syncing"),
    path(
        "settings/bill-syncing/connect/<str:provider>/",
        views_connect.connect_start,
        name="connect_start",
    ),
    path(
        "settings/bill-syncing/callback/<str:provider>/",
        views_connect.connect_callback,
        name="connect_callback",
    ),
    path(
        "settings/bill-syncing/choose/",
        views_connect.connect_choose,
        name="connect_choose",
    ),
    path(
        "settings/bill-syncing/connections/<int:connection_id>/disconnect/",
        views.connection_disconnect,
        name="connection_disconnect",
    ),
    path("settings/bill-syncing/setup/", views_setup.setup_panel, name="sync_setup"),
    path(
        "settings/bill-syncing/preflight/<str:key>/fix/",
        views_setup.preflight_fix,
        name="preflight_fix",
    ),
    path(
        "settings/bill-syncing/approval-rules/",
        views_approvals.approval_rules,
        name="approval_rules",
    ),
    path("bills/approval/", views_approvals.bill_approvals, name="bill_approvals"),
    path(
        "bills/approval/decide/",
        views_approvals.bill_approvals_decide,
        name="bill_approvals_decide",
    ),
    path(
        "bills/approval/<int:approval_id>/approve/",
        views_approvals.bill_approval_approve,
        name="bill_approval_approve",
    ),
    path(
        "bills/approval/<int:approval_id>/reject/",
        views_approvals.bill_approval_reject,
        name="bill_approval_reject",
    ),
    path(
        "bills/approval/<int:approval_id>/reopen/",
        views_approvals.bill_approval_reopen,
        name="bill_approval_reopen",
    ),
    path("flagged-bills/", views_drift.flagged_bills, name="flagged_bills"),
    path("flagged-bills/<int:flag_id>/", views_drift.flag_detail, name="flag_detail"),
    path("flagged-bills/<int:flag_id>/approve/", views_drift.flag_approve, name="flag_approve"),
    path("flagged-bills/<int:flag_id>/dismiss/", views_drift.flag_dismiss, name="flag_dismiss"),
    path("flagged-bills/<int:flag_id>/resolve/", views_drift.flag_resolve, name="flag_resolve"),
    path(
        "flagged-bills/<int:flag_id>/outside-clio/",
        views_drift.flag_outside_clio,
        name="flag_outside_clio",
    ),
    path(
        "receivables/outside-clio/<int:mark_id>/unmark/",
        views_drift.books_only_unmark,
        name="books_only_unmark",
    ),
    path("receivables/", views_drift.receivables, name="receivables"),
    path("receivables/live/", views_drift.receivables_live, name="receivables_live"),
    path("receivables/reconcile/", views_drift.reconcile_now, name="reconcile_now"),
    path("receivables/differences/", views_drift.drifts, name="drifts"),
    path("sync/", views_status.status_page, name="sync_status"),
    path("sync/live/", views_status.status_live, name="sync_status_live"),
    path("sync/start/", views_status.start, name="sync_start"),
    path("sync/failed/retry/", views_status.retry_all, name="sync_retry_all"),
    path(
        "sync/failed/<int:operation_id>/retry/",
        views_status.retry_one,
        name="sync_operation_retry",
    ),
    path("bills/", views_bills.bills, name="bills"),
    path("bills/<int:bill_id>/", views_bills.bill_detail, name="bill_detail"),
    path(
        "sync/books-payments/<int:payment_id>/resolve/",
        views_books.books_payment_resolve,
        name="books_payment_resolve",
    ),
    path("payouts/", views_payouts.payouts, name="payouts"),
    path(
        "payouts/statement/",
        views_payouts.payouts_statement_import,
        name="payouts_statement_import",
    ),
    path("trust/requests/", views_trust.trust_requests, name="trust_requests"),
    path("trust/requests/new/", views_trust.trust_request_create, name="trust_request_create"),
    path(
        "trust/requests/<int:request_id>/cancel/",
        views_trust.trust_request_cancel,
        name="trust_request_cancel",
    ),
    path(
        "trust/reconciliations/<int:account_id>/<int:year>/<int:month>/books-balance/",
        views_trust.books_balance_read,
        name="trust_reconcile_books_read",
    ),
    path("webhooks/clio/<str:token>/", views_webhooks.clio_webhook, name="clio_webhook"),
]
