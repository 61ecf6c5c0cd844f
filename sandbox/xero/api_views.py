"""api.xero.com/api.xro/2.0 endpoints: one collection view and one item view per resource."""

from django.http import HttpResponse

from sandbox.xero import bank, credit, orders, pdf, reports, sales, settings_api, store
from sandbox.xero.api_base import xero_api
from sandbox.xero.collection import (
    Spec,
    body_elements,
    envelope,
    find,
    list_page,
    save_elements,
)
from sandbox.xero.errors import (
    ElementError,
    XeroError,
    json_response,
    not_found,
    validation,
    validation_body,
)

TX = ("accounting.transactions",)
SPECS = {
    "Invoices": (
        Spec(
            "Invoices",
            "Invoice",
            "InvoiceID",
            sales.invoice_build,
            "InvoiceNumber",
            paged=True,
            category="INVOICE",
            after_save=sales.invoice_after_save,
            filters={
                "InvoiceNumbers": "number",
                "Statuses": "status",
                "ContactIDs": "data__Contact__ContactID",
            },
        ),
        (*TX, "accounting.invoices"),
    ),
    "CreditNotes": (
        Spec(
            "CreditNotes",
            "CreditNote",
            "CreditNoteID",
            credit.credit_note_build,
            "CreditNoteNumber",
            paged=True,
            category="CREDITNOTE",
            after_save=sales.invoice_after_save,
        ),
        (*TX, "accounting.invoices"),
    ),
    "PurchaseOrders": (
        Spec(
            "PurchaseOrders",
            "PurchaseOrder",
            "PurchaseOrderID",
            orders.purchase_order_build,
            "PurchaseOrderNumber",
            paged=True,
            filters={"Status": "status"},
            date_filters={"DateFrom": ("Date", ">="), "DateTo": ("Date", "<=")},
        ),
        (*TX, "accounting.invoices"),
    ),
    "Quotes": (
        Spec(
            "Quotes",
            "Quote",
            "QuoteID",
            orders.quote_build,
            "QuoteNumber",
            paged=True,
            filters={
                "QuoteNumber": "number",
                "Status": "status",
                "ContactID": "data__Contact__ContactID",
            },
            date_filters={
                "DateFrom": ("Date", ">="),
                "DateTo": ("Date", "<="),
                "ExpiryDateFrom": ("ExpiryDate", ">="),
                "ExpiryDateTo": ("ExpiryDate", "<="),
            },
        ),
        (*TX, "accounting.invoices"),
    ),
    "Payments": (
        Spec(
            "Payments",
            "Payment",
            "PaymentID",
            bank.payment_build,
            paged=True,
            error_flag="HasValidationErrors",
            after_save=bank.payment_after_save,
        ),
        (*TX, "accounting.payments"),
    ),
    "BankTransactions": (
        Spec(
            "BankTransactions",
            "BankTransaction",
            "BankTransactionID",
            bank.bank_transaction_build,
            paged=True,
        ),
        (*TX, "accounting.banktransactions"),
    ),
    "BankTransfers": (
        Spec("BankTransfers", "BankTransfer", "BankTransferID", bank.bank_transfer_build),
        (*TX, "accounting.banktransactions"),
    ),
    "ManualJournals": (
        Spec(
            "ManualJournals",
            "ManualJournal",
            "ManualJournalID",
            bank.manual_journal_build,
            paged=True,
        ),
        (*TX, "accounting.manualjournals"),
    ),
    "Contacts": (
        Spec(
            "Contacts",
            "Contact",
            "ContactID",
            settings_api.contact_build,
            "ContactNumber",
            paged=True,
            error_flag="HasValidationErrors",
            category="CONTACT",
        ),
        ("accounting.contacts",),
    ),
    "Accounts": (
        Spec("Accounts", "Account", "AccountID", settings_api.account_build, "Code"),
        ("accounting.settings",),
    ),
    "Items": (
        Spec("Items", "Item", "ItemID", settings_api.item_build, "Code"),
        ("accounting.settings", "accounting.invoices"),
    ),
    "TaxRates": (
        Spec("TaxRates", "TaxRate", "TaxType", settings_api.tax_rate_build, "TaxType"),
        ("accounting.settings",),
    ),
    "TrackingCategories": (
        Spec(
            "TrackingCategories",
            "TrackingCategory",
            "TrackingCategoryID",
            settings_api.tracking_build,
        ),
        ("accounting.settings",),
    ),
}

# Without `page`, GET Invoices returns every invoice but leaves out line items; with it, up to
# pageSize invoices with their lines
# (developer.xero.com/documentation/api/accounting/invoices, "page").
UNPAGED_DROPS = {"Invoices": ("LineItems",)}
SUMMARY_DROPS = ("LineItems", "Payments", "CreditNotes", "Prepayments", "Overpayments")


def _extra_filter(plural: str):
    def apply(request, qs):
        include = request.GET.get("includeArchived", "").lower() == "true"
        if plural == "Contacts" and not include and not request.GET.get("IDs"):
            qs = qs.exclude(status="ARCHIVED")
        if plural == "BankTransfers" and request.GET.get("includeDeleted", "").lower() != "true":
            qs = qs.exclude(status="DELETED")
        return qs

    return apply


def _list(ctx, spec: Spec):
    rows, meta = list_page(ctx, spec, _extra_filter(spec.plural))
    drops = () if meta else UNPAGED_DROPS.get(spec.plural, ())
    if ctx.request.GET.get("summaryOnly", "").lower() == "true":
        drops = SUMMARY_DROPS
    if drops:
        rows = [{k: v for k, v in r.items() if k not in drops} for r in rows]
    return json_response(envelope(ctx, spec.plural, rows, meta))


def _collection(spec: Spec, scopes):
    @xero_api(spec.plural, scopes)
    def view(ctx):
        method = ctx.request.method
        if method == "GET":
            return _list(ctx, spec)
        if method in ("PUT", "POST"):
            elements = body_elements(ctx.request, spec.plural)
            return save_elements(ctx, spec, elements, create_only=method == "PUT")
        raise XeroError(405, "The requested method is not supported for this resource")

    return view


def _item(spec: Spec, scopes):
    @xero_api(spec.plural + "/{id}", scopes)
    def view(ctx, key):
        method = ctx.request.method
        if method == "GET" and spec.plural in pdf.PDF_KINDS and pdf.wants_pdf(ctx.request):
            return pdf.response(ctx.org, spec.kind, find(ctx, spec, key).data)
        if method == "GET":
            return json_response(envelope(ctx, spec.plural, [find(ctx, spec, key).data]))
        rec = find(ctx, spec, key)
        if method == "POST":
            elements = body_elements(ctx.request, spec.plural)[:1]
            return save_elements(ctx, spec, elements, create_only=False, target=rec)
        if method == "DELETE" and spec.plural in ("Accounts", "Items", "TrackingCategories"):
            return _delete(ctx, spec, rec)
        raise XeroError(405, "The requested method is not supported for this resource")

    return view


def _delete(ctx, spec: Spec, rec):
    """DELETE /Accounts|Items|TrackingCategories/{id}: Accounts come back with Status DELETED,
    Items answer 204 [XERO-SPEC deleteItem/deleteAccount]."""
    if spec.plural == "Items":
        rec.delete()
        return HttpResponse(status=204)
    rec.data["Status"] = "DELETED"
    saved = store.record_save(ctx.org, spec.kind, spec.id_field, rec.data, status="DELETED")
    return json_response(envelope(ctx, spec.plural, [saved.data]))


COLLECTIONS = {name: _collection(spec, scopes) for name, (spec, scopes) in SPECS.items()}
ITEMS = {name: _item(spec, scopes) for name, (spec, scopes) in SPECS.items()}


@xero_api("Organisation", ("accounting.settings",))
def organisation(ctx):
    return json_response(envelope(ctx, "Organisations", [organisation_doc(ctx.org)]))


def organisation_doc(org) -> dict:
    doc = {
        "OrganisationID": org.tenant_id,
        "APIKey": "",
        "Name": org.name,
        "LegalName": org.name,
        "PaysTax": True,
        "Version": "US",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "USD",
        "CountryCode": "US",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 12,
        "SalesTaxBasis": "ACCRUAL",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "CreatedDateUTC": store.msdate(org.created_at),
        "Timezone": "CENTRALSTANDARDTIME",
        "OrganisationEntityType": "COMPANY",
        "ShortCode": org.short_code,
        "Class": "STANDARD",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Legal services",
        "Addresses": [],
        "Phones": [],
        "ExternalLinks": [],
        "PaymentTerms": {},
    }
    if org.period_lock_date:
        doc["PeriodLockDate"] = store.msdate(org.period_lock_date)
    return doc


@xero_api("CreditNotes/{id}/Allocations", (*TX, "accounting.invoices"))
def allocations(ctx, key, allocation_id=None):
    spec = SPECS["CreditNotes"][0]
    rec = find(ctx, spec, key)
    try:
        if ctx.request.method == "DELETE" and allocation_id:
            # XERO-SPEC: the deleted Allocation itself (IsDeleted true), not wrapped in a list
            return json_response(credit.allocation_delete(ctx.org, rec, allocation_id))
        if ctx.request.method != "PUT":
            raise XeroError(405, "The requested method is not supported for this resource")
        out = [
            credit.allocation_create(ctx.org, rec, raw)
            for raw in body_elements(ctx.request, "Allocations")
        ]
    except ElementError as err:
        raise XeroError(
            400, validation_body([{"ValidationErrors": [{"Message": m} for m in err.messages]}])
        ) from err
    return json_response(envelope(ctx, "Allocations", out))


@xero_api("TrackingCategories/{id}/Options", ("accounting.settings",))
def tracking_options(ctx, key, option_id=None):
    spec = SPECS["TrackingCategories"][0]
    rec = find(ctx, spec, key)
    method, cat = ctx.request.method, rec.data
    if option_id:
        option = next((o for o in cat["Options"] if o["TrackingOptionID"] == option_id), None)
        if option is None:
            raise not_found()
        if method == "DELETE":
            cat["Options"].remove(option)  # XERO-SPEC: answers with the remaining options
        elif method == "POST":
            option.update({k: v for k, v in _first(ctx).items() if k in ("Name", "Status")})
        out = cat["Options"] if method == "DELETE" else [option]
    elif method == "PUT":
        try:
            out = [settings_api.tracking_option(cat, o.get("Name", "")) for o in _options(ctx)]
        except ElementError as err:
            raise validation(err.messages[0]) from err
    else:
        raise XeroError(405, "The requested method is not supported for this resource")
    store.record_save(ctx.org, spec.kind, spec.id_field, cat, status=cat.get("Status", "ACTIVE"))
    return json_response(envelope(ctx, "Options", out))


def _options(ctx) -> list[dict]:
    return body_elements(ctx.request, "Options")


def _first(ctx) -> dict:
    return body_elements(ctx.request, "Options")[0]


@xero_api(
    "Reports/TrialBalance", ("accounting.reports.read", "accounting.reports.trialbalance.read")
)
def trial_balance(ctx):
    """GET Reports/TrialBalance?date=YYYY-MM-DD (default today)."""
    if ctx.request.method != "GET":
        raise XeroError(405, "The requested method is not supported for this resource")
    raw = ctx.request.GET.get("date")
    on = store.parse_date(raw) if raw else store.now().date()
    if on is None:
        raise validation(f"'{raw}' is not a valid date.")
    return json_response(envelope(ctx, "Reports", [reports.trial_balance(ctx.org, on)]))
