"""Set up the demo against the sandbox providers of a running server, as a person would.

Registers FirmSync's OAuth apps with the sandboxes, seeds their demo data, and connects Harbor &
Vale to sandbox Clio and QuickBooks Online through the same connection service a person's
Connect button uses (tokens come from each sandbox's `_control/tokens`), fixes what the preflight
can fix, saves sync settings mapped from the books' chart and queues Harbor & Vale's initial sync
for the worker. Lakeside stays unconnected so the connect flow can be tried by hand. Safe to run
again: it does nothing twice.
"""

import json
from datetime import date, timedelta
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Firm, Membership, Role
from sync import books, preflight, services, setup_services
from sync.engine.run import SyncBlocked, sync_start
from sync.models import Connection, SyncRun, SyncSettings
from sync.providers import oauth
from sync.providers.clio.client import ClioClient

TIMEOUT = 300
DEMO_START_DATE = date(2026, 1, 1)


class Command(BaseCommand):
    help = "Register the sandbox apps, seed the sandbox demo data and connect Harbor & Vale."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=settings.SITE_URL)

    def handle(self, *args, base_url: str, **options):
        if not settings.SANDBOX_ENABLED:
            raise CommandError("The sandbox is off (SANDBOX_ENABLED=False); nothing to set up.")
        self.base = base_url.rstrip("/")
        path = Path(settings.VAR_DIR) / oauth.SANDBOX_APPS_FILE
        state = json.loads(path.read_text()) if path.exists() else {}
        if not state.get("seeded"):
            state = self._register_and_seed()
            path.write_text(json.dumps(state, indent=2))
            self.stdout.write("Sandbox apps registered and demo data seeded.")
        self._connect_harbor_vale(state)
        self._start_first_sync()

    def _control(self, provider: str, endpoint: str, payload: dict) -> dict:
        response = requests.post(
            f"{self.base}/sandbox/{provider}/_control/{endpoint}", json=payload, timeout=TIMEOUT
        )
        if response.status_code >= 300:
            raise CommandError(
                f"Sandbox {provider} {endpoint}: {response.status_code} {response.text[:300]}"
            )
        return response.json()

    def _register_and_seed(self) -> dict:
        state: dict = {}
        for provider in ("clio", "quickbooks", "xero"):
            path = f"/settings/bill-syncing/callback/{provider}/"
            # The same server answers as 127.0.0.1 and as localhost; register both callbacks.
            hosts = {self.base, self.base.replace("127.0.0.1", "localhost")}
            uris = sorted(f"{host}{path}" for host in hosts)
            app = self._control(provider, "apps", {"redirect_uris": uris, "name": "FirmSync"})
            state[provider] = {"client_id": app["client_id"], "client_secret": app["client_secret"]}
        clio = self._control("clio", "seed", {"preset": "demo"})
        accounts = clio if isinstance(clio, list) else clio.get("accounts", [clio])
        state["clio_accounts"] = {a["name"]: a["id"] for a in accounts}
        state["quickbooks_realm"] = self._control("quickbooks", "seed", {"preset": "demo"})[
            "realmId"
        ]
        self._control("xero", "seed", {"preset": "demo"})
        state["seeded"] = True
        return state

    def _connect_harbor_vale(self, state: dict) -> None:
        firm = Firm.objects.filter(slug="harbor-vale").first()
        if firm is None:
            raise CommandError("Run `manage.py seed_demo` first.")
        admin = Membership.objects.filter(firm=firm, role=Role.ADMIN).select_related("user").first()
        live = Connection.objects.filter(firm=firm).exclude(status=Connection.Status.DISCONNECTED)
        if not live.filter(provider="clio").exists():
            account = state["clio_accounts"].get(firm.name)
            raw = self._control(
                "clio", "tokens", {"client_id": state["clio"]["client_id"], "account": account}
            )
            tokens = oauth.tokens_from(raw)
            user = ClioClient(
                base_url=f"{self.base}/sandbox/clio/us", token=lambda: tokens.access_token
            ).who_am_i()
            services.connection_connect(
                firm=firm,
                actor=admin.user,
                provider="clio",
                external_id=f"us:{user.id}",
                external_name=f"{user.name} ({user.email})",
                tokens=tokens,
                region="us",
            )
            self.stdout.write(f"Connected {firm.name} to sandbox Clio as {user.name}.")
        if not live.filter(provider="quickbooks").exists():
            realm = state["quickbooks_realm"]
            raw = self._control(
                "quickbooks",
                "tokens",
                {"client_id": state["quickbooks"]["client_id"], "account": realm},
            )
            services.connection_connect(
                firm=firm,
                actor=admin.user,
                provider="quickbooks",
                external_id=realm,
                external_name=firm.name,
                tokens=oauth.tokens_from(raw),
            )
            self.stdout.write(
                f"Connected {firm.name} to sandbox QuickBooks Online (realm {realm})."
            )

    # Words that name each account role in the demo charts, best first.
    ROLE_WORDS = {
        "fee_income": ("legal fee", "fee", "service", "sales"),
        "reimbursed_expenses": ("reimburs", "expense", "other income"),
        "operating_bank": ("operating", "checking", "business"),
        "trust_bank": ("trust", "iolta"),
        "trust_liability": ("trust", "client funds"),
        "undeposited_funds": ("undeposited",),
    }

    def _start_first_sync(self) -> None:
        """What an admin does on the Bill Syncing page, then Sync now."""
        firm = Firm.objects.get(slug="harbor-vale")
        if SyncRun.objects.filter(firm=firm).exists():
            return
        admin = Membership.objects.filter(firm=firm, role=Role.ADMIN).select_related("user").first()
        checks, facts = preflight.preflight_run(firm=firm)
        for check in preflight.preflight_blocking(checks):
            if check.fixable:
                self.stdout.write(
                    setup_services.preflight_fix(firm=firm, actor=admin.user, key=check.key)
                )
        if not SyncSettings.objects.filter(firm=firm).exists():
            _, facts = preflight.preflight_run(firm=firm)
            # The demo's Clio bills start in January 2026; what the books hold from before is
            # the firm's history, outside Clio (the README's Lakeside steps use the same date).
            start = DEMO_START_DATE
            if facts.close_date and start <= facts.close_date:
                start = facts.close_date + timedelta(days=1)
            data = {
                "start_date": start,
                "starting_invoice_number": books.next_number(facts.numbers),
                "accounts": {
                    role: self._pick(books.accounts_for_role(facts, role), words)
                    for role, words in self.ROLE_WORDS.items()
                },
            }
            setup_services.sync_settings_save(firm=firm, actor=admin.user, facts=facts, data=data)
        try:
            run = sync_start(firm=firm, actor=admin.user, kind="initial")
        except SyncBlocked as exc:
            self.stdout.write(self.style.WARNING(str(exc)))
            return
        self.stdout.write(f"Queued {firm.name}'s initial sync (run {run.pk}) for the worker.")

    @staticmethod
    def _pick(accounts, words) -> str:
        for word in words:
            for account in accounts:
                if word in account.name.lower():
                    return account.id
        return accounts[0].id if accounts else ""
