"""Each trust account's place in the books: a bank account of its own, and a trust liability of
its own or the firm's shared one.

The primary trust account keeps the settings' trust bank role (what firms mapped before every
account reached the books); every other account is mapped here, by its id. Two trust accounts
never share a bank account in the books: each has its own bank statement, and the books' bank
balance is reconciled against it (ABA Model Rule 1.15(a): records of each account kept apart).
"""

from collections.abc import Sequence

from sync import books
from sync.models import SyncOperation, SyncSettings
from sync.providers.base import TRUST_ENTITY
from sync.providers.trust_writing import trust_account_books
from trust.models import TrustAccount


def field_names(account: TrustAccount) -> tuple[str, str]:
    """The settings form's fields (and the error keys) for one non-primary account."""
    return f"trust_bank_{account.pk}", f"trust_liability_{account.pk}"


def trust_accounts_wanted(*, data: dict, cfg: SyncSettings | None) -> dict:
    """What the save will hold, as plain account ids: {"wanted": {account id: {bank,
    liability}}, "primary_bank": id, "operating_bank": id}. What `data` leaves out is what is
    stored, so that a change to the roles alone is checked against the accounts mapped before."""
    stored = (cfg.trust_accounts or {}) if cfg else {}
    wanted = {k: {part: v["id"] for part, v in m.items()} for k, m in stored.items()}
    wanted.update({str(k): dict(v or {}) for k, v in (data.get("trust_accounts") or {}).items()})
    roles = data.get("accounts")
    if roles is None:
        roles = {role: v["id"] for role, v in ((cfg.accounts if cfg else {}) or {}).items()}
    return {
        "wanted": wanted,
        "primary_bank": str(roles.get("trust_bank") or ""),
        "operating_bank": str(roles.get("operating_bank") or ""),
    }


def trust_accounts_validate(
    *,
    facts: books.BooksFacts,
    wanted: dict[str, dict],
    primary_bank: str,
    operating_bank: str,
    accounts: Sequence[TrustAccount],
    required: bool,
) -> dict[str, str]:
    """Field → message for the per-account mapping. Only the firm's accounts may be named; each
    account other than the primary needs a bank when trust syncing is on (`required`); no two
    accounts, nor the operating bank, share one bank account."""
    ours = {str(a.pk): a for a in accounts}
    errors: dict[str, str] = {}
    if set(wanted) - set(ours):
        errors["trust_accounts"] = "Only the firm's own trust accounts can be mapped."
    banks = {str(a.id) for a in books.accounts_for_role(facts, "trust_bank")}
    liabilities = {str(a.id) for a in books.accounts_for_role(facts, "trust_liability")}
    taken = {operating_bank: "the operating bank", primary_bank: _primary_name(accounts)}
    taken.pop("", None)
    for key, account in ours.items():
        if account.is_primary:
            continue
        bank_field, liability_field = field_names(account)
        bank = str(wanted.get(key, {}).get("bank") or "")
        liability = str(wanted.get(key, {}).get("liability") or "")
        if not bank and required:
            errors[bank_field] = (
                f"Choose the bank account that holds {account.name}'s money in the books."
            )
        elif bank and bank not in banks:
            errors[bank_field] = "Choose a bank account of the books' chart of accounts."
        elif bank and bank in taken:
            errors[bank_field] = (
                f"That bank account already holds {taken[bank]}'s money; each trust account "
                "needs a bank account of its own in the books."
            )
        elif bank:
            taken[bank] = account.name
        if liability and liability not in liabilities:
            errors[liability_field] = "Choose a liability account of the books' chart of accounts."
    return errors


def _primary_name(accounts: Sequence[TrustAccount]) -> str:
    primary = next((a for a in accounts if a.is_primary), None)
    return primary.name if primary else "the primary trust account"


def trust_accounts_mapping(
    *,
    facts: books.BooksFacts,
    wanted: dict[str, dict],
    primary_bank: str,
    accounts: Sequence[TrustAccount],
) -> dict[str, dict]:
    """The mapping to store: account id → {bank, liability} as {id, name}. The primary account
    is stored with the trust bank role's account, so that if Clio's default account changes,
    the new primary does not silently take the old one's bank."""
    chart = {a.id: a for a in facts.accounts}
    stored: dict[str, dict] = {}
    for account in accounts:
        chosen = dict(wanted.get(str(account.pk), {}))
        if account.is_primary:
            chosen = {"bank": primary_bank}
        row = {
            part: {"id": str(acc_id), "name": chart[str(acc_id)].name}
            for part, acc_id in chosen.items()
            if part in ("bank", "liability") and acc_id and str(acc_id) in chart
        }
        if row:
            stored[str(account.pk)] = row
    return stored


def trust_account_liability(*, cfg: SyncSettings, account: TrustAccount) -> dict | None:
    """The books' liability account that carries `account`'s client money, as {id, name}."""
    primary = (
        TrustAccount.objects.filter(firm_id=account.firm_id, is_primary=True)
        .values_list("pk", flat=True)
        .first()
    )
    return trust_account_books(cfg, account_id=account.pk, primary_id=primary).get(
        "trust_liability"
    )


def trust_accounts_sharing(*, cfg: SyncSettings, account: TrustAccount) -> list[TrustAccount]:
    """The firm's other trust accounts whose client money sits in the same liability account."""
    mine = trust_account_liability(cfg=cfg, account=account)
    if mine is None:
        return []
    others = TrustAccount.objects.filter(firm_id=account.firm_id).exclude(pk=account.pk)
    return [
        other
        for other in others
        if (trust_account_liability(cfg=cfg, account=other) or {}).get("id") == mine["id"]
    ]


def trust_legs_unmapped_requeue(*, firm_id: int) -> int:
    """Send again, on the next run, the trust legs that failed for an account not mapped: the
    settings were just saved, so the mapping they lacked may be there now (a leg still lacking
    it fails again, with the same message). Returns how many."""
    S = SyncOperation.Status
    return SyncOperation.objects.filter(
        firm_id=firm_id, entity=TRUST_ENTITY, status=S.FAILED, error_code="unmapped"
    ).update(status=S.PENDING, error_code="", error_message="", failed_at=None)
