from django.urls import path

from trust import views, views_duties, views_ledger, views_reconcile

MONTH = "trust/reconciliations/<int:account_id>/<int:year>/<int:month>/"

urlpatterns = [
    path("trust/", views.overview, name="trust_overview"),
    path("trust/duties/", views_duties.duties, name="trust_duties"),
    path(
        "trust/duties/deposits/<int:entry_id>/notice/",
        views_duties.notice_record,
        name="trust_duty_notice",
    ),
    path(
        "trust/duties/accounts/<int:account_id>/filings/",
        views_duties.filing_record,
        name="trust_duty_filing",
    ),
    path(
        "trust/duties/accounts/<int:account_id>/jurisdiction/",
        views_duties.jurisdiction_set,
        name="trust_duty_jurisdiction",
    ),
    path(
        "trust/duties/ledgers/<int:ledger_id>/hold/",
        views_duties.ledger_hold,
        name="trust_duty_hold",
    ),
    path("trust/ledgers/<int:ledger_id>/", views_ledger.ledger, name="trust_ledger"),
    path(
        "trust/ledgers/<int:ledger_id>/entries/new/",
        views_ledger.entry_new,
        name="trust_entry_new",
    ),
    path(
        "trust/accounts/<int:account_id>/bank-fee/",
        views_ledger.bank_fee_new,
        name="trust_bank_fee_new",
    ),
    path(
        "trust/entries/<int:entry_id>/reverse/",
        views_ledger.entry_reverse,
        name="trust_entry_reverse",
    ),
    path(
        "trust/exceptions/<int:exception_id>/resolve/",
        views_ledger.exception_resolve,
        name="trust_exception_resolve",
    ),
    path(
        "trust/reconciliations/",
        views_reconcile.reconcile_accounts,
        name="trust_reconciliations",
    ),
    path(
        "trust/reconciliations/<int:account_id>/",
        views_reconcile.reconcile_account,
        name="trust_reconcile_account",
    ),
    path(MONTH, views_reconcile.reconcile_month, name="trust_reconcile_month"),
    path(MONTH + "upload/", views_reconcile.reconcile_upload, name="trust_reconcile_upload"),
    path(
        MONTH + "auto-match/",
        views_reconcile.reconcile_auto_match,
        name="trust_reconcile_auto_match",
    ),
    path(MONTH + "prepare/", views_reconcile.reconcile_prepare, name="trust_reconcile_prepare"),
    path(MONTH + "approve/", views_reconcile.reconcile_approve, name="trust_reconcile_approve"),
    path(MONTH + "report.pdf", views_reconcile.reconcile_pdf, name="trust_reconcile_pdf"),
    path(MONTH + "ledgers.csv", views_reconcile.reconcile_csv, name="trust_reconcile_csv"),
    path(
        "trust/reconciliations/uploads/<int:upload_id>/",
        views_reconcile.reconcile_mapping,
        name="trust_reconcile_mapping",
    ),
    path(
        "trust/reconciliations/statements/<int:statement_id>/remove/",
        views_reconcile.statement_remove,
        name="trust_statement_remove",
    ),
    path(
        "trust/reconciliations/lines/<int:line_id>/match/",
        views_reconcile.reconcile_match,
        name="trust_reconcile_match",
    ),
    path(
        "trust/reconciliations/lines/<int:line_id>/unmatch/",
        views_reconcile.reconcile_unmatch,
        name="trust_reconcile_unmatch",
    ),
]
