"""`python manage.py reconcile --firm <slug> [--wait]`: compare the books with Clio and say how
it went."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Firm
from sync.drift import services
from sync.models import Drift, ReconcileRun


class Command(BaseCommand):
    help = "Read back a firm's invoices from the books, compare them with Clio, repair or flag."

    def add_arguments(self, parser):
        parser.add_argument("--firm", required=True, help="The firm's slug.")
        parser.add_argument(
            "--wait", action="store_true", help="Run here and wait for the end (else queue it)."
        )

    def handle(self, *args, firm: str, wait: bool, **options):
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            known = ", ".join(Firm.objects.values_list("slug", flat=True)[:20]) or "none"
            raise CommandError(f"No firm with slug {firm!r}. Known: {known}.")
        trigger = ReconcileRun.Trigger.COMMAND
        try:
            if wait:
                run = services.reconcile_run(firm=found, trigger=trigger)
            else:
                run = services.reconcile_start(firm=found, actor=None, trigger=trigger)
        except services.ReconcileBlocked as exc:
            raise CommandError(str(exc)) from exc
        if not wait:
            self.stdout.write(f"Reconcile run {run.pk} is {run.get_status_display()}.")
            return
        self._summary(run)
        if run.status == ReconcileRun.Status.FAILED:
            raise CommandError(run.error or "The reconcile run failed.")

    def _summary(self, run: ReconcileRun) -> None:
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
        self.stdout.write(
            f"Reconcile run {run.pk}: {run.get_status_display()} in {seconds:.1f} s — "
            f"{run.bills_checked} bills checked, {run.invoices_read} invoices read in "
            f"{run.read_calls} calls, {run.drifts_found} drifts, {run.repaired} repaired, "
            f"{run.flagged} waiting for a person."
        )
        if run.ar_clio is not None:
            self.stdout.write(
                f"  receivables: Clio {run.ar_clio:.2f}, books {run.ar_books:.2f}, "
                f"difference {run.ar_difference:.2f}"
            )
        waiting = Drift.objects.filter(run=run, status=Drift.Status.FLAGGED)[:20]
        for drift in waiting:
            self.stdout.write(
                f"  flagged: {drift.get_kind_display()} {drift.number}: {drift.summary}"
            )
