"""Reads and writes through the connection's client (ctx.client.http: base `/v3/company/<realm>`,
the rate budget, retries, our errors), and QuickBooks' faults as things a firm can fix."""

from automations.catalog.base import ActionError, Ctx, Result
from automations.catalog.quickbooks import records
from automations.catalog.quickbooks.wire import MINOR_VERSION, QUERY_MAX, quote, web_url
from sync.providers.errors import ProviderError

# Faults a firm fixes by changing what it maps (developer.intuit.com …/troubleshooting/error-codes).
FIXES = {
    "610": "A record it points to (customer, vendor, item, account or form) is deleted or "
    "inactive in QuickBooks: make it active again or map another one.",
    "620": "The form belongs to another customer: pick the customer the form was made for.",
    "2010": "QuickBooks did not accept a value's kind: check the mapped fields.",
    "2020": "A field QuickBooks needs is empty: map it.",
    "2050": "A value is too long for QuickBooks (document numbers: 21 characters at most).",
    "2500": "An id points to nothing in QuickBooks: map the id from a find step.",
    "5010": "Someone changed the record in QuickBooks meanwhile: run the step again.",
    "6000": "QuickBooks refused the record as it stands: check the mapped values.",
    "6070": "A line's amount must equal its quantity times its rate.",
    "6140": "That number is already used in QuickBooks: map another number, or none.",
    "6210": "The books are closed for that date: use a later date or move the closing date.",
    "6240": "Another customer, vendor or employee already has that name: use another name, "
    "or a find or create step.",
    "6540": "The payment is on a bank deposit and cannot change.",
}


def _fault(exc: ProviderError) -> ActionError:
    fix = FIXES.get(exc.code)
    if fix is None or (exc.status or 0) >= 500:
        raise exc
    return ActionError(f"QuickBooks refused it: {exc.message}", fix)


def get(ctx: Ctx, path: str, **params) -> dict:
    response = ctx.client.http.request(
        "GET", path, params={"minorversion": MINOR_VERSION, **params}
    )
    return response.json()


# https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
def query(
    ctx: Ctx, entity: str, where: str = "", *, order: str = "", limit: int = 100, start: int = 1
) -> list:
    """One page of `SELECT * FROM entity [WHERE …] [ORDERBY …]` (one call); STARTPOSITION is
    1-based, MAXRESULTS at most 1000."""
    # Intuit's query language, sent to the provider, not to our database.
    statement = f"SELECT * FROM {entity}"  # noqa: S608
    if where:
        statement += f" WHERE {where}"
    if order:
        statement += f" ORDERBY {order}"
    statement += f" STARTPOSITION {start} MAXRESULTS {max(1, min(limit, QUERY_MAX))}"
    body = get(ctx, "query", query=statement)
    return (body.get("QueryResponse") or {}).get(entity, [])


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#read-an-invoice
def read(ctx: Ctx, entity: str, record_id: str, label: str = "") -> dict:
    """The record, or ActionError when there is none (QuickBooks: 610 Object Not Found)."""
    if not str(record_id).strip().isdigit():
        raise ActionError(
            f"{label or entity} id {record_id!r} is not a QuickBooks id.",
            "Map the id from a trigger or a find step.",
        )
    try:
        return get(ctx, f"{entity.lower()}/{str(record_id).strip()}")[entity]
    except ProviderError as exc:
        if exc.code in ("610", "2500") or exc.status == 404:
            raise ActionError(
                f"No {label or entity} {record_id} in QuickBooks.",
                "Map the id from a trigger or a find step.",
            ) from exc
        raise


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#create-an-invoice
def write(ctx: Ctx, entity: str, body: dict, *, part: str = "", **params) -> dict | None:
    """Create or update `entity` with the step's requestid; None in a dry run."""
    try:
        answer = ctx.write(
            "POST",
            entity.lower(),
            json=body,
            params={"minorversion": MINOR_VERSION, **params},
            part=part,
        )
    except ProviderError as exc:
        raise _fault(exc) from exc
    return None if answer is None else answer[entity]


def _name_key(value: str) -> str:
    return " ".join(str(value).split()).casefold()


def find_name(
    ctx: Ctx, entity: str, field: str, value: str, *, inactive: bool = False
) -> dict | None:
    """The record whose `field` is `value` ignoring case and spacing ("anna  SMITH" finds
    "Anna Smith"): one LIKE query on the words, then an exact look. With `inactive`, an
    inactive namesake is found too (it still holds the name: 6240), an active one first."""
    words = [w.replace("%", "") for w in str(value).split()]
    where = f"{field} LIKE {quote('%'.join(w for w in words if w) or value)}"
    if inactive:
        where += " AND Active IN (true, false)"
    rows = query(ctx, entity, where, limit=50)
    wanted = _name_key(value)
    matches = [r for r in rows if _name_key(r.get(field, "")) == wanted]
    return next((r for r in matches if r.get("Active", True)), matches[0] if matches else None)


PAST = {"create": "Created", "update": "Updated", "send": "Sent"}


def made(ctx: Ctx, entity: str, raw: dict | None, what: str, verb: str = "create") -> Result:
    """The Result of a write: the record's fields as output, or "Would …" in a dry run."""
    if raw is None:
        return Result(output={}, summary=f"Would {verb} {what}")
    output = {**records.flat(entity, raw), "url": web_url(ctx.web_base, entity, raw["Id"])}
    return Result(
        output=output,
        record_id=output["id"],
        record_url=output["url"],
        summary=f"{PAST[verb]} {what} {output['id']}",
    )


def found(ctx: Ctx, entity: str, raw: dict | None, what: str, missing: str) -> Result:
    if raw is None:
        return Result(output={}, found=False, summary=missing)
    output = {**records.flat(entity, raw), "url": web_url(ctx.web_base, entity, raw["Id"])}
    return Result(
        output=output,
        record_id=output["id"],
        record_url=output["url"],
        summary=f"Found {what} {output['id']}",
        found=True,
    )


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#send-an-invoice
def send(ctx: Ctx, path: str, params: dict) -> dict | None:
    """POST …/<form>/<id>/send[?sendTo=]: no body, sent as application/octet-stream (the
    Invoice page's "Send an invoice"); the form comes back marked EmailSent."""
    try:
        return ctx.write(
            "POST",
            path,
            params={"minorversion": MINOR_VERSION, **params},
            headers={"Content-Type": "application/octet-stream"},
        )
    except ProviderError as exc:
        raise _fault(exc) from exc
