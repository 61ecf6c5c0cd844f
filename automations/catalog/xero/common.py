"""What every Xero action shares: reading inputs, one write with per-element errors, results."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from automations.catalog.base import Action, ActionError, Ctx, Field, Result
from automations.catalog.xero import wire
from sync.providers.amounts import wire_amount
from sync.providers.errors import ProviderError, ProviderNotFound

APP = "xero"
STATUS_FIX = "Check the values mapped into this step against what Xero accepts, then retry the run."


def action(key, name, description, kind, fields, outputs, run) -> Action:
    return Action(APP, key, name, description, kind, tuple(fields), tuple(outputs), run)


# -- inputs ------------------------------------------------------------------------------------


def text(inputs: dict, key: str) -> str:
    value = inputs.get(key)
    return "" if value is None else str(value).strip()


def required(inputs: dict, key: str, label: str) -> str:
    value = text(inputs, key)
    if not value:
        raise ActionError(f"{label} is empty.", f"Map a value into “{label}”.")
    return value


def day(inputs: dict, key: str, label: str) -> str:
    """A date input as YYYY-MM-DD (Xero's request format), or "" when not given."""
    value = inputs.get(key)
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError as exc:
        raise ActionError(
            f"{label} “{value}” is not a date.", f"Give {label.lower()} as YYYY-MM-DD."
        ) from exc


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def decimal(inputs: dict, key: str, label: str, *, required_: bool = False) -> Decimal | None:
    value = inputs.get(key)
    if value in (None, ""):
        if required_:
            raise ActionError(f"{label} is empty.", f"Map an amount into “{label}”.")
        return None
    try:
        return wire.decimal_in(value, label)
    except ValueError as exc:
        raise ActionError(
            f"{label} “{value}” is not a number.", "Give a number such as 125.50."
        ) from exc


def choice(inputs: dict, key: str, label: str, choices: tuple[str, ...], default: str) -> str:
    value = text(inputs, key) or default
    for option in choices:
        if option.lower() == value.lower():
            return option
    raise ActionError(
        f"{label} “{value}” is not one Xero knows.", f"Choose one of {', '.join(choices)}."
    )


def lines_in(inputs: dict, key: str = "lines") -> list[dict]:
    raw = inputs.get(key)
    if isinstance(raw, str) and raw.strip():
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ActionError("The line items could not be read.", "Map a list of lines.") from exc
    if isinstance(raw, dict):
        raw = [raw]
    if not raw or not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise ActionError(
            "There are no line items.", "Add at least one line with a description and an amount."
        )
    return raw


def line_items(inputs: dict) -> list[dict]:
    """The lines as Xero's LineItems; the step's tracking (category + option) on every line."""
    tracking = []
    category, option = text(inputs, "tracking_category"), text(inputs, "tracking_option")
    if category and option:
        tracking = [{"Name": category, "Option": option}]
    out = []
    for n, raw in enumerate(lines_in(inputs), start=1):
        line = _line(raw, n)
        if tracking:
            line["Tracking"] = tracking
        out.append(line)
    return out


LINE_KEYS = {
    "description": "Description",
    "account_code": "AccountCode",
    "item_code": "ItemCode",
    "tax_type": "TaxType",
}


def _line(raw: dict, n: int) -> dict:
    line: dict = {
        wire_key: str(raw[k]).strip()
        for k, wire_key in LINE_KEYS.items()
        if raw.get(k) not in (None, "")
    }
    if not line.get("Description") and not line.get("ItemCode"):
        raise ActionError(
            f"Line {n} has no description.", "Give each line a description or an item code."
        )
    try:
        quantity = wire.decimal_in(raw.get("quantity") or 1, "quantity")
        if raw.get("unit_amount") not in (None, ""):
            line["UnitAmount"] = wire.wire_number(wire.decimal_in(raw["unit_amount"], "unit price"))
        line["Quantity"] = wire.wire_number(quantity)
    except ValueError as exc:
        raise ActionError(
            f"Line {n}: {exc}.", "Give quantities and prices as numbers, e.g. 1.5 and 250.00."
        ) from exc
    return line


def contact_ref(inputs: dict, *, needed: bool = True) -> dict | None:
    """A document's contact: by ContactID, else by Name (Xero uses the active contact of that
    name, or adds one) [developer.xero.com/documentation/api/accounting/invoices, Contact]."""
    if contact_id := text(inputs, "contact_id"):
        return {"ContactID": contact_id}
    if name := text(inputs, "contact_name"):
        return {"Name": name}
    if needed:
        raise ActionError(
            "No contact was given.", "Map a contact ID (from a find step) or a contact name."
        )
    return None


def put_optional(payload: dict, inputs: dict, fields: dict[str, str]) -> dict:
    for key, wire_key in fields.items():
        if value := text(inputs, key):
            payload[wire_key] = value
    return payload


def money_out(value: Decimal) -> float:
    return wire_amount(value)


# -- calls -------------------------------------------------------------------------------------


def read(ctx: Ctx, path: str, params: dict | None = None) -> dict:
    return ctx.client.http.request("GET", path, params=params).json()


def refused(exc: ProviderError, what: str) -> ActionError:
    return ActionError(f"Xero refused to {what}: {exc.message}", STATUS_FIX)


def save(
    ctx: Ctx,
    method: str,
    resource: str,
    element: dict,
    what: str,
    *,
    summarize: bool = True,
    part: str = "",
) -> dict | None:
    """One element PUT (create) or POST (create or update by id); the saved element, or None in a
    dry run. With summarizeErrors=false Xero answers 200 and puts its messages on the element.
    https://developer.xero.com/documentation/api/accounting/requests-and-responses#summarize-errors"""
    params = {"summarizeErrors": "false"} if summarize else None
    try:
        body = ctx.write(method, resource, json={resource: [element]}, params=params, part=part)
    except ProviderNotFound as exc:
        raise ActionError(
            f"Xero has no such record to {what}.", "Map the ID from a find step or the trigger."
        ) from exc
    except ProviderError as exc:
        if exc.status == 400:
            raise refused(exc, what) from exc
        raise
    if body is None:
        return None
    rows = body.get(resource) or []
    if not rows:
        raise ActionError(f"Xero did not {what}: it answered with nothing.", STATUS_FIX)
    row = rows[0]
    messages = [e.get("Message", "") for e in row.get("ValidationErrors") or []]
    if (
        row.get("StatusAttributeString") == "ERROR"
        or row.get("HasErrors")
        or row.get("HasValidationErrors")
    ):
        raise ActionError(
            f"Xero refused to {what}: {'; '.join(m for m in messages if m) or 'no reason given'}",
            STATUS_FIX,
        )
    return row


def would(summary: str) -> Result:
    return Result(output={}, summary=summary)


def made(
    ctx: Ctx,
    web_kind: str,
    record: dict,
    summary: str,
    *,
    row: dict | None = None,
    found: bool | None = None,
) -> Result:
    output = dict(record)
    if row is not None and "Contact" in row:
        contact = row.get("Contact") or {}
        output.update(contact_id=contact.get("ContactID", ""), contact_name=contact.get("Name", ""))
    url = wire.web_url(ctx.web_base, web_kind, record.get("id", ""))
    output["url"] = url
    return Result(
        output=output, record_id=record.get("id", ""), record_url=url, summary=summary, found=found
    )


# -- the fields many actions share -------------------------------------------------------------

CONTACT_IN = (
    Field(
        "contact_id", "Contact ID", "id", help="From a find step or the trigger; or give a name."
    ),
    Field(
        "contact_name",
        "Contact name",
        help="Used when no ID is given: Xero uses the contact of that name, or adds it.",
    ),
)
LINE_IN = Field(
    "lines",
    "Line items",
    "lines",
    required=True,
    fields=(
        Field("description", "Description", "text"),
        Field("quantity", "Quantity", "money", help="Defaults to 1."),
        Field("unit_amount", "Unit price", "money"),
        Field("account_code", "Account code", help="e.g. 200"),
        Field("item_code", "Item code"),
        Field("tax_type", "Tax rate", help="e.g. NONE, OUTPUT"),
    ),
)
LAT_CHOICES = ("Exclusive", "Inclusive", "NoTax")
LAT_IN = Field(
    "line_amount_types",
    "Amounts are",
    "choice",
    choices=LAT_CHOICES,
    help="Tax exclusive (default), inclusive or no tax.",
)
TRACKING_IN = (
    Field("tracking_category", "Tracking category", help="e.g. Matter; set on every line."),
    Field("tracking_option", "Tracking option", help="An option of that category."),
)


def doc_outputs(specs: tuple) -> tuple[Field, ...]:
    return (
        *wire.output_fields(specs),
        Field("contact_id", "Contact ID", "id"),
        Field("contact_name", "Contact name"),
    )
