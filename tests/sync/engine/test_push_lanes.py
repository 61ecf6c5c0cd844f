"""Two lanes of push rounds side by side (QuickBooks): both at work, each record written once."""

import threading
from collections import Counter

import pytest

from practice.models import Bill
from sync.engine import push
from sync.engine.run import sync_execute, sync_start
from sync.models import ExternalLink, SyncOperation, SyncRun
from sync.providers.quickbooks.writer import QuickBooksWriter


@pytest.mark.parametrize("synced", ["quickbooks"], indirect=True)
def test_two_lanes_share_the_rounds_and_write_each_record_once(synced, settings, monkeypatch):
    settings.SYNC_PUSH_LANES, settings.SYNC_PUSH_CONCURRENCY = 2, 2
    monkeypatch.setattr(QuickBooksWriter, "batch_max", 2)  # many small rounds
    names = ["Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov"]
    bills = []
    for n, name in enumerate(names):
        made = synced.approved_bill(name=name, email=f"c{n}@example.com", hours=1 + n)
        pay = {"amount": 10 + n, "source": "operating", "date": "2026-03-20"}
        synced.act("record_payment", bill_id=made["bill"]["id"], **pay)
        bills.append(made["bill"]["id"])
    rounds: dict[str, set[int]] = {}
    real_round = push._round

    def counted(writer, pool, threads, connection, run, entity, *args, **kwargs):
        done = real_round(writer, pool, threads, connection, run, entity, *args, **kwargs)
        if done:
            rounds.setdefault(entity, set()).add(threading.get_ident())
        return done

    monkeypatch.setattr(push, "_round", counted)
    run = sync_execute(run_id=sync_start(firm=synced.firm, check=False, queue=False).pk)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert len(rounds["contact"]) == 1  # contacts stay with the first lane, in the run's thread
    assert (rounds["bill"] | rounds["payment"]) - rounds["contact"]  # a side lane wrote too
    client = synced.books_client()
    in_books = Counter(i.get("DocNumber") for i in client.query_all("Invoice"))
    numbers = Bill.objects.filter(firm=synced.firm).values_list("number", flat=True)
    assert len(numbers) == len(bills) and all(in_books[n] == 1 for n in numbers)
    payments = [p for p in client.query_all("Payment") if p["Id"] in _remote_ids("payment")]
    assert len(payments) == len(bills)
    assert not SyncOperation.objects.exclude(status=SyncOperation.Status.DONE).exists()
    sent = SyncOperation.objects.filter(entity__in=("bill", "payment"))
    assert sent.count() == 2 * len(bills) and all(op.attempts == 1 for op in sent)


def _remote_ids(entity: str) -> set[str]:
    return set(ExternalLink.objects.filter(entity=entity).values_list("remote_id", flat=True))


@pytest.mark.parametrize("synced", ["quickbooks"], indirect=True)
def test_trust_legs_go_on_both_lanes_and_reach_the_books_once(synced, settings, monkeypatch):
    """Trust money is most of what a first sync writes while Clio's bill lines are read: both
    lanes write it (the one-record channel beside the batches), each deposit once, and each
    matter's sub-customer is made once although two lanes name it."""
    from tests.sync.engine.test_trust_push import _map_trust_accounts, _matters

    settings.SYNC_PUSH_LANES, settings.SYNC_PUSH_CONCURRENCY = 2, 2
    matters = _matters(synced)
    _map_trust_accounts(synced)
    monkeypatch.setattr(QuickBooksWriter, "batch_max", 2)  # many small rounds
    for n in range(12):
        matter = matters[n % 2]
        synced.act("trust_deposit", matter_id=matter.clio_id, amount=100 + n, date="2026-03-06")
    rounds: set[int] = set()
    real_round = push._round

    def counted(writer, pool, threads, connection, run, entity, *args, **kwargs):
        done = real_round(writer, pool, threads, connection, run, entity, *args, **kwargs)
        if done and entity == "trust_entry":
            rounds.add(threading.get_ident())
        return done

    monkeypatch.setattr(push, "_round", counted)
    run = sync_execute(run_id=sync_start(firm=synced.firm, check=False, queue=False).pk)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert len(rounds) == 2  # both lanes wrote trust legs
    client = synced.books_client()
    amounts = sorted(float(d["TotalAmt"]) for d in client.query_all("Deposit"))
    assert amounts == [float(100 + n) for n in range(12)]
    subs = [c for c in client.query_all("Customer") if c.get("Job")]
    assert len(subs) == len({c["FullyQualifiedName"] for c in subs}) == 2
    legs = SyncOperation.objects.filter(entity="trust_entry")
    assert legs.count() == 12 and all(op.status == SyncOperation.Status.DONE for op in legs)
