"""Writes for the sync setup: settings validated against the live books, and preflight fixes."""

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Firm, User
from accounts.services import audit_record
from sync import books
from sync.engine.registry import BOOKS, client_for
from sync.models import Side, SyncSettings
from sync.providers.http import idempotency_key
from sync.selectors import connection_live
from sync.trust_books.accounts import (
    trust_accounts_mapping,
    trust_accounts_validate,
    trust_accounts_wanted,
    trust_legs_unmapped_requeue,
)
from sync.trust_books.services import trust_mapping_validate
from sync.webhooks import clio_webhooks_ensure
from trust.models import TrustAccount


def sync_settings_validate(
    *,
    facts: books.BooksFacts,
    data: dict,
    trust_accounts: Sequence[TrustAccount] = (),
    cfg: SyncSettings | None = None,
) -> dict[str, str]:
    """Field → message for everything the books would refuse. Empty when all is well.
    `trust_accounts` are the firm's, `cfg` what is saved now (the per-account trust mapping is
    checked whole: what `data` leaves out is what `cfg` holds)."""
    errors: dict[str, str] = {}
    number = data.get("starting_invoice_number")
    if number is not None and books.number_collides(number, facts.numbers):
        highest = books.next_number(facts.numbers) - 1
        errors["starting_invoice_number"] = (
            f"Invoice number {number} would collide: the books already use numbers up to {highest} "
            f"(invoices and credit memos). Start at {highest + 1} or higher."
        )
    chart = {a.id: a for a in facts.accounts}
    for role, chosen in (data.get("accounts") or {}).items():
        account = chart.get(str(chosen))
        if account is None:
            errors[f"account_{role}"] = (
                "That account is not in the books' chart of accounts any more."
            )
        elif account not in books.accounts_for_role(facts, role):
            errors[f"account_{role}"] = (
                f"{account.name} is a {account.kind} account; it cannot be used here."
            )
    known_tax = {code for code, _ in facts.tax_codes}
    for key, code in (data.get("tax_mapping") or {}).items():
        if code and code not in known_tax:
            errors[f"tax_{key}"] = "That tax code is not in the books."
    errors.update(trust_mapping_validate(facts=facts, data=data))
    if "trust_accounts" in data or "accounts" in data:
        wanted = trust_accounts_wanted(data=data, cfg=cfg)
        required = data.get("sync_trust", cfg.sync_trust if cfg else False) is True
        errors.update(
            trust_accounts_validate(
                facts=facts, **wanted, accounts=trust_accounts, required=required
            )
        )
    if data.get("start_date") and facts.close_date and data["start_date"] <= facts.close_date:
        errors["start_date"] = (
            f"The books are closed through {facts.close_date}; start after it, or reopen "
            "the period."
        )
    return errors


@transaction.atomic
def sync_settings_save(
    *, firm: Firm, actor: User, facts: books.BooksFacts, data: dict, ip: str | None = None
) -> SyncSettings:
    chart = {a.id: a for a in facts.accounts}
    cfg = SyncSettings.objects.select_for_update().filter(firm=firm).first() or SyncSettings(
        firm=firm, start_date=date.today().replace(day=1)
    )
    trust_accounts = list(TrustAccount.objects.filter(firm=firm))
    errors = sync_settings_validate(
        facts=facts, data=data, trust_accounts=trust_accounts, cfg=cfg if cfg.pk else None
    )
    if errors:
        raise ValidationError(errors)
    if "trust_accounts" in data or "accounts" in data:
        wanted = trust_accounts_wanted(data=data, cfg=cfg if cfg.pk else None)
        cfg.trust_accounts = trust_accounts_mapping(
            facts=facts,
            wanted=wanted["wanted"],
            primary_bank=wanted["primary_bank"],
            accounts=trust_accounts,
        )
    before = _summary(cfg) if cfg.pk else {}
    for field in (
        "start_date",
        "starting_invoice_number",
        "invoice_number_prefix",
        "only_approved_bills",
        "sync_payments",
        "sync_trust",
        "contacts_scope",
        "tax_mapping",
        "trust_matter_by",
        "trust_tracking_category",
        "trust_awaiting_to_books",
        "trust_clio_days",
    ):
        if field in data:
            setattr(cfg, field, data[field])
    if "accounts" in data:
        cfg.accounts = {
            role: {"id": str(acc_id), "name": chart[str(acc_id)].name}
            for role, acc_id in data["accounts"].items()
            if acc_id
        }
    cfg.updated_by = actor
    cfg.save()
    trust_legs_unmapped_requeue(firm_id=firm.pk)
    audit_record(
        firm=firm,
        actor=actor,
        action="sync_settings.saved",
        obj=cfg,
        before=before,
        after=_summary(cfg),
        ip=ip,
    )
    return cfg


def _summary(cfg: SyncSettings) -> dict:
    return {
        "start_date": str(cfg.start_date),
        "starting_invoice_number": cfg.starting_invoice_number,
        "invoice_number_prefix": cfg.invoice_number_prefix,
        "accounts": {k: v["name"] for k, v in cfg.accounts.items()},
        "trust_accounts": {
            k: {part: v["name"] for part, v in m.items()} for k, m in cfg.trust_accounts.items()
        },
        "contacts_scope": cfg.contacts_scope,
        "only_approved_bills": cfg.only_approved_bills,
        "sync_payments": cfg.sync_payments,
        "sync_trust": cfg.sync_trust,
        "trust_matter_by": cfg.trust_matter_by,
        "trust_awaiting_to_books": cfg.trust_awaiting_to_books,
        "trust_clio_days": cfg.trust_clio_days,
    }


def preflight_fix(*, firm: Firm, actor: User, key: str, ip: str | None = None) -> str:
    """Apply one 'Fix it for me'. Returns what was done, for the person to read."""
    if key == "clio_webhooks":
        return _fix_clio_webhooks(firm=firm, actor=actor, ip=ip)
    conn = connection_live(firm_id=firm.pk, side=Side.BOOKS)
    if conn is None:
        raise ValidationError("Connect QuickBooks Online or Xero first.")
    client = client_for(conn)
    facts = books.books_facts(conn)
    idem = idempotency_key(firm.pk, conn.provider, "preflight", key, facts.sync_token)
    provider = BOOKS[conn.provider]
    if key in provider.preflight_fixes:
        done = provider.preflight_fixes[key](client, facts, idem)
    elif key in ("account_trust_bank", "account_trust_liability"):
        role = key.removeprefix("account_")
        payload = provider.trust_accounts[role]
        created = client.account_create(payload=payload, key=idem)
        done = f"Created the account {created.get('Name', payload['Name'])} in the books."
    else:
        raise ValidationError(f"There is no automatic fix for {key!r}.")
    audit_record(
        firm=firm,
        actor=actor,
        action="preflight.fixed",
        after={"check": key, "result": done},
        ip=ip,
    )
    return done


def _fix_clio_webhooks(*, firm: Firm, actor: User, ip: str | None) -> str:
    conn = connection_live(firm_id=firm.pk, side=Side.PRACTICE)
    if conn is None:
        raise ValidationError("Connect Clio first.")
    conn.webhooks.exclude(status="enabled").delete()
    made = clio_webhooks_ensure(connection_id=conn.pk)
    audit_record(
        firm=firm, actor=actor, action="preflight.fixed", after={"check": "clio_webhooks"}, ip=ip
    )
    return (
        f"Registered {len(made)} webhook(s) with Clio; each is enabled once Clio's handshake "
        "arrives."
    )
