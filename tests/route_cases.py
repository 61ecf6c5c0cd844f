"""Every product route, with how to call it and who may. The coverage test fails on a route missing here.

`setup(firm)` builds the objects an id-taking route needs inside `firm` and returns the URL kwargs;
an outsider (admin of another firm) calling the route with those kwargs must get 404.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import ApiToken, Invitation, Role
from accounts.roles import (
    ANY_MEMBER,
    APPROVE_BILLS,
    MANAGE_FIRM,
    REVIEW_BILLS,
    SEE_FLAGS,
    TRUST_WRITE,
    WRITE,
)
from hooks.models import Delivery, Subscription
from practice.models import Bill, Contact, Matter
from sync.models import (
    BillApproval,
    BooksOnlyInvoice,
    BooksOnlyPayment,
    ClioPayout,
    Connection,
    Provider,
    Side,
    SyncOperation,
    SyncRun,
    SyncSettings,
)
from tests.automations.route_cases_page import automation_cases
from tests.factories import (
    ClientLedgerFactory,
    DriftFactory,
    FlaggedBillFactory,
    MembershipFactory,
    ReconcileRunFactory,
)
from trust.models import (
    BankStatement,
    Reconciliation,
    StatementLine,
    StatementUpload,
    TrustAccount,
    TrustEntry,
    TrustException,
    TrustRequest,
)
from trust.services_reconcile import figures_compute


@dataclass(frozen=True)
class Case:
    method: str = "get"
    roles: frozenset = ANY_MEMBER
    setup: object = None  # callable(firm, member) -> kwargs
    data: dict = field(default_factory=dict)
    api: bool = False
    kwargs: dict = field(default_factory=dict)  # fixed URL kwargs that name no firm object
    fixtures: tuple[str, ...] = ()  # pytest fixtures the route needs (requested before the call)


def _membership(firm, member):
    return {"membership_id": MembershipFactory(firm=firm, role=Role.STAFF).pk}


def _invitation(firm, member):
    inv = Invitation.objects.create(
        firm=firm,
        email="someone@example.test",
        role=Role.STAFF,
        token_hash=secrets.token_hex(32),
        expires_at=timezone.now() + timedelta(days=1),
    )
    return {"invitation_id": inv.pk}


def _token(firm, member):
    token = ApiToken.objects.create(
        firm=firm, user=member.user, name="t", prefix="fs_x", token_hash=secrets.token_hex(32)
    )
    return {"token_id": token.pk}


def _connection(firm, member):
    active = Connection.objects.filter(firm=firm, status="connected").first()
    conn = active or Connection.objects.create(
        firm=firm,
        provider=Provider.CLIO,
        side=Side.PRACTICE,
        external_id=secrets.token_hex(4),
        access_token="a",
        refresh_token="r",
    )
    return {"connection_id": conn.pk}


def _failed_operation(firm, member):
    books = Connection.objects.filter(firm=firm, side=Side.BOOKS).first() or (
        Connection.objects.create(
            firm=firm,
            provider=Provider.QUICKBOOKS,
            side=Side.BOOKS,
            external_id=secrets.token_hex(4),
        )
    )
    op = SyncOperation.objects.create(
        firm=firm,
        connection=books,
        entity="bill",
        action="create",
        local_id="1",
        source_version="e1",
        idempotency_key=secrets.token_hex(16),
        payload={},
        fingerprint="f",
        status=SyncOperation.Status.FAILED,
        error_code="6000",
    )
    return {"operation_id": op.pk}


def _subscription(firm, member):
    sub = Subscription.objects.create(
        firm=firm, url="https://example.test/hook", events=["bill.synced"], secret="whsec_t"
    )
    return {"subscription_id": sub.pk}


def _delivery(firm, member):
    sub = Subscription.objects.create(
        firm=firm, url="https://example.test/hook", events=["bill.synced"], secret="whsec_t"
    )
    d = Delivery.objects.create(
        firm=firm, subscription=sub, type="bill.synced", payload={}, status="failed"
    )
    return {"delivery_id": d.pk}


WEBHOOK = {"url": "https://example.test/new", "events": ["bill.synced"]}


def _bill(firm, member):
    bill = Bill.objects.create(firm=firm, clio_id=secrets.randbelow(10**9), state="draft")
    return {"bill_id": bill.pk}


def _contact(firm, member):
    contact = Contact.objects.create(firm=firm, clio_id=secrets.randbelow(10**9), name="Ada")
    return {"contact_id": contact.pk}


def _matter(firm, member):
    matter = Matter.objects.create(firm=firm, clio_id=secrets.randbelow(10**9), display_number="1")
    return {"matter_id": matter.pk}


def _payout(firm, member):
    day = date(2026, 3, 2) + timedelta(days=ClioPayout.objects.filter(firm=firm).count())
    payout = ClioPayout.objects.create(firm=firm, deposit_date=day, gross="120.00", payments=1)
    return {"payout_id": payout.pk}


def _books_payment(firm, member):
    books = Connection.objects.filter(firm=firm, side=Side.BOOKS).first() or (
        Connection.objects.create(
            firm=firm,
            provider=Provider.QUICKBOOKS,
            side=Side.BOOKS,
            external_id=secrets.token_hex(4),
        )
    )
    payment = BooksOnlyPayment.objects.create(
        firm=firm, connection=books, remote_id=secrets.token_hex(4), amount="120.00"
    )
    return {"payment_id": payment.pk}


def _settings(firm, member):
    SyncSettings.objects.get_or_create(firm=firm, defaults={"start_date": timezone.localdate()})
    return {}


def _sync_run(firm, member):
    return {"run_id": SyncRun.objects.create(firm=firm).pk}


# Trust reconciliation: one account with a March 2026 statement (and a prepared month).
MARCH = {"year": 2026, "month": 3}


def _trust_account(firm, member):
    account = TrustAccount.objects.create(firm=firm, name="IOLTA", clio_id=secrets.randbelow(10**9))
    return {"account_id": account.pk}


def _march_statement(firm, member):
    kwargs = _trust_account(firm, member)
    statement = BankStatement.objects.create(
        firm=firm,
        account_id=kwargs["account_id"],
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        opening_balance=Decimal("0.00"),
        closing_balance=Decimal("100.00"),
        source="csv",
        filename="march.csv",
        sha256=secrets.token_hex(32),
    )
    line = StatementLine.objects.create(
        firm=firm,
        statement=statement,
        date=date(2026, 3, 5),
        amount=Decimal("100.00"),
        bank_id="b1",
    )
    return {**kwargs, "statement": statement, "line": line}


def _statement_line(firm, member):
    return {"line_id": _march_statement(firm, member)["line"].pk}


def _statement(firm, member):
    return {"statement_id": _march_statement(firm, member)["statement"].pk}


def _account_with_statement(firm, member):
    return {"account_id": _march_statement(firm, member)["account_id"]}


def _csv_upload(firm, member):
    account_id = _trust_account(firm, member)["account_id"]
    upload = StatementUpload.objects.create(
        firm=firm,
        account_id=account_id,
        filename="march.csv",
        content=b"Date,Amount\n2026-03-05,100.00\n",
        sha256=secrets.token_hex(32),
    )
    return {"upload_id": upload.pk}


def _prepared_march(firm, member):
    """Prepared by someone else, so that `member` may approve it."""
    made = _march_statement(firm, member)
    statement = made["statement"]
    preparer = MembershipFactory(firm=firm, role=Role.ACCOUNTANT)
    rec = Reconciliation.objects.create(
        firm=firm,
        account_id=made["account_id"],
        period_end=date(2026, 3, 31),
        status="prepared",
        prepared_by=preparer.user,
        prepared_at=timezone.now(),
        figures=figures_compute(
            account=statement.account, period_end=date(2026, 3, 31), statement=statement
        ),
    )
    return {"account_id": made["account_id"], "reconciliation_id": rec.pk}


def _prepared_march_id(firm, member):
    return {"reconciliation_id": _prepared_march(firm, member)["reconciliation_id"]}


def _prepared_march_month(firm, member):
    return {"account_id": _prepared_march(firm, member)["account_id"]}


# Client ledgers: a ledger holding one deposit, and an overdraft from Clio raising an exception.


def _ledger_with_deposit(firm, member):
    ledger = ClientLedgerFactory(firm=firm)
    entry = TrustEntry.objects.create(
        firm=firm,
        account=ledger.account,
        ledger=ledger,
        kind="deposit",
        direction="in",
        amount=Decimal("100.00"),
        date=date(2026, 3, 2),
        source="firmsync",
        source_id=secrets.token_hex(8),
    )
    return {"ledger": ledger, "entry": entry}


NOTICED = {"noticed_on": "2026-03-10", "note": "Letter."}
FILED = {"rule_id": "aba.reconciliation", "period_end": "2026-03-31", "done_on": "2026-04-02"}


def _ledger(firm, member):
    return {"ledger_id": _ledger_with_deposit(firm, member)["ledger"].pk}


def _ledger_account(firm, member):
    return {"account_id": _ledger_with_deposit(firm, member)["ledger"].account_id}


def _entry(firm, member):
    return {"entry_id": _ledger_with_deposit(firm, member)["entry"].pk}


def _exception(firm, member):
    ledger = _ledger_with_deposit(firm, member)["ledger"]
    overdraft = TrustEntry.objects.create(
        firm=firm,
        account=ledger.account,
        ledger=ledger,
        kind="disbursement",
        direction="out",
        amount=Decimal("150.00"),
        date=date(2026, 3, 3),
        source="clio",
        source_id=f"bank_transaction:{secrets.randbelow(10**9)}",
    )
    exception = TrustException.objects.create(
        firm=firm, entry=overdraft, ledger=ledger, balance_after=Decimal("-50.00")
    )
    return {"exception_id": exception.pk}


def _trust_request(firm, member):
    matter = ClientLedgerFactory(firm=firm).matter
    req = TrustRequest.objects.create(
        firm=firm, matter=matter, amount=Decimal("500.00"), due_date=timezone.localdate()
    )
    return {"request_id": req.pk}


# Drift: an open flagged bill, one already repaired (approving it again changes nothing), a drift.


def _flag(firm, member):
    return {"flag_id": FlaggedBillFactory(firm=firm).pk}


def _repaired_flag(firm, member):
    flag = FlaggedBillFactory(firm=firm, status="repaired", closed_at=timezone.now())
    return {"flag_id": flag.pk}


def _books_only_flag(firm, member):
    """An invoice in the books no Clio bill explains."""
    return {"flag_id": FlaggedBillFactory(firm=firm, bill_clio_id=None, number="1040").pk}


def _books_only_mark(firm, member):
    flag = FlaggedBillFactory(firm=firm, bill_clio_id=None)
    mark = BooksOnlyInvoice.objects.create(
        firm=firm, connection=flag.connection, remote_id=flag.remote_id, number="1040"
    )
    return {"mark_id": mark.pk}


def _drift(firm, member):
    return {"drift_id": DriftFactory(firm=firm).pk}


def _reconcile_run(firm, member):
    ReconcileRunFactory(firm=firm)
    return {}


# Bills held for approval: one waiting, one rejected (re-opening it puts it back in the queue).


def _held_bill(firm, member):
    row = BillApproval.objects.create(
        firm=firm,
        bill_clio_id=secrets.randbelow(10**9),
        number="2001",
        amount=Decimal("12000.00"),
        rules=[{"rule": "amount", "why": "Total 12,000.00 is over 10,000.00."}],
    )
    return {"approval_id": row.pk}


def _rejected_bill(firm, member):
    kwargs = _held_bill(firm, member)
    BillApproval.objects.filter(pk=kwargs["approval_id"]).update(
        status="rejected", reason="Wrong rate.", decided_at=timezone.now()
    )
    return kwargs


ROUTE_CASES: dict[str, Case] = {
    "dashboard": Case(),
    # The console reads only the signed-in person's own memberships; an outsider sees their own
    # firms and never this one (tests/sync/test_console.py).
    "console": Case(),
    "api_console": Case(api=True),
    "matters": Case(),
    "trust_overview": Case(),
    "flagged_bills": Case(roles=SEE_FLAGS),
    "flag_detail": Case(roles=SEE_FLAGS, setup=_flag),
    "flag_approve": Case("post", REVIEW_BILLS, _repaired_flag),
    "flag_dismiss": Case("post", REVIEW_BILLS, _flag, {"reason": "Agreed with the client."}),
    "flag_resolve": Case("post", REVIEW_BILLS, _flag, {"note": "Fixed in the books."}),
    "flag_outside_clio": Case("post", REVIEW_BILLS, _books_only_flag, {"note": "Retainer."}),
    "books_only_unmark": Case("post", REVIEW_BILLS, _books_only_mark),
    "receivables": Case(),
    "receivables_live": Case(),
    "reconcile_now": Case("post", WRITE),
    "drifts": Case(),
    "bill_approvals": Case(roles=APPROVE_BILLS),
    "bill_approvals_decide": Case("post", APPROVE_BILLS, data={"decision": "approve"}),
    "bill_approval_approve": Case("post", APPROVE_BILLS, _held_bill),
    "bill_approval_reject": Case("post", APPROVE_BILLS, _held_bill, {"reason": "Wrong rate."}),
    "bill_approval_reopen": Case("post", APPROVE_BILLS, _rejected_bill),
    "approval_rules": Case(roles=MANAGE_FIRM),
    "api_approval_rules": Case(
        "put",
        MANAGE_FIRM,
        _settings,
        {
            "approval_amount_over": "10000.00",
            "approval_discount_percent": None,
            "approval_watch_clients": [],
            "approval_watch_matters": [],
            "approval_first_bill": True,
        },
        api=True,
    ),
    "api_bill_approvals": Case(roles=APPROVE_BILLS, api=True),
    "api_bill_approval": Case(roles=APPROVE_BILLS, api=True, setup=_held_bill),
    "api_bill_approvals_decide": Case(
        "post", APPROVE_BILLS, data={"ids": [], "decision": "approve"}, api=True
    ),
    "api_bill_approval_approve": Case("post", APPROVE_BILLS, _held_bill, api=True),
    "api_bill_approval_reject": Case(
        "post", APPROVE_BILLS, _held_bill, {"reason": "Wrong rate."}, api=True
    ),
    "api_flagged_bills": Case(roles=SEE_FLAGS, api=True),
    "api_flagged_bill": Case(roles=SEE_FLAGS, api=True, setup=_flag),
    "api_flagged_bill_approve": Case("post", REVIEW_BILLS, _repaired_flag, api=True),
    "api_flagged_bill_dismiss": Case(
        "post", REVIEW_BILLS, _flag, {"reason": "Agreed with the client."}, api=True
    ),
    "api_flagged_bill_resolve": Case("post", REVIEW_BILLS, _flag, api=True),
    "api_flagged_bill_outside_clio": Case("post", REVIEW_BILLS, _books_only_flag, api=True),
    "api_drifts": Case(api=True),
    "api_drift": Case(api=True, setup=_drift),
    "api_reconcile_runs": Case(api=True),
    "api_reconcile_run_latest": Case(api=True, setup=_reconcile_run),
    "api_receivables": Case(api=True),
    "bill_syncing": Case(roles=MANAGE_FIRM),
    "members": Case(roles=MANAGE_FIRM),
    "member_invite": Case("post", MANAGE_FIRM, data={"email": "new@example.test", "role": "staff"}),
    "member_change_role": Case("post", MANAGE_FIRM, _membership, {"role": "viewer"}),
    "member_remove": Case("post", MANAGE_FIRM, _membership),
    "invitation_revoke": Case("post", MANAGE_FIRM, _invitation),
    "firm_settings": Case(roles=MANAGE_FIRM),
    "api_tokens": Case(),
    "api_token_revoke": Case("post", ANY_MEMBER, _token),
    "audit_log": Case(roles=MANAGE_FIRM),
    "connect_start": Case("post", MANAGE_FIRM, data={"region": "us"}, kwargs={"provider": "clio"}),
    "connect_callback": Case("get", MANAGE_FIRM, kwargs={"provider": "clio"}),
    "connect_choose": Case(roles=MANAGE_FIRM),
    "connection_disconnect": Case("post", MANAGE_FIRM, _connection),
    "sync_setup": Case(roles=MANAGE_FIRM),
    "preflight_fix": Case("post", MANAGE_FIRM, kwargs={"key": "qbo_custom_numbers"}),
    "books_payment_resolve": Case(
        "post", TRUST_WRITE, _books_payment, {"reason": "recorded_in_clio"}
    ),
    "sync_status": Case(),
    "sync_status_live": Case(),
    "sync_start": Case("post", TRUST_WRITE),
    "sync_retry_all": Case("post", TRUST_WRITE),
    "sync_operation_retry": Case("post", TRUST_WRITE, _failed_operation),
    "bills": Case(),
    "bill_detail": Case(setup=_bill),
    "api_me": Case(api=True),
    "api_firm": Case(api=True),
    "api_members": Case(api=True),
    "api_connections": Case(api=True),
    "api_connection_disconnect": Case("post", MANAGE_FIRM, _connection, api=True),
    "api_contacts": Case(api=True),
    "api_contact": Case(api=True, setup=_contact),
    "api_matters": Case(api=True),
    "api_matter": Case(api=True, setup=_matter),
    "api_bills": Case(api=True),
    "api_bill": Case(api=True, setup=_bill),
    "payouts": Case(),
    "payouts_statement_import": Case("post", WRITE),
    "api_payouts": Case(api=True),
    "api_payout": Case(api=True, setup=_payout),
    "api_books_payments": Case(api=True),
    "api_books_payment": Case(api=True, setup=_books_payment),
    "api_books_payment_resolve": Case(
        "post", TRUST_WRITE, _books_payment, {"reason": "recorded_in_clio"}, api=True
    ),
    "api_sync_settings": Case(roles=MANAGE_FIRM, api=True, setup=_settings),
    "api_preflight": Case(roles=MANAGE_FIRM, api=True),
    "api_sync_runs": Case(api=True),
    "api_sync_run": Case(api=True, setup=_sync_run),
    "api_sync_failures": Case(api=True),
    "api_sync_retry": Case("post", TRUST_WRITE, api=True),
    "trust_reconciliations": Case(),
    "trust_reconcile_account": Case(setup=_trust_account),
    "trust_reconcile_month": Case(setup=_account_with_statement, kwargs=MARCH),
    "trust_reconcile_upload": Case("post", TRUST_WRITE, _trust_account, kwargs=MARCH),
    "trust_reconcile_mapping": Case(roles=TRUST_WRITE, setup=_csv_upload),
    "trust_reconcile_auto_match": Case("post", TRUST_WRITE, _account_with_statement, kwargs=MARCH),
    "trust_reconcile_match": Case("post", TRUST_WRITE, _statement_line),
    "trust_reconcile_unmatch": Case("post", TRUST_WRITE, _statement_line),
    "trust_statement_remove": Case("post", TRUST_WRITE, _statement),
    "trust_reconcile_prepare": Case("post", TRUST_WRITE, _account_with_statement, kwargs=MARCH),
    "trust_reconcile_approve": Case("post", TRUST_WRITE, _prepared_march_month, kwargs=MARCH),
    "trust_reconcile_pdf": Case(setup=_prepared_march_month, kwargs=MARCH),
    "trust_reconcile_books_read": Case("post", TRUST_WRITE, _trust_account, kwargs=MARCH),
    "trust_reconcile_csv": Case(setup=_trust_account, kwargs=MARCH),
    "api_trust_reconciliations": Case(api=True),
    "api_trust_reconciliation": Case(api=True, setup=_prepared_march_id),
    "api_trust_reconciliation_approve": Case("post", TRUST_WRITE, _prepared_march_id, api=True),
    "api_trust_reconciliation_pdf": Case(api=True, setup=_prepared_march_id),
    "api_trust_statements": Case(api=True, setup=_trust_account),
    "api_trust_auto_match": Case(
        "post", TRUST_WRITE, _account_with_statement, api=True, kwargs=MARCH
    ),
    "api_trust_prepare": Case("post", TRUST_WRITE, _account_with_statement, api=True, kwargs=MARCH),
    # Trust requests take no id in the URL; the matter named in the body is scoped to the firm
    # (an outsider's matter id is a 404: tests/sync/test_trust_requests.py).
    "trust_requests": Case(),
    "trust_request_create": Case("post", TRUST_WRITE),
    "api_trust_requests": Case(api=True),
    "trust_request_cancel": Case("post", TRUST_WRITE, _trust_request, {"reason": "Paid by card."}),
    "api_trust_request_cancel": Case(
        "post", TRUST_WRITE, _trust_request, {"reason": "Paid by card."}, api=True
    ),
    "trust_ledger": Case(setup=_ledger),
    "trust_entry_new": Case(roles=TRUST_WRITE, setup=_ledger),
    "trust_bank_fee_new": Case(roles=TRUST_WRITE, setup=_ledger_account),
    "trust_entry_reverse": Case(roles=TRUST_WRITE, setup=_entry),
    "trust_exception_resolve": Case("post", TRUST_WRITE, _exception, {"note": "Restored."}),
    "api_trust_accounts": Case(api=True),
    "api_trust_ledgers": Case(api=True),
    "api_trust_ledger": Case(api=True, setup=_ledger),
    "api_trust_entries": Case(api=True),
    "api_trust_entry_reverse": Case("post", TRUST_WRITE, _entry, api=True),
    "api_trust_exceptions": Case(api=True),
    # Trust duties (rule packs): the calendar, and recording what was done.
    "trust_duties": Case(),
    "trust_duty_notice": Case("post", TRUST_WRITE, _entry, NOTICED),
    "trust_duty_filing": Case("post", TRUST_WRITE, _trust_account, FILED),
    "trust_duty_jurisdiction": Case("post", MANAGE_FIRM, _trust_account, {"jurisdiction": "US-CA"}),
    "trust_duty_hold": Case("post", TRUST_WRITE, _ledger, {"action": "hold", "note": "Disputed."}),
    "api_trust_duties": Case(api=True),
    "api_trust_deposit_notice": Case("post", TRUST_WRITE, _entry, NOTICED, api=True),
    # Outbound webhooks: admins alone (a subscription's URL may carry the receiver's credentials).
    "webhooks": Case(roles=MANAGE_FIRM),
    "webhook_detail": Case(roles=MANAGE_FIRM, setup=_subscription),
    "webhook_roll_secret": Case("post", MANAGE_FIRM, _subscription),
    "webhook_test": Case("post", MANAGE_FIRM, _subscription),
    "webhook_delete": Case("post", MANAGE_FIRM, _subscription),
    "webhook_redeliver": Case("post", MANAGE_FIRM, _delivery),
    "api_webhook_event_types": Case(roles=MANAGE_FIRM, api=True),
    "api_webhook_subscriptions": Case("post", MANAGE_FIRM, data=WEBHOOK, api=True),
    "api_webhook_subscription": Case(roles=MANAGE_FIRM, api=True, setup=_subscription),
    "api_webhook_subscription_roll_secret": Case("post", MANAGE_FIRM, _subscription, api=True),
    "api_webhook_subscription_test": Case("post", MANAGE_FIRM, _subscription, api=True),
    "api_webhook_deliveries": Case(roles=MANAGE_FIRM, api=True),
    "api_webhook_delivery": Case(roles=MANAGE_FIRM, api=True, setup=_delivery),
    "api_webhook_delivery_redeliver": Case("post", MANAGE_FIRM, _delivery, api=True),
}

ROUTE_CASES.update(automation_cases(Case))

# Routes that are not firm-scoped, each with the reason and the test that covers it.
UNSCOPED_ROUTES = {
    "invitation_accept": "public link; unknown token → 404 (tests/accounts/test_invitations.py)",
    "firm_switch": (
        "switches only to the user's own firms, then opens only a path on this site "
        "(tests/accounts/test_firm_switch.py, tests/sync/test_console.py)"
    ),
    "no_firm": "shows the signed-in user's own state only",
    "healthz": "liveness probe, no data",
    "clio_webhook": "authenticated by its secret token and signature (tests/sync/test_webhooks.py)",
    "quickbooks_webhook": (
        "authenticated by intuit-signature; wakes only the firms connected to the realm named "
        "(tests/automations/engine/test_inbound.py)"
    ),
    "xero_webhook": (
        "authenticated by x-xero-signature; wakes only the firms connected to the tenant named "
        "(tests/automations/engine/test_inbound.py)"
    ),
    "api_schema": "the public OpenAPI document",
    "api_docs": "the public API docs page",
}
