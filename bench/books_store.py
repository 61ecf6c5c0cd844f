"""What the books hold (records by type, records held more than once), read from the sandbox
books' own store rather than through their APIs: those reads would count against the very limits
being measured, and the store holds exactly the rows the APIs serve.

What makes two records the same record, by what FirmSync writes (sync/providers/*/mapping.py and
*writer.py): a customer or contact by its name (QuickBooks refuses a second DisplayName; Xero does
not), an invoice by its number (DocNumber, InvoiceNumber), a payment by our reference on it
("Clio <allocation id>"), a trust transaction by its marker ("FirmSync trust <id>").
"""

from collections import Counter
from collections.abc import Iterable, Iterator

from django.db.models import Count

from sandbox.quickbooks.models import Record as QboRecord
from sandbox.xero.models import Record as XeroRecord

QBO_NUMBERED = ("Invoice", "CreditMemo")
QBO_TRUST = ("Deposit", "Purchase", "Transfer", "JournalEntry")
XERO_TRUST = ("BankTransaction", "BankTransfer")
TRUST_SEPARATOR = " · "  # the QuickBooks memo goes after the marker


def extra_copies(keys: Iterable[str]) -> int:
    """How many records repeat a key already seen. Blank keys are not ours: not counted."""
    counts = Counter(key for key in keys if key)
    return sum(n - 1 for n in counts.values() if n > 1)


def _qbo_keys(realm_id: str) -> Iterator[str]:
    rows = QboRecord.objects.filter(company__realm_id=realm_id, deleted=False)
    for type_, key, data in rows.values_list("type", "key", "data").iterator(chunk_size=2000):
        if type_ == "Customer" or type_ in QBO_NUMBERED:
            yield f"{type_}|{key}" if key else ""
        elif type_ == "Payment":
            yield f"Payment|{data.get('PaymentRefNum') or ''}" if data.get("PaymentRefNum") else ""
        elif type_ in QBO_TRUST:
            note = (data.get("PrivateNote") or "").split(TRUST_SEPARATOR)[0]
            yield f"trust|{note}" if note.startswith("FirmSync trust ") else ""


def _xero_keys(tenant_id: str) -> Iterator[str]:
    rows = XeroRecord.objects.filter(organisation__tenant_id=tenant_id).exclude(status="DELETED")
    fields = ("kind", "doc_type", "number", "label", "data")
    for kind, doc_type, number, label, data in rows.values_list(*fields).iterator(chunk_size=2000):
        if kind == "Contact":
            yield f"Contact|{label.casefold()}" if label else ""
        elif kind in ("Invoice", "CreditNote"):
            yield f"{kind}|{doc_type}|{number}" if number else ""
        elif kind == "Payment" or kind in XERO_TRUST:
            reference = data.get("Reference") or ""
            yield f"{kind}|{reference}" if reference else ""


def duplicates(provider: str, external_id: str) -> int:
    """Records in these books more than once (realm id or tenant id)."""
    keys = _qbo_keys(external_id) if provider == "quickbooks" else _xero_keys(external_id)
    return extra_copies(keys)


def invoices(provider: str, external_id: str) -> int:
    """Sales invoices the books hold now."""
    if provider == "quickbooks":
        rows = QboRecord.objects.filter(company__realm_id=external_id, type="Invoice")
        return rows.filter(deleted=False).count()
    rows = XeroRecord.objects.filter(organisation__tenant_id=external_id, kind="Invoice")
    return rows.filter(doc_type="ACCREC").exclude(status="DELETED").count()


def record_counts(provider: str, external_id: str) -> dict[str, int]:
    """Records of the types FirmSync writes, by type (bench.books.QBO_ENTITIES, XERO_RESOURCES)."""
    if provider == "quickbooks":
        rows = QboRecord.objects.filter(company__realm_id=external_id, deleted=False)
        kinds = ("Customer", *QBO_NUMBERED, "Payment", *QBO_TRUST)
        found = rows.filter(type__in=kinds).values_list("type").annotate(n=Count("pk"))
    else:
        rows = XeroRecord.objects.filter(organisation__tenant_id=external_id)
        kinds = ("Contact", "Invoice", "CreditNote", "Payment", *XERO_TRUST, "ManualJournal")
        rows = rows.filter(kind__in=kinds).exclude(status="DELETED")
        found = rows.values_list("kind").annotate(n=Count("pk"))
    return {kind: 0 for kind in kinds} | dict(found)
