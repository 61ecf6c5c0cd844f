"""Trust entries reach QuickBooks Online and Xero through the outbox, over real HTTP; the books'
trust liability, read back from the books, equals the sum of the client ledgers."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from sync import books
from sync.models import ExternalLink, SyncOperation, SyncRun, SyncSettings
from sync.trust_books.plan import ENTITY, legs_for, reversed_legs
from tests.sync.engine.test_push_scenarios import reads, sync_now, writes
from trust.models import ClientLedger, EntryKind, TrustAccount, TrustEntry

D = Decimal
IN, OUT = TrustEntry.Direction.IN, TrustEntry.Direction.OUT


def _map_trust_accounts(synced, **extra) -> SyncSettings:
    """The mapping a bookkeeper would choose: the accounts whose names say what they are."""
    from sync.forms import initial_from

    facts = books.books_facts(synced.books)
    shown = initial_from(None, facts)
    chart = {a.id: a for a in facts.accounts}
    mapped = {}
    for role in books.ACCOUNT_ROLES:
        chosen = shown[f"account_{role}"] or (books.accounts_for_role(facts, role) or [None])[0]
        chosen = chosen.id if hasattr(chosen, "id") else chosen
        if chosen:
            mapped[role] = {"id": chosen, "name": chart[chosen].name}
    cfg = SyncSettings.objects.get(firm=synced.firm)
    cfg.accounts = mapped
    for name, value in extra.items():
        setattr(cfg, name, value)
    cfg.save()
    return cfg


def _matters(synced):
    from practice.models import Matter

    made = []
    for first, last in (("Grace", "Hopper"), ("Alan", "Turing")):
        contact = synced.act("create_contact", first_name=first, last_name=last)
        matter = synced.act("create_matter", client_id=contact["id"], description="Trust matter")
        made.append(matter["id"])
    sync_now(synced.firm)  # pulls the contacts and matters into the mirror
    return [Matter.objects.get(firm=synced.firm, clio_id=m) for m in made]


class Journal:
    """Entries posted straight into the journal (the posting services are tested elsewhere)."""

    def __init__(self, firm, matters):
        self.firm = firm
        # The first sync pulled the firm's primary trust account from Clio; a firm without one
        # gets its own here.
        self.account = TrustAccount.objects.filter(firm=firm, is_primary=True).first()
        if self.account is None:
            self.account = TrustAccount.objects.create(firm=firm, name="IOLTA", is_primary=True)
        self.ledgers = [
            ClientLedger.objects.get_or_create(firm=firm, account=self.account, matter=m)[0]
            for m in matters
        ]
        self.n = 0

    def post(self, kind, direction, amount, ledger=None, **kw) -> TrustEntry:
        self.n += 1
        return TrustEntry.objects.create(
            firm=self.firm,
            account=self.account,
            ledger=ledger,
            kind=kind,
            direction=direction,
            amount=D(amount),
            date=kw.pop("on", date(2026, 3, 1 + self.n)),
            source="firmsync",
            source_id=f"test:{self.n}",
            **kw,
        )

    def ledger_total(self) -> Decimal:
        entries = TrustEntry.objects.filter(firm=self.firm, ledger__isnull=False)
        return sum((e.signed_amount for e in entries), D("0.00"))


def _a_month_of_trust(journal: Journal) -> None:
    a, b = journal.ledgers
    journal.post(EntryKind.DEPOSIT, IN, "1000.00", a, description="Retainer", payee="Grace Hopper")
    journal.post(EntryKind.DEPOSIT, IN, "500.00", b, description="Retainer", payee="Alan Turing")
    paid = journal.post(EntryKind.DISBURSEMENT, OUT, "200.00", a, description="Court filing fee")
    group = uuid.uuid4()
    journal.post(EntryKind.TRANSFER_OUT, OUT, "100.00", a, transfer_group=group)
    journal.post(EntryKind.TRANSFER_IN, IN, "100.00", b, transfer_group=group)
    journal.post(EntryKind.EARNED_FEE, OUT, "150.00", b, description="March fees")
    journal.post(EntryKind.REVERSAL, IN, "200.00", a, reverses=paid, description="Cheque void")
    journal.post(EntryKind.BANK_FEE, OUT, "12.00", description="Wire fee", payee="First Bank")
    journal.post(EntryKind.FIRM_FUNDS, IN, "12.00", description="Firm covers wire fee")


def trust_liability_in_books(synced, cfg) -> Decimal:
    """The liability account's balance, summed from every record the books hold on it."""
    account = cfg.accounts["trust_liability"]["id"]
    client = synced.books_client()
    total = D("0.00")
    if synced.books.provider == "quickbooks":
        signs = {"Deposit": 1, "Purchase": -1}
        for entity, sign in signs.items():
            for row in client.query_all(entity):
                for line in row.get("Line", []):
                    detail = line.get(line.get("DetailType", ""), {}) or {}
                    if (detail.get("AccountRef") or {}).get("value") == account:
                        total += sign * D(str(line["Amount"]))
        for row in client.query_all("JournalEntry"):
            for line in row["Line"]:
                detail = line["JournalEntryLineDetail"]
                if detail["AccountRef"]["value"] == account:
                    sign = 1 if detail["PostingType"] == "Credit" else -1
                    total += sign * D(str(line["Amount"]))
        return total
    for row in client.paged("BankTransactions"):
        if row["Status"] != "AUTHORISED":
            continue
        sign = 1 if row["Type"].startswith("RECEIVE") else -1
        for line in row.get("LineItems", []):
            if account in (line.get("AccountCode"), line.get("AccountID")):
                total += sign * D(str(line["LineAmount"]))
    for row in client.paged("ManualJournals"):
        if row["Status"] != "POSTED":
            continue
        for line in row["JournalLines"]:
            if account in (line.get("AccountCode"), line.get("AccountID")):
                total -= D(str(line["LineAmount"]))
    return total


def test_the_books_trust_liability_equals_the_client_ledgers_and_a_rerun_writes_nothing(synced):
    matters = _matters(synced)
    cfg = _map_trust_accounts(synced)
    journal = Journal(synced.firm, matters)
    _a_month_of_trust(journal)

    run = sync_now(synced.firm)

    ops = SyncOperation.objects.filter(firm=synced.firm, entity=ENTITY)
    assert run.status == SyncRun.Status.SUCCEEDED, (
        run.error,
        list(ops.exclude(status="done").values("local_id", "error_message")),
    )
    # two deposits, disbursement, one journal for the transfer pair, earned fee (move + book),
    # reversal, bank fee, firm funds
    assert ops.count() == 9 and set(ops.values_list("status", flat=True)) == {"done"}
    assert journal.ledger_total() == D("1350.00")
    assert trust_liability_in_books(synced, cfg) == D("1350.00")
    links = ExternalLink.objects.filter(connection=synced.books, entity=ENTITY)
    assert links.count() == 9

    before = writes(synced)
    again = sync_now(synced.firm)
    assert again.status == SyncRun.Status.SUCCEEDED
    assert writes(synced) == before
    assert ops.count() == 9


def test_a_deposit_names_its_matter_the_way_the_firm_chose(synced):
    matters = _matters(synced)
    mode = "class" if synced.books.provider == "quickbooks" else "tracking"
    cfg = _map_trust_accounts(synced, trust_matter_by=mode)
    journal = Journal(synced.firm, matters[:1])
    entry = journal.post(EntryKind.DEPOSIT, IN, "250.00", journal.ledgers[0], payee="Grace")

    sync_now(synced.firm)

    link = ExternalLink.objects.get(
        connection=synced.books, entity=ENTITY, local_id=f"{entry.pk}:bank"
    )
    client = synced.books_client()
    label = matters[0].display_number or matters[0].description
    if synced.books.provider == "quickbooks":
        deposit = client._get(f"deposit/{link.remote_id}")["Deposit"]
        line = deposit["Line"][0]["DepositLineDetail"]
        assert deposit["DepositToAccountRef"]["value"] == cfg.accounts["trust_bank"]["id"]
        assert line["AccountRef"]["value"] == cfg.accounts["trust_liability"]["id"]
        assert line["ClassRef"]["value"]
    else:
        row = client.http.request("GET", f"BankTransactions/{link.remote_id}").json()
        txn = row["BankTransactions"][0]
        assert txn["Type"] == "RECEIVE"
        assert txn["BankAccount"]["Code"] == cfg.accounts["trust_bank"]["id"]
        tracking = txn["LineItems"][0]["Tracking"][0]
        assert tracking["Name"] == "Matter" and tracking["Option"] == label[:50]


def test_a_reversal_mirrors_the_original_instead_of_deleting_it():
    matter = {"clio_id": 1}
    (deposit,) = legs_for(EntryKind.DEPOSIT, D("10.00"), matter, None)
    (undo,) = reversed_legs([deposit])
    assert (deposit.shape, undo.shape) == ("bank_in", "bank_out")
    move, book = legs_for(EntryKind.EARNED_FEE, D("10.00"), matter, None)
    back_move, back_book = reversed_legs([move, book])
    assert (back_move.source, back_move.target) == (move.target, move.source)
    assert [ln["amount"] for ln in back_book.lines] == ["-10.00", "10.00"]


def test_bank_fees_and_firm_funds_never_touch_the_trust_liability():
    fee = legs_for(EntryKind.BANK_FEE, D("5.00"), None, None)
    funds = legs_for(EntryKind.FIRM_FUNDS, D("5.00"), None, None)
    accounts = {ln["account"] for leg in fee + funds for ln in leg.lines}
    assert "trust_liability" not in accounts
    assert funds[0].shape == "transfer" and funds[0].target == "trust_bank"


def test_a_worker_killed_after_the_books_saved_its_batch_leaves_no_duplicate(synced):
    from datetime import timedelta

    from django.utils import timezone

    from sync.engine.push import push_pending

    matters = _matters(synced)
    cfg = _map_trust_accounts(synced)
    _a_month_of_trust(Journal(synced.firm, matters))
    sync_now(synced.firm)
    # The books answered, the worker died before recording it: no links, claims still held.
    ExternalLink.objects.filter(connection=synced.books, entity=ENTITY).delete()
    ops = SyncOperation.objects.filter(firm=synced.firm, entity=ENTITY)
    ops.update(status="in_flight", claimed_until=timezone.now() - timedelta(minutes=1))
    before, read_before = writes(synced), reads(synced)

    push_pending(connection=synced.books)

    assert writes(synced) == before  # each leg was found in the books by its marker
    assert reads(synced) - read_before <= 4  # a look-up per kind of record, not per leg
    assert set(ops.values_list("status", flat=True)) == {"done"}
    assert ExternalLink.objects.filter(connection=synced.books, entity=ENTITY).count() == 9
    assert trust_liability_in_books(synced, cfg) == D("1350.00")


# -- the trust mapping on the settings page ------------------------------------------------------


def _facts(provider="quickbooks"):
    kinds = {"quickbooks": ("Bank", "Other Current Liability"), "xero": ("BANK", "CURRLIAB")}
    bank, liability = kinds[provider]
    return books.BooksFacts(
        provider=provider,
        name="Test LLP",
        home_currency="USD",
        accounts=[
            books.BookAccount("1", "Operating Checking", bank),
            books.BookAccount("2", "IOLTA Trust Account", bank),
            books.BookAccount("3", "Client Trust Liability", liability),
        ],
    )


def test_trust_syncing_without_a_trust_bank_says_which_accounts_there_are():
    from sync.trust_books.services import trust_mapping_validate

    errors = trust_mapping_validate(
        facts=_facts(), data={"sync_trust": True, "accounts": {"operating_bank": "1"}}
    )
    assert errors["account_trust_bank"] == (
        "Choose the trust bank account: QuickBooks has two bank accounts (Operating Checking, "
        "IOLTA Trust Account); pick the one that holds client money."
    )
    assert "Client Trust Liability" in errors["account_trust_liability"]
    assert "account_operating_bank" not in errors


def test_the_trust_bank_cannot_be_the_operating_bank():
    from sync.trust_books.services import trust_mapping_validate

    accounts = {"trust_bank": "1", "operating_bank": "1", "trust_liability": "3"}
    errors = trust_mapping_validate(facts=_facts(), data={"accounts": accounts})
    assert "must be different accounts" in errors["account_trust_bank"]


def test_xero_carries_matters_only_by_tracking_category():
    from sync.trust_books.services import trust_mapping_validate

    errors = trust_mapping_validate(
        facts=_facts("xero"), data={"trust_matter_by": "class", "trust_tracking_category": " "}
    )
    assert "Xero has no sub-customers or classes" in errors["trust_matter_by"]
    assert "Name the tracking category" in errors["trust_tracking_category"]
    ok = trust_mapping_validate(
        facts=_facts("xero"),
        data={"trust_matter_by": "tracking", "trust_tracking_category": "Matter"},
    )
    assert ok == {}


def test_the_settings_page_offers_the_matter_choices_of_the_connected_books(synced):
    from django.urls import reverse

    from tests.conftest import client_for

    page = client_for(synced.clio.admin).get(reverse("sync_setup"))
    html = page.content.decode()
    assert page.status_code == 200 and "Trust in the books" in html
    if synced.books.provider == "quickbooks":
        assert 'value="sub_customer" selected' in html and 'value="class"' in html
        assert "Tracking category for matters" not in html
    else:
        assert 'value="tracking" selected' in html and 'value="class"' not in html
        assert 'value="Matter"' in html


def test_the_settings_page_saves_the_trust_mapping_and_refuses_one_bank_for_both(synced):
    from django.urls import reverse

    from sync.forms import initial_from
    from tests.conftest import client_for

    facts = books.books_facts(synced.books)
    form = {k: v for k, v in initial_from(None, facts).items() if v not in (None, False)}
    form.update(start_date="2026-01-01", sync_trust="on", sync_payments="on")
    mode = "class" if synced.books.provider == "quickbooks" else "tracking"
    admin = client_for(synced.clio.admin)

    same = {**form, "account_trust_bank": form["account_operating_bank"]}
    refused = admin.post(reverse("sync_setup"), same)
    assert "must be different accounts" in refused.content.decode()

    saved = admin.post(
        reverse("sync_setup"), {**form, "trust_matter_by": mode, "trust_tracking_category": "Case"}
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    cfg = SyncSettings.objects.get(firm=synced.firm)
    assert cfg.trust_matter_by == mode
    assert cfg.accounts["trust_bank"]["id"] == form["account_trust_bank"]
    expected = "Case" if synced.books.provider == "xero" else "Matter"
    assert cfg.trust_tracking_category == expected


def test_a_bank_fee_without_a_bank_charges_account_fails_alone_and_says_what_to_map(synced):
    matters = _matters(synced)
    cfg = _map_trust_accounts(synced)
    cfg.accounts.pop("bank_charges", None)
    cfg.save()
    journal = Journal(synced.firm, matters[:1])
    journal.post(EntryKind.DEPOSIT, IN, "40.00", journal.ledgers[0], payee="Grace")
    fee = journal.post(EntryKind.BANK_FEE, OUT, "5.00", description="Wire fee")

    run = sync_now(synced.firm)

    assert run.status == SyncRun.Status.PARTIAL
    failed = SyncOperation.objects.get(entity=ENTITY, status="failed")
    assert failed.local_id == f"{fee.pk}:bank"
    assert failed.error_message == (
        "Map these accounts in the sync settings first: Bank charges (trust account fees, Clio Payments fees)."
    )
    assert trust_liability_in_books(synced, cfg) == D("40.00")


@pytest.mark.parametrize("synced", ["quickbooks"], indirect=True)
def test_rounds_of_trust_legs_read_the_customer_list_once(synced, settings, monkeypatch):
    """Each round of a first sync's trust legs names matters without a sub-customer yet; the
    writer reads the books' customer list once for all its rounds, not once a round."""
    from sync.providers.quickbooks.client import QuickBooksClient
    from sync.providers.quickbooks.writer import QuickBooksWriter

    matters = _matters(synced)
    _map_trust_accounts(synced)
    journal = Journal(synced.firm, matters)
    for ledger in journal.ledgers:
        journal.post(EntryKind.DEPOSIT, IN, "250.00", ledger, payee="Client")
    settings.SYNC_PUSH_LANES, settings.SYNC_PUSH_CONCURRENCY = 1, 1
    monkeypatch.setattr(QuickBooksWriter, "batch_max", 1)  # a round for each matter's deposit
    lists = []
    real = QuickBooksClient.query_all

    def counted(self, entity, *args, **kwargs):
        if entity == "Customer" and not args and not kwargs.get("where"):
            lists.append(entity)
        return real(self, entity, *args, **kwargs)

    monkeypatch.setattr(QuickBooksClient, "query_all", counted)
    sync_now(synced.firm)

    legs = SyncOperation.objects.filter(entity=ENTITY)
    assert legs.count() == 2 and all(op.status == SyncOperation.Status.DONE for op in legs)
    assert len(lists) == 1
    subs = [c for c in synced.books_client().query_all("Customer") if c.get("Job")]
    assert len(subs) == 2
