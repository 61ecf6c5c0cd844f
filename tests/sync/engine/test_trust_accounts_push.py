"""Every trust account reaches the books, each in its own bank account (and its own trust
liability when the firm chooses one), over real HTTP to QuickBooks Online and Xero."""

from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from sync import books
from sync.engine.push import push_pending
from sync.engine.registry import BOOKS
from sync.models import ExternalLink, SyncOperation, SyncRun, SyncSettings
from sync.setup_services import sync_settings_save
from sync.trust_books.plan import ENTITY
from sync.trust_books.services import books_trust_balance_read
from tests.sync.engine.test_push_scenarios import reads, sync_now, writes
from tests.sync.engine.test_trust_push import (
    Journal,
    _map_trust_accounts,
    _matters,
    trust_liability_in_books,
)
from trust.models import ClientLedger, EntryKind, TrustAccount, TrustEntry

D = Decimal
IN, OUT = TrustEntry.Direction.IN, TrustEntry.Direction.OUT
NY_BANK, NY_LIABILITY = "IOLTA New York", "Client Funds Held - New York"


def _books_account(synced, role: str, name: str, code: str) -> str:
    """A second account of `role`'s kind in the books, as the settings page lists it (by id)."""
    payload = {**BOOKS[synced.books.provider].trust_accounts[role], "Name": name}
    if synced.books.provider == "xero":
        payload["Code"] = code
        if "BankAccountNumber" in payload:
            payload["BankAccountNumber"] = f"00-0000-000{code}-00"
    synced.books_client().account_create(payload=payload, key=f"test-{synced.firm.pk}-{code}")
    facts = books.books_facts(synced.books)
    return next(a.id for a in books.accounts_for_role(facts, role) if a.name == name)


class NewYork:
    """A second trust account, with a bank (and perhaps a liability) of its own in the books."""

    def __init__(self, synced, matters, *, own_liability: bool = True):
        self.account = TrustAccount.objects.create(
            firm=synced.firm, name="IOLTA New York", jurisdiction="US-NY"
        )
        self.ledgers = [
            ClientLedger.objects.create(firm=synced.firm, account=self.account, matter=m)
            for m in matters
        ]
        self.bank = _books_account(synced, "trust_bank", NY_BANK, "1016")
        self.liability = (
            _books_account(synced, "trust_liability", NY_LIABILITY, "2151") if own_liability else ""
        )
        self.firm, self.n = synced.firm, 0

    def map(self, synced) -> SyncSettings:
        """Mapped as the settings page saves it (the roles as they were: only this changes)."""
        facts = books.books_facts(synced.books)
        wanted = {"bank": self.bank, "liability": self.liability}
        return sync_settings_save(
            firm=synced.firm,
            actor=synced.clio.admin.user,
            facts=facts,
            data={"trust_accounts": {str(self.account.pk): wanted}},
        )

    def post(self, kind, direction, amount, ledger=None, **kw) -> TrustEntry:
        self.n += 1
        return TrustEntry.objects.create(
            firm=self.firm,
            account=self.account,
            ledger=ledger,
            kind=kind,
            direction=direction,
            amount=D(amount),
            date=date(2026, 3, 10 + self.n),
            source="firmsync",
            source_id=f"test-ny:{self.n}",
            **kw,
        )


def _bank_of(synced, entry: TrustEntry, leg: str = "bank") -> str:
    """The books' bank account the leg of `entry` was written to (a transfer: its source)."""
    link = ExternalLink.objects.get(
        connection=synced.books, entity=ENTITY, local_id=f"{entry.pk}:{leg}"
    )
    client = synced.books_client()
    if synced.books.provider == "quickbooks":
        row = client._get(f"{link.remote_type.lower()}/{link.remote_id}")[link.remote_type]
        ref = row.get("DepositToAccountRef") or row.get("FromAccountRef") or row["AccountRef"]
        return ref["value"]
    row = client.http.request("GET", f"{link.remote_type}/{link.remote_id}").json()
    record = row[link.remote_type][0]
    bank = record.get("BankAccount") or record["FromBankAccount"]
    return bank["Code"]


def _liability(synced, account_id: str) -> Decimal:
    return trust_liability_in_books(
        synced, SimpleNamespace(accounts={"trust_liability": {"id": account_id}})
    )


def _both_accounts_trade(synced):
    matters = _matters(synced)
    cfg = _map_trust_accounts(synced)
    home = Journal(synced.firm, matters)
    ny = NewYork(synced, matters)
    cfg = ny.map(synced)
    home_in = home.post(EntryKind.DEPOSIT, IN, "1000.00", home.ledgers[0], payee="Grace Hopper")
    ny_in = ny.post(EntryKind.DEPOSIT, IN, "700.00", ny.ledgers[0], payee="Grace Hopper")
    ny_out = ny.post(EntryKind.DISBURSEMENT, OUT, "200.00", ny.ledgers[0], description="Filing")
    ny_fee = ny.post(EntryKind.EARNED_FEE, OUT, "100.00", ny.ledgers[0], description="Fees")
    return cfg, home, ny, {"home_in": home_in, "ny_in": ny_in, "ny_out": ny_out, "fee": ny_fee}


def test_each_trust_account_reaches_its_own_bank_and_liability_and_a_rerun_writes_nothing(
    synced,
):
    cfg, _, ny, made = _both_accounts_trade(synced)

    run = sync_now(synced.firm)

    ops = SyncOperation.objects.filter(firm=synced.firm, entity=ENTITY)
    assert run.status == SyncRun.Status.SUCCEEDED, list(
        ops.exclude(status="done").values("local_id", "error_message")
    )
    # home deposit; New York deposit, disbursement, earned fee (move + book)
    assert ops.count() == 5 and set(ops.values_list("status", flat=True)) == {"done"}
    home_bank = cfg.accounts["trust_bank"]["id"]
    assert _bank_of(synced, made["home_in"]) == home_bank
    assert _bank_of(synced, made["ny_in"]) == ny.bank
    assert _bank_of(synced, made["ny_out"]) == ny.bank
    assert _bank_of(synced, made["fee"], "move") == ny.bank
    # Each liability holds its own account's client money, and nothing of the other's.
    assert _liability(synced, cfg.accounts["trust_liability"]["id"]) == D("1000.00")
    assert _liability(synced, ny.liability) == D("400.00")

    before = writes(synced)
    again = sync_now(synced.firm)
    assert again.status == SyncRun.Status.SUCCEEDED
    assert writes(synced) == before and ops.count() == 5


def test_a_trust_account_without_a_bank_fails_by_name_and_goes_through_once_mapped(synced):
    matters = _matters(synced)
    _map_trust_accounts(synced)
    home = Journal(synced.firm, matters)
    ny = NewYork(synced, matters, own_liability=False)
    home.post(EntryKind.DEPOSIT, IN, "50.00", home.ledgers[0], payee="Grace Hopper")
    deposit = ny.post(EntryKind.DEPOSIT, IN, "80.00", ny.ledgers[0], payee="Grace Hopper")

    run = sync_now(synced.firm)

    assert run.status == SyncRun.Status.PARTIAL
    failed = SyncOperation.objects.get(entity=ENTITY, status="failed")
    assert failed.local_id == f"{deposit.pk}:bank"
    assert failed.error_message == (
        "Map these accounts in the sync settings first: Trust bank (IOLTA) of IOLTA New York."
    )

    cfg = ny.map(synced)
    sync_now(synced.firm)

    assert set(SyncOperation.objects.filter(entity=ENTITY).values_list("status", flat=True)) == {
        "done"
    }
    assert _bank_of(synced, deposit) == ny.bank
    # Without a liability of its own, New York's client money joins the firm's trust liability.
    assert _liability(synced, cfg.accounts["trust_liability"]["id"]) == D("130.00")


def test_a_worker_killed_after_the_books_saved_finds_each_accounts_legs_in_its_own_bank(synced):
    cfg, _, ny, made = _both_accounts_trade(synced)
    sync_now(synced.firm)
    ExternalLink.objects.filter(connection=synced.books, entity=ENTITY).delete()
    ops = SyncOperation.objects.filter(firm=synced.firm, entity=ENTITY)
    ops.update(status="in_flight", claimed_until=timezone.now() - timedelta(minutes=1))
    before, read_before = writes(synced), reads(synced)

    push_pending(connection=synced.books)

    assert writes(synced) == before  # every leg found by its marker, none written twice
    assert reads(synced) - read_before <= 4
    assert set(ops.values_list("status", flat=True)) == {"done"}
    assert _bank_of(synced, made["ny_in"]) == ny.bank
    assert _bank_of(synced, made["home_in"]) == cfg.accounts["trust_bank"]["id"]


def test_each_account_reads_its_own_liability_for_its_reconciliation(synced):
    _, home, ny, _ = _both_accounts_trade(synced)
    sync_now(synced.firm)
    end = date(2026, 3, 31)

    home_read = books_trust_balance_read(firm=synced.firm, as_of=end)
    ny_read = books_trust_balance_read(firm=synced.firm, as_of=end, account=ny.account)

    assert (home_read.account, home_read.amount) == (home.account, D("1000.00"))
    assert (ny_read.account, ny_read.amount) == (ny.account, D("400.00"))
    assert ny_read.books_account == NY_LIABILITY


def test_a_shared_liability_is_read_less_the_other_accounts_client_money(synced):
    matters = _matters(synced)
    _map_trust_accounts(synced)
    home = Journal(synced.firm, matters)
    ny = NewYork(synced, matters, own_liability=False)
    ny.map(synced)
    home.post(EntryKind.DEPOSIT, IN, "1000.00", home.ledgers[0], payee="Grace Hopper")
    ny.post(EntryKind.DEPOSIT, IN, "300.00", ny.ledgers[0], payee="Grace Hopper")
    sync_now(synced.firm)
    end = date(2026, 3, 31)

    home_read = books_trust_balance_read(firm=synced.firm, as_of=end)
    ny_read = books_trust_balance_read(firm=synced.firm, as_of=end, account=ny.account)

    assert (home_read.amount, ny_read.amount) == (D("1000.00"), D("300.00"))
    assert home_read.books_account.endswith("less IOLTA New York")


def test_the_settings_page_maps_each_trust_account_and_the_next_sync_applies_it(synced):
    from django.urls import reverse

    from sync.forms import initial_from
    from tests.conftest import client_for

    matters = _matters(synced)
    home = Journal(synced.firm, matters)
    ny = NewYork(synced, matters)
    facts = books.books_facts(synced.books)
    form = {k: v for k, v in initial_from(None, facts).items() if v not in (None, False)}
    form.update(start_date="2026-01-01", sync_trust="on", sync_payments="on")
    admin = client_for(synced.clio.admin)
    bank_field, liability_field = f"trust_bank_{ny.account.pk}", f"trust_liability_{ny.account.pk}"

    page = admin.get(reverse("sync_setup")).content.decode()
    assert f'name="{bank_field}"' in page and "Bank account for IOLTA New York" in page

    refused = admin.post(reverse("sync_setup"), form)
    assert "Choose the bank account that holds IOLTA New York&#x27;s money" in (
        refused.content.decode()
    )
    chosen = {bank_field: ny.bank, liability_field: ny.liability}
    awaiting = {"trust_awaiting_to_books": "once_in_clio", "trust_clio_days": "9"}
    saved = admin.post(reverse("sync_setup"), {**form, **chosen, **awaiting})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    cfg = SyncSettings.objects.get(firm=synced.firm)
    assert (cfg.trust_awaiting_to_books, cfg.trust_clio_days) == ("once_in_clio", 9)
    assert cfg.trust_accounts[str(ny.account.pk)] == {
        "bank": {"id": ny.bank, "name": NY_BANK},
        "liability": {"id": ny.liability, "name": NY_LIABILITY},
    }
    assert cfg.trust_accounts[str(home.account.pk)]["bank"] == cfg.accounts["trust_bank"]

    deposit = ny.post(EntryKind.DEPOSIT, IN, "60.00", ny.ledgers[0], payee="Grace Hopper")
    sync_now(synced.firm)
    assert _bank_of(synced, deposit) == ny.bank
    assert _liability(synced, ny.liability) == D("60.00")


def test_the_api_maps_the_firms_trust_accounts_and_refuses_anothers(synced, other_firm):
    from django.urls import reverse

    from tests.conftest import client_for
    from tests.factories import TrustAccountFactory

    ny = NewYork(synced, _matters(synced))
    theirs = TrustAccountFactory(firm=other_firm, name="Theirs")
    api = client_for(synced.clio.admin)
    url = reverse("api_sync_settings")

    refused = api.patch(
        url,
        {"trust_accounts": {str(theirs.pk): {"bank": ny.bank}}},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["details"]["trust_accounts"] == [
        "Only the firm's own trust accounts can be mapped."
    ]
    assert SyncSettings.objects.get(firm=synced.firm).trust_accounts == {}

    saved = api.patch(
        url,
        {"trust_accounts": {str(ny.account.pk): {"bank": ny.bank}}},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["trust_accounts"][str(ny.account.pk)]["bank"]["id"] == ny.bank
