"""The reference firm, set up the way a person would: the sandbox apps registered, Clio seeded with
the `reference` preset, empty books with their chart, a firm connected to both through the same
service the Connect buttons use, the preflight's own fixes applied and the sync settings saved."""

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from accounts.models import Firm, User
from accounts.services import firm_create
from bench.control import Control
from bench.processes import wait_until
from sandbox.clio.models import Account
from sandbox.clio.presets import create_account
from sandbox.clio.reference import BASE, seed_reference
from sync import books, services
from sync.engine.pull import SKEW
from sync.forms import initial_from
from sync.models import Connection, SyncSettings, WebhookSubscription
from sync.preflight import preflight_blocking, preflight_run
from sync.providers import oauth
from sync.providers.clio.client import ClioClient
from sync.setup_services import preflight_fix, sync_settings_save
from sync.webhooks import CLIO_MODELS, clio_webhooks_ensure

PROVIDERS = ("clio", "quickbooks", "xero")
LABELS = {"quickbooks": "QuickBooks", "xero": "Xero"}
ENV_NAMES = {"clio": "CLIO", "quickbooks": "QBO", "xero": "XERO"}
FULL_SIZE = 5_000  # contacts in the reference preset (sandbox/clio/reference.py)
# Every reference bill is issued on or after the preset's base date.
START_DATE = BASE.replace(day=1)


@dataclass
class BenchFirm:
    provider: str
    firm: Firm
    admin: User
    clio: Connection
    books: Connection
    clio_account: int
    clio_counts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    seeded_at: float = 0.0  # time.monotonic() when Clio's preset was in


def register_apps(control: Control) -> dict[str, str]:
    """One FirmSync app per provider. This process uses them at once; the environment returned
    hands them to the task worker (CLIO_CLIENT_ID, QBO_CLIENT_ID, ... in settings)."""
    env = {}
    for provider in PROVIDERS:
        callback = f"{settings.SITE_URL}/settings/bill-syncing/callback/{provider}/"
        app = control.post(provider, "apps", {"redirect_uris": [callback], "name": "FirmSync"})
        settings.PROVIDERS[provider].update(
            client_id=app["client_id"], client_secret=app["client_secret"]
        )
        env[f"{ENV_NAMES[provider]}_CLIENT_ID"] = app["client_id"]
        env[f"{ENV_NAMES[provider]}_CLIENT_SECRET"] = app["client_secret"]
    return env


def seed_clio(control: Control, *, name: str, scale: float) -> dict:
    """The `reference` preset through the control API; scaled down, the same builder in this
    process (the control API has no size), on the same database."""
    if scale >= 1:
        return control.post("clio", "seed", {"preset": "reference", "account": name})["accounts"][0]
    with transaction.atomic():
        info = create_account(name, "us", None)
        account = Account.objects.get(pk=info["id"])
        size = max(1, round(FULL_SIZE * scale))
        info.update(seed_reference(account, info["users"][0]["id"], size=size))
    return info


def prepare_trust_only(control: Control, say) -> tuple[Firm, User, Connection]:
    """The reference firm's trust side at full size (every contact's matter and its six trust
    transactions, no bills), and a firm connected to that Clio account only: the trust figures
    at full size when the sync itself runs scaled down."""
    name = "Bench Trust LLP"
    started = time.perf_counter()
    with transaction.atomic():
        info = create_account(name, "us", None)
        account = Account.objects.get(pk=info["id"])
        info.update(seed_reference(account, info["users"][0]["id"], with_bills=False))
    say(f"Clio trust side seeded in {time.perf_counter() - started:.1f} s: {info['counts']}")
    firm, admin = _new_firm(name)
    return firm, admin, _connect_clio(control, firm, admin, info["id"])


def seed_books(control: Control, provider: str, *, name: str) -> tuple[str, str]:
    """The books' `reference` preset: the chart of accounts, no customers or invoices.
    Returns (realm or tenant id, company name)."""
    seeded = control.post(provider, "seed", {"preset": "reference", "account": name})
    if provider == "quickbooks":
        return seeded["realmId"], seeded["companyName"]
    org = seeded["organisations"][0]
    return org["tenantId"], org["tenantName"]


def _connect_clio(control: Control, firm: Firm, admin: User, account_id: int) -> Connection:
    app = settings.PROVIDERS["clio"]
    raw = control.post("clio", "tokens", {"client_id": app["client_id"], "account": account_id})
    tokens = oauth.tokens_from(raw)
    client = ClioClient(base_url=app["regions"]["us"], token=lambda: tokens.access_token)
    user = client.who_am_i()
    return services.connection_connect(
        firm=firm,
        actor=admin,
        provider="clio",
        external_id=f"us:{user.id}",
        external_name=f"{user.name} ({user.email})",
        tokens=tokens,
        region="us",
    )


def _connect_books(
    control: Control, provider: str, firm: Firm, admin: User, external: tuple[str, str]
) -> Connection:
    external_id, name = external
    client_id = settings.PROVIDERS[provider]["client_id"]
    raw = control.post(provider, "tokens", {"client_id": client_id, "account": external_id})
    return services.connection_connect(
        firm=firm,
        actor=admin,
        provider=provider,
        external_id=external_id,
        external_name=name,
        tokens=oauth.tokens_from(raw),
    )


def _new_firm(name: str) -> tuple[Firm, User]:
    email = f"admin+{int(time.time() * 1000)}@bench.test"
    admin = User.objects.create_user(email=email, password=None)
    return firm_create(name=name, owner=admin), admin


def apply_preflight_fixes(firm: Firm, admin: User) -> list[str]:
    """What a person does with "Fix it for me". Webhooks are registered separately."""
    checks, _ = preflight_run(firm=firm)
    wanted = [c.key for c in checks if not c.ok and c.fixable and c.key != "clio_webhooks"]
    return [preflight_fix(firm=firm, actor=admin, key=key) for key in wanted]


def save_settings(firm: Firm, admin: User, books_conn: Connection) -> SyncSettings:
    """The settings page as pre-filled (its account guesses, the next free invoice number),
    with a start date that takes in every reference bill and every billed contact."""
    facts = books.books_facts(books_conn)
    shown = initial_from(None, facts)
    data = {
        "start_date": START_DATE,
        "starting_invoice_number": shown["starting_invoice_number"],
        "contacts_scope": SyncSettings.Contacts.ALL_BILLED,
        "only_approved_bills": True,
        "sync_payments": True,
        "sync_trust": True,
        "tax_mapping": {"taxable": "", "exempt": ""},
        "accounts": {
            role: shown[f"account_{role}"]
            for role in books.ACCOUNT_ROLES
            if shown[f"account_{role}"]
        },
    }
    return sync_settings_save(firm=firm, actor=admin, facts=facts, data=data)


def webhooks_enabled(clio: Connection) -> bool:
    enabled = WebhookSubscription.objects.filter(
        connection=clio, status=WebhookSubscription.Status.ENABLED
    )
    return enabled.count() == len(CLIO_MODELS)


def _timed(seconds: dict[str, float], key: str, work):
    started = time.perf_counter()
    out = work()
    seconds[key] = time.perf_counter() - started
    return out


def _connect(control: Control, provider: str, name: str, clio_info: dict, external):
    firm, admin = _new_firm(name)
    clio = _connect_clio(control, firm, admin, clio_info["id"])
    books_conn = _connect_books(control, provider, firm, admin, external)
    clio_webhooks_ensure(connection_id=clio.pk)  # what the queued task does once a worker runs
    return firm, admin, clio, books_conn


def prepare(control: Control, provider: str, *, scale: float, say, name: str = "") -> BenchFirm:
    """`name` names the firm, its Clio account and its books: each must be new."""
    name = name or f"Bench {LABELS[provider]} LLP"
    seconds: dict[str, float] = {}
    info = _timed(seconds, "clio_seed", lambda: seed_clio(control, name=name, scale=scale))
    seeded_at = time.monotonic()
    say(f"Clio reference preset seeded in {seconds['clio_seed']:.1f} s: {info['counts']}")
    external = _timed(seconds, "books_seed", lambda: seed_books(control, provider, name=name))
    firm, admin, clio, books_conn = _timed(
        seconds, "connect", lambda: _connect(control, provider, name, info, external)
    )
    say(f"{firm.name} connected to Clio and {provider} in {seconds['connect']:.1f} s")
    for done in _timed(seconds, "preflight_fixes", lambda: apply_preflight_fixes(firm, admin)):
        say(f"Preflight fix: {done}")
    _timed(seconds, "settings", lambda: save_settings(firm, admin, books_conn))
    _report_preflight(firm, say)
    try:
        seconds["webhooks"] = wait_until(lambda: webhooks_enabled(clio), timeout=60)
    except TimeoutError:
        say("Clio's webhook handshakes did not all arrive within 60 s.")
    return BenchFirm(
        provider, firm, admin, clio, books_conn, info["id"], info["counts"], seconds, seeded_at
    )


def _report_preflight(firm: Firm, say) -> None:
    checks, _ = preflight_run(firm=firm)
    blocking = preflight_blocking(checks)
    for check in blocking:
        say(f"Preflight still blocks: {check.label} ({check.detail or check.fix})")
    if not blocking:
        say("Preflight passes; sync settings saved.")


def disconnect(bf: BenchFirm) -> None:
    """Stop this firm's syncing so the next provider's worker does not poll it."""
    for conn in (bf.clio, bf.books):
        services.connection_disconnect(connection=conn, actor=bf.admin)


def wait_past_skew(bf: BenchFirm, say) -> None:
    """Every preset record was written in the same second. Pull cursors step back by the pull's
    clock-skew allowance, so a sync started within it would leave the whole firm to be read
    again by the next poll: something no real firm's history does. Start after it."""
    rest = bf.seeded_at + SKEW.total_seconds() + 5 - time.monotonic()
    if rest > 0:
        say(f"Waiting {rest:.0f} s so the preset is older than the pull's skew allowance")
        time.sleep(rest)
