"""The REST API's routes and its OpenAPI schema. Wiring only."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import FirmApi, MeApi, MemberListApi
from automations.api import (
    AutomationDetailApi,
    AutomationDisableApi,
    AutomationEnableApi,
    AutomationListApi,
    AutomationRunListApi,
    CatalogApi,
    RecipeListApi,
    RecipeStartApi,
    RunDetailApi,
    RunRetryApi,
)
from hooks.api import (
    DeliveryDetailApi,
    DeliveryListApi,
    DeliveryRedeliverApi,
    EventTypeListApi,
    SubscriptionDetailApi,
    SubscriptionListApi,
    SubscriptionRollSecretApi,
    SubscriptionTestApi,
)
from practice.api import ContactDetailApi, ContactListApi, MatterDetailApi, MatterListApi
from sync.api import ConnectionDisconnectApi, ConnectionListApi, PreflightApi, SyncSettingsApi
from sync.api_approvals import (
    ApprovalApproveApi,
    ApprovalDecideApi,
    ApprovalDetailApi,
    ApprovalListApi,
    ApprovalRejectApi,
    ApprovalRulesApi,
)
from sync.api_bills import BillDetailApi, BillListApi
from sync.api_runs import (
    FailedRecordListApi,
    FailedRecordRetryApi,
    SyncRunDetailApi,
    SyncRunListApi,
)
from sync.books_payments.api import (
    BooksPaymentDetailApi,
    BooksPaymentListApi,
    BooksPaymentResolveApi,
)
from sync.console.api import ConsoleApi
from sync.drift.api import (
    DriftDetailApi,
    DriftListApi,
    FlagApproveApi,
    FlagDetailApi,
    FlagDismissApi,
    FlagListApi,
    FlagOutsideClioApi,
    FlagResolveApi,
)
from sync.drift.api_receivables import ArComparisonApi, ReconcileRunLatestApi, ReconcileRunListApi
from sync.payouts.api import PayoutDetailApi, PayoutListApi
from sync.trust_books.api import TrustRequestCancelApi, TrustRequestListApi
from trust.api import (
    ClientLedgerDetailApi,
    ClientLedgerListApi,
    TrustAccountListApi,
    TrustEntryListApi,
    TrustEntryReverseApi,
    TrustExceptionListApi,
)
from trust.api_duties import DepositNoticeApi, TrustDutyListApi
from trust.api_reconcile import (
    ApproveApi,
    AutoMatchApi,
    PrepareApi,
    ReconciliationDetailApi,
    ReconciliationListApi,
    ReportPdfApi,
    StatementListApi,
)

urlpatterns = [
    path("v1/me", MeApi.as_view(), name="api_me"),
    path("v1/firm", FirmApi.as_view(), name="api_firm"),
    path("v1/console", ConsoleApi.as_view(), name="api_console"),
    path("v1/members", MemberListApi.as_view(), name="api_members"),
    path("v1/connections", ConnectionListApi.as_view(), name="api_connections"),
    path(
        "v1/connections/<int:connection_id>/disconnect",
        ConnectionDisconnectApi.as_view(),
        name="api_connection_disconnect",
    ),
    path("v1/contacts", ContactListApi.as_view(), name="api_contacts"),
    path("v1/contacts/<int:contact_id>", ContactDetailApi.as_view(), name="api_contact"),
    path("v1/matters", MatterListApi.as_view(), name="api_matters"),
    path("v1/matters/<int:matter_id>", MatterDetailApi.as_view(), name="api_matter"),
    path("v1/bills", BillListApi.as_view(), name="api_bills"),
    path("v1/bills/<int:bill_id>", BillDetailApi.as_view(), name="api_bill"),
    path("v1/sync/settings", SyncSettingsApi.as_view(), name="api_sync_settings"),
    path("v1/sync/preflight", PreflightApi.as_view(), name="api_preflight"),
    path("v1/sync/runs", SyncRunListApi.as_view(), name="api_sync_runs"),
    path("v1/sync/runs/<int:run_id>", SyncRunDetailApi.as_view(), name="api_sync_run"),
    path("v1/sync/failures", FailedRecordListApi.as_view(), name="api_sync_failures"),
    path("v1/sync/failures/retry", FailedRecordRetryApi.as_view(), name="api_sync_retry"),
    path("v1/sync/books-payments", BooksPaymentListApi.as_view(), name="api_books_payments"),
    path(
        "v1/sync/books-payments/<int:payment_id>",
        BooksPaymentDetailApi.as_view(),
        name="api_books_payment",
    ),
    path(
        "v1/sync/books-payments/<int:payment_id>/resolve",
        BooksPaymentResolveApi.as_view(),
        name="api_books_payment_resolve",
    ),
    path(
        "v1/sync-settings/approval-rules",
        ApprovalRulesApi.as_view(),
        name="api_approval_rules",
    ),
    path("v1/bill-approvals", ApprovalListApi.as_view(), name="api_bill_approvals"),
    path("v1/bill-approvals/decide", ApprovalDecideApi.as_view(), name="api_bill_approvals_decide"),
    path(
        "v1/bill-approvals/<int:approval_id>",
        ApprovalDetailApi.as_view(),
        name="api_bill_approval",
    ),
    path(
        "v1/bill-approvals/<int:approval_id>/approve",
        ApprovalApproveApi.as_view(),
        name="api_bill_approval_approve",
    ),
    path(
        "v1/bill-approvals/<int:approval_id>/reject",
        ApprovalRejectApi.as_view(),
        name="api_bill_approval_reject",
    ),
    path("v1/sync/payouts", PayoutListApi.as_view(), name="api_payouts"),
    path("v1/sync/payouts/<int:payout_id>", PayoutDetailApi.as_view(), name="api_payout"),
    path("v1/flagged-bills", FlagListApi.as_view(), name="api_flagged_bills"),
    path("v1/flagged-bills/<int:flag_id>", FlagDetailApi.as_view(), name="api_flagged_bill"),
    path(
        "v1/flagged-bills/<int:flag_id>/approve",
        FlagApproveApi.as_view(),
        name="api_flagged_bill_approve",
    ),
    path(
        "v1/flagged-bills/<int:flag_id>/dismiss",
        FlagDismissApi.as_view(),
        name="api_flagged_bill_dismiss",
    ),
    path(
        "v1/flagged-bills/<int:flag_id>/resolve",
        FlagResolveApi.as_view(),
        name="api_flagged_bill_resolve",
    ),
    path(
        "v1/flagged-bills/<int:flag_id>/outside-clio",
        FlagOutsideClioApi.as_view(),
        name="api_flagged_bill_outside_clio",
    ),
    path("v1/drifts", DriftListApi.as_view(), name="api_drifts"),
    path("v1/drifts/<int:drift_id>", DriftDetailApi.as_view(), name="api_drift"),
    path("v1/reconcile/runs", ReconcileRunListApi.as_view(), name="api_reconcile_runs"),
    path(
        "v1/reconcile/runs/latest",
        ReconcileRunLatestApi.as_view(),
        name="api_reconcile_run_latest",
    ),
    path("v1/reconcile/receivables", ArComparisonApi.as_view(), name="api_receivables"),
    path("v1/trust/requests", TrustRequestListApi.as_view(), name="api_trust_requests"),
    path(
        "v1/trust/requests/<int:request_id>/cancel",
        TrustRequestCancelApi.as_view(),
        name="api_trust_request_cancel",
    ),
    path("v1/trust/accounts", TrustAccountListApi.as_view(), name="api_trust_accounts"),
    path("v1/trust/ledgers", ClientLedgerListApi.as_view(), name="api_trust_ledgers"),
    path(
        "v1/trust/ledgers/<int:ledger_id>",
        ClientLedgerDetailApi.as_view(),
        name="api_trust_ledger",
    ),
    path("v1/trust/entries", TrustEntryListApi.as_view(), name="api_trust_entries"),
    path(
        "v1/trust/entries/<int:entry_id>/reverse",
        TrustEntryReverseApi.as_view(),
        name="api_trust_entry_reverse",
    ),
    path("v1/trust/exceptions", TrustExceptionListApi.as_view(), name="api_trust_exceptions"),
    path("v1/trust/duties", TrustDutyListApi.as_view(), name="api_trust_duties"),
    path(
        "v1/trust/entries/<int:entry_id>/notice",
        DepositNoticeApi.as_view(),
        name="api_trust_deposit_notice",
    ),
    path(
        "v1/trust/reconciliations",
        ReconciliationListApi.as_view(),
        name="api_trust_reconciliations",
    ),
    path(
        "v1/trust/reconciliations/<int:reconciliation_id>",
        ReconciliationDetailApi.as_view(),
        name="api_trust_reconciliation",
    ),
    path(
        "v1/trust/reconciliations/<int:reconciliation_id>/approve",
        ApproveApi.as_view(),
        name="api_trust_reconciliation_approve",
    ),
    path(
        "v1/trust/reconciliations/<int:reconciliation_id>/report.pdf",
        ReportPdfApi.as_view(),
        name="api_trust_reconciliation_pdf",
    ),
    path(
        "v1/trust/accounts/<int:account_id>/statements",
        StatementListApi.as_view(),
        name="api_trust_statements",
    ),
    path(
        "v1/trust/accounts/<int:account_id>/months/<int:year>/<int:month>/auto-match",
        AutoMatchApi.as_view(),
        name="api_trust_auto_match",
    ),
    path(
        "v1/trust/accounts/<int:account_id>/months/<int:year>/<int:month>/prepare",
        PrepareApi.as_view(),
        name="api_trust_prepare",
    ),
    path("v1/webhooks/event-types", EventTypeListApi.as_view(), name="api_webhook_event_types"),
    path(
        "v1/webhooks/subscriptions",
        SubscriptionListApi.as_view(),
        name="api_webhook_subscriptions",
    ),
    path(
        "v1/webhooks/subscriptions/<int:subscription_id>",
        SubscriptionDetailApi.as_view(),
        name="api_webhook_subscription",
    ),
    path(
        "v1/webhooks/subscriptions/<int:subscription_id>/roll-secret",
        SubscriptionRollSecretApi.as_view(),
        name="api_webhook_subscription_roll_secret",
    ),
    path(
        "v1/webhooks/subscriptions/<int:subscription_id>/test",
        SubscriptionTestApi.as_view(),
        name="api_webhook_subscription_test",
    ),
    path("v1/webhooks/deliveries", DeliveryListApi.as_view(), name="api_webhook_deliveries"),
    path(
        "v1/webhooks/deliveries/<int:delivery_id>",
        DeliveryDetailApi.as_view(),
        name="api_webhook_delivery",
    ),
    path(
        "v1/webhooks/deliveries/<int:delivery_id>/redeliver",
        DeliveryRedeliverApi.as_view(),
        name="api_webhook_delivery_redeliver",
    ),
    path("v1/automations", AutomationListApi.as_view(), name="api_automations"),
    path("v1/automations/catalog", CatalogApi.as_view(), name="api_automation_catalog"),
    path("v1/automations/recipes", RecipeListApi.as_view(), name="api_automation_recipes"),
    path(
        "v1/automations/recipes/<slug:key>/start",
        RecipeStartApi.as_view(),
        name="api_automation_recipe_start",
    ),
    path(
        "v1/automations/<int:automation_id>",
        AutomationDetailApi.as_view(),
        name="api_automation",
    ),
    path(
        "v1/automations/<int:automation_id>/enable",
        AutomationEnableApi.as_view(),
        name="api_automation_enable",
    ),
    path(
        "v1/automations/<int:automation_id>/disable",
        AutomationDisableApi.as_view(),
        name="api_automation_disable",
    ),
    path(
        "v1/automations/<int:automation_id>/runs",
        AutomationRunListApi.as_view(),
        name="api_automation_runs",
    ),
    path("v1/automations/runs/<int:run_id>", RunDetailApi.as_view(), name="api_automation_run"),
    path(
        "v1/automations/runs/<int:run_id>/retry",
        RunRetryApi.as_view(),
        name="api_automation_run_retry",
    ),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]),
        name="api_schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", permission_classes=[], authentication_classes=[]
        ),
        name="api_docs",
    ),
]
