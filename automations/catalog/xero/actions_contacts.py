"""Xero actions on contacts, items, accounts and tracking options, and the finds."""

from automations.catalog.base import ActionError, Ctx, Field, Result
from automations.catalog.xero import common, wire
from automations.catalog.xero.common import action, text
from sync.providers.errors import ProviderError

CONTACT_FIELDS = {
    "name": "Name",
    "first_name": "FirstName",
    "last_name": "LastName",
    "email_address": "EmailAddress",
    "contact_number": "ContactNumber",
    "account_number": "AccountNumber",
    "tax_number": "TaxNumber",
}
CONTACT_IN = (
    Field("name", "Name", help="Unique among active contacts in Xero."),
    Field("first_name", "First name"),
    Field("last_name", "Last name"),
    Field("email_address", "Email", "email"),
    Field(
        "contact_number",
        "Contact number",
        help="Your own reference for the contact (e.g. the Clio id).",
    ),
    Field("account_number", "Account number"),
    Field("tax_number", "Tax number"),
    Field("phone", "Phone"),
)
CONTACT_OUT = wire.output_fields(wire.CONTACT)


def _contact_payload(inputs: dict) -> dict:
    payload = common.put_optional({}, inputs, CONTACT_FIELDS)
    if phone := text(inputs, "phone"):
        payload["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": phone}]
    return payload


def _contact_made(ctx: Ctx, row: dict, verb: str) -> Result:
    record = wire.contact(row)
    return common.made(ctx, "contact", record, f"{verb} contact {record['name']}")


def contact_create(ctx: Ctx, inputs: dict) -> Result:
    payload = _contact_payload(inputs)
    name = common.required(inputs, "name", "Name")
    # https://developer.xero.com/documentation/api/accounting/contacts#put-contacts
    row = common.save(ctx, "PUT", "Contacts", payload, "add the contact")
    if row is None:
        return common.would(f"Would add contact {name}")
    return _contact_made(ctx, row, "Added")


def contact_update(ctx: Ctx, inputs: dict) -> Result:
    contact_id = common.required(inputs, "contact_id", "Contact ID")
    changes = _contact_payload(inputs)
    if not changes:
        raise ActionError("Nothing to change was given.", "Map at least one field to update.")
    # https://developer.xero.com/documentation/api/accounting/contacts#post-contacts
    row = common.save(
        ctx, "POST", "Contacts", {"ContactID": contact_id, **changes}, "update the contact"
    )
    if row is None:
        return common.would(f"Would update contact {contact_id}")
    return _contact_made(ctx, row, "Updated")


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def contact_search(ctx: Ctx, inputs: dict) -> tuple[dict | None, str]:
    """By contact number, then email, then name (ignoring case and spacing): one searchTerm call
    each, stopping at the first match; (the row or None, what was looked for)."""
    wanted = [
        ("ContactNumber", text(inputs, "contact_number"), "numbered"),
        ("EmailAddress", text(inputs, "email_address"), "with email"),
        ("Name", text(inputs, "name"), "named"),
    ]
    wanted = [w for w in wanted if w[1]]
    if not wanted:
        raise ActionError(
            "Nothing to look for was given.", "Map a name, an email or a contact number."
        )
    for wire_key, value, _ in wanted:
        # A name is searched by its longest word: the contact may be typed with other spacing.
        term = max(value.split(), key=len) if wire_key == "Name" else value
        # https://developer.xero.com/documentation/api/accounting/contacts#get-contacts
        # (searchTerm: case-insensitive, across Name, FirstName, LastName, ContactNumber,
        # CompanyNumber and EmailAddress)
        rows = common.read(ctx, "Contacts", {"searchTerm": term}).get("Contacts") or []
        found = next((r for r in rows if _norm(str(r.get(wire_key) or "")) == _norm(value)), None)
        if found:
            return found, ""
    return None, " or ".join(f"{how} {value}" for _, value, how in wanted)


def contact_find(ctx: Ctx, inputs: dict) -> Result:
    row, looked_for = contact_search(ctx, inputs)
    if row is None:
        return Result(output={}, summary=f"No contact {looked_for}", found=False)
    record = wire.contact(row)
    return common.made(ctx, "contact", record, f"Found contact {record['name']}", found=True)


def contact_find_or_create(ctx: Ctx, inputs: dict) -> Result:
    row, _ = contact_search(ctx, inputs)
    if row is not None:
        record = wire.contact(row)
        return common.made(ctx, "contact", record, f"Found contact {record['name']}", found=True)
    return contact_create(ctx, inputs)


# -- items, accounts, tracking -----------------------------------------------------------------

ITEM_OUT = wire.output_fields(
    (
        ("id", "Item ID", "id"),
        ("code", "Code", "string"),
        ("name", "Name", "string"),
        ("description", "Description", "text"),
        ("is_sold", "Sold", "boolean"),
        ("is_purchased", "Purchased", "boolean"),
        ("sale_price", "Sale price", "money"),
        ("sales_account_code", "Sales account", "string"),
        ("purchase_price", "Purchase price", "money"),
        ("purchase_account_code", "Purchases account", "string"),
    )
)


def _details(inputs: dict, price_key: str, account_key: str, tax_key: str) -> dict:
    details: dict = {}
    price = common.decimal(inputs, price_key, "Price")
    if price is not None:
        details["UnitPrice"] = wire.wire_number(price)
    return common.put_optional(details, inputs, {account_key: "AccountCode", tax_key: "TaxType"})


def item_create(ctx: Ctx, inputs: dict) -> Result:
    code = common.required(inputs, "code", "Code")
    if len(code) > 30:
        raise ActionError(
            f"Item code “{code}” is longer than 30 characters.", "Use a shorter code."
        )
    payload = common.put_optional(
        {"Code": code},
        inputs,
        {
            "name": "Name",
            "description": "Description",
            "purchase_description": "PurchaseDescription",
        },
    )
    sales = _details(inputs, "sale_price", "sales_account_code", "sales_tax_type")
    purchases = _details(inputs, "purchase_price", "purchase_account_code", "purchase_tax_type")
    payload.update(IsSold=bool(sales), IsPurchased=bool(purchases))
    if sales:
        payload["SalesDetails"] = sales
    if purchases:
        payload["PurchaseDetails"] = purchases
    # https://developer.xero.com/documentation/api/accounting/items#put-items
    row = common.save(ctx, "PUT", "Items", payload, "add the item")
    if row is None:
        return common.would(f"Would add item {code}")
    record = wire.item(row)
    return common.made(ctx, "item", record, f"Added item {record['code']} {record['name']}".strip())


def _find_one(ctx: Ctx, resource: str, inputs: dict, noun: str):
    code, name = text(inputs, "code"), text(inputs, "name")
    if not code and not name:
        raise ActionError("Nothing to look for was given.", f"Map the {noun}'s code or name.")
    clauses = [f"Code=={wire.where_string(code)}"] if code else []
    clauses += [f"Name=={wire.where_string(name)}"] if name else []
    # https://developer.xero.com/documentation/api/accounting/items#get-items (where)
    rows = common.read(ctx, resource, {"where": " OR ".join(clauses)}).get(resource) or []
    by_code = [r for r in rows if code and str(r.get("Code") or "").casefold() == code.casefold()]
    return (by_code or rows or [None])[0], " or ".join(
        x for x in (code and f"coded {code}", name and f"named {name}") if x
    )


def item_find(ctx: Ctx, inputs: dict) -> Result:
    row, looked_for = _find_one(ctx, "Items", inputs, "item")
    if row is None:
        return Result(output={}, summary=f"No item {looked_for}", found=False)
    record = wire.item(row)
    return common.made(ctx, "item", record, f"Found item {record['code']}", found=True)


def account_find(ctx: Ctx, inputs: dict) -> Result:
    row, looked_for = _find_one(ctx, "Accounts", inputs, "account")
    if row is None:
        return Result(output={}, summary=f"No account {looked_for}", found=False)
    record = wire.account(row)
    return common.made(
        ctx,
        "account",
        record,
        f"Found account {record['code']} {record['name']}".strip(),
        found=True,
    )


TRACKING_OUT = (
    Field("id", "Tracking option ID", "id"),
    Field("name", "Option"),
    Field("status", "Status"),
    Field("tracking_category_id", "Tracking category ID", "id"),
    Field("tracking_category_name", "Tracking category"),
    Field("url", "Link in Xero"),
)


def _tracking_result(ctx: Ctx, option: dict, category: dict, summary: str, found=None) -> Result:
    record = {
        "id": option.get("TrackingOptionID", ""),
        "name": option.get("Name", ""),
        "status": option.get("Status", ""),
        "tracking_category_id": category.get("TrackingCategoryID", ""),
        "tracking_category_name": category.get("Name", ""),
    }
    url = wire.web_url(ctx.web_base, "tracking", record["id"])
    return Result(
        output={**record, "url": url},
        record_id=record["id"],
        record_url=url,
        summary=summary,
        found=found,
    )


def tracking_option_create(ctx: Ctx, inputs: dict) -> Result:
    wanted = common.required(inputs, "tracking_category", "Tracking category")
    name = common.required(inputs, "name", "Option name")
    # https://developer.xero.com/documentation/api/accounting/trackingcategories#get-trackingcategories
    categories = common.read(ctx, "TrackingCategories").get("TrackingCategories") or []
    category = next(
        (
            c
            for c in categories
            if wanted.casefold()
            in (str(c.get("Name", "")).casefold(), str(c.get("TrackingCategoryID", "")).casefold())
        ),
        None,
    )
    if category is None:
        names = ", ".join(c.get("Name", "") for c in categories) or "none"
        raise ActionError(
            f"Xero has no tracking category “{wanted}”.",
            f"Use one of: {names}; or add it in Xero under Settings > Tracking categories.",
        )
    existing = next(
        (o for o in category.get("Options") or [] if _norm(o.get("Name", "")) == _norm(name)), None
    )
    if existing is not None:
        return _tracking_result(
            ctx,
            existing,
            category,
            f"{category['Name']} already has option {existing['Name']}",
            found=True,
        )
    path = f"TrackingCategories/{category['TrackingCategoryID']}/Options"
    try:
        # https://developer.xero.com/documentation/api/accounting/trackingcategories#put-trackingoptions
        body = ctx.write("PUT", path, json={"Name": name})
    except ProviderError as exc:
        if exc.status == 400:
            raise common.refused(exc, "add the tracking option") from exc
        raise
    if body is None:
        return common.would(f"Would add option {name} to {category['Name']}")
    option = (body.get("Options") or [{}])[0]
    return _tracking_result(
        ctx, option, category, f"Added option {option.get('Name', name)} to {category['Name']}"
    )


FIND_CONTACT_IN = (
    Field("name", "Name"),
    Field("email_address", "Email", "email"),
    Field("contact_number", "Contact number"),
)
CODE_NAME_IN = (Field("code", "Code"), Field("name", "Name"))
ACCOUNT_OUT = wire.output_fields(wire.ACCOUNT)

ACTIONS = [
    action(
        "create_contact",
        "Create contact",
        "Adds a contact (a customer or a supplier).",
        "create",
        (
            Field("name", "Name", required=True, help="Unique among active contacts in Xero."),
            *CONTACT_IN[1:],
        ),
        CONTACT_OUT,
        contact_create,
    ),
    action(
        "update_contact",
        "Update contact",
        "Changes a contact's details; fields left empty stay as they are.",
        "update",
        (Field("contact_id", "Contact ID", "id", required=True), *CONTACT_IN),
        CONTACT_OUT,
        contact_update,
    ),
    action(
        "find_contact",
        "Find contact",
        "Finds a contact by contact number, email or name.",
        "find",
        FIND_CONTACT_IN,
        CONTACT_OUT,
        contact_find,
    ),
    action(
        "find_or_create_contact",
        "Find or create contact",
        "Finds a contact by contact number, email or name; adds it when there is none.",
        "find_or_create",
        (Field("name", "Name", required=True), *CONTACT_IN[1:]),
        CONTACT_OUT,
        contact_find_or_create,
    ),
    action(
        "create_item",
        "Create item",
        "Adds a product or service to the items list.",
        "create",
        (
            Field("code", "Code", required=True, help="Up to 30 characters, unique."),
            Field("name", "Name"),
            Field("description", "Sales description", "text"),
            Field("sale_price", "Sale price", "money"),
            Field("sales_account_code", "Sales account code", help="e.g. 200"),
            Field("sales_tax_type", "Sales tax rate"),
            Field("purchase_description", "Purchase description", "text"),
            Field("purchase_price", "Purchase price", "money"),
            Field("purchase_account_code", "Purchases account code"),
            Field("purchase_tax_type", "Purchases tax rate"),
        ),
        ITEM_OUT,
        item_create,
    ),
    action(
        "find_item",
        "Find item",
        "Finds an item by code or name.",
        "find",
        CODE_NAME_IN,
        ITEM_OUT,
        item_find,
    ),
    action(
        "find_account",
        "Find account",
        "Finds an account in the chart of accounts by code or name.",
        "find",
        CODE_NAME_IN,
        ACCOUNT_OUT,
        account_find,
    ),
    action(
        "create_tracking_option",
        "Create tracking option",
        "Adds an option to a tracking category (e.g. a matter under “Matter”); "
        "an option of that name already there is returned instead.",
        "create",
        (
            Field(
                "tracking_category",
                "Tracking category",
                required=True,
                help="Its name (e.g. Matter) or ID.",
            ),
            Field("name", "Option name", required=True, help="e.g. {{matter.display_number}}"),
        ),
        TRACKING_OUT,
        tracking_option_create,
    ),
]
