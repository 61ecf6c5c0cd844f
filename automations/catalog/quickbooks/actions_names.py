"""Name-list actions: customers (and sub-customers), vendors; finding accounts and
products/services; find-or-create of customers and vendors."""

from dataclasses import replace

from automations.catalog.base import Action, ActionError, Ctx, Field, Result
from automations.catalog.quickbooks import calls, records
from automations.catalog.quickbooks.build import PERSON_INPUTS, person_body
from automations.catalog.quickbooks.outputs import outputs
from automations.catalog.quickbooks.wire import need, put, quote, ref, text

DISPLAY = Field(
    "display_name",
    "Display name",
    required=True,
    help="Unique across customers, vendors and employees",
)
NOTES = Field("notes", "Notes", "text")
PARENT = Field(
    "parent_id", "Parent customer id", "id", help="Makes it a sub-customer (a job, e.g. a matter)"
)
CREATED = Field("created", "Created (not found)", "boolean")


def _customer_body(inputs: dict) -> dict:
    body = person_body(inputs)
    put(body, "Notes", text(inputs, "notes"))
    parent = text(inputs, "parent_id")
    if parent:
        # A sub-customer: ParentRef with Job true (Customer page; matters as jobs, API_NOTES 2.8).
        body.update(ParentRef=ref(parent), Job=True, BillWithParent=False)
    return body


def _vendor_body(inputs: dict) -> dict:
    body = person_body(inputs)
    put(body, "AcctNum", text(inputs, "account_number"))
    return body


BODIES = {"Customer": _customer_body, "Vendor": _vendor_body}


def name_create(entity: str):
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#create-a-customer
    def run(ctx: Ctx, inputs: dict) -> Result:
        name = need(inputs, "display_name", "Display name")
        body = BODIES[entity](inputs)
        raw = calls.write(ctx, entity, body)
        return calls.made(ctx, entity, raw, f"{entity.lower()} {name}")

    return run


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#sparse-update-a-customer
def customer_update(ctx: Ctx, inputs: dict) -> Result:
    customer_id = need(
        inputs, "customer_id", "Customer id", "Map the id from a find customer step."
    )
    changes = _customer_body(inputs)
    if text(inputs, "active"):
        changes["Active"] = text(inputs, "active").lower() in ("true", "1", "yes")
    if not changes:
        raise ActionError("Nothing to change was mapped.", "Map at least one field to change.")
    current = calls.read(ctx, "Customer", customer_id, "customer")
    body = {"Id": current["Id"], "SyncToken": current["SyncToken"], "sparse": True, **changes}
    raw = calls.write(ctx, "Customer", body)
    return calls.made(ctx, "Customer", raw, f"customer {current['DisplayName']}", verb="update")


def _by_name_or_email(
    ctx: Ctx, entity: str, name: str, email: str, *, inactive: bool = False
) -> dict | None:
    found = calls.find_name(ctx, entity, "DisplayName", name, inactive=inactive) if name else None
    if found is None and email:
        # The query compares PrimaryEmailAddr's address (Customer page, "Query a customer").
        rows = calls.query(ctx, entity, f"PrimaryEmailAddr = {quote(email)}", limit=10)
        wanted = email.casefold()
        found = next(
            (
                r
                for r in rows
                if (r.get("PrimaryEmailAddr") or {}).get("Address", "").casefold() == wanted
            ),
            None,
        )
    return found


def name_find(entity: str):
    # https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer#query-a-customer
    def run(ctx: Ctx, inputs: dict) -> Result:
        name, email = text(inputs, "name"), text(inputs, "email")
        if not name and not email:
            raise ActionError("Neither a name nor an email was given.", "Map one of them.")
        label = entity.lower()
        raw = _by_name_or_email(ctx, entity, name, email)
        return calls.found(ctx, entity, raw, label, f"No {label} named {name or email}")

    return run


def name_find_or_create(entity: str):
    """Find by display name (an inactive namesake too: it holds the name), then by email;
    create when neither matches. A create that loses a race to the same name (6240) finds the
    winner."""

    def run(ctx: Ctx, inputs: dict) -> Result:
        name, email = need(inputs, "display_name", "Display name"), text(inputs, "email")
        raw = _by_name_or_email(ctx, entity, name, email, inactive=True)
        if raw is None:
            try:
                result = name_create(entity)(ctx, inputs)
            except ActionError:
                raw = calls.find_name(ctx, entity, "DisplayName", name, inactive=True)
                if raw is None:
                    raise
            else:
                if not result.output:  # a dry run
                    return result
                return replace(result, output={**result.output, "created": True})
        result = calls.found(ctx, entity, raw, entity.lower(), "")
        return replace(result, output={**result.output, "created": False})

    return run


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account#query-an-account
def account_find(ctx: Ctx, inputs: dict) -> Result:
    name = need(inputs, "name", "Account name")
    raw = calls.find_name(ctx, "Account", "Name", name)
    if raw is None and ":" in name:  # a sub-account by its full name, "Expenses:Postage"
        raw = calls.find_name(ctx, "Account", "FullyQualifiedName", name)
    return calls.found(ctx, "Account", raw, "account", f"No account named {name}")


ITEM_LINE = (
    Field("item_id", "Product/service id", "id"),
    Field("description", "Description", "text"),
    Field("unit_price", "Rate", "money"),
    Field("qty", "Quantity", "string"),
)


# https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/item#query-an-item
def products_find(ctx: Ctx, inputs: dict) -> Result:
    """The item named so (ignoring case), else those whose name contains it; `lines` holds one
    invoice line per item found, ready for an invoice's lines."""
    name = need(inputs, "name", "Product/service name")
    exact = calls.find_name(ctx, "Item", "Name", name)
    rows = (
        [exact]
        if exact
        else calls.query(ctx, "Item", f"Name LIKE {quote('%' + name + '%')}", limit=25)
    )
    result = calls.found(
        ctx,
        "Item",
        rows[0] if rows else None,
        "product/service",
        f"No product or service named {name}",
    )
    if not rows:
        return result
    qty = text(inputs, "qty") or "1"
    lines = [
        {
            "item_id": str(r["Id"]),
            "description": str(r.get("Description") or r.get("Name") or ""),
            "unit_price": records.item(r)["unit_price"],
            "qty": qty,
        }
        for r in rows
    ]
    return replace(result, output={**result.output, "lines": lines, "count": len(rows)})


def _person_action(entity: str, key: str, name: str, description: str, kind: str, run) -> Action:
    extra = (
        (PARENT, NOTES) if entity == "Customer" else (Field("account_number", "Account number"),)
    )
    return Action(
        app="quickbooks",
        key=key,
        name=name,
        description=description,
        kind=kind,
        fields=(DISPLAY, *PERSON_INPUTS, *extra),
        outputs=outputs(entity, *((CREATED,) if kind == "find_or_create" else ())),
        run=run,
    )


ACTIONS: list[Action] = [
    _person_action(
        "Customer",
        "create_customer",
        "Create customer",
        "Adds a new customer; with a parent customer, a sub-customer (a job).",
        "create",
        name_create("Customer"),
    ),
    _person_action(
        "Vendor",
        "create_vendor",
        "Create vendor",
        "Adds a new vendor.",
        "create",
        name_create("Vendor"),
    ),
    Action(
        app="quickbooks",
        key="update_customer",
        name="Update customer",
        description="Updates an existing customer: only the mapped fields change.",
        kind="update",
        fields=(
            Field("customer_id", "Customer id", "id", True),
            Field("display_name", "Display name"),
            *PERSON_INPUTS,
            PARENT,
            NOTES,
            Field("active", "Active", "boolean"),
        ),
        outputs=outputs("Customer"),
        run=customer_update,
    ),
    Action(
        app="quickbooks",
        key="find_account",
        name="Find account",
        description="Find an account by name.",
        kind="find",
        fields=(Field("name", "Account name", required=True),),
        outputs=outputs("Account"),
        run=account_find,
    ),
    Action(
        app="quickbooks",
        key="find_customer",
        name="Find customer",
        description="Find a customer by name or email address.",
        kind="find",
        fields=(Field("name", "Display name"), Field("email", "Email", "email")),
        outputs=outputs("Customer"),
        run=name_find("Customer"),
    ),
    Action(
        app="quickbooks",
        key="find_products",
        name="Find product(s)",
        description="Find a product or service by name (with line item support: `lines` holds "
        "one invoice line per product found).",
        kind="find",
        fields=(
            Field("name", "Product/service name", required=True),
            Field("qty", "Quantity for the lines", "string", help="Empty: 1"),
        ),
        outputs=outputs(
            "Item",
            Field("lines", "Lines", "lines", fields=ITEM_LINE),
            Field("count", "Products found", "number"),
        ),
        run=products_find,
    ),
    Action(
        app="quickbooks",
        key="find_vendor",
        name="Find vendor",
        description="Find a vendor by name (or email address).",
        kind="find",
        fields=(Field("name", "Display name"), Field("email", "Email", "email")),
        outputs=outputs("Vendor"),
        run=name_find("Vendor"),
    ),
    _person_action(
        "Customer",
        "find_or_create_customer",
        "Find or create customer",
        "Finds a customer by display name (then email), or creates it.",
        "find_or_create",
        name_find_or_create("Customer"),
    ),
    _person_action(
        "Vendor",
        "find_or_create_vendor",
        "Find or create vendor",
        "Finds a vendor by display name (then email), or creates it.",
        "find_or_create",
        name_find_or_create("Vendor"),
    ),
]
