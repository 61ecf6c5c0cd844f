"""Clio's find and find-or-create actions: one index read with Clio's own filters (`query`,
`type`, `client_id`, `custom_field_values[ID]`), then an exact match here, because Clio's
`query` also matches parts of words and other fields. The newest match wins.
https://docs.developers.clio.com/api-reference/#tag/Matters/operation/Matter#index ,
https://docs.developers.clio.com/api-reference/#tag/Contacts/operation/Contact#index
"""

from automations.catalog.base import Action, ActionError, Ctx, Field, Result
from automations.catalog.clio import wire
from automations.catalog.clio.actions_records import (
    CONTACT_OUT,
    CONTACT_OUTPUTS,
    MATTER_FIELDS,
    MATTER_OUT,
    MATTER_OUTPUTS,
    PERSON_FIELDS,
    contact_create,
    contact_output,
    matter_create,
    matter_output,
)
from automations.catalog.clio.common import an_id, first, made, need, rows

MATTER_BY = ("display_number", "number", "description", "client_name")
BILL_OUT = (
    "id,number,state,issued_at,due_at,total,balance,client{id,name},matters{id,display_number}"
)


def _same(a, b) -> bool:
    return wire.text(a).strip().casefold() == wire.text(b).strip().casefold()


def _none(summary: str) -> Result:
    return Result(output={}, summary=summary, found=False)


def _newest(records: list[dict]) -> dict | None:
    return max(records, key=lambda r: r["id"]) if records else None


# -- matters --------------------------------------------------------------------------------


def _matter_value(matter: dict, by: str):
    if by == "client_name":
        return (matter.get("client") or {}).get("name")
    return matter.get(by)


def matter_find(ctx: Ctx, by: str, value: str, **filters) -> dict | None:
    found = first(ctx, "matters", fields=MATTER_OUT, query=value, **filters)
    return _newest([m for m in found if _same(_matter_value(m, by), value)])


def find_matter(ctx: Ctx, inputs: dict) -> Result:
    by = inputs.get("by") or "display_number"
    if by not in MATTER_BY:
        raise ActionError(
            f"Matters cannot be found by “{by}”.", f"Choose one of {', '.join(MATTER_BY)}."
        )
    need(inputs, "value")
    value = wire.text(inputs["value"]).strip()
    # The index filter takes the spec's lower-case statuses (open, pending, closed).
    status = wire.text(inputs.get("status")).lower() or None
    matter = matter_find(ctx, by, value, status=status)
    if matter is None:
        return _none(f"No matter with {by.replace('_', ' ')} {value}")
    summary = f"Found matter {matter['display_number']}"
    return made(ctx, "matters", matter, matter_output(matter), summary, found=True)


def find_newest_matter_by_client_email(ctx: Ctx, inputs: dict) -> Result:
    need(inputs, "email")
    email = wire.text(inputs["email"]).strip()
    fields = "id,primary_email_address,email_addresses{address}"
    contacts = first(ctx, "contacts", fields=fields, query=email)
    ids = sorted(
        c["id"]
        for c in contacts
        if any(_same(e.get("address"), email) for e in c.get("email_addresses") or [])
        or _same(c.get("primary_email_address"), email)
    )
    newest = None
    for client_id in ids[:5]:  # one email rarely belongs to more than one contact
        found = first(
            ctx, "matters", fields=MATTER_OUT, client_id=client_id, order="id(desc)", limit=1
        )
        newest = _newest([m for m in [newest, *found] if m])
    if newest is None:
        return _none(f"No matter for a client with email {email}")
    summary = f"Found matter {newest['display_number']}"
    return made(ctx, "matters", newest, matter_output(newest), summary, found=True)


def find_or_create_matter(ctx: Ctx, inputs: dict) -> Result:
    client_id = an_id(inputs, "client_id")
    need(inputs, "description")
    description = wire.text(inputs["description"]).strip()
    found = first(ctx, "matters", fields=MATTER_OUT, client_id=client_id, query=description)
    matter = _newest([m for m in found if _same(m.get("description"), description)])
    if matter is not None:
        output = matter_output(matter) | {"created": False}
        summary = f"Found matter {matter['display_number']}"
        return made(ctx, "matters", matter, output, summary, found=True)
    made_ = matter_create(ctx, inputs)
    output = made_.output | {"created": True} if made_.output else {}
    return Result(output, made_.record_id, made_.record_url, made_.summary, None)


# -- custom fields --------------------------------------------------------------------------


def _custom_field(ctx: Ctx, parent: str, given) -> int:
    """A custom field's id from its id or its name (one read for a name)."""
    text = wire.text(given).strip()
    if text.isdigit():
        return int(text)
    found = first(ctx, "custom_fields", fields="id,name", parent_type=parent.lower(), query=text)
    match = next((f for f in found if _same(f.get("name"), text)), None)
    if match is None:
        raise ActionError(
            f"Clio has no {parent.lower()} custom field named “{text}”.",
            "Use the custom field's exact name as Clio shows it, or its id.",
        )
    return match["id"]


def _by_custom_field(
    ctx: Ctx, resource: str, parent: str, inputs: dict, fields: str
) -> dict | None:
    need(inputs, "custom_field", "value")
    field_id = _custom_field(ctx, parent, inputs["custom_field"])
    value = wire.text(inputs["value"]).strip()
    found = first(ctx, resource, fields=fields, **{f"custom_field_values[{field_id}]": value})
    return _newest(found)


def find_contact_by_custom_field(ctx: Ctx, inputs: dict) -> Result:
    contact = _by_custom_field(ctx, "contacts", "Contact", inputs, CONTACT_OUT)
    if contact is None:
        return _none(f"No contact with {inputs['custom_field']} = {inputs['value']}")
    summary = f"Found contact {contact['id']} {contact['name']}"
    return made(ctx, "contacts", contact, contact_output(contact), summary, found=True)


def find_matter_by_custom_field(ctx: Ctx, inputs: dict) -> Result:
    matter = _by_custom_field(ctx, "matters", "Matter", inputs, MATTER_OUT)
    if matter is None:
        return _none(f"No matter with {inputs['custom_field']} = {inputs['value']}")
    summary = f"Found matter {matter['display_number']}"
    return made(ctx, "matters", matter, matter_output(matter), summary, found=True)


# -- contacts -------------------------------------------------------------------------------


def contact_find(ctx: Ctx, kind: str, inputs: dict) -> dict | None:
    email = wire.text(inputs.get("email")).strip()
    name = wire.text(inputs.get("name")).strip()
    if kind == "Person" and not name:
        name = " ".join(wire.text(inputs.get(k)) for k in ("first_name", "last_name")).strip()
    if not (email or name):
        raise ActionError(
            "Nothing to find the contact by.", "Map the contact's email or name in this step."
        )
    found = first(ctx, "contacts", fields=CONTACT_OUT, type=kind, query=email or name)
    if email:
        return _newest([c for c in found if _same(c.get("primary_email_address"), email)])
    return _newest([c for c in found if _same(c.get("name"), name)])


def _find_contact(kind: str):
    def run(ctx: Ctx, inputs: dict) -> Result:
        contact = contact_find(ctx, kind, inputs)
        if contact is None:
            what = inputs.get("email") or inputs.get("name") or ""
            return _none(f"No {kind.lower()} contact {what}".strip())
        summary = f"Found {kind.lower()} contact {contact['id']} {contact['name']}"
        return made(ctx, "contacts", contact, contact_output(contact), summary, found=True)

    return run


def _find_or_create_contact(kind: str):
    def run(ctx: Ctx, inputs: dict) -> Result:
        contact = contact_find(ctx, kind, inputs)
        if contact is not None:
            output = contact_output(contact) | {"created": False}
            summary = f"Found {kind.lower()} contact {contact['id']} {contact['name']}"
            return made(ctx, "contacts", contact, output, summary, found=True)
        result = contact_create(ctx, kind, inputs)
        output = result.output | {"created": True} if result.output else {}
        return Result(output, result.record_id, result.record_url, result.summary, None)

    return run


# -- bills and users ------------------------------------------------------------------------


def find_bill(ctx: Ctx, inputs: dict) -> Result:
    number = wire.text(inputs.get("number")).strip()
    filters = {
        "client_id": inputs.get("client_id") or None,
        "matter_id": inputs.get("matter_id") or None,
        "query": number or None,
        "state": inputs.get("state") or None,
    }
    if not any(filters[k] for k in ("client_id", "matter_id", "query")):
        raise ActionError(
            "Nothing to find the bill by.",
            "Map the client's id, the matter's id or the bill number.",
        )
    found = first(ctx, "bills", fields=BILL_OUT, **filters)
    bill = _newest([b for b in found if not number or _same(b.get("number"), number)])
    if bill is None:
        return _none("No bill " + (f"numbered {number}" if number else "for that client or matter"))
    client, matters = bill.get("client") or {}, bill.get("matters") or [{}]
    output = {k: bill.get(k) for k in ("id", "number", "state", "issued_at", "due_at")}
    output |= {
        "total": wire.money(bill.get("total")),
        "balance": wire.money(bill.get("balance")),
        "client_id": client.get("id"),
        "client_name": wire.text(client.get("name")),
        "matter_id": matters[0].get("id"),
    }
    summary = f"Found bill {bill['number']} ({bill['state']})"
    return made(ctx, "bills", bill, output, summary, found=True)


def find_user(ctx: Ctx, inputs: dict) -> Result:
    email = wire.text(inputs.get("email")).strip()
    name = wire.text(inputs.get("name")).strip()
    if not (email or name):
        raise ActionError("Nothing to find the user by.", "Map the user's email or name.")
    users = rows(ctx, "users", fields="id,name,email,first_name,last_name,enabled")
    match = [
        u for u in users if (_same(u.get("email"), email) if email else _same(u.get("name"), name))
    ]
    user = _newest(match)
    if user is None:
        return _none(f"No Clio user {email or name}")
    output = {k: user.get(k) for k in ("id", "name", "email", "first_name", "last_name")}
    return Result(output, str(user["id"]), "", f"Found user {user['id']} {user['name']}", True)


def _f(key: str, label: str, kind: str = "string", **kw) -> Field:
    return Field(key, label, kind, **kw)


ID = _f("id", "ID", "id")
CREATED = _f("created", "Created (not found)", "boolean")
CUSTOM = (
    _f("custom_field", "Custom field (name or ID)", required=True),
    _f("value", "Value", required=True),
)
FIND_CONTACT = (_f("name", "Name"), _f("email", "Email", "email"))
BILL_STATES = ("draft", "awaiting_approval", "awaiting_payment", "paid", "void", "deleted")


def _a(key, name, description, kind, fields, outputs, run) -> Action:
    return Action("clio", key, name, description, kind, tuple(fields), tuple(outputs), run)


ACTIONS: list[Action] = [
    _a(
        "find_matter",
        "Find matter",
        "Finds the newest matter by its display number, number, description or client's name.",
        "find",
        [
            _f("by", "Find by", "choice", choices=MATTER_BY),
            _f("value", "Value", required=True),
            _f("status", "Only with status", "choice", choices=("Open", "Pending", "Closed")),
        ],
        MATTER_OUTPUTS,
        find_matter,
    ),
    _a(
        "find_company_contact",
        "Find company contact",
        "Finds a company by email (or, without one, by exact name).",
        "find",
        FIND_CONTACT,
        CONTACT_OUTPUTS,
        _find_contact("Company"),
    ),
    _a(
        "find_person_contact",
        "Find person contact",
        "Finds a person by email (or, without one, by exact name).",
        "find",
        (*FIND_CONTACT, _f("first_name", "First name"), _f("last_name", "Last name")),
        CONTACT_OUTPUTS,
        _find_contact("Person"),
    ),
    _a(
        "find_contact_by_custom_field",
        "Find contact by custom field",
        "Finds the newest contact whose custom field has the value.",
        "find",
        CUSTOM,
        CONTACT_OUTPUTS,
        find_contact_by_custom_field,
    ),
    _a(
        "find_bill",
        "Find bill",
        "Finds the newest bill of a client or a matter, or the bill with a number.",
        "find",
        [
            _f("number", "Bill (invoice) number"),
            _f("client_id", "Client ID", "id"),
            _f("matter_id", "Matter ID", "id"),
            _f("state", "Only in state", "choice", choices=BILL_STATES),
        ],
        [
            ID,
            _f("number", "Number"),
            _f("state", "State"),
            _f("issued_at", "Issued on", "date"),
            _f("due_at", "Due on", "date"),
            _f("total", "Total", "money"),
            _f("balance", "Balance", "money"),
            _f("client_id", "Client ID", "id"),
            _f("client_name", "Client name"),
            _f("matter_id", "Matter ID", "id"),
            _f("url", "Link in Clio"),
        ],
        find_bill,
    ),
    _a(
        "find_newest_matter_by_client_email",
        "Find newest matter by client email",
        "Finds the client with the email and its newest matter.",
        "find",
        [_f("email", "Client's email", "email", required=True)],
        MATTER_OUTPUTS,
        find_newest_matter_by_client_email,
    ),
    _a(
        "find_matter_by_custom_field",
        "Find matter by custom field",
        "Finds the newest matter whose custom field has the value.",
        "find",
        CUSTOM,
        MATTER_OUTPUTS,
        find_matter_by_custom_field,
    ),
    _a(
        "find_user",
        "Find user",
        "Finds a Clio user (a firm member) by email or name.",
        "find",
        FIND_CONTACT,
        [
            ID,
            _f("name", "Name"),
            _f("email", "Email", "email"),
            _f("first_name", "First name"),
            _f("last_name", "Last name"),
        ],
        find_user,
    ),
    _a(
        "find_or_create_person_contact",
        "Find or create person contact",
        "Finds a person by email (or name); creates them when there is none.",
        "find_or_create",
        (*PERSON_FIELDS,),
        (*CONTACT_OUTPUTS, CREATED),
        _find_or_create_contact("Person"),
    ),
    _a(
        "find_or_create_company_contact",
        "Find or create company contact",
        "Finds a company by email (or name); creates it when there is none.",
        "find_or_create",
        (_f("name", "Name", required=True), _f("email", "Email", "email"), _f("phone", "Phone")),
        (*CONTACT_OUTPUTS, CREATED),
        _find_or_create_contact("Company"),
    ),
    _a(
        "find_or_create_matter",
        "Find or create matter",
        "Finds the client's matter with this description; opens one when there is none.",
        "find_or_create",
        (
            _f("client_id", "Client (contact ID)", "id", required=True),
            _f("description", "Description", required=True),
            *MATTER_FIELDS,
        ),
        (*MATTER_OUTPUTS, CREATED),
        find_or_create_matter,
    ),
]
