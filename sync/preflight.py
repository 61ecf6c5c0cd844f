"""The preflight checklist: what must be true of Clio and the books before syncing starts.

Each check is read live from the providers and says how to fix itself; `FIXES` holds the ones
FirmSync can fix through the provider's API ("Fix it for me").
"""

from accounts.models import Firm
from practice.models import Bill
from sync import books
from sync.engine import numbering
from sync.engine.registry import BOOKS, client_for
from sync.models import Connection, Side, SyncSettings
from sync.providers.base import Check
from sync.providers.errors import ProviderError
from sync.providers.trust_writing import trust_account_books
from sync.selectors import connection_live
from sync.webhooks import CLIO_MODELS
from trust.models import TrustAccount


def _clio_checks(conn: Connection | None) -> list[Check]:
    if conn is None:
        return [Check("clio_connected", "Clio is connected", False, fix="Connect Clio above.")]
    checks = [
        Check("clio_connected", "Clio is connected", True, conn.external_name),
        _webhook_check(conn),
    ]
    client = client_for(conn)
    for resource, permission in (("bills", "Billing"), ("bank_accounts", "Accounting")):
        try:
            next(iter(client.iter_records(resource, fields="id", limit=1)), None)
            ok, detail = True, ""
        except ProviderError as exc:
            ok, detail = False, exc.message
        checks.append(
            Check(
                f"clio_{resource}",
                f"Clio grants the {permission} permission",
                ok,
                detail,
                fix="Reconnect Clio and allow every permission FirmSync asks for.",
            )
        )
    return checks


def _webhook_check(conn: Connection) -> Check:
    enabled = set(conn.webhooks.filter(status="enabled").values_list("model", flat=True))
    missing = sorted(set(CLIO_MODELS) - enabled)
    return Check(
        "clio_webhooks",
        "Clio accepted FirmSync's webhooks",
        not missing,
        f"Waiting for: {', '.join(missing)}. Changes still arrive by polling every five minutes."
        if missing
        else "Changes in Clio reach FirmSync within seconds.",
        fix="Register the webhooks again.",
        blocking=False,
        fixable=True,
    )


def _clio_numbers(firm: Firm, conn: Connection | None) -> list[str]:
    """Clio's bill numbers: the mirror once a sync has read it, else Clio's newest bills, so the
    check speaks before the first sync. Clio numbers bills in sequence, so the newest page holds
    the highest number; reading every bill would spend a call per 200 bills of the first sync's
    Clio allowance (50 calls a minute) before the sync itself has read anything."""
    mirrored = list(Bill.objects.filter(firm=firm).values_list("number", flat=True))
    if mirrored or conn is None:
        return mirrored
    try:
        # https://docs.developers.clio.com/api-reference/#tag/Bills (order: id(desc))
        pages = client_for(conn).pages("bills", fields="id,number", order="id(desc)")
        rows, _ = next(pages, ([], None))
        return [str(r.get("number") or "") for r in rows]
    except ProviderError:
        return []


def numbering_check(
    *, clio: list[str], books_numbers: list[str], cfg: SyncSettings | None, books_name: str
) -> Check:
    """Clio's highest bill number against the books' highest: warns before the first sync when
    Clio's bills would take numbers the books already use (they would wait as flagged bills)."""
    clio_high = max((v for v in map(numbering.number_value, clio) if v is not None), default=0)
    books_high = books.next_number(books_numbers) - 1
    start = cfg.starting_invoice_number if cfg else None
    prefix = cfg.invoice_number_prefix if cfg else ""
    label = "Clio's bill numbers stay clear of the books' numbers"
    if prefix:
        detail = f"Invoices take Clio's number behind {prefix} (bill 1042 becomes {prefix}1042)."
        return Check("clio_numbers", label, True, detail, blocking=False)
    if clio_high and books_high and clio_high <= books_high:
        detail = (
            f"Clio's highest bill number is {clio_high}; {books_name} already uses numbers up to "
            f"{books_high}. Bills whose number is taken, or is below the starting invoice "
            f"number{f' {start}' if start else ''}, wait on the Flagged bills page."
        )
        fix = (
            f"Set Clio's next bill number to {books_high + 1} or higher (Clio: Settings → "
            "Billing), or set an invoice number prefix such as C- in the sync settings below."
        )
        return Check("clio_numbers", label, False, detail, fix=fix, blocking=False)
    detail = (
        f"Clio's highest bill number is {clio_high or 'none yet'}; {books_name}'s highest is "
        f"{books_high or 'none yet'}."
    )
    return Check("clio_numbers", label, True, detail, blocking=False)


def _currency_check(facts: books.BooksFacts, firm: Firm) -> Check:
    return Check(
        "currency",
        f"The books' currency is {firm.currency}",
        facts.home_currency == firm.currency,
        f"The books keep {facts.home_currency or 'an unknown currency'}.",
        fix=f"Connect books kept in {firm.currency}, or change the firm's currency under "
        "Settings → Firm.",
    )


def _account_checks(facts: books.BooksFacts, cfg: SyncSettings | None) -> list[Check]:
    checks = []
    trust_roles = ("trust_bank", "trust_liability")
    for role in trust_roles:
        label = books.ACCOUNT_ROLES[role][0]
        label = label[0].lower() + label[1:]  # "trust bank (IOLTA)"
        present = bool(books.accounts_for_role(facts, role))
        checks.append(
            Check(
                f"account_{role}",
                f"The books have a {label} account",
                present,
                fix=f"Create a {label} account, or let FirmSync create it.",
                blocking=bool(cfg and cfg.sync_trust),
                fixable=True,
            )
        )
    mapped = cfg.accounts if cfg else {}
    missing = [
        books.ACCOUNT_ROLES[r][0] for r in ("fee_income", "operating_bank") if r not in mapped
    ]
    checks.append(
        Check(
            "accounts_mapped",
            "Accounts are mapped",
            not missing,
            f"Not mapped yet: {', '.join(missing)}." if missing else "",
            fix="Choose the accounts in the sync settings below and save.",
        )
    )
    return checks


def trust_accounts_check(*, cfg: SyncSettings) -> Check:
    """Every trust account has a bank account in the books: an account without one has its
    entries fail, by name, until it is mapped. Not blocking: the other accounts still sync."""
    accounts = list(TrustAccount.objects.filter(firm_id=cfg.firm_id))
    primary = next((a.pk for a in accounts if a.is_primary), None)
    missing = [
        a.name
        for a in accounts
        if "trust_bank" not in trust_account_books(cfg, account_id=a.pk, primary_id=primary)
    ]
    return Check(
        "trust_accounts_mapped",
        "Every trust account has its bank account in the books",
        not missing,
        f"Not mapped yet: {', '.join(missing)}." if missing else "",
        fix="Choose each trust account's bank account in the sync settings below and save.",
        blocking=False,
    )


def preflight_run(*, firm: Firm) -> tuple[list[Check], books.BooksFacts | None]:
    cfg = SyncSettings.objects.filter(firm=firm).first()
    checks = _clio_checks(connection_live(firm_id=firm.pk, side=Side.PRACTICE))
    books_conn = connection_live(firm_id=firm.pk, side=Side.BOOKS)
    if books_conn is None:
        checks.append(
            Check(
                "books_connected",
                "The books are connected",
                False,
                fix="Connect QuickBooks Online or Xero above.",
            )
        )
        return checks, None
    facts = books.books_facts(books_conn)
    # Every invoice number the books use, read here before each sync starts: the engine holds a
    # bill whose number one of them has before it is sent (sync.engine.numbering).
    numbering.books_numbers_store(books=books_conn, numbers=facts.numbers)
    checks.append(Check("books_connected", "The books are connected", True, facts.name))
    books_checks = BOOKS[books_conn.provider].preflight_checks
    assert books_checks is not None
    checks += books_checks(facts, _currency_check(facts, firm), cfg.start_date if cfg else None)
    checks += _account_checks(facts, cfg)
    clio = _clio_numbers(firm, connection_live(firm_id=firm.pk, side=Side.PRACTICE))
    checks.append(
        numbering_check(
            clio=clio,
            books_numbers=facts.numbers,
            cfg=cfg,
            books_name=BOOKS[books_conn.provider].label,
        )
    )
    if cfg is not None and cfg.sync_trust:
        checks.append(trust_accounts_check(cfg=cfg))
    if cfg is None:
        checks.append(
            Check(
                "settings_saved",
                "Sync settings are saved",
                False,
                fix="Save the sync settings below.",
            )
        )
    return checks, facts


def preflight_blocking(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.blocking and not c.ok]
