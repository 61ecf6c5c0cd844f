"""Every product route, with how to call it and who may. The coverage test fails on a route missing here.

`setup(firm)` builds the objects an id-taking route needs inside `firm` and returns the URL kwargs;
an outsider (admin of another firm) calling the route with those kwargs must get 404.
"""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from accounts.models import ApiToken, Invitation, Role
from accounts.roles import ANY_MEMBER, MANAGE_FIRM, REVIEW_BILLS, TRUST_WRITE
from practice.models import Bill
from sync.models import (
    BooksOnlyPayment,
    Connection,
    Provider,
    Side,
    SyncOperation,
    SyncRun,
    SyncSettings,
)
from tests.factories import MembershipFactory


@dataclass(frozen=True)
class Case:
    method: str = "get"
    roles: frozenset = ANY_MEMBER
    setup: object = None  # callable(firm, member) -> kwargs
    data: dict = field(default_factory=dict)
    api: bool = False
    kwargs: dict = field(default_factory=dict)  # fixed URL kwargs that name no firm object


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


def _bill(firm, member):
    bill = Bill.objects.create(firm=firm, clio_id=secrets.randbelow(10**9), state="draft")
    return {"bill_id": bill.pk}


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


ROUTE_CASES: dict[str, Case] = {
    "dashboard": Case(),
    "matters": Case(),
    "trust_overview": Case(),
    "flagged_bills": Case(roles=REVIEW_BILLS),
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
    "connect_xero_choose": Case(roles=MANAGE_FIRM),
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
    "api_sync_settings": Case(roles=MANAGE_FIRM, api=True, setup=_settings),
    "api_preflight": Case(roles=MANAGE_FIRM, api=True),
    "api_sync_runs": Case(api=True),
    "api_sync_run": Case(api=True, setup=_sync_run),
    "api_sync_failures": Case(api=True),
    "api_sync_retry": Case("post", TRUST_WRITE, api=True),
}

# Routes that are not firm-scoped, each with the reason and the test that covers it.
UNSCOPED_ROUTES = {
    "invitation_accept": "public link; unknown token → 404 (tests/accounts/test_invitations.py)",
    "firm_switch": "switches only to the user's own firms (tests/accounts/test_firm_switch.py)",
    "no_firm": "shows the signed-in user's own state only",
    "healthz": "liveness probe, no data",
    "clio_webhook": "authenticated by its secret token and signature (tests/sync/test_webhooks.py)",
    "api_schema": "the public OpenAPI document",
    "api_docs": "the public API docs page",
}
