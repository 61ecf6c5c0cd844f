"""Clio actions that make or change matters and contacts (people and companies).

https://docs.developers.clio.com/api-reference/#tag/Matters ,
https://docs.developers.clio.com/api-reference/#tag/Contacts . A contact's email, phone and
address are items of its `email_addresses`, `phone_numbers` and `addresses`; the default item
is what Clio shows as primary.
"""

from typing import Any

from automations.catalog.base import Action, ActionError, Ctx, Field, Result
from automations.catalog.clio import wire
from automations.catalog.clio.common import an_id, compact, dry, made, one, ref, send

CONTACT_OUT = "id,name,first_name,last_name,type,primary_email_address,primary_phone_number"
MATTER_OUT = f"id,{wire.MATTER_KEYS.removeprefix('id,')},client{{id,name}}"
ADDRESS_KEYS = ("street", "city", "province", "postal_code", "country")


def contact_output(contact: dict) -> dict:
    return {
        "id": contact["id"],
        "name": wire.text(contact.get("name")),
        "first_name": wire.text(contact.get("first_name")),
        "last_name": wire.text(contact.get("last_name")),
        "type": wire.text(contact.get("type")),
        "email": wire.text(contact.get("primary_email_address")),
        "phone": wire.text(contact.get("primary_phone_number")),
    }


def matter_output(matter: dict) -> dict:
    client = matter.get("client") or {}
    return {
        "id": matter["id"],
        "number": matter.get("number"),
        "display_number": wire.text(matter.get("display_number")),
        "description": wire.text(matter.get("description")),
        "status": wire.text(matter.get("status")),
        "client_id": client.get("id"),
        "client_name": wire.text(client.get("name")),
    }


def _person_name(inputs: dict) -> str:
    return " ".join(wire.text(inputs.get(k)) for k in ("first_name", "last_name")).strip()


def contact_body(kind: str, inputs: dict) -> dict:
    """A new contact: its name, and its email, phone and address as the default items."""
    if kind == "Person" and not _person_name(inputs):
        raise ActionError(
            "A person needs a first or last name.", "Map “first_name” or “last_name”."
        )
    if kind == "Company" and not wire.text(inputs.get("name")).strip():
        raise ActionError("A company needs a name.", "Map “name” in this step.")
    body: dict[str, Any] = {"type": kind}
    if kind == "Person":
        body |= compact({k: inputs.get(k) for k in ("first_name", "last_name", "title", "prefix")})
    else:
        body["name"] = inputs["name"]
    if inputs.get("email"):
        body["email_addresses"] = [
            {"name": "Work", "address": inputs["email"], "default_email": True}
        ]
    if inputs.get("phone"):
        body["phone_numbers"] = [
            {"name": "Work", "number": inputs["phone"], "default_number": True}
        ]
    address = compact({k: inputs.get(k) for k in ADDRESS_KEYS})
    if address:
        body["addresses"] = [{"name": "Work", **address}]
    return body


# https://docs.developers.clio.com/api-reference/#tag/Contacts/operation/Contact#create
def contact_create(ctx: Ctx, kind: str, inputs: dict) -> Result:
    body = contact_body(kind, inputs)
    contact = send(ctx, "POST", "contacts.json", body, fields=CONTACT_OUT)
    label = body.get("name") or _person_name(inputs)
    if contact is None:
        return dry(f"create {kind.lower()} contact", label)
    summary = f"Created {kind.lower()} contact {contact['id']} {contact['name']}"
    return made(ctx, "contacts", contact, contact_output(contact), summary)


def create_person_contact(ctx: Ctx, inputs: dict) -> Result:
    return contact_create(ctx, "Person", inputs)


def create_company_contact(ctx: Ctx, inputs: dict) -> Result:
    return contact_create(ctx, "Company", inputs)


# https://docs.developers.clio.com/api-reference/#tag/Contacts/operation/Contact#update
def _contact_update(ctx: Ctx, kind: str, inputs: dict) -> Result:
    contact_id = an_id(inputs, "contact_id")
    current = one(
        ctx,
        "contacts",
        contact_id,
        fields="id,type,email_addresses{id,address,primary},phone_numbers{id,number,primary}",
        noun="contact",
    )
    if current.get("type") != kind:
        raise ActionError(
            f"Contact {contact_id} is a {str(current.get('type')).lower()}, not a {kind.lower()}.",
            f"Use “Update {str(current.get('type')).lower()} contact” for it, or map another id.",
        )
    keys = ("first_name", "last_name", "title", "prefix") if kind == "Person" else ("name",)
    body = compact({k: inputs.get(k) for k in keys})
    if inputs.get("email"):
        body["email_addresses"] = [_item(current, "email_addresses", "address", inputs["email"])]
    if inputs.get("phone"):
        body["phone_numbers"] = [_item(current, "phone_numbers", "number", inputs["phone"])]
    if not body:
        raise ActionError("Nothing to change on the contact.", "Map at least one field to change.")
    contact = send(ctx, "PATCH", f"contacts/{contact_id}.json", body, fields=CONTACT_OUT)
    if contact is None:
        return dry(f"update {kind.lower()} contact", f"{contact_id}: {', '.join(sorted(body))}")
    summary = f"Updated {kind.lower()} contact {contact_id} ({', '.join(sorted(body))})"
    return made(ctx, "contacts", contact, contact_output(contact), summary)


def _item(current: dict, collection: str, key: str, value: str) -> dict:
    """Change the primary email or phone in place; add one as the default when there is none."""
    primary = next((i for i in current.get(collection) or [] if i.get("primary")), None)
    if primary:
        return {"id": primary["id"], key: value}
    default = "default_email" if collection == "email_addresses" else "default_number"
    return {"name": "Work", key: value, default: True}


def update_person_contact(ctx: Ctx, inputs: dict) -> Result:
    return _contact_update(ctx, "Person", inputs)


def update_company_contact(ctx: Ctx, inputs: dict) -> Result:
    return _contact_update(ctx, "Company", inputs)


def matter_body(inputs: dict) -> dict:
    return compact(
        {
            "description": inputs.get("description"),
            "status": inputs.get("status"),
            "client_reference": inputs.get("client_reference"),
            "location": inputs.get("location"),
            "open_date": wire.iso(inputs.get("open_date")),
            "close_date": wire.iso(inputs.get("close_date")),
            "responsible_attorney": ref(inputs, "responsible_attorney_id"),
            "originating_attorney": ref(inputs, "originating_attorney_id"),
        }
    )


# https://docs.developers.clio.com/api-reference/#tag/Matters/operation/Matter#create
def matter_create(ctx: Ctx, inputs: dict) -> Result:
    client_id = an_id(inputs, "client_id")
    if not wire.text(inputs.get("description")).strip():
        raise ActionError("A matter needs a description.", "Map “description” in this step.")
    body = {"client": {"id": client_id}, **matter_body(inputs)}
    matter = send(ctx, "POST", "matters.json", body, fields=MATTER_OUT)
    if matter is None:
        return dry("create matter", f"“{inputs['description']}” for client {client_id}")
    summary = f"Created matter {matter['display_number']}"
    return made(ctx, "matters", matter, matter_output(matter), summary)


# https://docs.developers.clio.com/api-reference/#tag/Matters/operation/Matter#update
def update_matter(ctx: Ctx, inputs: dict) -> Result:
    matter_id = an_id(inputs, "matter_id")
    body = matter_body(inputs)
    if not body:
        raise ActionError("Nothing to change on the matter.", "Map at least one field to change.")
    matter = send(ctx, "PATCH", f"matters/{matter_id}.json", body, fields=MATTER_OUT)
    if matter is None:
        return dry("update matter", f"{matter_id}: {', '.join(sorted(body))}")
    summary = f"Updated matter {matter['display_number']} ({', '.join(sorted(body))})"
    return made(ctx, "matters", matter, matter_output(matter), summary)


def _f(key: str, label: str, kind: str = "string", **kw) -> Field:
    return Field(key, label, kind, **kw)


URL = _f("url", "Link in Clio")
ADDRESS_FIELDS = (
    _f("street", "Street"),
    _f("city", "City"),
    _f("province", "State or province"),
    _f("postal_code", "Postal code"),
    _f("country", "Country"),
)
PERSON_FIELDS = (
    _f("first_name", "First name"),
    _f("last_name", "Last name"),
    _f("title", "Title"),
    _f("prefix", "Prefix"),
    _f("email", "Email", "email"),
    _f("phone", "Phone"),
)
COMPANY_FIELDS = (_f("email", "Email", "email"), _f("phone", "Phone"))
CONTACT_OUTPUTS = (
    _f("id", "ID", "id"),
    _f("name", "Name"),
    _f("first_name", "First name"),
    _f("last_name", "Last name"),
    _f("type", "Type"),
    _f("email", "Email", "email"),
    _f("phone", "Phone"),
    URL,
)
MATTER_STATUS = ("Open", "Pending", "Closed")
MATTER_FIELDS = (
    _f("status", "Status", "choice", choices=MATTER_STATUS),
    _f("client_reference", "Client reference"),
    _f("location", "Location"),
    _f("open_date", "Opened on", "date"),
    _f("close_date", "Closed on", "date"),
    _f("responsible_attorney_id", "Responsible attorney (user ID)", "id"),
    _f("originating_attorney_id", "Originating attorney (user ID)", "id"),
)
MATTER_OUTPUTS = (
    _f("id", "ID", "id"),
    _f("number", "Number", "number"),
    _f("display_number", "Display number"),
    _f("description", "Description"),
    _f("status", "Status"),
    _f("client_id", "Client ID", "id"),
    _f("client_name", "Client name"),
    URL,
)
FIRST_OR_LAST = "A first or a last name is needed."

ACTIONS: list[Action] = [
    Action(
        "clio",
        "create_matter",
        "Create matter",
        "Opens a matter for a client.",
        "create",
        (
            _f("client_id", "Client (contact ID)", "id", required=True),
            _f("description", "Description", required=True),
            *MATTER_FIELDS,
        ),
        MATTER_OUTPUTS,
        matter_create,
    ),
    Action(
        "clio",
        "update_matter",
        "Update matter",
        "Changes a matter's description, status, dates, reference or attorneys.",
        "update",
        (
            _f("matter_id", "Matter ID", "id", required=True),
            _f("description", "Description"),
            *MATTER_FIELDS,
        ),
        MATTER_OUTPUTS,
        update_matter,
    ),
    Action(
        "clio",
        "create_person_contact",
        "Create person contact",
        f"Adds a person to Clio's contacts. {FIRST_OR_LAST}",
        "create",
        (*PERSON_FIELDS, *ADDRESS_FIELDS),
        CONTACT_OUTPUTS,
        create_person_contact,
    ),
    Action(
        "clio",
        "create_company_contact",
        "Create company contact",
        "Adds a company to Clio's contacts.",
        "create",
        (_f("name", "Name", required=True), *COMPANY_FIELDS, *ADDRESS_FIELDS),
        CONTACT_OUTPUTS,
        create_company_contact,
    ),
    Action(
        "clio",
        "update_person_contact",
        "Update person contact",
        "Changes a person's name, title, primary email or primary phone.",
        "update",
        (_f("contact_id", "Contact ID", "id", required=True), *PERSON_FIELDS),
        CONTACT_OUTPUTS,
        update_person_contact,
    ),
    Action(
        "clio",
        "update_company_contact",
        "Update company contact",
        "Changes a company's name, primary email or primary phone.",
        "update",
        (
            _f("contact_id", "Contact ID", "id", required=True),
            _f("name", "Name"),
            *COMPANY_FIELDS,
        ),
        CONTACT_OUTPUTS,
        update_company_contact,
    ),
]
