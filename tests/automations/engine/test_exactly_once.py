"""Exactly once over real HTTP: a worker that dies after its write reached the books leaves the
step IN_FLIGHT; the step is sent again with the same key and the books replay their first answer,
so the record is made once. QuickBooks keys by `requestid`, Xero by `Idempotency-Key`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from automations import execute
from automations.catalog.base import Result
from automations.models import Run, RunStep
from sync.engine.registry import client_for
from tests.automations.engine.conftest import automation_make, books_connect, event_make
from tests.factories import MembershipFactory
from tests.support.sandboxes import use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Exactly Once Holdings"


class WorkerDied(BaseException):
    """The worker is killed after the call returned, before the step is recorded."""


def _quickbooks_create(ctx, inputs) -> Result:
    body = ctx.write(
        "POST", "customer", json={"DisplayName": inputs["name"]}, params={"minorversion": "75"}
    )
    return Result({"id": body["Customer"]["Id"]}, record_id=body["Customer"]["Id"])


def _quickbooks_count(conn) -> int:
    query = f"select * from Customer where DisplayName = '{NAME}'"
    answer = client_for(conn).http.request("GET", "query", params={"query": query}).json()
    return len(answer["QueryResponse"].get("Customer", []))


def _xero_create(ctx, inputs) -> Result:
    body = ctx.write("POST", "Contacts", json={"Contacts": [{"Name": inputs["name"]}]})
    contact_id = body["Contacts"][0]["ContactID"]
    return Result({"id": contact_id}, record_id=contact_id)


def _xero_count(conn) -> int:
    answer = client_for(conn).http.request("GET", "Contacts", params={"where": f'Name=="{NAME}"'})
    return len(answer.json()["Contacts"])


CASES = {
    "quickbooks": (_quickbooks_create, _quickbooks_count),
    "xero": (_xero_create, _xero_count),
}


@pytest.mark.parametrize("provider", sorted(CASES))
def test_a_write_cut_off_after_it_landed_is_replayed_not_repeated(
    provider, live_server, settings, catalog
):
    use_sandboxes(settings, live_server.url, webhooks=False)
    admin = MembershipFactory(role="admin")
    conn = books_connect(live_server.url, settings, admin, provider)
    create, count = CASES[provider]
    made = []

    def run(ctx, inputs):
        result = create(ctx, inputs)
        made.append(result.record_id)
        if len(made) == 1:
            raise WorkerDied
        return result

    catalog.action(run, app=provider, key="create_contact")
    step = {"action": f"{provider}.create_contact", "inputs": {"name": "{{name}}"}}
    automation = automation_make(admin.firm, [step])
    event = event_make(admin.firm, data={"name": NAME})
    run_row = Run.objects.create(firm=admin.firm, automation=automation, event=event)

    with pytest.raises(WorkerDied):
        execute.runs_drain(seconds=30)
    cut = RunStep.objects.get(run=run_row)
    assert cut.status == RunStep.Status.IN_FLIGHT
    assert count(conn) == 1  # it landed
    # The leases run out: another worker takes the run up.
    past = timezone.now() - timedelta(seconds=1)
    Run.objects.filter(pk=run_row.pk).update(claimed_until=past)
    RunStep.objects.filter(pk=cut.pk).update(claimed_until=past)

    assert execute.runs_drain(seconds=30) == 1

    run_row.refresh_from_db()
    done = RunStep.objects.get(run=run_row)
    assert run_row.status == Run.Status.SUCCEEDED
    assert done.status == RunStep.Status.DONE and done.attempts == 2
    assert done.idempotency_key == cut.idempotency_key
    assert count(conn) == 1  # replayed, not made twice
    assert made[0] == made[1] == done.record_id  # the books' first answer, replayed
