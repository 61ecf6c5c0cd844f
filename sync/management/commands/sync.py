"""`python manage.py sync --firm <slug> [--full] [--wait]`: start a sync and say how it went."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Firm
from sync.engine import run as engine
from sync.models import SyncOperation, SyncRun
from sync.providers.errors import ProviderError


class Command(BaseCommand):
    help = "Sync a firm's Clio bills, contacts, payments and credits into its books."

    def add_arguments(self, parser):
        parser.add_argument("--firm", required=True, help="The firm's slug.")
        parser.add_argument("--full", action="store_true", help="Read everything from Clio again.")
        parser.add_argument(
            "--wait", action="store_true", help="Run here and wait for the end (else queue it)."
        )

    def handle(self, *args, firm: str, full: bool, wait: bool, **options):
        found = Firm.objects.filter(slug=firm).first()
        if found is None:
            known = ", ".join(Firm.objects.values_list("slug", flat=True)[:20]) or "none"
            raise CommandError(f"No firm with slug {firm!r}. Known: {known}.")
        try:
            if wait:
                run = engine.run_sync_now(firm=found, full=full)
            else:
                run = engine.sync_start(firm=found, full=full)
        except engine.SyncBlocked as exc:
            lines = "\n".join(f"  - {c.label}: {c.fix or c.detail}" for c in exc.checks)
            raise CommandError(f"Syncing cannot start until these are fixed:\n{lines}") from exc
        except ProviderError as exc:
            raise CommandError(f"{exc.provider} did not answer: {exc.message}") from exc
        if not wait:
            self.stdout.write(f"Sync run {run.pk} ({run.kind}) is {run.get_status_display()}.")
            return
        self._summary(run)
        if run.status == SyncRun.Status.FAILED:
            raise CommandError(run.error or "The sync failed.")
        if run.failed:
            raise CommandError(f"{run.failed} record(s) failed; see above.")

    def _summary(self, run: SyncRun) -> None:
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0
        self.stdout.write(
            f"Sync run {run.pk} ({run.kind}): {run.get_status_display()} in {seconds:.1f} s — "
            f"{run.pulled} read from Clio, {run.done} written, {run.failed} failed, "
            f"{run.skipped} skipped."
        )
        failed = SyncOperation.objects.filter(
            firm_id=run.firm_id, status=SyncOperation.Status.FAILED
        ).order_by("-failed_at")[:20]
        for op in failed:
            self.stdout.write(f"  failed: {op.entity} {op.local_id}: {op.error_message}")
