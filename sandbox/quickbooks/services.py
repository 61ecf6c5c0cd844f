"""Create, update, delete and void, with the rules that make real syncs drift.

- SyncToken optimistic concurrency (5010), QBO-XSD IntuitEntity docs.
- DocNumber: Preferences.SalesFormsPrefs.CustomTxnNumbers (Invoice doc), 6140 duplicates unless
  `include=allowduplicatedocnum`, max 21 characters.
- Closing date: AccountingInfoPrefs.BookCloseDate, 6210 for any change dated on or before it.
- Deposited payments cannot change (6540).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction

from sandbox.quickbooks import compute, faults, links, purchases, schema, unit
from sandbox.quickbooks.entities import Spec
from sandbox.quickbooks.models import Company, Record
from sandbox.quickbooks.prefs import book_close_date, doc_number_next, pref_value
from sandbox.quickbooks.store import (
    find_by_subtype,
    next_ids,
    record_create,
    record_delete,
    record_get,
    record_save,
    ref,
)

READ_ONLY = ("Id", "SyncToken", "MetaData", "domain", "status")
SALES_TYPES = ["Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt", "Estimate"]
DUP_PREFS = {
    "Bill": "WarnDuplicateBillNumber",
    "JournalEntry": "WarnDuplicateJournalNumber",
    "Purchase": "WarnDuplicateCheckNumber",
}


@contextmanager
def _writing(company: Company) -> Iterator[None]:
    """One write, with the call's unit of work. Inside a transaction it opens no atomic block of
    its own: the API call rolls back on a fault, a batch item either holds a savepoint or writes
    nothing before it is done (sandbox.quickbooks.api_bulk), and a fault passing through a
    nested block would doom the whole batch's transaction."""
    if transaction.get_connection().in_atomic_block:
        with unit.scope(company):
            yield
        return
    with transaction.atomic(), unit.scope(company):
        yield


@dataclass
class WriteOptions:
    include: set = field(default_factory=set)
    bookkeeper: bool = False  # the control API acting in the QBO website: closing date is a warning


def body_bind(spec: Spec, body: dict) -> dict:
    """The body as Intuit's JSON binding reads it: fields its schema does not know and values
    of the wrong type are refused (2010); "" and null of typed fields are unset."""
    unknown = schema.unknown_fields(body, spec.name)
    if unknown:
        raise faults.request_invalid(
            f'Property Name:Unrecognized field "{unknown[0]}" (class '
            f"com.intuit.schema.finance.v3.{spec.name}), not marked as ignorable specified is "
            "unsupported or invalid"
        )
    try:
        return schema.bind(body, spec.name)
    except schema.BindError as exc:
        raise faults.request_invalid(str(exc)) from exc


def entity_create(company: Company, spec: Spec, body: dict, opts: WriteOptions) -> dict:
    if spec.kind in ("ro", "single"):
        raise faults.unsupported(f"Create for {spec.name}")
    body = body_bind(spec, body)
    data = {k: v for k, v in body.items() if k not in (*READ_ONLY, "sparse")}
    with _writing(company):
        rid = next_ids(company)
        data, meta = prepare(company, spec, data, None, opts)
        _effects(company, spec, data, rid, +1)
        rec = record_create(company, spec.name, data, meta=meta, rid=rid)
        _balances(company, spec, None, rec.data)
    return rec.data


def entity_update(company: Company, spec: Spec, body: dict, opts: WriteOptions) -> dict:
    if spec.kind == "ro":
        raise faults.unsupported(f"Update for {spec.name}")
    bound = body_bind(spec, body)
    if spec.kind != "single":  # Preferences merge field by field, and there null clears one
        body = bound
    with _writing(company):
        rec = _current(company, spec, body)
        sparse = body.get("sparse") in (True, "true")
        new = {k: v for k, v in body.items() if k not in (*READ_ONLY, "sparse")}
        if spec.kind == "single":
            data = _deep_merge(rec.data, new)
            return record_save(rec, data).data
        _guard_change(company, rec, opts)
        data = {**_strip(rec.data), **new} if sparse else new
        data, meta = prepare(company, spec, data, rec, opts)
        _effects(company, spec, rec.data, rec.remote_id, -1)
        _effects(company, spec, data, rec.remote_id, +1)
        old = rec.data
        rec.meta = {**rec.meta, **meta}
        saved = record_save(rec, data, _operation(spec, old, data)).data
        _balances(company, spec, old, saved)
        return saved


def _operation(spec: Spec, old: dict, new: dict) -> str:
    """Name lists are never deleted, only made inactive: that is their Delete notification."""
    if spec.kind == "name" and new.get("Active") is False and old.get("Active") is not False:
        return "Delete"
    return "Update"


def entity_delete(company: Company, spec: Spec, body: dict, opts: WriteOptions) -> dict:
    if spec.kind != "txn":
        # Name lists are never deleted: set Active false (Customer doc page).
        raise faults.unsupported(f"Delete for {spec.name}")
    body = body_bind(spec, body)
    with _writing(company):
        rec = _current(company, spec, body)
        _guard_change(company, rec, opts)
        if spec.name in ("Invoice", "CreditMemo"):
            links.payment_unlink_invoice(company, rec)
        _effects(company, spec, rec.data, rec.remote_id, -1)
        answer = record_delete(rec)
        _balances(company, spec, rec.data, None)
        return answer


def entity_void(company: Company, spec: Spec, body: dict, opts: WriteOptions) -> dict:
    """Void keeps the transaction with zero amounts and PrivateNote "Voided" (void samples)."""
    if not spec.void:
        raise faults.unsupported(f"Void for {spec.name}")
    body = body_bind(spec, body)
    with _writing(company):
        rec = _current(company, spec, body)
        _guard_change(company, rec, opts)
        if spec.name in ("Invoice", "CreditMemo"):
            links.payment_unlink_invoice(company, rec)
            rec.refresh_from_db()
        _effects(company, spec, rec.data, rec.remote_id, -1)
        old = rec.data
        data = _strip(rec.data)
        _zero(spec, data)
        saved = record_save(rec, data, "Void").data
        _balances(company, spec, old, saved)
        return saved


def _zero(spec: Spec, data: dict) -> None:
    data["PrivateNote"] = "Voided"
    data["TotalAmt"] = 0
    if spec.name == "Payment":
        data["Line"], data["UnappliedAmt"] = [], 0
        return
    for line in data.get("Line") or []:
        line["Amount"] = 0
        detail = line.get("SalesItemLineDetail")
        if detail:
            detail["Qty"] = 0
    for key in ("Balance", "RemainingCredit"):
        if key in data:
            data[key] = 0


def _current(company: Company, spec: Spec, body: dict) -> Record:
    if not body.get("Id"):
        raise faults.required("Id")
    rec = record_get(company, spec.name, body["Id"], lock=True)
    if rec is None or rec.deleted:
        raise faults.not_found(spec.name)
    if body.get("SyncToken") is None:
        raise faults.required("SyncToken")
    if str(body["SyncToken"]) != rec.data.get("SyncToken"):
        raise faults.stale_object(spec.name)
    return rec


def _guard_change(company: Company, rec: Record, opts: WriteOptions) -> None:
    if rec.type == "Payment" and rec.meta.get("deposited_in"):
        raise faults.deposited()
    if not opts.bookkeeper:
        _check_closed(company, rec.data)


def _check_closed(company: Company, data: dict) -> None:
    closed = book_close_date(company)
    txn_date = data.get("TxnDate")
    if closed and txn_date and str(txn_date)[:10] <= closed:
        raise faults.period_closed()


def _strip(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in (*READ_ONLY, "sparse")}


def _deep_merge(old: dict, new: dict) -> dict:
    """Preferences sparse update: nested blocks merge; a null removes the setting."""
    out = _strip(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = {**out[key], **value}
            out[key] = {k: v for k, v in merged.items() if v is not None}
        elif value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def prepare(company: Company, spec: Spec, data: dict, rec, opts: WriteOptions):
    """Validate and compute one entity; returns (data, meta to keep on the record)."""
    own = rec.remote_id if rec else None
    compute.check_refs(company, data)
    name = spec.name
    meta: dict = {}
    if name in ("Customer", "Vendor", "Employee"):
        return compute.person(company, name, data, own), meta
    if name == "Account":
        return compute.account(company, data, own), meta
    if name in ("Item", "Class"):
        return _named(company, name, data, own), meta
    if spec.sales:
        meta = _sales(company, spec, data, rec, opts)
    elif name == "Payment":
        compute.txn_defaults(data)
        data.pop("LinkedTxn", None)
        links.payment_validate(company, data)
        data.setdefault("ProcessPayment", False)
        _undeposited_default(company, data)
    elif name == "Deposit":
        compute.txn_defaults(data)
        data.pop("LinkedTxn", None)
    elif name in ("Bill", "Purchase", "PurchaseOrder"):
        purchases.expense_form(company, name, data)
        _dup_check(company, spec, data, rec, opts)
        if name == "Bill":
            data["Balance"] = data["TotalAmt"]
    elif name == "JournalEntry":
        compute.journal(data)
        _dup_check(company, spec, data, rec, opts)
    elif name == "Transfer":
        compute.transfer(data)
    elif name == "TimeActivity":
        purchases.time_activity(data)
    if not opts.bookkeeper:
        _check_closed(company, data)
    return data, meta


def _named(company: Company, name: str, data: dict, own) -> dict:
    if name == "Item":
        purchases.item_rules(data)
    return compute.named(company, name, data, own)


def _sales(company: Company, spec: Spec, data: dict, rec, opts: WriteOptions) -> dict:
    meta = _doc_number(company, spec, data, rec, opts)
    compute.sales_form(spec.name, data)
    _sales_balance(spec.name, data, rec)
    if spec.name in ("SalesReceipt", "RefundReceipt"):
        purchases.receipt_account(company, spec.name, data)
    return meta


def _undeposited_default(company: Company, data: dict) -> None:
    """A payment without DepositToAccountRef lands in Undeposited Funds (Payment doc page)."""
    if data.get("DepositToAccountRef"):
        return
    account = find_by_subtype(company, "UndepositedFunds")
    if account is not None:
        data["DepositToAccountRef"] = ref(account)


def _sales_balance(name: str, data: dict, rec) -> None:
    """Balance = TotalAmt less what payments (or credits used) have taken off it."""
    if name in ("SalesReceipt", "RefundReceipt", "Estimate"):
        data["Balance"] = 0 if name != "Estimate" else data.get("Balance", 0)
        if name == "Estimate":
            data.pop("Balance", None)
        return
    field_name = "Balance" if name == "Invoice" else "RemainingCredit"
    used = 0
    if rec is not None:
        used = compute.dec(rec.data["TotalAmt"]) - compute.dec(rec.data.get(field_name, 0))
    remaining = compute.dec(data["TotalAmt"]) - used
    if remaining < 0:
        raise faults.business("The transaction total cannot be less than the amount already paid.")
    data[field_name] = compute.money(remaining)
    # Links to payments are read-only at the API level (Invoice doc, LinkedTxn): kept from the
    # stored invoice, never taken from the request.
    sent = [lk for lk in data.get("LinkedTxn") or [] if lk.get("TxnType") != "Payment"]
    old = (rec.data.get("LinkedTxn") or []) if rec is not None else []
    data["LinkedTxn"] = sent + [lk for lk in old if lk.get("TxnType") == "Payment"]
    if name == "CreditMemo":
        data["Balance"] = data["RemainingCredit"]


def _doc_number(company: Company, spec: Spec, data: dict, rec, opts: WriteOptions) -> dict:
    """Custom numbers off: Intuit numbers the form (last + 1) and keeps a sent DocNumber as is,
    without the duplicate check ("do not send a value as it can lead to unwanted duplicates").
    Custom numbers on: a sent DocNumber is kept, none stays empty, duplicates are 6140."""
    doc = data.get("DocNumber")
    custom = pref_value(company, "SalesFormsPrefs", "CustomTxnNumbers") is True
    if doc is not None and len(str(doc)) > 21:
        raise faults.too_long("DocNumber", 21)
    if rec is not None:
        if doc is None and "DocNumber" in rec.data and not custom:
            data["DocNumber"] = rec.data["DocNumber"]
        elif doc is not None and doc != rec.data.get("DocNumber") and custom:
            _sales_duplicate(company, str(doc), rec, opts)
        return {}
    if doc in (None, "") and not custom:
        data["DocNumber"] = doc_number_next(company, spec.name)
        return {"auto_number": True}
    if doc not in (None, "") and custom:
        _sales_duplicate(company, str(doc), None, opts)
    return {}


def _sales_duplicate(company: Company, doc: str, rec, opts: WriteOptions) -> None:
    if "allowduplicatedocnum" in opts.include:
        return
    unit.key_lock(company, "sales", doc)
    clash = Record.objects.filter(company=company, type__in=SALES_TYPES, key=doc, deleted=False)
    if rec is not None:
        clash = clash.exclude(pk=rec.pk)
    other = clash.first() or unit.pending_clash(company, SALES_TYPES, doc)
    if other is not None:
        label = {"CreditMemo": "Credit Memo", "SalesReceipt": "Sales Receipt"}.get(other.type)
        raise faults.duplicate_doc_number(doc, label or other.type, other.remote_id)


def _dup_check(company: Company, spec: Spec, data: dict, rec, opts: WriteOptions) -> None:
    """Bills, checks and journal numbers: only while the OtherPrefs warning is on (Bill doc)."""
    doc = data.get("DocNumber")
    if not doc or "allowduplicatedocnum" in opts.include:
        return
    if len(str(doc)) > 21:
        raise faults.too_long("DocNumber", 21)
    warn = DUP_PREFS.get(spec.name)  # purchase orders are never checked
    if warn is None or pref_value(company, "OtherPrefs", warn) not in ("true", True):
        return
    unit.key_lock(company, spec.name, str(doc))
    clash = Record.objects.filter(company=company, type=spec.name, key=str(doc), deleted=False)
    if rec is not None:
        clash = clash.exclude(pk=rec.pk)
    other = clash.first() or unit.pending_clash(company, [spec.name], str(doc))
    if other is not None:
        raise faults.duplicate_doc_number(str(doc), spec.label, other.remote_id)


def _effects(company: Company, spec: Spec, data: dict, rid: int, sign: int) -> None:
    if spec.name == "Payment":
        links.payment_apply(company, data, rid, sign)
    elif spec.name == "Deposit":
        links.deposit_link(company, data, rid, sign)
        if sign > 0:
            links.deposit_total(data)


def _balances(company: Company, spec: Spec, old: dict | None, new: dict | None) -> None:
    if spec.name in links.SIGN:
        links.customer_balance_shift(company, spec.name, old, new)
