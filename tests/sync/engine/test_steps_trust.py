"""A first sync reads Clio's trust transactions a page at a time: their legs go to the books
while the rest is still read, and a run of steps that each stop after a page writes every leg
once, transfers whole."""

from sync.engine import step
from sync.engine.run import sync_execute, sync_start
from sync.models import ExternalLink, SyncOperation, SyncRun
from sync.providers.clio import client as clio_client
from sync.trust_books.plan import ENTITY
from tests.sync.engine.test_steps import continuations, drive  # noqa: F401
from tests.sync.engine.test_trust_push import _map_trust_accounts
from trust.models import TrustEntry


def _trust_in_clio(synced) -> None:
    """Nine transactions: five pages of two."""
    act = synced.act
    grace = act("create_contact", first_name="Grace", last_name="Hopper")
    a = act("create_matter", client_id=grace["id"], description="Patents")
    b = act("create_matter", client_id=grace["id"], description="Licensing")
    for n in range(3):
        act("trust_deposit", matter_id=a["id"], amount=500 + n, date="2026-03-02")
        act("trust_deposit", matter_id=b["id"], amount=100 + n, date="2026-03-03")
    act("trust_transfer", from_matter_id=a["id"], to_matter_id=b["id"], amount=250)
    act("trust_disbursement", matter_id=b["id"], amount=40, date="2026-03-09")


def _legs() -> SyncOperation:
    return SyncOperation.objects.filter(entity=ENTITY)


def test_trust_legs_go_to_the_books_before_the_last_trust_page_is_read(synced, monkeypatch):
    _map_trust_accounts(synced)
    _trust_in_clio(synced)
    monkeypatch.setattr(clio_client, "PAGE_SIZE", 2)
    monkeypatch.setattr(step, "EARLY_PLAN_PAGES", 1)
    moments: list[tuple[int, int]] = []  # (trust entries recorded, legs planned) at each page
    real = step.Step._read_page

    def page(self, resource, records):
        if resource == "trust":
            if self.planner is not None:
                self.planner.join()  # the plan of the pages before this one
            moments.append((TrustEntry.objects.count(), _legs().count()))
        return real(self, resource, records)

    monkeypatch.setattr(step.Step, "_read_page", page)
    run = sync_execute(run_id=sync_start(firm=synced.firm, check=False, queue=False).pk)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    # Legs were planned while most of the trust transactions were still to be read.
    assert any(legs > 0 and entries < 9 for entries, legs in moments), moments


def test_a_run_whose_steps_stop_after_each_page_writes_each_trust_leg_once(
    synced,
    continuations,  # noqa: F811
    monkeypatch,
):
    _map_trust_accounts(synced)
    _trust_in_clio(synced)
    monkeypatch.setattr(step, "STEP_SECONDS", 0.0)  # every step stops after its first page
    monkeypatch.setattr(clio_client, "PAGE_SIZE", 2)
    monkeypatch.setattr(step, "EARLY_PLAN_PAGES", 1)

    run = drive(sync_start(firm=synced.firm, check=False, queue=False), continuations, limit=80)

    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.steps > 5
    assert TrustEntry.objects.count() == 9
    out, into = TrustEntry.objects.filter(kind__in=["transfer_out", "transfer_in"]).order_by("pk")
    assert (out.kind, into.kind) == ("transfer_out", "transfer_in")
    assert out.transfer_group == into.transfer_group is not None
    assert set(_legs().values_list("status", flat=True)) == {SyncOperation.Status.DONE}
    keys = list(_legs().values_list("local_id", flat=True))
    assert len(keys) == len(set(keys))
    links = ExternalLink.objects.filter(connection=synced.books, entity=ENTITY)
    assert links.count() == len(keys)


def test_a_step_past_its_time_writes_on_while_a_plan_is_being_made(monkeypatch):
    """The step waits for its plan before it ends; the books must not sit idle meanwhile (a
    plan of thousands of bills stopped every write for 50 wall seconds in the benchmark)."""
    import threading
    import time
    from types import SimpleNamespace

    monkeypatch.setattr(step.Step, "beat", lambda self, **kw: None)
    monkeypatch.setattr(step.pacing, "scaled", lambda seconds: seconds / 50)  # rounds 20 ms apart
    monkeypatch.setattr(step, "outstanding", lambda books: SyncOperation.objects.none())
    planning = threading.Event()
    rounds: list[bool] = []  # for each round of writes: was the plan still being made?

    def push_pending(**kwargs):
        rounds.append(planning.is_set())

    monkeypatch.setattr(step.push, "push_pending", push_pending)
    books = SimpleNamespace(pk=1)
    s = step.Step(run=SimpleNamespace(pk=1), clio=books, books=books)
    s.started -= step.STEP_SECONDS + 1  # its time is up
    s.reading = True

    def plan() -> None:
        planning.set()
        time.sleep(0.5)
        planning.clear()
        s.reading = False

    s.planner = threading.Thread(target=plan)
    s.planner.start()
    planning.wait()
    s._write()

    assert rounds.count(True) >= 2  # it wrote on while the plan was made
    s.lost = True
    s.planner = threading.Thread(target=time.sleep, args=(0.5,))
    s.planner.start()
    assert s._writing_over()  # but not once the run is someone else's
    s.lost = False
    s.started -= step.PLAN_GRACE_SECONDS
    assert s._writing_over()  # nor past the grace
