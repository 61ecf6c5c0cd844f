"""`manage.py sandbox_demo`: the demo's connections are made through the sandboxes over HTTP."""

from io import StringIO

import pytest
from django.core.management import call_command

from practice.models import Bill
from sync.drift.services import reconcile_run
from sync.engine.registry import client_for
from sync.models import Connection, Drift, ExternalLink, FlaggedBill, ReconcileRun, SyncRun
from tests.support.sandboxes import use_sandboxes

pytestmark = pytest.mark.django_db(transaction=True)


def test_harbor_vale_is_connected_synced_and_reconciled_clean_and_lakeside_is_not(
    live_server, settings, tmp_path
):
    use_sandboxes(settings, live_server.url)
    for cfg in settings.PROVIDERS.values():  # credentials come from the file the command writes
        cfg.update(client_id="", client_secret="")
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("sandbox_demo", base_url=live_server.url, stdout=out)
    call_command("sandbox_demo", base_url=live_server.url, stdout=out)  # a second run adds nothing
    harbor = Connection.objects.filter(firm__slug="harbor-vale").order_by("provider")
    assert [c.provider for c in harbor] == ["clio", "quickbooks"]
    assert not Connection.objects.filter(firm__slug="lakeside").exists()
    qbo = harbor.get(provider="quickbooks")
    assert qbo.external_name == "Harbor & Vale LLP"
    assert client_for(qbo).company_info()["CompanyName"] == "Harbor & Vale LLP"
    assert client_for(harbor.get(provider="clio")).who_am_i().email
    # The initial sync ran (inline under test; the worker runs it in the demo) and the books
    # hold what it wrote: every approved Clio bill is an invoice with its number.
    run = SyncRun.objects.get(firm__slug="harbor-vale")
    assert run.status == SyncRun.Status.SUCCEEDED, (run.error, out.getvalue())
    assert run.done > 0 and run.failed == 0
    approved = Bill.objects.filter(firm__slug="harbor-vale", state__in=("awaiting_payment", "paid"))
    numbers = {
        row.get("DocNumber") for row in client_for(qbo).query_all("Invoice") if row.get("DocNumber")
    }
    assert approved.exists()
    assert set(approved.values_list("number", flat=True)) <= numbers
    links = ExternalLink.objects.filter(connection=qbo)
    assert links.filter(entity="payment").exists() and links.filter(entity="contact").exists()
    _reconciles_clean(qbo)


def _reconciles_clean(qbo: Connection) -> None:
    """Right after the demo is set up nothing differs: the books' own invoices from before the
    sync start date (1001..1040) are outside Clio, not flagged, and not in the comparison."""
    run = reconcile_run(firm=qbo.firm, trigger=ReconcileRun.Trigger.COMMAND)
    assert run.status == ReconcileRun.Status.SUCCEEDED, run.error
    assert (run.drifts_found, run.flagged) == (0, 0)
    assert not FlaggedBill.objects.filter(firm=qbo.firm).exists()
    assert not Drift.objects.filter(firm=qbo.firm).exists()
    differing = [r for r in run.ar_by_client if r["clio"] != r["books"]]
    assert differing == [] and run.ar_clio == run.ar_books
    assert run.outside_count == 40 and run.ar_outside > 0
    assert {o["why"] for o in run.outside_clio} == {"history"}
    assert {o["number"] for o in run.outside_clio} <= {str(n) for n in range(1001, 1041)}
    # The status beside each bill is what the books say now: a bill paid in full is "paid".
    paid = Bill.objects.filter(firm=qbo.firm, state="paid").values_list("clio_id", flat=True)
    statuses = set(
        ExternalLink.objects.filter(
            connection=qbo, entity="bill", local_id__in=[str(c) for c in paid]
        ).values_list("remote_status", flat=True)
    )
    assert paid and statuses == {"paid"}
