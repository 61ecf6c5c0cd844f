"""Where each trust account's money sits in the books: worked examples of the mapping's rules,
the settings that refuse a mapping the books could not keep apart, and the settings page."""

import pytest

from sync import books
from sync.models import SyncSettings
from sync.providers.trust_writing import trust_account_books
from sync.setup_services import sync_settings_validate
from tests.factories import TrustAccountFactory

HOME_BANK = {"id": "2", "name": "IOLTA Trust Account"}
NY_BANK = {"id": "4", "name": "IOLTA New York"}
LIABILITY = {"id": "3", "name": "Client Trust Liability"}
NY_LIABILITY = {"id": "5", "name": "Client Trust Liability NY"}


def _cfg(trust_accounts=None) -> SyncSettings:
    return SyncSettings(
        accounts={"trust_bank": HOME_BANK, "trust_liability": LIABILITY},
        trust_accounts=trust_accounts or {},
    )


def test_an_account_mapped_to_its_own_bank_and_liability_uses_them():
    cfg = _cfg({"7": {"bank": NY_BANK, "liability": NY_LIABILITY}})
    found = trust_account_books(cfg, account_id=7, primary_id=1)
    assert found == {"trust_bank": NY_BANK, "trust_liability": NY_LIABILITY}


def test_the_primary_account_mapped_before_accounts_were_mapped_one_by_one_uses_the_roles():
    found = trust_account_books(_cfg(), account_id=1, primary_id=1)
    assert found == {"trust_bank": HOME_BANK, "trust_liability": LIABILITY}


def test_an_account_without_a_liability_of_its_own_shares_the_firms():
    cfg = _cfg({"7": {"bank": NY_BANK}})
    assert trust_account_books(cfg, account_id=7, primary_id=1)["trust_liability"] == LIABILITY


def test_an_account_not_mapped_has_no_bank_rather_than_anothers():
    assert "trust_bank" not in trust_account_books(_cfg(), account_id=7, primary_id=1)


def test_a_new_primary_never_takes_the_bank_the_old_primary_was_mapped_to():
    # Clio's default trust account moved from account 1 to account 9, which was never mapped;
    # account 1 keeps its bank, and account 9 waits for a bank of its own.
    cfg = _cfg({"1": {"bank": HOME_BANK}})
    assert "trust_bank" not in trust_account_books(cfg, account_id=9, primary_id=9)
    assert trust_account_books(cfg, account_id=1, primary_id=9)["trust_bank"] == HOME_BANK


# -- the settings -----------------------------------------------------------------------------


def _facts() -> books.BooksFacts:
    return books.BooksFacts(
        provider="quickbooks",
        name="Test LLP",
        home_currency="USD",
        accounts=[
            books.BookAccount("1", "Operating Checking", "Bank"),
            books.BookAccount("2", "IOLTA Trust Account", "Bank"),
            books.BookAccount("3", "Client Trust Liability", "Other Current Liability"),
            books.BookAccount("4", "IOLTA New York", "Bank"),
            books.BookAccount("5", "Client Trust Liability NY", "Other Current Liability"),
        ],
    )


ROLES = {"operating_bank": "1", "trust_bank": "2", "trust_liability": "3"}


@pytest.fixture
def two_accounts(firm):
    home = TrustAccountFactory(firm=firm, name="IOLTA", is_primary=True)
    ny = TrustAccountFactory(firm=firm, name="IOLTA New York")
    return home, ny


def _errors(accounts, trust_accounts, **data):
    data = {"accounts": ROLES, "sync_trust": True, "trust_accounts": trust_accounts, **data}
    return sync_settings_validate(facts=_facts(), data=data, trust_accounts=accounts)


def test_with_trust_syncing_on_every_account_needs_a_bank(two_accounts):
    _, ny = two_accounts
    errors = _errors(two_accounts, {})
    assert errors == {
        f"trust_bank_{ny.pk}": "Choose the bank account that holds IOLTA New York's money in "
        "the books."
    }
    assert _errors(two_accounts, {str(ny.pk): {"bank": "4", "liability": "5"}}) == {}


@pytest.mark.parametrize(
    ("bank", "holder"), [("2", "IOLTA"), ("1", "the operating bank")], ids=["primary", "operating"]
)
def test_two_trust_accounts_never_share_a_bank_account(two_accounts, bank, holder):
    _, ny = two_accounts
    errors = _errors(two_accounts, {str(ny.pk): {"bank": bank}})
    assert errors[f"trust_bank_{ny.pk}"] == (
        f"That bank account already holds {holder}'s money; each trust account needs a bank "
        "account of its own in the books."
    )


def test_a_liability_must_be_a_liability_account(two_accounts):
    _, ny = two_accounts
    errors = _errors(two_accounts, {str(ny.pk): {"bank": "4", "liability": "4"}})
    assert errors == {
        f"trust_liability_{ny.pk}": "Choose a liability account of the books' chart of accounts."
    }


def test_another_firms_trust_account_cannot_be_mapped(two_accounts, other_firm):
    theirs = TrustAccountFactory(firm=other_firm, name="Theirs")
    _, ny = two_accounts
    wanted = {str(ny.pk): {"bank": "4"}, str(theirs.pk): {"bank": "4"}}
    errors = _errors(two_accounts, wanted)
    assert errors == {"trust_accounts": "Only the firm's own trust accounts can be mapped."}


def test_changing_the_roles_alone_is_checked_against_the_accounts_mapped_before(two_accounts):
    _, ny = two_accounts
    cfg = SyncSettings(
        accounts={"trust_bank": HOME_BANK},
        trust_accounts={str(ny.pk): {"bank": NY_BANK}},
        sync_trust=True,
    )
    # Moving the primary's bank onto New York's is refused although New York is not sent.
    data = {"accounts": {**ROLES, "trust_bank": "4"}}
    errors = sync_settings_validate(facts=_facts(), data=data, trust_accounts=two_accounts, cfg=cfg)
    assert "already holds IOLTA's money" in errors[f"trust_bank_{ny.pk}"]


def test_the_preflight_names_each_trust_account_without_a_bank(two_accounts):
    from sync.preflight import trust_accounts_check

    home, ny = two_accounts
    cfg = SyncSettings(firm=home.firm, accounts={"trust_bank": HOME_BANK})
    check = trust_accounts_check(cfg=cfg)
    assert (check.ok, check.blocking, check.detail) == (
        False,
        False,
        "Not mapped yet: IOLTA New York.",
    )
    cfg.trust_accounts = {str(ny.pk): {"bank": NY_BANK}}
    assert trust_accounts_check(cfg=cfg).ok
