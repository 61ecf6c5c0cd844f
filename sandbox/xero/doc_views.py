"""`POST Invoices/{InvoiceID}/Email` and `GET <Documents>/{id}/pdf`.

Emailing: the invoice must be a sales invoice (ACCREC) of a status that can be sent (SUBMITTED,
AUTHORISED or PAID) and its contact needs an email address; success is 204 with no body, and the
invoice is then marked `SentToContact` (an INVOICE UPDATE event). The sandbox keeps what it would
have sent for `GET _control/emails`.
[XERO-SPEC emailInvoice;
developer.xero.com/documentation/api/accounting/invoices#emailing-an-invoice]
"""

from django.http import HttpResponse

from sandbox.core import json_strict
from sandbox.xero import pdf, store
from sandbox.xero.api_base import xero_api
from sandbox.xero.api_views import SPECS, TX
from sandbox.xero.collection import find
from sandbox.xero.errors import XeroError, validation
from sandbox.xero.models import Record

SENDABLE = ("SUBMITTED", "AUTHORISED", "PAID")
# Not verified against the live service: Xero's exact wording for these refusals.
NOT_SALES = "Only sales invoices (Type ACCREC) can be sent by email."
NOT_SENDABLE = "Invoice not of valid status for sending by email"
NO_EMAIL = "The contact for this invoice does not have an email address."


@xero_api("Invoices/{id}/Email", (*TX, "accounting.invoices"))
def invoice_email(ctx, key):
    if ctx.request.method != "POST":
        raise XeroError(405, "The requested method is not supported for this resource")
    try:
        json_strict(ctx.request.body)
    except ValueError as exc:
        raise validation("The request body could not be read as JSON.") from exc
    rec = find(ctx, SPECS["Invoices"][0], key)
    invoice_email_check(ctx.org, rec)
    invoice_email_send(ctx.org, rec, address_of(ctx.org, rec))
    return HttpResponse(status=204)


def address_of(org, rec: Record) -> str:
    """The contact's current email address (the invoice embeds a copy that may be stale)."""
    contact = store.record_get(org, "Contact", rec.data["Contact"]["ContactID"])
    return str((contact.data if contact else rec.data["Contact"]).get("EmailAddress") or "")


def invoice_email_check(org, rec: Record) -> None:
    inv = rec.data
    element = {"InvoiceID": inv["InvoiceID"], "InvoiceNumber": inv.get("InvoiceNumber", "")}
    if inv["Type"] != "ACCREC":
        raise validation(NOT_SALES, element)
    if inv["Status"] not in SENDABLE:
        raise validation(NOT_SENDABLE, element)
    if not address_of(org, rec):
        raise validation(NO_EMAIL, element)


def invoice_email_send(org, rec: Record, address: str) -> dict:
    """Keep the email the organisation sent and mark the invoice as sent to the contact."""
    inv = rec.data
    sent = {
        "EmailID": store.new_id(),
        "InvoiceID": inv["InvoiceID"],
        "InvoiceNumber": inv.get("InvoiceNumber", ""),
        "To": address,
        "Subject": f"Invoice {inv.get('InvoiceNumber', '')} from {org.name}",
        "SentDateUTC": store.msdate(store.now()),
    }
    store.record_save(org, "InvoiceEmail", "EmailID", sent, new=True, number=sent["InvoiceNumber"])
    inv["SentToContact"] = True
    saved = store.record_save(org, "Invoice", "InvoiceID", inv, status=rec.status)
    from sandbox.xero.webhooks import event_record

    event_record(org, "INVOICE", "Invoices", saved, False)
    return sent


def emails_sent(org) -> list[dict]:
    rows = Record.objects.filter(organisation=org, kind="InvoiceEmail").order_by("pk")
    return [r.data for r in rows]


def _pdf_view(plural: str):
    spec, scopes = SPECS[plural]

    @xero_api(plural + "/{id}/pdf", scopes)
    def view(ctx, key):
        if ctx.request.method != "GET":
            raise XeroError(405, "The requested method is not supported for this resource")
        return pdf.response(ctx.org, spec.kind, find(ctx, spec, key).data)

    return view


PDF_VIEWS = {plural: _pdf_view(plural) for plural in pdf.PDF_KINDS}
